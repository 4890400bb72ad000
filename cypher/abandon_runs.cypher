// Runs still 'running' when a new sync holds the lock were cut off: mark them failed.
MATCH (s:SyncRun {status: 'running'})
WHERE s.id <> $current
SET s.status = 'failed', s.finished = $finished,
    s.error = 'abandoned: the sync stopped before it finished'
RETURN s.id AS id

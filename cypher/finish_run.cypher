// Close a sync run with its status, counts and error.
MATCH (s:SyncRun {id: $id})
SET s.finished = $finished, s.status = $status, s.counts = $counts, s.error = $error
RETURN s.id AS id

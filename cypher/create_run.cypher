// A new sync run, numbered after the last one.
OPTIONAL MATCH (last:SyncRun)
WITH coalesce(max(last.id), 0) + 1 AS id
CREATE (s:SyncRun {id: id, source: $source, format: $format, mode: $mode,
                   started: $started, status: 'running', counts: '{}'})
RETURN s.id AS id

// Sync runs, newest first.
MATCH (s:SyncRun)
RETURN s.id AS id, s.source AS source, s.format AS format, s.mode AS mode,
       s.started AS started, s.finished AS finished, s.status AS status,
       s.counts AS counts, s.error AS error
ORDER BY s.id DESC
LIMIT $limit

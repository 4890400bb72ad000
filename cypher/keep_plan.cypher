// The portfolio's assignment a sync made for its day and settings (kept by key), and
// only the plans of the last $keep runs after it.
MERGE (p:Plan {key: $key})
SET p.run = $run, p.made = $made, p.payload = $payload
WITH p
MATCH (old:Plan) WHERE old.run <= $run - $keep
DETACH DELETE old
RETURN count(*) AS dropped

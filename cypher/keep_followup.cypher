// The follow-up a sync made for its run (every action given and what became of it),
// and only those of the last $keep runs after it.
MERGE (f:Followup {run: $run})
SET f.as_of = $day, f.made = $made, f.payload = $payload, f.progress = $data
WITH f
MATCH (old:Followup) WHERE old.run <= $run - $keep
DETACH DELETE old
RETURN count(*) AS dropped

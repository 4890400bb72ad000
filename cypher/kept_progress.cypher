// Where each account stood at the newest $limit follow-ups kept, newest first.
MATCH (f:Followup) WHERE f.run IS NOT NULL
RETURN f.run AS run, f.as_of AS as_of, f.progress AS progress
ORDER BY run DESC
LIMIT $limit

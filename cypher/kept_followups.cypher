// Every follow-up kept: its run and day, newest first.
MATCH (f:Followup) WHERE f.run IS NOT NULL
RETURN f.run AS run, f.as_of AS as_of
ORDER BY run DESC

// The follow-up kept for one run (see keep_followup).
MATCH (f:Followup {run: $run})
RETURN f.payload AS payload

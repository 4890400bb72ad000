// A portfolio plan kept under its key (see keep_plan).
MATCH (p:Plan {key: $key})
RETURN p.payload AS payload

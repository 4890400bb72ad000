// Whether any active record of a kind is stored: one index lookup, one row at most.
MATCH (r:Record {kind: $kind})
WHERE r.status = 'active'
RETURN 1 AS found
LIMIT 1

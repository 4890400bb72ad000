// Whether the store holds any account not deleted (an incremental export's contacts
// must then name a known one).
MATCH (r:Record)
WHERE r.kind = 'account' AND r.status IN ['active', 'inactive']
RETURN r.key AS key
LIMIT 1

// Every person of ours: the records without an account.
MATCH (r:Record)
WHERE r.pool = true AND r.status IN ['active', 'inactive', 'deleted']
RETURN r.kind AS kind, r.key AS key, r.source AS source, r.data AS data,
       r.status AS status, r.status_since AS since

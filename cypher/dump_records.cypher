// Every visible record, for comparing stores.
MATCH (r:Record)
WHERE r.status IN ['active', 'inactive', 'deleted']
RETURN r.kind AS kind, r.key AS key, r.source AS source, r.account_id AS account_id,
       r.data AS data, r.status AS status, r.status_since AS since
ORDER BY kind, key, source

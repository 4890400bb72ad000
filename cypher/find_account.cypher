// One account's records of every source, by id, to be merged.
MATCH (r:Record {kind: 'account', key: $id})
WHERE r.status IN ['active', 'inactive', 'deleted']
RETURN r.kind AS kind, r.key AS key, r.source AS source, r.data AS data,
       r.status AS status, r.status_since AS since

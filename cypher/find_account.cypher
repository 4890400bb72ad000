// One account's records of every source, each by its exact uid (account|id|source)
// through the uid constraint, to be merged.
UNWIND $uids AS uid
MATCH (r:Record {uid: uid})
WHERE r.status IN ['active', 'inactive', 'deleted']
RETURN r.kind AS kind, r.key AS key, r.source AS source, r.data AS data,
       r.status AS status, r.status_since AS since

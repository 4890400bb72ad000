// The ids an incremental export names, each looked up by its exact uid (kind|key|source)
// through the uid constraint, not every id the store holds.
UNWIND $uids AS uid
MATCH (r:Record {uid: uid})
WHERE r.status IN ['active', 'inactive']
RETURN r.kind AS kind, r.key AS key, r.account_id AS account_id, r.pool AS pool,
       CASE WHEN r.pool THEN r.data END AS data

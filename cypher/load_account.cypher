// One account's records and our people: all of them ($everyone), or those whose uids
// are in $uids.  Each part is an index seek (the account's id; the pool, only when every
// person of ours is wanted; each uid), never a scan of every record.
CALL {
  MATCH (r:Record {account_id: $account_id})
  RETURN r
  UNION
  UNWIND CASE WHEN $everyone THEN [true] ELSE [] END AS pool
  MATCH (r:Record {pool: pool})
  RETURN r
  UNION
  UNWIND $uids AS uid
  MATCH (r:Record {uid: uid})
  WHERE r.pool = true
  RETURN r
}
WITH r
WHERE r.status IN ['active', 'inactive', 'deleted']
RETURN r.kind AS kind, r.key AS key, r.source AS source, r.data AS data,
       r.status AS status, r.status_since AS since

// One account's records (and our people: all, or those whose uids are in $uids) as they
// stood after run $run.  Each part is an index seek, as in load_account.
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
MATCH (h:History {uid: r.uid})
WHERE h.run <= $run
WITH r, h ORDER BY h.run DESC
WITH r, collect(h) AS versions
WITH r, versions[0] AS last
RETURN r.kind AS kind, r.key AS key, r.source AS source, last.data AS data,
       last.status AS status, null AS since

// One account's records (and our people: all, or those in $people) as they stood after
// run $run.  Each half is an index seek, as in load_account.
CALL {
  MATCH (r:Record {account_id: $account_id})
  RETURN r
  UNION
  MATCH (r:Record {pool: true})
  WHERE $everyone OR r.key IN $people
  RETURN r
}
MATCH (h:History {uid: r.uid})
WHERE h.run <= $run
WITH r, h ORDER BY h.run DESC
WITH r, collect(h) AS versions
WITH r, versions[0] AS last
RETURN r.kind AS kind, r.key AS key, r.source AS source, last.data AS data,
       last.status AS status, null AS since

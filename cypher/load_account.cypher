// One account's records and our people: all of them, or those in $people.  Each half
// is an index seek (the account's id; the pool), never a scan of every record.
CALL {
  MATCH (r:Record {account_id: $account_id})
  RETURN r
  UNION
  MATCH (r:Record {pool: true})
  WHERE $everyone OR r.key IN $people
  RETURN r
}
WITH r
WHERE r.status IN ['active', 'inactive', 'deleted']
RETURN r.kind AS kind, r.key AS key, r.source AS source, r.data AS data,
       r.status AS status, r.status_since AS since

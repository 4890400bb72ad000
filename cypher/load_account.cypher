// One account's records and our people: all of them, or those in $people.
MATCH (r:Record)
WHERE (r.account_id = $account_id
       OR (r.pool = true AND ($everyone OR r.key IN $people)))
  AND r.status IN ['active', 'inactive', 'deleted']
RETURN r.kind AS kind, r.key AS key, r.source AS source, r.data AS data,
       r.status AS status, r.status_since AS since

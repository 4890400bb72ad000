// One account's records and all of our people, in one round trip.
MATCH (r:Record)
WHERE (r.account_id = $account_id OR r.pool = true)
  AND r.status IN ['active', 'inactive', 'deleted']
RETURN r.kind AS kind, r.key AS key, r.source AS source, r.data AS data,
       r.status AS status, r.status_since AS since

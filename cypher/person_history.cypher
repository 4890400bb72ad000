// Every stored version of a person's records and the records that involve them.
MATCH (r:Record)
WHERE r.key = $id OR r.person_id = $id OR r.customer_id = $id OR r.supplier_id = $id
   OR (r.kind = 'influence' AND (r.key STARTS WITH $prefix OR r.key ENDS WITH $suffix))
WITH collect(r.uid) AS uids
MATCH (h:History)
WHERE h.uid IN uids
RETURN h.uid AS uid, h.run AS run, h.status AS status, h.data AS data
ORDER BY h.run

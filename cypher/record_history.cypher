// The stored versions of records, oldest first.
MATCH (h:History)
WHERE h.uid IN $uids
RETURN h.uid AS uid, h.run AS run, h.status AS status, h.data AS data
ORDER BY h.run

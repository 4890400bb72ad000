// The stored contact logs of a batch of uids (for merging an incremental export).
UNWIND $uids AS uid
MATCH (r:Record {uid: uid})
WHERE r.status IN ['active', 'inactive']
RETURN r.key AS key, r.data AS data

// The stored hash, status and account of each uid in a batch (absent uids return
// nothing).
UNWIND $uids AS uid
MATCH (r:Record {uid: uid})
RETURN r.uid AS uid, r.hash AS hash, r.status AS status, r.status_since AS since,
       r.account_id AS account

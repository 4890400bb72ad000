// Undo the staged changes of a failed or rejected run $run, a batch of uids at a time,
// each found through the unique constraint (a record is staged while it has next_hash).
UNWIND $uids AS uid
MATCH (r:Record {uid: uid})
WHERE r.next_run = $run AND r.next_hash IS NOT NULL
REMOVE r.next_data, r.next_hash, r.next_status, r.next_since,
       r.next_account_id, r.next_pool, r.next_supplier_id, r.next_customer_id,
       r.next_person_id
RETURN count(r) AS n

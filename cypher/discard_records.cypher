// Undo the staged changes of a failed or rejected run $run, a batch of uids at a time,
// each found through the unique constraint (a record is staged while it has next_hash):
// a record the run created is deleted, any other loses its staged values.
UNWIND $uids AS uid
MATCH (r:Record {uid: uid})
WHERE r.next_run = $run AND r.next_hash IS NOT NULL
REMOVE r:Staged, r.next_data, r.next_hash, r.next_status, r.next_since,
       r.next_account_id, r.next_pool, r.next_supplier_id, r.next_customer_id,
       r.next_person_id
WITH r, r.status = 'staged' AS created
FOREACH (_ IN CASE WHEN created THEN [1] ELSE [] END | DETACH DELETE r)
RETURN count(*) AS n

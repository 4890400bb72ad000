// Undo up to $batch staged changes of a failed or rejected run $run (next_run stays, as
// in finalize_records: a record is staged while it has next_hash).
MATCH (r:Record)
WHERE r.next_run = $run AND r.next_hash IS NOT NULL
WITH r LIMIT $batch
REMOVE r.next_data, r.next_hash, r.next_status, r.next_since,
       r.next_account_id, r.next_pool, r.next_supplier_id, r.next_customer_id,
       r.next_person_id
RETURN count(r) AS n

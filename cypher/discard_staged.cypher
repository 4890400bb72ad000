// Undo up to $batch staged changes of a failed or rejected run $run.
MATCH (r:Record)
WHERE r.next_run = $run
WITH r LIMIT $batch
REMOVE r.next_run, r.next_data, r.next_hash, r.next_status, r.next_since,
       r.next_account_id, r.next_pool, r.next_supplier_id, r.next_customer_id,
       r.next_person_id
RETURN count(r) AS n

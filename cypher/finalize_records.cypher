// Make up to $batch staged records of run $run visible, keeping their history.
MATCH (r:Record)
WHERE r.next_run = $run
WITH r LIMIT $batch
SET r.data = r.next_data,
    r.hash = r.next_hash,
    r.status = r.next_status,
    r.status_since = r.next_since,
    r.account_id = r.next_account_id,
    r.pool = r.next_pool,
    r.supplier_id = r.next_supplier_id,
    r.customer_id = r.next_customer_id,
    r.person_id = r.next_person_id,
    r.changed_run = $run
REMOVE r.next_run, r.next_data, r.next_hash, r.next_status, r.next_since,
       r.next_account_id, r.next_pool, r.next_supplier_id, r.next_customer_id,
       r.next_person_id
CREATE (:History {uid: r.uid, run: $run, status: r.status, data: r.data})
RETURN count(r) AS n

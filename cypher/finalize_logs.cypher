// Make a batch of activity logs staged by run $run visible, keeping their history: as
// finalize_records.cypher, without changed_run (only the change index reads it, and not
// for activity logs; moving it cost each log a walk of its last run's index entry).
UNWIND $uids AS uid
MATCH (r:Record {uid: uid})
WHERE r.next_run = $run AND r.next_hash IS NOT NULL
SET r.data = r.next_data,
    r.hash = r.next_hash,
    r.status = r.next_status,
    r.status_since = r.next_since,
    r.account_id = r.next_account_id,
    r.pool = r.next_pool,
    r.supplier_id = r.next_supplier_id,
    r.customer_id = r.next_customer_id,
    r.person_id = r.next_person_id
REMOVE r.next_data, r.next_hash, r.next_status, r.next_since,
       r.next_account_id, r.next_pool, r.next_supplier_id, r.next_customer_id,
       r.next_person_id
CREATE (:History {uid: r.uid, run: $run, status: r.status, data: r.data})
RETURN count(r) AS n

// Make a batch of records staged by run $run visible, keeping their history.  Each is
// found by its uid through the unique constraint, never by a scan for the run; a staged
// record is one with next_hash (next_run stays).  Activity logs keep their changed_run:
// only the change index reads it, never for logs, and moving it walked the entry of the
// log's last run in its index (an incremental run is mostly logs).
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
    r.person_id = r.next_person_id,
    r.changed_run = CASE WHEN r.kind IN $activity THEN r.changed_run ELSE $run END
REMOVE r:Staged, r.next_data, r.next_hash, r.next_status, r.next_since,
       r.next_account_id, r.next_pool, r.next_supplier_id, r.next_customer_id,
       r.next_person_id
CREATE (:History {uid: r.uid, run: $run, status: r.status, data: r.data})
RETURN count(r) AS n

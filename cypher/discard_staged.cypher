// Undo up to $batch staged changes of a failed or rejected run $run whose uids this
// process does not know (a run cut off with its process): found by the :Staged label,
// which only records with staged changes carry, never by a scan of every record.  As
// in discard_records, a record the run created is deleted.
MATCH (r:Staged)
WHERE r.next_run = $run
WITH r LIMIT $batch
REMOVE r:Staged, r.next_data, r.next_hash, r.next_status, r.next_since,
       r.next_account_id, r.next_pool, r.next_supplier_id, r.next_customer_id,
       r.next_person_id
WITH r, r.status = 'staged' AS created
FOREACH (_ IN CASE WHEN created THEN [1] ELSE [] END | DETACH DELETE r)
RETURN count(*) AS n

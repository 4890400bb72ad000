// Stage a batch of new or changed records for run $run; readers see them only after
// finalize_records. New records wait with status 'staged'; every staged record carries
// the :Staged label until it is finalized or discarded.
UNWIND $rows AS row
MERGE (r:Record {uid: row.uid})
  ON CREATE SET r.status = 'staged', r.first_run = $run, r.kind = row.kind,
                r.key = row.key, r.source = row.source
SET r:Staged,
    r.next_run = $run,
    r.next_data = row.data,
    r.next_hash = row.hash,
    r.next_status = row.status,
    r.next_since = row.since,
    r.next_account_id = row.account_id,
    r.next_pool = row.pool,
    r.next_supplier_id = row.supplier_id,
    r.next_customer_id = row.customer_id,
    r.next_person_id = row.person_id

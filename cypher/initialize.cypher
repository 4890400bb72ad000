// Schema set-up for the Neo4j store: idempotent, one statement per constraint or index.
// Every stored record is a :Record node keyed by uid = kind|key|source.
CREATE CONSTRAINT record_uid IF NOT EXISTS FOR (r:Record) REQUIRE r.uid IS UNIQUE;
CREATE CONSTRAINT sync_run_id IF NOT EXISTS FOR (s:SyncRun) REQUIRE s.id IS UNIQUE;
CREATE CONSTRAINT source_name IF NOT EXISTS FOR (s:Source) REQUIRE s.name IS UNIQUE;
CREATE CONSTRAINT lock_name IF NOT EXISTS FOR (l:Lock) REQUIRE l.name IS UNIQUE;
CREATE INDEX record_account IF NOT EXISTS FOR (r:Record) ON (r.account_id);
CREATE INDEX record_kind IF NOT EXISTS FOR (r:Record) ON (r.kind);
CREATE INDEX record_source IF NOT EXISTS FOR (r:Record) ON (r.source);
// A run's staged records are found by uid (finalize, discard): an index on next_run,
// one entry shared by every record a run staged, only cost each write a walk of it.
DROP INDEX record_next_run IF EXISTS;
// An audit asks which records changed after a run: a range over changed_run, not a scan.
CREATE INDEX record_changed_run IF NOT EXISTS FOR (r:Record) ON (r.changed_run);
CREATE INDEX history_uid IF NOT EXISTS FOR (h:History) ON (h.uid);
// An incremental sync reads each pair's contact logs by the customer's id; an account is
// read with our people (the pool): both are lookups, not scans.
CREATE INDEX record_customer IF NOT EXISTS FOR (r:Record) ON (r.customer_id);
CREATE INDEX record_pool IF NOT EXISTS FOR (r:Record) ON (r.pool);
// A person's history reads the records that name them as one of ours (team seats, links)
// or as their person (deal roles) through these, not by a scan of every record.
CREATE INDEX record_person IF NOT EXISTS FOR (r:Record) ON (r.person_id);
CREATE INDEX record_supplier IF NOT EXISTS FOR (r:Record) ON (r.supplier_id);
// What a sync keeps for readers: one node per name, found through its constraint.
CREATE CONSTRAINT summary_name IF NOT EXISTS FOR (s:Summary) REQUIRE s.name IS UNIQUE;
// Kept portfolio plans are read by key.
CREATE CONSTRAINT plan_key IF NOT EXISTS FOR (p:Plan) REQUIRE p.key IS UNIQUE;
// Follow-ups are read by run, closures by action id.
CREATE CONSTRAINT followup_run IF NOT EXISTS FOR (f:Followup) REQUIRE f.run IS UNIQUE;
CREATE CONSTRAINT closure_id IF NOT EXISTS FOR (c:Closure) REQUIRE c.id IS UNIQUE

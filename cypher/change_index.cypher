// Records other than activity logs changed after run $run, each with every stored
// version (run and data): the caller reads which accounts, and which of our people,
// each run changed.  Only properties are carried to the aggregation (the caller sorts
// the versions by run).
MATCH (r:Record)
WHERE r.changed_run > $run AND NOT r.kind IN $activity
OPTIONAL MATCH (h:History {uid: r.uid})
WITH r.kind AS kind, r.key AS key, r.source AS source, r.account_id AS account_id,
     r.changed_run AS changed_run, h.run AS run, h.data AS data
RETURN kind, key, source, account_id, changed_run, collect(run) AS runs,
       collect(data) AS versions

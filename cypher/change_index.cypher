// Records other than activity logs changed after run $run, each with every stored
// version (run and data): the caller reads which accounts, and which of our people,
// each run changed.
MATCH (r:Record)
WHERE r.changed_run > $run AND NOT r.kind IN $activity
MATCH (h:History {uid: r.uid})
WITH r, h ORDER BY h.run
RETURN r.kind AS kind, r.key AS key, r.source AS source, r.account_id AS account_id,
       r.changed_run AS changed_run, collect(h.run) AS runs, collect(h.data) AS versions

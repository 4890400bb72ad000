// Records other than activity logs changed after run $run: the account each belongs to
// now, and every stored version's data (the caller reads the accounts named there).
MATCH (r:Record)
WHERE r.changed_run > $run AND NOT r.kind IN $activity
OPTIONAL MATCH (h:History {uid: r.uid})
RETURN r.account_id AS account_id, collect(h.data) AS versions

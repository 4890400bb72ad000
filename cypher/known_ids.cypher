// Ids an incremental export may reference: accounts, people and deals not deleted.
// One row per kind (and per pool, for people) with its keys and their accounts as lists
// built from the same rows: a row per record cost the driver ten times the server's time.
// A person without an account (the pool) may be one of ours or not: their data says.
MATCH (r:Record)
WHERE r.kind IN ['account', 'person', 'opportunity'] AND r.status IN ['active', 'inactive']
WITH r.kind AS kind, coalesce(r.pool, false) AS pool, collect(r.key) AS keys,
     collect(coalesce(r.account_id, '')) AS accounts, collect(CASE WHEN r.pool THEN r.data END) AS data
RETURN kind, pool, keys, accounts, data

// Ids an incremental export may reference: accounts, people and deals not deleted.
MATCH (r:Record)
WHERE r.kind IN ['account', 'person', 'opportunity'] AND r.status IN ['active', 'inactive']
RETURN r.kind AS kind, r.key AS key, r.account_id AS account_id, r.pool AS pool

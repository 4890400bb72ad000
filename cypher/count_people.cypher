// Active customer people per account.
MATCH (r:Record {kind: 'person', status: 'active'})
WHERE r.account_id IS NOT NULL
RETURN r.account_id AS account, count(DISTINCT r.key) AS n

// count_people for the accounts in $accounts alone.
MATCH (r:Record {kind: 'person', status: 'active'})
WHERE r.account_id IN $accounts
RETURN r.account_id AS account, count(DISTINCT r.key) AS n

// count_people for the accounts in $accounts alone, each found through the account index.
UNWIND $accounts AS account
MATCH (r:Record {account_id: account})
WHERE r.kind = 'person' AND r.status = 'active'
RETURN account, count(DISTINCT r.key) AS n

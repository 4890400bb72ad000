// account_members for the accounts in $accounts alone, each found through the account
// index.
UNWIND $accounts AS account
MATCH (r:Record {account_id: account})
WHERE r.status = 'active' AND r.kind IN ['team_member', 'contact_log', 'touch', 'relationship']
WITH account, coalesce(r.person_id, r.supplier_id) AS person
WHERE person IS NOT NULL
RETURN account, collect(DISTINCT person) AS people

// account_members for the accounts in $accounts alone, found through the account index.
MATCH (r:Record)
WHERE r.account_id IN $accounts AND r.status = 'active'
  AND r.kind IN ['team_member', 'contact_log', 'touch', 'relationship']
WITH r.account_id AS account, coalesce(r.person_id, r.supplier_id) AS person
WHERE person IS NOT NULL
RETURN account, collect(DISTINCT person) AS people

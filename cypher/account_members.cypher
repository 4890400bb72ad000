// Which of our people serve each account: its active team seats and links.
MATCH (r:Record)
WHERE r.status = 'active' AND r.kind IN ['team_member', 'contact_log', 'touch', 'relationship']
  AND r.account_id IS NOT NULL
WITH r.account_id AS account, coalesce(r.person_id, r.supplier_id) AS person
WHERE person IS NOT NULL
RETURN account, collect(DISTINCT person) AS people

// How many accounts each of our people serves: team seats or active links.
MATCH (r:Record)
WHERE r.status = 'active' AND r.kind IN ['team_member', 'contact_log', 'touch', 'relationship']
WITH coalesce(r.person_id, r.supplier_id) AS person, r.account_id AS account
RETURN person, count(DISTINCT account) AS n

// count_links for the accounts in $accounts alone.
MATCH (r:Record)
WHERE r.account_id IN $accounts AND r.status = 'active'
  AND r.kind IN ['contact_log', 'touch', 'relationship']
RETURN r.account_id AS account, count(DISTINCT r.supplier_id) AS ours,
       count(DISTINCT r.supplier_id + '|' + r.customer_id) AS links

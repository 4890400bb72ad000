// Our people and distinct (ours, theirs) pairs with active links, per account.
MATCH (r:Record)
WHERE r.kind IN ['contact_log', 'touch', 'relationship'] AND r.status = 'active'
RETURN r.account_id AS account, count(DISTINCT r.supplier_id) AS ours,
       count(DISTINCT r.supplier_id + '|' + r.customer_id) AS links

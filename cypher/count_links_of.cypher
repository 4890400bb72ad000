// count_links for the accounts in $accounts alone, each found through the account index.
UNWIND $accounts AS account
MATCH (r:Record {account_id: account})
WHERE r.status = 'active' AND r.kind IN ['contact_log', 'touch', 'relationship']
RETURN account, count(DISTINCT r.supplier_id) AS ours,
       count(DISTINCT r.supplier_id + '|' + r.customer_id) AS links

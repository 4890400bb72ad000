// The people an account's records name: our people on its team or in its relationships,
// and its own people (whose overlays may sit among the records without an account).
MATCH (r:Record)
WHERE r.account_id = $account_id AND r.status IN ['active', 'inactive', 'deleted']
WITH CASE WHEN r.kind = 'person' THEN r.key ELSE coalesce(r.person_id, r.supplier_id) END AS key
WHERE key IS NOT NULL
RETURN DISTINCT key

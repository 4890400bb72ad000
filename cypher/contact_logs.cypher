// Every stored contact log of a batch of pairs (for merging an incremental export):
// each month's log and any whole-pair log.  Found by exact ids through the customer
// index, never by scanning keys: a pair's logs are its customer's few records.
UNWIND $pairs AS pair
MATCH (r:Record {customer_id: pair.customer})
WHERE r.kind = 'contact_log' AND r.supplier_id = pair.supplier AND r.source = $source
  AND r.status IN ['active', 'inactive']
RETURN r.key AS key, r.data AS data

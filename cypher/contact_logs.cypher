// Every stored contact log of a batch of pairs (for merging an incremental export):
// each month's log and any whole-pair log, found by the uid prefix kind|ours|theirs|.
UNWIND $prefixes AS prefix
MATCH (r:Record)
WHERE r.uid STARTS WITH prefix AND r.source = $source
  AND r.status IN ['active', 'inactive']
RETURN r.key AS key, r.data AS data

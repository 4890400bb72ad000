// Remove up to $batch records that a failed or rejected run created but never finalized.
MATCH (r:Record {status: 'staged'})
WHERE r.next_hash IS NULL
WITH r LIMIT $batch
DETACH DELETE r
RETURN count(*) AS n

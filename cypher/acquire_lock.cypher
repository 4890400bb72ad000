// Take the sync lock unless someone else holds it and has not expired.  Neo4j reads
// committed data and locks a node only when it writes it: the lock node is written first
// (its exclusive lock taken, held to commit) and its holder read after, so two syncs
// that ask at once read one after the other, and one of them sees the other's hold.
MERGE (l:Lock {name: $name})
SET l.asked = $now
WITH l
WHERE l.holder IS NULL OR l.expires < $now OR l.holder = $holder
SET l.holder = $holder, l.expires = $expires
RETURN l.holder AS holder

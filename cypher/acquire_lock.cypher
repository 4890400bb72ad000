// Take the sync lock unless someone else holds it and has not expired.
MERGE (l:Lock {name: $name})
WITH l
WHERE l.holder IS NULL OR l.expires < $now OR l.holder = $holder
SET l.holder = $holder, l.expires = $expires
RETURN l.holder AS holder

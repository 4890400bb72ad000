MATCH (l:Lock {name: $name, holder: $holder})
SET l.holder = null, l.expires = null
RETURN count(l) AS n

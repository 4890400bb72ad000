// Take over a lock whose holder is known to be dead (same host, process gone).
MATCH (l:Lock {name: $name, holder: $stale})
SET l.holder = $holder, l.expires = $expires
RETURN l.holder AS holder

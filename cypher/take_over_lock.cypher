// Take over a lock whose holder is known to be dead (same host, process gone).  As in
// acquire_lock, the node is written (locked) before its holder is read: of two syncs that
// take it over at once, the second finds the first holding it and gets nothing.
MATCH (l:Lock {name: $name})
SET l.asked = $now
WITH l
WHERE l.holder = $stale
SET l.holder = $holder, l.expires = $expires
RETURN l.holder AS holder

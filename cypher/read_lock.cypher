MATCH (l:Lock {name: $name})
RETURN l.holder AS holder, l.expires AS expires

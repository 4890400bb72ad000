// A closure withdrawn: the action may be raised again.
MATCH (c:Closure {id: $id})
DELETE c
RETURN count(*) AS reopened

// Every action closed by hand.
MATCH (c:Closure) WHERE c.id IS NOT NULL
RETURN c.id AS id, c.payload AS payload
ORDER BY id

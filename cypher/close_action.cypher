// An action closed by hand: why, when and until when, by the action's id.
MERGE (c:Closure {id: $id})
SET c.payload = $payload
RETURN c.id AS id

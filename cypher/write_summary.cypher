// What a sync keeps for readers (our people's loads, the accounts' counts), as JSON.
MERGE (s:Summary {name: $name})
SET s.data = $data, s.run = $run
RETURN s.name AS name

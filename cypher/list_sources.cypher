MATCH (s:Source)
RETURN s.name AS name, s.format AS format

// A summary the last sync kept (see write_summary).
MATCH (s:Summary {name: $name})
RETURN s.data AS data

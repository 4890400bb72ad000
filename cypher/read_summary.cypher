// A summary the last sync kept (see write_summary), and the run that kept it.
MATCH (s:Summary {name: $name})
RETURN s.data AS data, s.run AS run

// Every active record of one source: the candidates for "gone from the export".
MATCH (r:Record {source: $source, status: 'active'})
RETURN r.uid AS uid

// Remember which format a source has (overlays merge on top of CRM sources).
MERGE (s:Source {name: $name})
SET s.format = $format

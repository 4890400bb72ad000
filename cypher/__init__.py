"""Every Cypher statement kamgraph runs, as ``.cypher`` files (package data)."""

"""JSON Schemas of kamgraph's outputs (package data)."""

"""Relationship maps in the browser (pyvis)."""

"""Salesforce ids, for the loaders: the rules live in :mod:`kamgraph.ids`, beneath every
layer, so the audit can normalise an id a user types without importing a loader."""

from __future__ import annotations

from kamgraph.ids import PREFIXES, is_valid, object_of, to18

__all__ = ["PREFIXES", "is_valid", "object_of", "to18"]

"""Analyses: pure functions over one account's graph that return findings.

Each lives in its own module (``kamgraph.analysis.coverage`` and so on); importing this
package imports none of them, so a command that only syncs never loads networkx.
"""

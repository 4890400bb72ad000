"""Analyses: pure functions over one account's graph that return findings."""

from kamgraph.analysis.coverage import coverage_gaps
from kamgraph.analysis.findings import Finding, Severity, Subject

__all__ = ["Finding", "Severity", "Subject", "coverage_gaps"]

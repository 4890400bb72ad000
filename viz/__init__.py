"""Relationship maps in the browser: per-account maps and a portfolio site.

Built with pyvis (node and edge data, vis-network options) and written as single,
self-contained HTML files: vis-network is inlined, nothing is fetched, every CRM string
reaches the page as JSON data and is shown as text.
"""

from kamgraph.viz.maps import render_account_map
from kamgraph.viz.site import write_site

__all__ = ["render_account_map", "write_site"]

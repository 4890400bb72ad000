"""CRM readers: each turns an export into a stream of kamgraph records."""

from kamgraph.loaders.base import LoadResult, Reject, detect_format, load

__all__ = ["LoadResult", "Reject", "detect_format", "load"]

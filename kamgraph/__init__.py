"""kamgraph: relationship intelligence for key account management."""

__version__ = "0.1.0"

__all__ = ["__version__"]

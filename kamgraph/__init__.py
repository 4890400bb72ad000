"""kamgraph: relationship intelligence for key account management.

>>> import kamgraph
>>> sorted(kamgraph.__all__)
['Account', 'Config', 'Portfolio', '__version__', 'open', 'sync']
"""

__version__ = "0.1.0"

from kamgraph.config import Config  # noqa: E402
from kamgraph.portfolio import Account, Portfolio, open, sync  # noqa: E402, A004

__all__ = ["Account", "Config", "Portfolio", "__version__", "open", "sync"]

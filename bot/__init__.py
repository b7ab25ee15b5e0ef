"""cchc-bot: answers questions about Vietnamese administrative-reform news, with citations."""

__version__ = "0.1.0"

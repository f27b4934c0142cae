"""JoinedUp: an open-source data hub for local public services."""

__version__ = "0.1.0"

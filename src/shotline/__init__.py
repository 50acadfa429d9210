"""shotline: a timeline-aware AI film studio."""

__version__ = "0.1.0"

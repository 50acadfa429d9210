"""Errors raised while exchanging timelines with other editors."""

from __future__ import annotations


class InterchangeError(ValueError):
    """A timeline file that cannot be written or read: names the file and the reason."""

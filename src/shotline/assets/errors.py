"""What can go wrong with stored assets. Each error also subclasses the matching built-in, so
callers that only know ``KeyError`` / ``ValueError`` still catch it."""

from __future__ import annotations


class AssetError(Exception):
    """Base of every asset store and catalog error."""


class BlobNotFound(AssetError, KeyError):
    """No blob with this sha256 in the store."""

    def __init__(self, sha: str, where: str = "the blob store") -> None:
        super().__init__(sha, where)
        self.sha = sha
        self.where = where

    def __str__(self) -> str:  # KeyError would print the repr of its args
        return f"blob {self.sha} is not in {self.where}"


class AssetNotFound(AssetError, KeyError):
    """No catalog row for this sha256."""

    def __init__(self, sha: str) -> None:
        super().__init__(sha)
        self.sha = sha

    def __str__(self) -> str:
        return f"asset {self.sha} is not in the catalog"


class CorruptAsset(AssetError, ValueError):
    """Stored bytes no longer hash to their name."""

    def __init__(self, sha: str, actual: str, where: str) -> None:
        super().__init__(sha, actual, where)
        self.sha = sha
        self.actual = actual
        self.where = where

    def __str__(self) -> str:
        return f"blob {self.sha} is corrupt: {self.where} hashes to {self.actual}"

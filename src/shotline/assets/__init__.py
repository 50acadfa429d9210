"""Content-addressed asset storage (local folder or S3) and the catalog of what each blob is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shotline.lazy import exports

if TYPE_CHECKING:
    from shotline.assets.blobs import BlobStore, LocalBlobStore, sha256_file
    from shotline.assets.catalog import Asset, AssetCatalog, AssetKind, canonical_json
    from shotline.assets.errors import AssetError, AssetNotFound, BlobNotFound, CorruptAsset
    from shotline.assets.s3 import S3BlobStore

# Imported on first use: importing one light submodule must not load the heavy ones.
__getattr__ = exports(
    __name__,
    {
        "BlobStore": "shotline.assets.blobs",
        "LocalBlobStore": "shotline.assets.blobs",
        "sha256_file": "shotline.assets.blobs",
        "Asset": "shotline.assets.catalog",
        "AssetCatalog": "shotline.assets.catalog",
        "AssetKind": "shotline.assets.catalog",
        "canonical_json": "shotline.assets.catalog",
        "AssetError": "shotline.assets.errors",
        "AssetNotFound": "shotline.assets.errors",
        "BlobNotFound": "shotline.assets.errors",
        "CorruptAsset": "shotline.assets.errors",
        "S3BlobStore": "shotline.assets.s3",
    },
)

__all__ = [
    "Asset",
    "AssetCatalog",
    "AssetError",
    "AssetKind",
    "AssetNotFound",
    "BlobNotFound",
    "BlobStore",
    "CorruptAsset",
    "LocalBlobStore",
    "S3BlobStore",
    "canonical_json",
    "sha256_file",
]

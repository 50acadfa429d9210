"""Content-addressed asset storage (local folder or S3) and the catalog of what each blob is."""

from shotline.assets.blobs import BlobStore, LocalBlobStore, sha256_file
from shotline.assets.catalog import Asset, AssetCatalog, AssetKind, canonical_json
from shotline.assets.errors import AssetError, AssetNotFound, BlobNotFound, CorruptAsset
from shotline.assets.s3 import S3BlobStore

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

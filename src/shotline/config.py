"""Configuration from the environment (and ``.env``). Zero configuration is a working setup:
SQLite and files under the data folder, offline providers, no keys.

Keys keep the names their own SDKs use; everything of ours starts with ``SHOTLINE_``.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "shotline"


def _alias(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default_factory=_default_data, validation_alias=_alias("SHOTLINE_DATA"))
    database_url: str | None = Field(None, validation_alias=_alias("SHOTLINE_DATABASE_URL"))

    # Provider keys, under their SDKs' own names.
    fal_key: str | None = Field(None, validation_alias=_alias("FAL_KEY"))
    replicate_api_token: str | None = Field(None, validation_alias=_alias("REPLICATE_API_TOKEN"))
    runwayml_api_secret: str | None = Field(None, validation_alias=_alias("RUNWAYML_API_SECRET"))
    openrouter_api_key: str | None = Field(None, validation_alias=_alias("OPENROUTER_API_KEY"))
    anthropic_api_key: str | None = Field(None, validation_alias=_alias("ANTHROPIC_API_KEY"))

    # Every base URL is configurable, so tests (and self-hosted gateways) can point elsewhere.
    fal_url: str = Field("https://queue.fal.run", validation_alias=_alias("SHOTLINE_FAL_URL"))
    # fal's platform API (account billing), apart from its queue.
    fal_api_url: str = Field("https://api.fal.ai", validation_alias=_alias("SHOTLINE_FAL_API_URL"))
    replicate_url: str = Field(
        "https://api.replicate.com", validation_alias=_alias("SHOTLINE_REPLICATE_URL")
    )
    runway_url: str = Field(
        "https://api.dev.runwayml.com", validation_alias=_alias("SHOTLINE_RUNWAY_URL")
    )
    llm_url: str = Field(
        "https://openrouter.ai/api/v1", validation_alias=_alias("SHOTLINE_LLM_URL")
    )
    llm_model: str = Field(
        "anthropic/claude-sonnet-4.5", validation_alias=_alias("SHOTLINE_LLM_MODEL")
    )
    anthropic_url: str = Field(
        "https://api.anthropic.com/v1", validation_alias=_alias("SHOTLINE_ANTHROPIC_URL")
    )
    comfyui_url: str | None = Field(None, validation_alias=_alias("SHOTLINE_COMFYUI_URL"))

    # Object store for workers on several machines (any S3-compatible server).
    s3_url: str | None = Field(None, validation_alias=_alias("SHOTLINE_S3_URL"))
    s3_bucket: str | None = Field(None, validation_alias=_alias("SHOTLINE_S3_BUCKET"))

    # Credits and queues.
    daily_frames: int = Field(250, validation_alias=_alias("SHOTLINE_DAILY_FRAMES"))
    queue_poll_seconds: float = Field(0.05, validation_alias=_alias("SHOTLINE_QUEUE_POLL"))
    cloud_concurrency: int = Field(4, validation_alias=_alias("SHOTLINE_CLOUD_CONCURRENCY"))
    cloud_rate_limit: int = Field(10, validation_alias=_alias("SHOTLINE_CLOUD_RATE_LIMIT"))
    cpu_concurrency: int = Field(2, validation_alias=_alias("SHOTLINE_CPU_CONCURRENCY"))
    # A worker silent this long is dead and its pending jobs go to others (heartbeat alone).
    worker_stale_seconds: float = Field(
        15.0, gt=0, validation_alias=_alias("SHOTLINE_WORKER_STALE")
    )
    user: str = Field(default_factory=lambda: os.environ.get("USER", "local"),
                      validation_alias=_alias("SHOTLINE_USER"))  # fmt: skip

    @property
    def database(self) -> str:
        """The database URL: PostgreSQL when configured, else SQLite in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / 'shotline.db'}"

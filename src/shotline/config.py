"""Configuration from the environment (and ``.env``). Zero configuration is a working setup:
SQLite and files under the data folder, offline providers, no keys.

Keys keep the names their own SDKs use; everything of ours starts with ``SHOTLINE_``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "shotline"


# The browser studio's bundle of a source checkout (installed editable: src/shotline/..).
WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist"


def _alias(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(default_factory=_default_data, validation_alias=_alias("SHOTLINE_DATA"))
    database_url: str | None = Field(None, validation_alias=_alias("SHOTLINE_DATABASE_URL"))

    # Provider keys, under their SDKs' own names. Secrets: never in a repr, a log line or an error.
    fal_key: SecretStr | None = Field(None, validation_alias=_alias("FAL_KEY"))
    replicate_api_token: SecretStr | None = Field(
        None, validation_alias=_alias("REPLICATE_API_TOKEN")
    )
    runwayml_api_secret: SecretStr | None = Field(
        None, validation_alias=_alias("RUNWAYML_API_SECRET")
    )
    openrouter_api_key: SecretStr | None = Field(
        None, validation_alias=_alias("OPENROUTER_API_KEY")
    )
    anthropic_api_key: SecretStr | None = Field(None, validation_alias=_alias("ANTHROPIC_API_KEY"))

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
    # Uploads (studio): the largest accepted file, and the size above which a file that is not
    # already H.264 at 1080 lines or fewer is transcoded before it is shared (seed 000: 50 MB).
    upload_max_bytes: int = Field(4 * 1024**3, validation_alias=_alias("SHOTLINE_UPLOAD_MAX_BYTES"))
    share_threshold_bytes: int = Field(
        50 * 1000**2, validation_alias=_alias("SHOTLINE_SHARE_THRESHOLD_BYTES")
    )
    # The built browser studio that `shotline serve` serves at / (`npm run build` in web/).
    web_dist: Path = Field(WEB_DIST, validation_alias=_alias("SHOTLINE_WEB_DIST"))
    user: str = Field(default_factory=lambda: os.environ.get("USER", "local"),
                      validation_alias=_alias("SHOTLINE_USER"))  # fmt: skip

    @property
    def database(self) -> str:
        """The database URL: PostgreSQL when configured, else SQLite in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / 'shotline.db'}"

    def key_routes(self) -> list[KeyRoute]:
        """Each configured key whose base URL is not the provider's default origin: where it
        would go, and where the key and the URL were each set."""
        routes = []
        for key_field, key_name, url_field, url_name in KEY_ROUTES:
            key = getattr(self, key_field)
            url = getattr(self, url_field)
            default = type(self).model_fields[url_field].default
            if key is None or url is None or origin(url) == origin(default):
                continue
            routes.append(KeyRoute(key_name, url_name, origin(url), origin(default),
                                   _source(key_name), _source(url_name)))  # fmt: skip
        return routes


# (key field, its variable, base-URL field, its variable): which URL each key is sent to.
KEY_ROUTES = (
    ("fal_key", "FAL_KEY", "fal_url", "SHOTLINE_FAL_URL"),
    ("fal_key", "FAL_KEY", "fal_api_url", "SHOTLINE_FAL_API_URL"),  # account billing
    ("replicate_api_token", "REPLICATE_API_TOKEN", "replicate_url", "SHOTLINE_REPLICATE_URL"),
    ("runwayml_api_secret", "RUNWAYML_API_SECRET", "runway_url", "SHOTLINE_RUNWAY_URL"),
    ("openrouter_api_key", "OPENROUTER_API_KEY", "llm_url", "SHOTLINE_LLM_URL"),
    ("anthropic_api_key", "ANTHROPIC_API_KEY", "anthropic_url", "SHOTLINE_ANTHROPIC_URL"),
)
# Origins a key may go to although its URL was set elsewhere than the key: read from the process
# environment only, never from a `.env` (which is exactly what it must not be able to widen).
ALLOWED_ORIGINS_ENV = "SHOTLINE_KEY_ORIGINS"


@dataclass(frozen=True)
class KeyRoute:
    key: str  # FAL_KEY
    setting: str  # SHOTLINE_FAL_URL
    origin: str  # where the key would be sent
    default: str  # the provider's own origin
    key_source: str  # "the environment", "./.env" or "the settings"
    url_source: str

    @property
    def allowed(self) -> bool:
        """The URL was set by the same source as the key, or its origin is allowed explicitly."""
        allowed = {origin(o) for o in os.environ.get(ALLOWED_ORIGINS_ENV, "").split(",") if o}
        return self.key_source == self.url_source or self.origin in allowed


def origin(url: str) -> str:
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{(parts.hostname or '').lower()}{port}"


def _source(name: str) -> str:
    """Where a setting's value came from, in pydantic-settings' order of precedence."""
    if name.lower() in {k.lower() for k in os.environ}:
        return "the environment"
    dotenv = Path(".env")
    if dotenv.is_file() and name.lower() in {k.lower() for k in dotenv_values(dotenv)}:
        return f"{dotenv.resolve()}"
    return "the settings"

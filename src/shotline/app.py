"""The composition root: the one place that builds shotline's services from configuration.

Everything else receives what it needs (a registry, an engine, a catalog) and never reaches for
concrete implementations itself.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shotline.assets.blobs import BlobStore, LocalBlobStore
from shotline.assets.catalog import AssetCatalog
from shotline.assets.s3 import S3BlobStore
from shotline.config import Settings
from shotline.costs.credits import DAILY_FRAMES, CreditLedger
from shotline.db import create_tables, make_engine
from shotline.jobs.config import JobsConfig
from shotline.jobs.engine import GenerationEngine
from shotline.jobs.queues import QueueSpec
from shotline.jobs.records import JobStore
from shotline.jobs.worker import run_worker
from shotline.providers.accounts import AccountKeys, ProviderAccounts
from shotline.providers.builtin import (
    NEEDS,
    builtin_passthrough,
    builtin_providers,
    missing_setting,
)
from shotline.providers.contracts import Kind
from shotline.providers.errors import NotConfigured
from shotline.providers.registry import ProviderRegistry, build_registry

if TYPE_CHECKING:  # the server's modules are imported only when a server is built
    from argon2 import PasswordHasher

    from shotline.film.checkpoints import Scorer
    from shotline.film.context import Approve
    from shotline.film.pipeline import FilmPipeline
    from shotline.film.progress import Progress
    from shotline.film.runs import Run
    from shotline.studio.accounts import Accounts
    from shotline.studio.services import StudioServices


@dataclass
class Studio:
    settings: Settings
    registry: ProviderRegistry
    engine: GenerationEngine

    def film_pipeline(
        self,
        run: Run,
        *,
        progress: Progress | None = None,
        approve: Approve | None = None,
        scorer: Scorer | None = None,
    ) -> FilmPipeline:
        """A film run driven by this studio's engine (the CLI and the server both start runs
        here), its encoded pieces shared with every other run of the data folder."""
        from shotline.film.pipeline import FilmPipeline

        return FilmPipeline(
            self.engine, run, progress=progress, approve=approve, scorer=scorer,
            pieces=self.settings.data_dir / "pieces",
        )  # fmt: skip

    @property
    def embedded(self) -> bool:
        """SQLite: this process does the work. PostgreSQL: ``shotline worker`` processes do."""
        return not self.settings.database.startswith(("postgresql", "postgres"))

    def provider_id(self, kind: Kind, provider: str, model: str | None = None) -> str:
        """Resolve ``--provider``/``--model`` (see ``ProviderRegistry.resolve``), saying which
        setting a known but unconfigured family needs."""
        try:
            return self.registry.resolve(kind, provider, model)
        except NotConfigured:
            configured = provider in self.registry.families()
            if not configured and (need := missing_setting(f"{provider}.")):
                raise NotConfigured(f"{provider} is not configured: set {need}") from None
            raise


def build_registry_for(settings: Settings) -> ProviderRegistry:
    return build_registry(builtin_providers(settings), passthrough=builtin_passthrough(settings))


def blob_store(settings: Settings) -> BlobStore | None:
    """The shared object store when one is configured (workers on several machines); None means
    the local data folder."""
    if not settings.s3_url:
        return None
    if not settings.s3_bucket:
        raise NotConfigured("SHOTLINE_S3_URL is set but SHOTLINE_S3_BUCKET is not")
    return S3BlobStore(
        settings.s3_url, settings.s3_bucket, cache_dir=settings.data_dir / "blob-cache"
    )


def provider_accounts(settings: Settings, registry: ProviderRegistry) -> ProviderAccounts:
    """Which provider families are configured, and their accounts (balance where exposed)."""
    keys = AccountKeys(
        fal_key=settings.fal_key,
        fal_api_url=settings.fal_api_url,
        replicate_token=settings.replicate_api_token,
        replicate_url=settings.replicate_url,
        needs=tuple((prefix.rstrip("."), need) for prefix, need in NEEDS.items()),
    )
    return ProviderAccounts(keys, registry.families)


def build_engine(
    config: JobsConfig,
    registry: ProviderRegistry,
    *,
    daily_frames: int = DAILY_FRAMES,
    extra_queues: tuple[QueueSpec, ...] = (),
    blobs: BlobStore | None = None,
) -> GenerationEngine:
    """The engine and its services over ``config.database`` (tables created if missing); assets
    in ``blobs`` (an object store shared by several machines), else the local data folder."""
    engine = make_engine(config.database)
    create_tables(engine)
    catalog = AssetCatalog(engine, blobs or LocalBlobStore(config.data_dir / "blobs"))
    ledger = CreditLedger(engine, daily_frames=daily_frames)
    return GenerationEngine(
        config, registry, catalog, ledger, JobStore(engine), extra_queues=extra_queues
    )


def build_studio(settings: Settings | None = None) -> Studio:
    settings = settings or Settings()
    registry = build_registry_for(settings)
    engine = build_engine(
        JobsConfig.from_settings(settings),
        registry,
        daily_frames=settings.daily_frames,
        blobs=blob_store(settings),
    )
    return Studio(settings, registry, engine)


@contextlib.contextmanager
def running_studio(
    settings: Settings | None = None, *, work: bool | None = None
) -> Iterator[Studio]:
    """A studio whose engine is started (``work``: this process works the queues; by default
    when the database is SQLite) or connected to the workers, and closed afterwards."""
    studio = build_studio(settings)
    if work if work is not None else studio.embedded:
        studio.engine.start()
    else:
        studio.engine.connect()
    try:
        yield studio
    finally:
        studio.engine.close()


def serve_worker(
    settings: Settings | None = None,
    *,
    stop: threading.Event | None = None,
    started: Callable[[GenerationEngine], None] | None = None,
) -> None:
    """Be a ``shotline worker``: the engine built from ``settings``, working the queues its
    providers serve until SIGTERM/SIGINT (or ``stop``)."""
    run_worker(build_studio(settings).engine, stop=stop, started=started)


def build_server(
    settings: Settings | None = None,
    studio: Studio | None = None,
    *,
    hasher: PasswordHasher | None = None,
) -> StudioServices:
    """The studio server's services over ``studio`` (built from ``settings`` when not given);
    the engine is neither started nor connected here (see ``running_server``)."""
    from shotline.db import create_tables
    from shotline.studio import dam_sources
    from shotline.studio.accounts import Accounts
    from shotline.studio.collab.saves import SaveService
    from shotline.studio.collab.service import TimelineService
    from shotline.studio.dam import Dam
    from shotline.studio.dam_sources import saved_timelines
    from shotline.studio.derivatives import MediaDerivatives
    from shotline.studio.events import EventLog
    from shotline.studio.exports import ExportService, media_file
    from shotline.studio.films import FilmRuns
    from shotline.studio.generation import Generator, JobFollower
    from shotline.studio.projects import Projects
    from shotline.studio.ratelimit import LoginLimiter
    from shotline.studio.services import StudioServices
    from shotline.studio.sync import film_notifier, job_notifier, register_state, upload_listener
    from shotline.studio.uploads import UploadService

    studio = studio or build_studio(settings)
    database = studio.engine.engine
    create_tables(database)  # the studio's own tables, now that their modules are imported
    data = studio.settings.data_dir
    events = EventLog(database)
    timelines = TimelineService(data)
    catalog = studio.engine.catalog
    saves = SaveService(data, timelines, events, lambda p, url: media_file(catalog, p, url))
    exports = ExportService(
        database,
        catalog,
        events,
        timelines.get,
        lambda project, url: media_file(catalog, project, url),
    )
    exports.recover()
    dam = Dam(database)
    dam.add_source("saves", saved_timelines(saves))
    dam.add_source("exports", exports.dam_items)
    uploads = UploadService(database, catalog, data / "uploads",
                            max_bytes=studio.settings.upload_max_bytes,
                            share_threshold=studio.settings.share_threshold_bytes)  # fmt: skip
    uploads.subscribe(upload_listener(timelines, events))
    follower = JobFollower(studio, timelines, job_notifier(events),
                           poll_seconds=max(0.05, studio.settings.queue_poll_seconds))  # fmt: skip
    films = FilmRuns(studio, data, film_notifier(events))
    dam.add_source("uploads", dam_sources.uploads(uploads.list, database))
    dam.add_source("generations", dam_sources.generations(follower.generations, database))
    dam.add_source("films", dam_sources.films(films.runs))
    register_state(events, uploads, follower, films)
    follower.start()  # jobs may finish in other processes: follow them from the start
    return StudioServices(
        settings=studio.settings,
        studio=studio,
        accounts=Accounts(database, hasher),
        projects=Projects(database),
        events=events,
        login_limiter=LoginLimiter(),
        timelines=timelines,
        saves=saves,
        provider_accounts=provider_accounts(studio.settings, studio.registry),
        dam=dam,
        exports=exports,
        uploads=uploads,
        derivatives=MediaDerivatives(catalog, data / "derived"),
        follower=follower,
        generator=Generator(studio, timelines, follower, data / "generation"),
        films=films,
    )


@contextlib.contextmanager
def running_server(
    settings: Settings | None = None, *, work: bool | None = None
) -> Iterator[StudioServices]:
    """The server's services with the engine working the queues here (SQLite, by default) or
    connected to ``shotline worker`` processes (PostgreSQL), closed afterwards."""
    with running_studio(settings, work=work) as studio:
        services = build_server(studio=studio)
        try:
            yield services
        finally:
            services.close()  # renders finish, background work stops, timelines are flushed


def build_accounts(settings: Settings | None = None) -> Accounts:
    """The studio's users over the configured database (for ``shotline user``), without an
    engine: no queues, no providers."""
    from shotline.db import create_tables, make_engine
    from shotline.studio.accounts import Accounts

    database = make_engine((settings or Settings()).database)
    create_tables(database)
    return Accounts(database)

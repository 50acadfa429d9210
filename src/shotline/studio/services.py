"""What the routes need, built once by the composition root (``shotline.app.build_server``).

Each area adds one field. Routes reach it through ``deps.Services``; nothing here builds anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shotline.config import Settings
from shotline.providers.accounts import ProviderAccounts
from shotline.studio.accounts import Accounts
from shotline.studio.collab.saves import SaveService
from shotline.studio.collab.service import TimelineService
from shotline.studio.dam import Dam
from shotline.studio.derivatives import MediaDerivatives
from shotline.studio.events import EventLog
from shotline.studio.exports import ExportService
from shotline.studio.films import FilmRuns
from shotline.studio.generation import Generator, JobFollower
from shotline.studio.projects import Projects
from shotline.studio.ratelimit import LoginLimiter
from shotline.studio.uploads import UploadService

if TYPE_CHECKING:  # the composition root imports us; we only need the type
    from shotline.app import Studio


@dataclass
class StudioServices:
    settings: Settings
    studio: Studio  # the engine (jobs, assets, credits) and the provider registry
    accounts: Accounts
    projects: Projects
    events: EventLog
    login_limiter: LoginLimiter
    timelines: TimelineService  # each project's live timeline (Yjs document, commands, undo)
    saves: SaveService  # saved timelines: JSON + PNG preview on disk
    provider_accounts: ProviderAccounts  # configured provider families and their balances
    dam: Dam  # every asset of a project, from the areas' sources
    exports: ExportService  # MP4 renders and interchange files of the live timeline
    uploads: UploadService  # local clips becoming shared assets
    derivatives: MediaDerivatives  # thumbnail strips, waveform peaks, browser proxies
    follower: JobFollower  # generation jobs -> clip updates and job events
    generator: Generator  # generate from in/out
    films: FilmRuns  # film runs for automation

    def close(self) -> None:
        """Let a running render finish, stop the background work (follower, upload and film
        workers), flush the timelines."""
        self.exports.close()
        self.follower.close()
        self.uploads.close()
        self.films.close()
        self.timelines.close()

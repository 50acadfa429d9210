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
from shotline.studio.events import EventLog
from shotline.studio.exports import ExportService
from shotline.studio.projects import Projects
from shotline.studio.ratelimit import LoginLimiter

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

"""The workflow facade handed to handlers/, the CLI and scheduler/: every use case, one object."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from danhgia.storage.uow import Database
from danhgia.workflow.clock import Clock, SystemClock
from danhgia.workflow.linking import LinkingService
from danhgia.workflow.roster import RosterService


@dataclass(frozen=True)
class WorkflowConfig:
    """The settings the use cases need (a subset of the application settings)."""

    timezone: ZoneInfo
    invite_ttl: timedelta


class Services:
    """All use cases over one database and one clock."""

    def __init__(self, db: Database, config: WorkflowConfig, clock: Clock | None = None) -> None:
        self.db = db
        self.config = config
        self.clock: Clock = clock or SystemClock()
        self.roster = RosterService(db, self.clock, config.timezone)
        self.linking = LinkingService(db, self.clock, config.invite_ttl)

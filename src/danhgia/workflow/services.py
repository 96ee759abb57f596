"""The workflow facade handed to handlers/, the CLI and scheduler/: every use case, one object."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from danhgia.scoring import DEFAULT_REGIME_ID
from danhgia.storage.uow import Database
from danhgia.workflow.absence import AbsenceService
from danhgia.workflow.assessments import AssessmentService
from danhgia.workflow.clock import Clock, SystemClock
from danhgia.workflow.commendations import CommendationService
from danhgia.workflow.council import CouncilService, CouncilSettings
from danhgia.workflow.delegation import DelegationService
from danhgia.workflow.dialogs import DialogService
from danhgia.workflow.disclosure import DisclosureService
from danhgia.workflow.exports import ExportService
from danhgia.workflow.inbox import InboxService
from danhgia.workflow.linking import LinkingService
from danhgia.workflow.outbox import OutboxService
from danhgia.workflow.paid import PaidBroadcasts
from danhgia.workflow.periods import PeriodService
from danhgia.workflow.ratings import RatingService
from danhgia.workflow.regimes import RegimeChoices
from danhgia.workflow.reminders import ReminderService, Timeline
from danhgia.workflow.reports import ReportService
from danhgia.workflow.results import ResultService
from danhgia.workflow.review import ReviewService
from danhgia.workflow.roster import RosterService
from danhgia.workflow.selfassessment import SelfAssessmentService
from danhgia.workflow.tasks import TaskService
from danhgia.workflow.years import YearService


@dataclass(frozen=True)
class WorkflowConfig:
    """The settings the use cases need (a subset of the application settings)."""

    timezone: ZoneInfo
    invite_ttl: timedelta
    regime_id: str = DEFAULT_REGIME_ID
    regime_by_category: Mapping[str, str] = field(default_factory=dict)  # the organisation's choice per category
    timeline: Timeline = field(default_factory=Timeline)
    council: CouncilSettings = field(default_factory=CouncilSettings)
    hold_notices: bool = True  # notices other than reminders also wait for working hours and days
    paid_stars_per_month: int = 0  # Telegram Stars a month for reminders sent as paid broadcasts (0: none)


class Services:
    """All use cases over one database and one clock."""

    def __init__(self, db: Database, config: WorkflowConfig, clock: Clock | None = None) -> None:
        self.db = db
        self.config = config
        self.clock: Clock = clock or SystemClock()
        tz = config.timezone
        self.roster = RosterService(db, self.clock, tz)
        self.linking = LinkingService(db, self.clock, config.invite_ttl)
        self.dialogs = DialogService(db, self.clock)
        self.paid = PaidBroadcasts(db, self.clock, tz, config.paid_stars_per_month)
        self.outbox = OutboxService(db, self.clock, self.paid)
        self.inbox = InboxService(db.inbox(), self.clock)
        self.tasks = TaskService(db, self.clock, tz)
        self.absence = AbsenceService(db, self.clock, tz)
        self.regimes = RegimeChoices(db, self.clock, config.regime_by_category, config.regime_id)
        self.assessments = AssessmentService(db, self.clock, tz, self.tasks, self.absence)
        self.self_assessment = SelfAssessmentService(self.assessments, self.regimes)
        self.review = ReviewService(self.assessments)
        self.periods = PeriodService(db, self.clock, tz, self.assessments, config.regime_id, config.council)
        self.results = ResultService(db, self.clock, tz, self.assessments)
        self.years = YearService(db, self.clock, tz, self.results)
        self.reports = ReportService(db, self.assessments, self.years)
        self.exports = ExportService(db)
        self.delegations = DelegationService(db, self.clock, tz)
        self.reminders = ReminderService(
            db, self.clock, tz, self.absence, config.timeline, config.council.case_days, self.paid
        )
        self.ratings = RatingService(db, self.clock, tz)
        self.council = CouncilService(db, self.clock, tz, config.council)
        self.commendations = CommendationService(db, self.clock, config.council)
        self.disclosure = DisclosureService(db, self.clock, tz, lambda: self.periods.regime_id)

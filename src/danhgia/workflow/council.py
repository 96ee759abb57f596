"""The evaluation council (hội đồng đánh giá, role `hoi_dong`): cases flagged when a period closes — a large
gap between the self-score and the leader's score, a long absence in the month, a tie on the quota line —
and results contested by their person within a set number of days. Members vote to confirm or change the
result, with a reason; the quorum decides; every vote and decision goes to the audit log and the person is
told privately. Its commendation proposals are in `workflow.commendations`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from danhgia.scoring import EvaluationResult, Level, Regime
from danhgia.storage.models import Assessment, CouncilCase, CouncilVote, Period
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow.assessments import clean_reason
from danhgia.workflow.calendar import span_from_key
from danhgia.workflow.clock import Clock
from danhgia.workflow.common import ROLE_COUNCIL, ROLE_HR, Actor, Change, audit
from danhgia.workflow.disclosure import self_score
from danhgia.workflow.lifecycle import LOCKED
from danhgia.workflow.outbox import queue
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.regimes import record_regime

GAP = "gap"
ABSENCE = "absence"
TIE = "tie"
CONTEST = "contest"
RATERS = "raters"
CONFIRM = "confirm"
CHANGE = "change"
COUNCIL = Actor("council")  # who decides a case, in the audit log
RECUSE = "recuse"  # a member steps aside from a case: stored as their "vote", never counted
OPEN = "open"  # a case's states: open until the quorum decides it
DECIDED = "decided"


@dataclass(frozen=True)
class CouncilSettings:
    """The council's rules: how many agreeing votes decide, how long a result can be contested, the gap, and
    the days a case has to be decided."""

    quorum: int = 2
    contest_days: int = 5
    gap_points: Decimal = Decimal(10)
    case_days: int = 10


@dataclass(frozen=True)
class VoteView:
    """A vote as the council sees it."""

    member_name: str
    outcome: str
    level: str | None
    reason: str | None
    member_id: int | None = None


@dataclass(frozen=True)
class CaseView:
    """A case with its facts, the votes so far and the decision."""

    id: int
    kind: str
    state: str
    assessment_id: int
    person_id: int
    person_name: str
    position: str
    unit_name: str
    period_label: str
    regime: Regime
    total: Decimal | None
    level: str | None
    final_level: str | None
    self_total: Decimal | None  # the score the person gave themselves, without anyone else's rating
    facts: dict[str, Any]
    reason: str | None
    votes: tuple[VoteView, ...]
    outcome: str | None
    new_level: str | None
    decision_reason: str | None
    quorum: int
    decided_at: datetime | None = None
    deadline: date | None = None  # the last day to decide it
    eligible: int = 0  # members who may vote on it (the person and those who stepped aside left out)

    def vote_by(self, member_id: int) -> VoteView | None:
        """What this member cast on the case (a vote, or stepping aside), if anything."""
        return next((v for v in self.votes if v.member_id == member_id), None)

    @property
    def is_open(self) -> bool:
        """The quorum has not decided the case yet."""
        return self.state == OPEN

    @property
    def ballots(self) -> tuple[VoteView, ...]:
        """The votes that count (a member who stepped aside has none)."""
        return tuple(v for v in self.votes if v.outcome != RECUSE)

    def has_voted(self, member_id: int) -> bool:
        """This member's vote is among those that count."""
        return any(v.member_id == member_id for v in self.ballots)

    def stepped_aside(self, member_id: int) -> bool:
        """This member stepped aside from the case (and has no vote on it)."""
        return any(v.member_id == member_id and v.outcome == RECUSE for v in self.votes)

    def may_vote(self, member_id: int) -> bool:
        """The case is open and not about this member (one who stepped aside may still change their mind)."""
        return self.is_open and self.person_id != member_id

    def may_step_aside(self, member_id: int) -> bool:
        """This member may step aside from the case: they may vote on it and have not stepped aside yet."""
        return self.may_vote(member_id) and not self.stepped_aside(member_id)

    def cast_deciding_vote(self, member_id: int) -> bool:
        """This member cast the last vote of a decided case (the one that decided it)."""
        return not self.is_open and bool(self.votes) and self.votes[-1].member_id == member_id

    @property
    def level_before(self) -> str | None:
        """The code of the level the case is about, as it was when the case was opened."""
        return self.facts.get("final_level") or self.final_level or self.level

    @property
    def current_level(self) -> str | None:
        """The code of the person's level now (the council's decision included)."""
        return self.final_level or self.level

    def level_at(self, index: int) -> Level | None:
        """The regime's level at a position (from callback data); None when out of range."""
        return self.regime.levels[index] if 0 <= index < len(self.regime.levels) else None

    @property
    def short(self) -> bool:
        """Too few members may vote for the quorum ever to be reached."""
        return self.is_open and self.eligible < self.quorum


def require_member(uow: UnitOfWork, member_id: int) -> None:
    """Refuse anyone who is not on the council."""
    if ROLE_COUNCIL not in uow.people.roles(member_id):
        raise Refusal("not_council")


def with_role(uow: UnitOfWork, role: str) -> list[int]:
    """Active people with a role."""
    roles = uow.people.roles_by_person()
    return [p.id for p in uow.people.all() if p.active and p.id is not None and role in roles.get(p.id, set())]


def council_members(uow: UnitOfWork, *, but: int | None = None) -> list[int]:
    """Active people with the council role (but the person `but`, when given: the one a case is about)."""
    return [member for member in with_role(uow, ROLE_COUNCIL) if member != but]


def eligible_members(uow: UnitOfWork, case: CouncilCase, record: Assessment) -> list[int]:
    """The members who may vote on a case: not the person it is about, not one who stepped aside."""
    assert case.id is not None
    aside = {v.member_id for v in uow.council.votes(case.id) if v.outcome == RECUSE}
    return [m for m in council_members(uow, but=record.person_id) if m not in aside]


def check_quorum(uow: UnitOfWork, case: CouncilCase, record: Assessment, quorum: int, now: datetime) -> bool:
    """Whether enough members may vote for the quorum to be reached; if not, HR is told (once per count)."""
    assert case.id is not None
    eligible = len(eligible_members(uow, case, record))
    if eligible >= quorum:
        return True
    for hr in with_role(uow, ROLE_HR):
        payload = {"case_id": case.id, "eligible": eligible, "quorum": quorum}
        queue(uow, "council_short", hr, payload, now, dedupe_key=f"council_short:{case.id}:{eligible}:{hr}")
    return False


def open_case(
    uow: UnitOfWork,
    record: Assessment,
    kind: str,
    facts: dict[str, Any],
    now: datetime,
    actor: Actor,
    reason: str | None = None,
    *,
    quorum: int = 1,
) -> CouncilCase | None:
    """Open a case (once per assessment and kind) and put it before every council member; HR is told at once
    when too few members may vote on it for the quorum to be reached."""
    assert record.id is not None
    if uow.council.case_of(record.id, kind) is not None:
        return None
    case = CouncilCase(assessment_id=record.id, kind=kind, facts=facts, reason=reason, created_at=now)
    uow.council.add_case(case)
    assert case.id is not None
    audit(uow, actor, Change("council.case", "council_case", str(case.id), None, {"kind": kind, **facts}, reason), now)
    for member in council_members(uow, but=record.person_id):
        queue(uow, "council_case", member, {"case_id": case.id}, now, dedupe_key=f"council:{case.id}:{member}")
    check_quorum(uow, case, record, quorum, now)
    return case


def flag_at_closing(
    uow: UnitOfWork,
    period: Period,
    record: Assessment,
    result: EvaluationResult,
    settings: CouncilSettings,
    tied: bool,
    now: datetime,
    actor: Actor,
) -> list[str]:
    """The cases a newly locked record raises — a large self-vs-leader gap, a long absence, too few assessors,
    a quota tie; returns the kinds opened."""
    messages: dict[str, str] = {}
    for flag in result.flags:
        messages.setdefault(flag.code, flag.message)  # the first of each code
    review = record_regime(record, period).review_360
    threshold = (review.gap_threshold if review else None) or settings.gap_points
    gap = _gap(record, result)
    wanted: list[tuple[str, dict[str, Any]]] = []
    if "council_review_gap" in messages or (gap is not None and gap >= threshold):
        facts = {"self_total": _s(record.self_total), "total": _s(result.total), "final_level": record.final_level}
        if messages.get("council_review_gap"):
            facts["message"] = messages["council_review_gap"]
        wanted.append((GAP, facts))
    for code, kind in (("council_review_absence", ABSENCE), ("council_review_raters", RATERS)):
        if code in messages:
            wanted.append((kind, {"message": messages[code], "final_level": record.final_level}))
    if tied:
        wanted.append((TIE, {"total": _s(result.total), "final_level": record.final_level}))
    return [kind for kind, facts in wanted if open_case(uow, record, kind, facts, now, actor, quorum=settings.quorum)]


def _gap(record: Assessment, result: EvaluationResult) -> Decimal | None:
    if record.self_total is None or result.total is None or record.decision != "adjusted":
        return None
    return abs(record.self_total - result.total)


class CouncilService:
    """What the council and the people who contest see and do."""

    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo, settings: CouncilSettings) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self.settings = settings

    def today(self) -> date:
        """Today in the organisation's time zone."""
        return self.clock.now().astimezone(self.tz).date()

    def _view(self, uow: UnitOfWork, case: CouncilCase) -> CaseView:
        assert case.id is not None
        record = uow.assessments.get(case.assessment_id)
        assert record is not None
        person = uow.people.get(record.person_id)
        period = uow.periods.get(record.period_id)
        assert person is not None and period is not None
        unit = uow.units.get(person.unit_id)
        votes = []
        for vote in sorted(uow.council.votes(case.id), key=lambda v: (v.at, v.id or 0)):
            member = uow.people.get(vote.member_id)
            name = member.full_name if member else ""
            votes.append(VoteView(name, vote.outcome, vote.level, vote.reason, vote.member_id))
        created = case.created_at.astimezone(self.tz).date()
        return CaseView(
            case.id,
            case.kind,
            case.state,
            case.assessment_id,
            record.person_id,
            person.full_name,
            person.position,
            unit.name if unit else "",
            span_from_key(period.key).label(),
            record_regime(record, period),
            record.total,
            record.level,
            record.final_level,
            self_score(period, record, person.staff_code),
            dict(case.facts),
            case.reason,
            tuple(votes),
            case.outcome,
            case.new_level,
            case.decision_reason,
            self.settings.quorum,
            case.decided_at,
            created + timedelta(days=self.settings.case_days),
            len(eligible_members(uow, case, record)),
        )

    def cases(self, member_id: int, *, include_decided: bool = False) -> list[CaseView]:
        """The council's cases (a member never sees a case about themselves)."""
        with self.db.reader() as uow:
            require_member(uow, member_id)
            views = [self._view(uow, c) for c in uow.council.cases(None if include_decided else OPEN)]
            return [v for v in views if v.person_id != member_id]

    def recent_decisions(self, member_id: int, limit: int = 5) -> list[CaseView]:
        """The latest decided cases, newest first (never one about this member)."""
        with self.db.reader() as uow:
            require_member(uow, member_id)
            decided = sorted(
                uow.council.cases(DECIDED), key=lambda c: (c.decided_at or c.created_at, c.id or 0), reverse=True
            )
            views = (self._view(uow, case) for case in decided)  # built lazily, up to the limit
            return list(islice((v for v in views if v.person_id != member_id), max(limit, 0)))

    def case(self, member_id: int, case_id: int) -> CaseView:
        """One case, for a member."""
        with self.db.reader() as uow:
            require_member(uow, member_id)
            case = uow.council.case(case_id)
            if case is None:
                raise Refusal("not_found")
            view = self._view(uow, case)
            if view.person_id == member_id:
                raise Refusal("own_case")
            return view

    def _open_case_for(self, uow: UnitOfWork, member_id: int, case_id: int) -> tuple[CouncilCase, Assessment]:
        """A case this member may vote on (or step aside from) now, with its record; otherwise the refusal
        (not_council, not_found, own_case, case_decided)."""
        require_member(uow, member_id)
        case = uow.council.case(case_id)
        if case is None or case.id is None:
            raise Refusal("not_found")
        record = uow.assessments.get(case.assessment_id)
        assert record is not None
        if record.person_id == member_id:
            raise Refusal("own_case")
        if case.state != OPEN:
            raise Refusal("case_decided")
        return case, record

    def case_for_notice(self, case_id: int) -> CaseView:
        """A case without a permission check (for messages already addressed)."""
        with self.db.reader() as uow:
            case = uow.council.case(case_id)
            if case is None:
                raise Refusal("not_found")
            return self._view(uow, case)

    def vote(self, member_id: int, case_id: int, outcome: str, level: str | None, reason: str) -> CaseView:
        """Vote to confirm the result, or to change it to a level (a reason is required to change it)."""
        if outcome not in (CONFIRM, CHANGE) or (outcome == CHANGE) != (level is not None):
            raise Refusal("stale")
        text = reason.strip()
        if outcome == CHANGE or text:
            text = clean_reason(reason)
        now = self.clock.now()
        with self.db.uow() as uow:
            case, record = self._open_case_for(uow, member_id, case_id)
            period = uow.periods.get(record.period_id)
            assert period is not None
            if level is not None and level not in record_regime(record, period).level_by_code:
                raise Refusal("stale")
            assert case.id is not None
            old = self._cast(uow, case, member_id, outcome, level, text, now)
            change = Change(
                "council.vote", "council_case", str(case.id), old, {"outcome": outcome, "level": level}, text
            )
            audit(uow, Actor.person(member_id), change, now)
            tally = Counter((v.outcome, v.level) for v in uow.council.votes(case.id) if v.outcome != RECUSE)
            ((winner, count),) = tally.most_common(1)
            if count >= self.settings.quorum:
                self._decide(uow, case, record, winner[0], winner[1], now)
            uow.commit()
            return self._view(uow, case)

    def step_aside(self, member_id: int, case_id: int, reason: str) -> CaseView:
        """A member steps aside from a case (a conflict of interest, with a reason); their vote, if any, is
        withdrawn. If too few members remain to reach the quorum, HR is told."""
        text = clean_reason(reason)
        now = self.clock.now()
        with self.db.uow() as uow:
            case, record = self._open_case_for(uow, member_id, case_id)
            assert case.id is not None
            old = self._cast(uow, case, member_id, RECUSE, None, text, now)
            change = Change("council.step_aside", "council_case", str(case.id), old, {"outcome": RECUSE}, text)
            audit(uow, Actor.person(member_id), change, now)
            check_quorum(uow, case, record, self.settings.quorum, now)
            uow.commit()
            return self._view(uow, case)

    @staticmethod
    def _cast(
        uow: UnitOfWork, case: CouncilCase, member_id: int, outcome: str, level: str | None, text: str, now: datetime
    ) -> dict[str, str | None] | None:
        """Record a member's vote (or stepping aside) in place of what they cast before; returns that, if any."""
        assert case.id is not None
        vote = uow.council.vote_of(case.id, member_id)
        if vote is None:
            cast = CouncilVote(case_id=case.id, member_id=member_id, outcome=outcome, level=level, reason=text, at=now)
            uow.council.add_vote(cast)
            return None
        old: dict[str, str | None] = {"outcome": vote.outcome, "level": vote.level}
        vote.outcome, vote.level, vote.reason, vote.at = outcome, level, text or None, now
        uow.session.add(vote)
        uow.session.flush()
        return old

    def overdue(self, day: date) -> list[CaseView]:
        """Open cases whose deadline has passed by this day (for HR's notice)."""
        with self.db.reader() as uow:
            views = [self._view(uow, c) for c in uow.council.cases(OPEN)]
        return [v for v in views if v.deadline is not None and v.deadline < day]

    def _decide(
        self, uow: UnitOfWork, case: CouncilCase, record: Assessment, outcome: str, level: str | None, now: datetime
    ) -> None:
        assert case.id is not None and record.id is not None
        reasons = [v.reason for v in uow.council.votes(case.id) if v.outcome == outcome and v.level == level]
        reason = "; ".join(r for r in reasons if r) or None
        case.state, case.outcome, case.new_level = DECIDED, outcome, level
        case.decision_reason, case.decided_at = reason, now
        uow.session.add(case)
        if outcome == CHANGE and level is not None and level != record.final_level:
            old = {"final_level": record.final_level}
            uow.assessments.bump(record, record.version, {"final_level": level, "updated_at": now})
            change = Change("council.change", "assessment", str(record.id), old, {"final_level": level}, reason)
            audit(uow, COUNCIL, change, now)
        new = {"outcome": outcome, "level": level}
        audit(uow, COUNCIL, Change("council.decide", "council_case", str(case.id), None, new, reason), now)
        queue(uow, "council_decision", record.person_id, {"case_id": case.id}, now)
        for member in council_members(uow, but=record.person_id):
            queue(uow, "council_case_refresh", member, {"case_id": case.id}, now)

    # -- contesting a result ---------------------------------------------------------------------------------

    def contest_deadline(self, record: Assessment) -> date | None:
        """The last day a locked result may be contested."""
        if record.locked_at is None:
            return None
        return record.locked_at.astimezone(self.tz).date() + timedelta(days=self.settings.contest_days)

    def _contestable(self, uow: UnitOfWork, person_id: int, assessment_id: int) -> tuple[Assessment, date]:
        """The person's own final (locked) result and the last day to contest it, while that day has not passed and
        someone else on the council can hear a contest (refused otherwise: not_found, not_contestable,
        contest_too_late, no_council — in that order)."""
        record = uow.assessments.get(assessment_id)
        if record is None or record.person_id != person_id or record.id is None:
            raise Refusal("not_found")
        if record.state != LOCKED:
            raise Refusal("not_contestable")
        deadline = self.contest_deadline(record)
        if deadline is None or self.today() > deadline:
            raise Refusal("contest_too_late", deadline=deadline or self.today())
        if not council_members(uow, but=person_id):
            raise Refusal("no_council")
        return record, deadline

    def can_contest(self, person_id: int, assessment_id: int) -> date | None:
        """The deadline when this person may still contest this result (None when they cannot)."""
        return self.contest_status(person_id, assessment_id)[0]

    def contest_status(self, person_id: int, assessment_id: int) -> tuple[date | None, str | None]:
        """The deadline to contest this result, or why it cannot be contested (a refusal code: no_council when,
        within the days to contest, there is nobody to hear it — then the person is told to ask HR)."""
        try:
            return self.contest_check(person_id, assessment_id), None
        except Refusal as refusal:
            return None, refusal.code

    def contest_check(self, person_id: int, assessment_id: int) -> date:
        """The deadline when this person may contest this result now; otherwise the refusal, raised (not_found,
        not_contestable, contest_too_late, no_council — nobody else on the council to hear it —,
        already_contested)."""
        with self.db.reader() as uow:
            _record, deadline = self._contestable(uow, person_id, assessment_id)
            if uow.council.case_of(assessment_id, CONTEST) is not None:
                raise Refusal("already_contested")
            return deadline

    def contest(self, person_id: int, assessment_id: int, reason: str) -> CaseView:
        """The person contests their final result, with a reason, within the set number of days."""
        text = clean_reason(reason)
        now = self.clock.now()
        with self.db.uow() as uow:
            record, _deadline = self._contestable(uow, person_id, assessment_id)
            facts = {"total": _s(record.total), "final_level": record.final_level}
            case = open_case(
                uow, record, CONTEST, facts, now, Actor.person(person_id), text, quorum=self.settings.quorum
            )
            if case is None:
                raise Refusal("already_contested")
            uow.commit()
            return self._view(uow, case)


def _s(value: object) -> str | None:
    return None if value is None else str(value)

"""The evaluation council (hội đồng đánh giá, role `hoi_dong`): cases flagged when a period closes — a large
gap between the self-score and the leader's score, a long absence in the month, a tie on the quota line —
and results contested by their person within a set number of days. Members vote to confirm or change the
result, with a reason; the quorum decides; every vote and decision goes to the audit log and the person is
told privately. The council also proposes excellent performers for commendation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from danhgia.scoring import EvaluationResult, Regime
from danhgia.storage.models import Assessment, Commendation, CouncilCase, CouncilVote, Period
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow import evaluation as ev
from danhgia.workflow.assessments import clean_reason
from danhgia.workflow.calendar import span_from_key
from danhgia.workflow.clock import Clock
from danhgia.workflow.collation import name_key
from danhgia.workflow.common import ROLE_COUNCIL, ROLE_HR, Actor, Change, audit
from danhgia.workflow.disclosure import self_score
from danhgia.workflow.lifecycle import LOCKED
from danhgia.workflow.outbox import queue
from danhgia.workflow.refusal import Refusal

GAP = "gap"
ABSENCE = "absence"
TIE = "tie"
CONTEST = "contest"
RATERS = "raters"
CONFIRM = "confirm"
CHANGE = "change"
RECUSE = "recuse"  # a member steps aside from a case: stored as their "vote", never counted


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

    def vote_of(self, member_name: str) -> VoteView | None:
        """A member's vote, if any."""
        return next((v for v in self.votes if v.member_name == member_name), None)

    @property
    def ballots(self) -> tuple[VoteView, ...]:
        """The votes that count (a member who stepped aside has none)."""
        return tuple(v for v in self.votes if v.outcome != RECUSE)

    @property
    def short(self) -> bool:
        """Too few members may vote for the quorum ever to be reached."""
        return self.state == "open" and self.eligible < self.quorum


@dataclass(frozen=True)
class Candidate:
    """A person the council may propose for commendation, and how many members proposed them."""

    period_id: int
    period_label: str
    person_id: int
    person_name: str
    unit_name: str
    total: Decimal | None
    level: str | None
    proposals: int
    proposed_by_me: bool


def council_members(uow: UnitOfWork) -> list[int]:
    """Active people with the council role."""
    roles = uow.people.roles_by_person()
    return [p.id for p in uow.people.all() if p.active and p.id is not None and ROLE_COUNCIL in roles.get(p.id, set())]


def eligible_members(uow: UnitOfWork, case: CouncilCase, record: Assessment) -> list[int]:
    """The members who may vote on a case: not the person it is about, not one who stepped aside."""
    assert case.id is not None
    aside = {v.member_id for v in uow.council.votes(case.id) if v.outcome == RECUSE}
    return [m for m in council_members(uow) if m != record.person_id and m not in aside]


def check_quorum(uow: UnitOfWork, case: CouncilCase, record: Assessment, quorum: int, now: datetime) -> bool:
    """Whether enough members may vote for the quorum to be reached; if not, HR is told (once per count)."""
    assert case.id is not None
    eligible = len(eligible_members(uow, case, record))
    if eligible >= quorum:
        return True
    roles = uow.people.roles_by_person()
    for person in uow.people.all():
        if person.active and person.id is not None and ROLE_HR in roles.get(person.id, set()):
            queue(
                uow,
                "council_short",
                person.id,
                {"case_id": case.id, "eligible": eligible, "quorum": quorum},
                now,
                dedupe_key=f"council_short:{case.id}:{eligible}:{person.id}",
            )
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
    case = uow.council.add_case(
        CouncilCase(assessment_id=record.id, kind=kind, facts=facts, reason=reason, created_at=now)
    )
    assert case.id is not None
    audit(uow, actor, Change("council.case", "council_case", str(case.id), None, {"kind": kind, **facts}, reason), now)
    for member in council_members(uow):
        if member != record.person_id:
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
    codes = {flag.code for flag in result.flags}
    quorum = settings.quorum
    opened: list[str] = []
    gap = _gap(record, result)
    regime = ev.regime_of(period.regime_id)
    threshold = regime.review_360.gap_threshold if regime.review_360 and regime.review_360.gap_threshold else None
    if "council_review_gap" in codes or (gap is not None and gap >= (threshold or settings.gap_points)):
        facts: dict[str, Any] = {
            "self_total": _s(record.self_total),
            "total": _s(result.total),
            "final_level": record.final_level,
        }
        message = next((f.message for f in result.flags if f.code == "council_review_gap"), None)
        if message:
            facts["message"] = message
        if open_case(uow, record, GAP, facts, now, actor, quorum=quorum):
            opened.append(GAP)
    for code, kind in (("council_review_absence", ABSENCE), ("council_review_raters", RATERS)):
        if code in codes:
            message = next(f.message for f in result.flags if f.code == code)
            facts = {"message": message, "final_level": record.final_level}
            if open_case(uow, record, kind, facts, now, actor, quorum=quorum):
                opened.append(kind)
    if tied:
        facts = {"total": _s(result.total), "final_level": record.final_level}
        if open_case(uow, record, TIE, facts, now, actor, quorum=quorum):
            opened.append(TIE)
    return opened


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

    @staticmethod
    def _require_member(uow: UnitOfWork, member_id: int) -> None:
        if ROLE_COUNCIL not in uow.people.roles(member_id):
            raise Refusal("not_council")

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
            ev.regime_of(period.regime_id),
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
            self._require_member(uow, member_id)
            views = [self._view(uow, c) for c in uow.council.cases(None if include_decided else "open")]
            return [v for v in views if v.person_id != member_id]

    def recent_decisions(self, member_id: int, limit: int = 5) -> list[CaseView]:
        """The latest decided cases, newest first (never one about this member)."""
        with self.db.reader() as uow:
            self._require_member(uow, member_id)
            decided = sorted(
                uow.council.cases("decided"), key=lambda c: (c.decided_at or c.created_at, c.id or 0), reverse=True
            )
            views: list[CaseView] = []
            for case in decided:
                if len(views) >= limit:
                    break
                view = self._view(uow, case)
                if view.person_id != member_id:
                    views.append(view)
            return views

    def case(self, member_id: int, case_id: int) -> CaseView:
        """One case, for a member."""
        with self.db.reader() as uow:
            self._require_member(uow, member_id)
            case = uow.council.case(case_id)
            if case is None:
                raise Refusal("not_found")
            view = self._view(uow, case)
            if view.person_id == member_id:
                raise Refusal("own_case")
            return view

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
            self._require_member(uow, member_id)
            case = uow.council.case(case_id)
            if case is None or case.id is None:
                raise Refusal("not_found")
            record = uow.assessments.get(case.assessment_id)
            assert record is not None
            if record.person_id == member_id:
                raise Refusal("own_case")
            if case.state != "open":
                raise Refusal("case_decided")
            period = uow.periods.get(record.period_id)
            assert period is not None
            if level is not None and level not in ev.regime_of(period.regime_id).level_by_code:
                raise Refusal("stale")
            vote = uow.council.vote_of(case.id, member_id)
            old = None if vote is None else {"outcome": vote.outcome, "level": vote.level}
            if vote is None:
                vote = uow.council.add_vote(
                    CouncilVote(case_id=case.id, member_id=member_id, outcome=outcome, level=level, reason=text, at=now)
                )
            else:
                vote.outcome, vote.level, vote.reason, vote.at = outcome, level, text or None, now
                uow.session.add(vote)
                uow.session.flush()
            audit(
                uow,
                Actor.person(member_id),
                Change("council.vote", "council_case", str(case.id), old, {"outcome": outcome, "level": level}, text),
                now,
            )
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
            self._require_member(uow, member_id)
            case = uow.council.case(case_id)
            if case is None or case.id is None:
                raise Refusal("not_found")
            record = uow.assessments.get(case.assessment_id)
            assert record is not None
            if record.person_id == member_id:
                raise Refusal("own_case")
            if case.state != "open":
                raise Refusal("case_decided")
            vote = uow.council.vote_of(case.id, member_id)
            old = None if vote is None else {"outcome": vote.outcome, "level": vote.level}
            if vote is None:
                uow.council.add_vote(
                    CouncilVote(case_id=case.id, member_id=member_id, outcome=RECUSE, level=None, reason=text, at=now)
                )
            else:
                vote.outcome, vote.level, vote.reason, vote.at = RECUSE, None, text, now
                uow.session.add(vote)
                uow.session.flush()
            audit(
                uow,
                Actor.person(member_id),
                Change("council.step_aside", "council_case", str(case.id), old, {"outcome": RECUSE}, text),
                now,
            )
            check_quorum(uow, case, record, self.settings.quorum, now)
            uow.commit()
            return self._view(uow, case)

    def overdue(self, day: date) -> list[CaseView]:
        """Open cases whose deadline has passed by this day (for HR's notice)."""
        with self.db.reader() as uow:
            views = [self._view(uow, c) for c in uow.council.cases("open")]
        return [v for v in views if v.deadline is not None and v.deadline < day]

    def _decide(
        self, uow: UnitOfWork, case: CouncilCase, record: Assessment, outcome: str, level: str | None, now: datetime
    ) -> None:
        assert case.id is not None and record.id is not None
        reasons = [v.reason for v in uow.council.votes(case.id) if v.outcome == outcome and v.level == level]
        reason = "; ".join(r for r in reasons if r) or None
        case.state, case.outcome, case.new_level = "decided", outcome, level
        case.decision_reason, case.decided_at = reason, now
        uow.session.add(case)
        if outcome == CHANGE and level is not None and level != record.final_level:
            old = {"final_level": record.final_level}
            uow.assessments.bump(record, record.version, {"final_level": level, "updated_at": now})
            audit(
                uow,
                Actor("council"),
                Change("council.change", "assessment", str(record.id), old, {"final_level": level}, reason),
                now,
            )
        audit(
            uow,
            Actor("council"),
            Change("council.decide", "council_case", str(case.id), None, {"outcome": outcome, "level": level}, reason),
            now,
        )
        queue(uow, "council_decision", record.person_id, {"case_id": case.id}, now)
        for member in council_members(uow):
            if member != record.person_id:
                queue(uow, "council_case_refresh", member, {"case_id": case.id}, now)

    # -- contesting a result ---------------------------------------------------------------------------------

    def contest_deadline(self, record: Assessment) -> date | None:
        """The last day a locked result may be contested."""
        if record.locked_at is None:
            return None
        return record.locked_at.astimezone(self.tz).date() + timedelta(days=self.settings.contest_days)

    def _contestable(self, uow: UnitOfWork, person_id: int, assessment_id: int) -> Assessment:
        """The person's own final (locked) result, with someone else on the council to hear a contest."""
        record = uow.assessments.get(assessment_id)
        if record is None or record.person_id != person_id or record.id is None:
            raise Refusal("not_found")
        if record.state != LOCKED:
            raise Refusal("not_contestable")
        if not any(member != person_id for member in council_members(uow)):
            raise Refusal("no_council")
        return record

    def _open_deadline(self, record: Assessment) -> date:
        """The last day to contest this result, while it is not past (contest_too_late otherwise)."""
        deadline = self.contest_deadline(record)
        if deadline is None or self.today() > deadline:
            raise Refusal("contest_too_late", deadline=deadline or self.today())
        return deadline

    def can_contest(self, person_id: int, assessment_id: int) -> date | None:
        """The deadline when this person may still contest this result (None when they cannot)."""
        try:
            return self.contest_check(person_id, assessment_id)
        except Refusal:
            return None

    def contest_check(self, person_id: int, assessment_id: int) -> date:
        """The deadline when this person may contest this result now; otherwise the refusal, raised (not_found,
        not_contestable, no_council — nobody else on the council to hear it —, already_contested,
        contest_too_late)."""
        with self.db.reader() as uow:
            record = self._contestable(uow, person_id, assessment_id)
            if uow.council.case_of(assessment_id, CONTEST) is not None:
                raise Refusal("already_contested")
            return self._open_deadline(record)

    def contest(self, person_id: int, assessment_id: int, reason: str) -> CaseView:
        """The person contests their final result, with a reason, within the set number of days."""
        text = clean_reason(reason)
        now = self.clock.now()
        with self.db.uow() as uow:
            record = self._contestable(uow, person_id, assessment_id)
            self._open_deadline(record)
            facts = {"total": _s(record.total), "final_level": record.final_level}
            case = open_case(
                uow, record, CONTEST, facts, now, Actor.person(person_id), text, quorum=self.settings.quorum
            )
            if case is None:
                raise Refusal("already_contested")
            uow.commit()
            return self._view(uow, case)

    # -- commendation -----------------------------------------------------------------------------------------

    def candidates(self, member_id: int) -> list[Candidate]:
        """The best results of the latest closed periods (top level), with the proposals so far."""
        with self.db.reader() as uow:
            self._require_member(uow, member_id)
            closed = [p for p in uow.periods.with_key(self._latest_closed_key(uow)) if p.status == "closed"]
            proposals = uow.council.proposals([p.id for p in closed if p.id is not None])
            found: list[Candidate] = []
            for period in closed:
                assert period.id is not None
                regime = ev.regime_of(period.regime_id)
                top = regime.levels[0].code
                for record in uow.assessments.in_period(period.id):
                    if record.state != LOCKED or (record.final_level or record.level) != top:
                        continue
                    person = uow.people.get(record.person_id)
                    unit = uow.units.get(period.unit_id)
                    mine = [p for p in proposals if p.period_id == period.id and p.person_id == record.person_id]
                    found.append(
                        Candidate(
                            period.id,
                            span_from_key(period.key).label(),
                            record.person_id,
                            person.full_name if person else "",
                            unit.name if unit else "",
                            record.total,
                            record.final_level or record.level,
                            len(mine),
                            any(p.proposed_by == member_id for p in mine),
                        )
                    )
            return sorted(found, key=lambda c: (-(c.total or 0), name_key(c.person_name)))

    @staticmethod
    def _latest_closed_key(uow: UnitOfWork) -> str:
        keys = sorted({p.key for p in uow.periods.all_closed()}, reverse=True)
        return keys[0] if keys else ""

    def propose(self, member_id: int, period_id: int, person_id: int) -> bool:
        """Propose (or withdraw the proposal of) an excellent performer; True when now proposed.

        When the quorum of members proposes the same person, they are told privately (once), and the proposal is
        then final: nobody can withdraw what the person has been told."""
        now = self.clock.now()
        with self.db.uow() as uow:
            self._require_member(uow, member_id)
            if member_id == person_id:
                raise Refusal("own_case")
            period = uow.periods.get(period_id)
            if period is None or period.status != "closed" or period.id is None:
                raise Refusal("not_found")
            existing = uow.council.proposal(period_id, person_id, member_id)
            before = sum(1 for p in uow.council.proposals([period_id]) if p.person_id == person_id)
            if existing is not None:
                if before >= self.settings.quorum:
                    raise Refusal("commend_final")
                uow.council.delete(existing)
                proposed = False
            else:
                uow.council.add_proposal(
                    Commendation(period_id=period_id, person_id=person_id, proposed_by=member_id, at=now)
                )
                proposed = True
            audit(
                uow,
                Actor.person(member_id),
                Change(
                    "council.commend", "person", str(person_id), None, {"period_id": period_id, "proposed": proposed}
                ),
                now,
            )
            if proposed and before + 1 >= self.settings.quorum:
                queue(
                    uow,
                    "commended",
                    person_id,
                    {"period_id": period_id},
                    now,
                    dedupe_key=f"commended:{period_id}:{person_id}",
                )
            uow.commit()
            return proposed


def _s(value: object) -> str | None:
    return None if value is None else str(value)

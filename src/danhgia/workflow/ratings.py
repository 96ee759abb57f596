"""The 360° round (regimes with `[review_360]`, the Đà Nẵng model): when a period opens, each person is
asked to score the colleagues the regime names — peers under the same leader, the people they lead, their
direct leader in secret — and leaders score their staff, the higher leader the staff below their leaders.

A rater sees only whom they must rate. Ratings are stored apart and reach nobody as such: scoring/ turns the
anonymous ones (peers, a leader's own staff) into an average of at least `min_raters` people, or leaves them
out; no command, report or export shows an individual rating.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from danhgia.scoring import Criterion, Regime
from danhgia.storage.models import Period, Rating
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow import evaluation as ev
from danhgia.workflow.calendar import span_from_key
from danhgia.workflow.clock import Clock
from danhgia.workflow.collation import name_key
from danhgia.workflow.common import Actor, Change, audit
from danhgia.workflow.outbox import queue
from danhgia.workflow.refusal import Refusal

PENDING = "pending"
SUBMITTED = "submitted"
LEADER_ROLES = ("direct_leader", "higher_leader")  # what these raters give counts as the leader's score


def check_editable(period_open: bool, submitted: bool, version: int, current: int) -> None:
    """A rating may be changed only in an open period, before it is sent, at the version shown; otherwise the
    refusal, raised (period_closed, rating_submitted, stale)."""
    if not period_open:
        raise Refusal("period_closed")
    if submitted:
        raise Refusal("rating_submitted")
    if current != version:
        raise Refusal("stale")


@dataclass(frozen=True)
class RatingTask:
    """One colleague a person must rate (what the rater is allowed to see)."""

    id: int
    version: int
    ratee_name: str
    ratee_position: str
    role: str
    state: str
    period_label: str
    step: int
    criteria: dict[str, Any]
    regime: Regime
    period_id: int = 0
    period_open: bool = True

    @property
    def done(self) -> bool:
        """Submitted."""
        return self.state == SUBMITTED

    @property
    def secret(self) -> bool:
        """Given in secret: an anonymous role of the regime (peers, a leader's own staff)."""
        review = self.regime.review_360
        return review is not None and self.role in review.anonymous_roles

    @property
    def min_raters(self) -> int:
        """How many secret ratings it takes before their average is counted and shown."""
        review = self.regime.review_360
        return review.min_raters if review is not None else 1

    @property
    def by_leader(self) -> bool:
        """Given by a leader of the ratee: it counts as the leader's score."""
        return self.role in LEADER_ROLES

    def check_editable(self, version: int) -> None:
        """The workflow's checks before a change, for a button that only asks (see `check_editable`)."""
        check_editable(self.period_open, self.done, version, self.version)

    def has_step(self, step: int) -> bool:
        """A step of the walk: a criterion, or the summary after the last one."""
        return 0 <= step <= len(self.regime.criteria)

    def criterion_at(self, step: int) -> Criterion | None:
        """The criterion at a step of the walk; None for the summary or a step out of range."""
        criteria = self.regime.criteria
        return criteria[step] if 0 <= step < len(criteria) else None


def raters_of(uow: UnitOfWork, period: Period) -> list[tuple[int, int, str]]:
    """(ratee, rater, role) for everyone of the period's unit, as the 360° model names them."""
    people = {p.id: p for p in uow.people.in_units([period.unit_id]) if p.id is not None}
    on = period.ends_on
    leader_of = {pid: line.supervisor_id for pid in people if (line := uow.reporting.current(pid, on)) is not None}
    pairs: list[tuple[int, int, str]] = []
    for ratee in sorted(people):
        leader = leader_of.get(ratee)
        for peer in sorted(people):
            if peer != ratee and leader is not None and leader_of.get(peer) == leader:
                pairs.append((ratee, peer, "peer"))
        if leader is not None:
            pairs.append((ratee, leader, "direct_leader"))
            higher = uow.reporting.current(leader, on)
            if higher is not None and higher.supervisor_id not in (ratee, leader):
                pairs.append((ratee, higher.supervisor_id, "higher_leader"))
        for staff in sorted(pid for pid, sup in leader_of.items() if sup == ratee):
            pairs.append((ratee, staff, "subordinate"))
    return pairs


def assign(uow: UnitOfWork, period: Period, now: datetime) -> int:
    """Create the rating requests of a newly opened 360° period and tell each rater (once); returns how many."""
    assert period.id is not None
    regime = ev.regime_of(period.regime_id)
    if not regime.uses_360:
        return 0
    created = 0
    raters: set[int] = set()
    for ratee, rater, role in raters_of(uow, period):
        if uow.ratings.exists(period.id, ratee, rater):
            continue
        uow.ratings.add(
            Rating(
                period_id=period.id,
                ratee_id=ratee,
                rater_id=rater,
                role=role,
                criteria={c.code: {} for c in regime.criteria},
                created_at=now,
            )
        )
        raters.add(rater)
        created += 1
    for rater in sorted(raters):
        queue(uow, "rating_request", rater, {"period_id": period.id}, now, dedupe_key=f"rating:{period.id}:{rater}")
    return created


def evaluators_of(uow: UnitOfWork, period_id: int, ratee_id: int) -> list[dict[str, Any]]:
    """The submitted ratings of a person as scoring/ evaluators (roles and criteria only, no rater)."""
    return [
        {"role": r.role, "criteria": copy.deepcopy(r.criteria)} for r in uow.ratings.submitted_for(period_id, ratee_id)
    ]


def fill_leader_rating(
    uow: UnitOfWork, period_id: int, ratee_id: int, criteria: dict[str, Any], actor: Actor, now: datetime
) -> None:
    """The direct leader's rating of a person, still unsent, becomes what the leader decided on the record."""
    for rating in uow.ratings.of_ratee(period_id, ratee_id):
        if rating.role != "direct_leader" or rating.state == SUBMITTED:
            continue
        rating.criteria = copy.deepcopy(criteria)
        rating.state = SUBMITTED
        rating.submitted_at = now
        rating.version += 1
        uow.session.add(rating)
        audit(uow, actor, Change("rating.by_decision", "rating", str(rating.id)), now)


class RatingService:
    """What a rater sees and does in the 360° round."""

    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz

    def _task(self, uow: UnitOfWork, rating: Rating) -> RatingTask:
        assert rating.id is not None
        period = uow.periods.get(rating.period_id)
        ratee = uow.people.get(rating.ratee_id)
        assert period is not None and ratee is not None
        return RatingTask(
            rating.id,
            rating.version,
            ratee.full_name,
            ratee.position,
            rating.role,
            rating.state,
            span_from_key(period.key).label(),
            rating.step,
            copy.deepcopy(rating.criteria),
            ev.regime_of(period.regime_id),
            period_id=rating.period_id,
            period_open=period.status == "open",
        )

    def todo(self, rater_id: int) -> list[RatingTask]:
        """The colleagues this person must rate in the open periods (pending first)."""
        with self.db.reader() as uow:
            open_ids = [p.id for p in uow.periods.all_open() if p.id is not None]
            tasks = [self._task(uow, r) for r in uow.ratings.by_rater(rater_id, open_ids)]
        return sorted(tasks, key=lambda t: (t.done, name_key(t.ratee_name)))

    def left_in(self, rater_id: int, period_id: int) -> list[RatingTask]:
        """The ratings this person has still to send in one open period."""
        return [task for task in self.todo(rater_id) if task.period_id == period_id and not task.done]

    def round_state(self, person_id: int) -> str:
        """Why a person may have nothing to rate: "no_period" (no open period in their unit), "not_used" (their
        unit's open period has no 360° round) or "open"."""
        with self.db.reader() as uow:
            person = uow.people.get(person_id)
            unit_id = person.unit_id if person is not None else None
            periods = [p for p in uow.periods.all_open() if p.unit_id == unit_id]
        if not periods:
            return "no_period"
        if not any(ev.regime_of(p.regime_id).uses_360 for p in periods):
            return "not_used"
        return "open"

    def get(self, rater_id: int, rating_id: int) -> RatingTask:
        """One rating of this rater (anyone else's is not found)."""
        with self.db.reader() as uow:
            rating = uow.ratings.get(rating_id)
            if rating is None or rating.rater_id != rater_id:
                raise Refusal("not_found")
            return self._task(uow, rating)

    def _edit(
        self,
        rater_id: int,
        rating_id: int,
        version: int,
        change: Callable[[Regime, dict[str, Any]], int | None],
        *,
        submit: bool = False,
    ) -> RatingTask:
        now = self.clock.now()
        with self.db.uow() as uow:
            rating = uow.ratings.get(rating_id)
            if rating is None or rating.rater_id != rater_id:
                raise Refusal("not_found")
            period = uow.periods.get(rating.period_id)
            assert period is not None
            check_editable(period.status == "open", rating.state == SUBMITTED, version, rating.version)
            regime = ev.regime_of(period.regime_id)
            criteria = copy.deepcopy(rating.criteria)
            step = change(regime, criteria)
            rating.criteria = criteria
            if step is not None:
                if not 0 <= step <= len(regime.criteria):
                    raise Refusal("stale")
                rating.step = step
            rating.version += 1
            if submit:
                rating.state = SUBMITTED
                rating.submitted_at = now
                # The log keeps that a rating was given, never its content.
                audit(uow, Actor.person(rater_id), Change("rating.submit", "rating", str(rating.id)), now)
            uow.session.add(rating)
            uow.commit()
            return self._task(uow, rating)

    def go_to(self, rater_id: int, rating_id: int, version: int, step: int) -> RatingTask:
        """Move the walk to a criterion (or the summary, at the end)."""
        return self._edit(rater_id, rating_id, version, lambda _r, _c: step)

    def full(self, rater_id: int, rating_id: int, version: int, code: str) -> RatingTask:
        """Full points for a criterion."""

        def change(regime: Regime, criteria: dict[str, Any]) -> None:
            _known(regime, code)
            ev.set_full(criteria, code)

        return self._edit(rater_id, rating_id, version, change)

    def deduct(self, rater_id: int, rating_id: int, version: int, code: str, deduction: str) -> RatingTask:
        """One more occurrence of a listed deduction."""

        def change(regime: Regime, criteria: dict[str, Any]) -> None:
            _known(regime, code)
            ev.add_deduction(regime, criteria, code, deduction)

        return self._edit(rater_id, rating_id, version, change)

    def points(self, rater_id: int, rating_id: int, version: int, code: str, text: str) -> RatingTask:
        """Points typed for a criterion."""

        def change(regime: Regime, criteria: dict[str, Any]) -> None:
            _known(regime, code)
            ev.set_points(regime, criteria, code, text)

        return self._edit(rater_id, rating_id, version, change)

    def submit(self, rater_id: int, rating_id: int, version: int) -> RatingTask:
        """Send the rating; it can no longer be changed."""
        return self._edit(rater_id, rating_id, version, lambda _r, _c: None, submit=True)

    def progress(self, period_id: int) -> tuple[int, int]:
        """(submitted, asked) ratings of a period — counts only, for HR."""
        with self.db.reader() as uow:
            rows = uow.ratings.in_period(period_id)
            return sum(1 for r in rows if r.state == SUBMITTED), len(rows)


def _known(regime: Regime, code: str) -> None:
    if code not in regime.criteria_by_code:
        raise Refusal("unknown_choice")

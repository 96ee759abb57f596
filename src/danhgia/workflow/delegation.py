"""Acting reviewers: a leader names someone to decide on their behalf for a date range (/uyquyen)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from danhgia.storage.models import Delegation
from danhgia.storage.uow import Database
from danhgia.workflow.clock import Clock
from danhgia.workflow.collation import name_key
from danhgia.workflow.common import ROLE_LEADER, Actor, Change, audit
from danhgia.workflow.outbox import queue
from danhgia.workflow.refusal import Refusal

MAX_DAYS = 92


@dataclass(frozen=True)
class DelegationView:
    """A delegation as shown to the leader and the acting reviewer."""

    id: int
    leader_id: int
    leader_name: str
    acting_id: int
    acting_name: str
    starts_on: date
    ends_on: date
    revoked: bool = False


@dataclass(frozen=True)
class Candidate:
    """Someone a leader may name as acting reviewer."""

    person_id: int
    full_name: str
    position: str


class DelegationService:
    """Create, list and revoke delegations."""

    def __init__(self, db: Database, clock: Clock, tz: ZoneInfo) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz

    def today(self) -> date:
        """Today in the organisation's time zone."""
        return self.clock.now().astimezone(self.tz).date()

    def candidates(self, leader_id: int) -> list[Candidate]:
        """Linked, active colleagues of the leader's unit and the leaders around it (not the leader)."""
        with self.db.reader() as uow:
            leader = uow.people.get(leader_id)
            if leader is None:
                return []
            unit = uow.units.get(leader.unit_id)
            unit_ids = {leader.unit_id}
            if unit is not None and unit.parent_id is not None:
                unit_ids |= uow.units.subtree_ids(unit.parent_id)
            people = uow.people.in_units(unit_ids)
            linked = uow.links.chats_of(p.id for p in people if p.id is not None)
            roles = uow.people.roles_by_person()
            found = []
            for person in people:
                if person.id is None or person.id == leader_id or person.id not in linked:
                    continue
                same_unit = person.unit_id == leader.unit_id
                if same_unit or ROLE_LEADER in roles.get(person.id, set()):
                    found.append(Candidate(person.id, person.full_name, person.position))
            found.sort(key=lambda c: (ROLE_LEADER not in roles.get(c.person_id, set()), name_key(c.full_name)))
            return found

    def of_leader(self, leader_id: int) -> list[DelegationView]:
        """The leader's current and future delegations."""
        with self.db.reader() as uow:
            rows = uow.delegations.current_and_future(leader_id, self.today())
            return [self._view(uow, row) for row in rows]

    def acting_for(self, person_id: int) -> list[DelegationView]:
        """Delegations in force today in which this person acts for a leader."""
        with self.db.reader() as uow:
            return [self._view(uow, row) for row in uow.delegations.active_on(self.today(), acting_id=person_id)]

    def get(self, delegation_id: int) -> DelegationView | None:
        """One delegation, revoked or not (for notices already addressed); None if unknown."""
        with self.db.reader() as uow:
            row = uow.delegations.get(delegation_id)
            return None if row is None else self._view(uow, row)

    def check_range(self, starts_on: date, ends_on: date) -> None:
        """Refuse a range a delegation cannot have (reversed, already over, too long), before asking more."""
        if ends_on < starts_on:
            raise Refusal("range_reversed")
        if ends_on < self.today():
            raise Refusal("range_past")
        if (ends_on - starts_on) > timedelta(days=MAX_DAYS):
            raise Refusal("range_too_long", days=MAX_DAYS)

    def _view(self, uow: object, row: Delegation) -> DelegationView:
        from danhgia.storage.uow import UnitOfWork

        assert isinstance(uow, UnitOfWork) and row.id is not None
        leader = uow.people.get(row.leader_id)
        acting = uow.people.get(row.acting_id)
        return DelegationView(
            row.id,
            row.leader_id,
            leader.full_name if leader else "",
            row.acting_id,
            acting.full_name if acting else "",
            row.starts_on,
            row.ends_on,
            row.revoked_at is not None,
        )

    def create(self, actor: Actor, acting_id: int, starts_on: date, ends_on: date) -> DelegationView:
        """Name an acting reviewer; pending reviews are sent to them at once when the range has begun."""
        assert actor.person_id is not None
        leader_id = actor.person_id
        today = self.today()
        self.check_range(starts_on, ends_on)
        if acting_id == leader_id:
            raise Refusal("self_delegation")
        if acting_id not in {c.person_id for c in self.candidates(leader_id)}:
            raise Refusal("not_candidate")
        now = self.clock.now()
        with self.db.uow() as uow:
            if ROLE_LEADER not in uow.people.roles(leader_id):
                raise Refusal("not_leader")
            for other in uow.delegations.current_and_future(leader_id, today):
                if other.starts_on <= ends_on and starts_on <= other.ends_on:
                    raise Refusal("overlap", start=other.starts_on, end=other.ends_on)
            row = uow.delegations.add(
                Delegation(
                    leader_id=leader_id, acting_id=acting_id, starts_on=starts_on, ends_on=ends_on, created_at=now
                )
            )
            assert row.id is not None
            audit(
                uow,
                actor,
                Change(
                    "delegation.create",
                    "delegation",
                    str(row.id),
                    None,
                    {"acting_id": acting_id, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
                ),
                now,
            )
            queue(uow, "delegated", acting_id, {"delegation_id": row.id}, now)
            if starts_on <= today:
                for record in uow.assessments.pending_for([leader_id]):
                    if record.person_id != acting_id:
                        queue(uow, "review_card", acting_id, {"assessment_id": record.id}, now)
            uow.commit()
            return self._view(uow, row)

    def revoke(self, actor: Actor, delegation_id: int) -> DelegationView:
        """End a delegation now (only its leader may)."""
        now = self.clock.now()
        with self.db.uow() as uow:
            row = uow.delegations.get(delegation_id)
            if row is None or row.leader_id != actor.person_id or row.revoked_at is not None:
                raise Refusal("not_found")
            row.revoked_at = now
            uow.session.add(row)
            audit(uow, actor, Change("delegation.revoke", "delegation", str(delegation_id), None, None), now)
            queue(uow, "delegation_revoked", row.acting_id, {"delegation_id": delegation_id}, now)
            uow.commit()
            return self._view(uow, row)

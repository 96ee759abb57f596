"""The life of an assessment record: its states and every rule about them, written once and named.

draft → submitted → (returned ↔ submitted) → approved → locked → reopened → locked …
(an approved record may also be reopened back to submitted before the period closes).
Use cases, handlers and reminders ask these predicates instead of restating them.
"""

from __future__ import annotations

DRAFT = "draft"
SUBMITTED = "submitted"
RETURNED = "returned"
APPROVED = "approved"
LOCKED = "locked"
REOPENED = "reopened"
EDITABLE = (DRAFT, RETURNED)  # the person may still change it
PENDING = (SUBMITTED, REOPENED)  # waiting for the reviewer
DECIDED = (APPROVED, LOCKED)
STATES = (DRAFT, SUBMITTED, RETURNED, APPROVED, LOCKED, REOPENED)


def editable(state: str, period_open: bool) -> bool:
    """The person may still change the record: a draft or a returned one, in an open period."""
    return state in EDITABLE and period_open


def handed_in(state: str) -> bool:
    """The person has submitted it (whatever happened since)."""
    return state not in EDITABLE


def pending(state: str) -> bool:
    """It waits for the reviewer's decision."""
    return state in PENDING


def decided(state: str) -> bool:
    """The reviewer decided (approved or adjusted; locked once the period closed)."""
    return state in DECIDED


def blocks_closing(state: str) -> bool:
    """A period cannot close while a record waits for the reviewer or for the person (returned)."""
    return state in PENDING or state == RETURNED


def returnable(state: str) -> bool:
    """The reviewer may send it back to the person: a submitted record, never a reopened (locked) one, which is
    decided again."""
    return state == SUBMITTED


def bulk_approvable(state: str, adjusting: bool) -> bool:
    """ "Approve all" may approve it: submitted (not reopened) and nobody adjusting it."""
    return state == SUBMITTED and not adjusting


def notice_current(notice: str, state: str, decision: str | None) -> bool:
    """A notice of a decision ("approved", "adjusted", "returned", "reopened") is still worth sending: the record
    has not moved on since."""
    if notice in ("approved", "adjusted"):
        return state in DECIDED and decision == notice
    if notice == "returned":
        return state == RETURNED
    if notice == "reopened":
        return state in PENDING
    return False

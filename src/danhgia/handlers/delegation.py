"""/uyquyen: a leader names an acting reviewer for a date range, sees current and future delegations and revokes
them; the acting reviewer is told (and, by the workflow, gets the pending cards).

One panel edited in place: the list → a person chosen from buttons → the range (buttons, or typed as
"dd/mm - dd/mm", a step kept in the database) → a confirmation. The range travels in the callback data of
the confirmation (yyyymmdd), so nothing is half-created if the leader walks away. Every press is a leader's:
the route table's guard refuses anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from telegram import Bot, Update
from telegram.ext import CommandHandler

from danhgia.chat.callbacks import Callback
from danhgia.chat.format import day, fit, short
from danhgia.chat.panel import Choice, Keys, Panel, keyboard
from danhgia.handlers import notifier
from danhgia.handlers.context import Context, reply, run_sync, services_of
from danhgia.handlers.dialog import text_step
from danhgia.handlers.routes import Routes
from danhgia.handlers.ui import (
    ack,
    actor_of,
    answered,
    ask_text,
    close_text_step,
    command_person,
    guarded,
    replace_panel,
    show,
)
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow import inputs
from danhgia.workflow.calendar import end_of_month, fmt_short, friday_of, from_ymd, ymd
from danhgia.workflow.common import ROLE_LEADER, Identity
from danhgia.workflow.delegation import Candidate, DelegationView
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.outbox import OutboxItem
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services

FEATURE = "uq"
CANDIDATE_BUTTONS = 24
RANGE = "delegation.range"


@dataclass(frozen=True)
class List(Callback, feature=FEATURE, code="l"):
    """The leader's delegations."""


@dataclass(frozen=True)
class New(Callback, feature=FEATURE, code="n"):
    """Whom the leader may name."""


@dataclass(frozen=True)
class Pick(Callback, feature=FEATURE, code="p"):
    """A person chosen: the range comes next."""

    person_id: int


@dataclass(frozen=True)
class Dates(Callback, feature=FEATURE, code="d"):
    """A range chosen (yyyymmdd): the confirmation comes next."""

    person_id: int
    starts_on: str
    ends_on: str


@dataclass(frozen=True)
class Create(Callback, feature=FEATURE, code="ok"):
    """Create the delegation exactly as the confirmation showed it."""

    person_id: int
    starts_on: str
    ends_on: str


@dataclass(frozen=True)
class AskRevoke(Callback, feature=FEATURE, code="x"):
    """Ask before revoking a delegation."""

    delegation_id: int


@dataclass(frozen=True)
class Revoke(Callback, feature=FEATURE, code="X"):
    """Revoke it."""

    delegation_id: int


# -- rendering ---------------------------------------------------------------------------------------------------


def list_panel(
    own: list[DelegationView], acting: list[DelegationView], today: date, lang: str, note: Html | None = None
) -> Panel:
    """The leader's current and future delegations (with a revoke button each) and a button to add one."""
    lines = [note, Html("")] if note else []
    lines += [t_html("delegation.title", lang), t_html("delegation.intro", lang), Html("")]
    if own:
        for item in own:
            key = "delegation.line_active" if item.starts_on <= today else "delegation.line_future"
            lines.append(t_html(key, lang, name=item.acting_name, start=day(item.starts_on), end=day(item.ends_on)))
    else:
        lines.append(t_html("delegation.none", lang))
    if acting:
        lines += [Html(""), t_html("delegation.acting_title", lang)]
        lines += [
            t_html(
                "delegation.acting_line",
                lang,
                leader=item.leader_name,
                start=day(item.starts_on),
                end=day(item.ends_on),
            )
            for item in acting
        ]
    rows = [[New().choice(t("delegation.new_button", lang))]]
    rows += [
        [AskRevoke(item.id).choice(t("delegation.revoke_button", lang, name=short(item.acting_name, 30)))]
        for item in own
    ]
    return Panel(fit(join_html(lines)), keyboard(rows))


def candidates_panel(candidates: list[Candidate], lang: str) -> Panel:
    """Whom the leader may name: one button each."""
    back = [List().choice(t("delegation.back", lang))]
    if not candidates:
        return Panel(t_html("delegation.no_candidates", lang), keyboard([back]))
    rows = [
        [Pick(c.person_id).choice(short(f"{c.full_name} — {c.position}", 48))] for c in candidates[:CANDIDATE_BUTTONS]
    ]
    return Panel(t_html("delegation.pick_title", lang), keyboard([*rows, back]))


def range_choices(today: date) -> list[tuple[str, date, date]]:
    """The date ranges offered as buttons (distinct end dates, starting today)."""
    offered = [
        ("delegation.today", today),
        ("delegation.to_friday", friday_of(today)),
        ("delegation.seven_days", today + timedelta(days=6)),
        ("delegation.month_end", end_of_month(today)),
    ]
    seen: set[date] = set()
    choices = []
    for key, end in offered:
        if end < today or end in seen:
            continue
        seen.add(end)
        choices.append((key, today, end))
    return choices


def range_keyboard(acting_id: int, today: date, lang: str) -> Keys:
    """Buttons for the usual ranges, and a way back to the list of people."""
    rows: list[list[Choice]] = [
        [Dates(acting_id, ymd(start), ymd(end)).choice(t(key, lang, date=fmt_short(end)))]
        for key, start, end in range_choices(today)
    ]
    rows.append([New().choice(t("delegation.back", lang))])
    return keyboard(rows)


def confirm_panel(candidate: Candidate, starts_on: date, ends_on: date, lang: str) -> Panel:
    """The last step before the delegation is created."""
    text = t_html("delegation.confirm_question", lang, name=candidate.full_name, start=day(starts_on), end=day(ends_on))
    rows = [
        [Create(candidate.person_id, ymd(starts_on), ymd(ends_on)).choice(t("delegation.confirm", lang))],
        [Pick(candidate.person_id).choice(t("delegation.change_dates", lang))],
        [List().choice(t("delegation.back_to_list", lang))],
    ]
    return Panel(text, keyboard(rows))


# -- outbox renderers --------------------------------------------------------------------------------------------


@notifier.renderer("delegated")
async def render_delegated(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Tell the acting reviewer that a leader named them (dropped if already revoked or over)."""
    found = await run_sync(services.delegations.get, int(item.payload["delegation_id"]))
    if found is None or found.revoked or found.ends_on < services.delegations.today():
        raise notifier.Obsolete("delegation no longer in force")
    text = t_html(
        "delegation.notice_delegated",
        item.language,
        leader=found.leader_name,
        start=day(found.starts_on),
        end=day(found.ends_on),
    )
    await notifier.send(bot, item, text)


@notifier.renderer("delegation_revoked")
async def render_revoked(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Tell the acting reviewer that the delegation was revoked."""
    found = await run_sync(services.delegations.get, int(item.payload["delegation_id"]))
    if found is None:
        raise notifier.Obsolete("unknown delegation")
    text = t_html(
        "delegation.notice_revoked",
        item.language,
        leader=found.leader_name,
        start=day(found.starts_on),
        end=day(found.ends_on),
    )
    await notifier.send(bot, item, text)


# -- handlers ----------------------------------------------------------------------------------------------------


async def _list(context: Context, identity: Identity, note: Html | None = None) -> Panel:
    services = services_of(context)
    own = await run_sync(services.delegations.of_leader, identity.person_id)
    acting = await run_sync(services.delegations.acting_for, identity.person_id)
    return list_panel(own, acting, services.delegations.today(), identity.language, note)


async def _candidate(context: Context, identity: Identity, person_id: int) -> Candidate:
    candidates = await run_sync(services_of(context).delegations.candidates, identity.person_id)
    found = next((c for c in candidates if c.person_id == person_id), None)
    if found is None:
        raise Refusal("not_candidate")
    return found


@guarded
async def delegation_command(update: Update, context: Context) -> None:
    """/uyquyen: the leader's delegations and a way to name an acting reviewer."""
    identity = await command_person(update, context)
    if identity is None:
        return
    if not identity.has_role(ROLE_LEADER):
        await reply(update, t_html("error.not_leader", identity.language))
        return
    await show(update, await _list(context, identity))


async def _leader_only(update: Update, _context: Context, identity: Identity) -> bool:
    """Delegations are a leader's: anyone else is told so."""
    if identity.has_role(ROLE_LEADER):
        return True
    await ack(update, t("error.not_leader", identity.language), alert=True)
    return False


routes = Routes(FEATURE, guard=_leader_only)


@routes.on(List)
async def list_(update: Update, context: Context, identity: Identity, _data: List) -> None:
    """The leader's delegations."""
    await close_text_step(context, identity)
    panel = await _list(context, identity)
    await ack(update)
    await show(update, panel)


@routes.on(New)
async def new(update: Update, context: Context, identity: Identity, _data: New) -> None:
    """Whom the leader may name."""
    await close_text_step(context, identity)
    candidates = await run_sync(services_of(context).delegations.candidates, identity.person_id)
    await ack(update)
    await show(update, candidates_panel(candidates, identity.language))


@routes.on(Pick)
async def pick(update: Update, context: Context, identity: Identity, data: Pick) -> None:
    """Ask for the range (buttons for the usual ones)."""
    candidate = await _candidate(context, identity, data.person_id)
    lang, today = identity.language, services_of(context).delegations.today()
    await ack(update)
    question = Panel(
        t_html("delegation.ask_range", lang, name=candidate.full_name), range_keyboard(data.person_id, today, lang)
    )
    await ask_text(update, context, identity, RANGE, {"acting": data.person_id}, question)


async def _range(update: Update, identity: Identity, data: Dates | Create) -> tuple[date, date] | None:
    starts_on, ends_on = from_ymd(data.starts_on), from_ymd(data.ends_on)
    if starts_on is None or ends_on is None:
        await ack(update, t("fallback.stale_button", identity.language))
        return None
    return starts_on, ends_on


@routes.on(Dates)
async def dates(update: Update, context: Context, identity: Identity, data: Dates) -> None:
    """A range chosen: the confirmation."""
    found = await _range(update, identity, data)
    if found is None:
        return
    await close_text_step(context, identity)
    candidate = await _candidate(context, identity, data.person_id)
    services_of(context).delegations.check_range(*found)
    await ack(update)
    await show(update, confirm_panel(candidate, *found, identity.language))


@routes.on(Create)
async def create(update: Update, context: Context, identity: Identity, data: Create) -> None:
    """Create the delegation as confirmed."""
    found = await _range(update, identity, data)
    if found is None:
        return
    await close_text_step(context, identity)
    await _candidate(context, identity, data.person_id)
    lang = identity.language
    created = await run_sync(services_of(context).delegations.create, actor_of(identity), data.person_id, *found)
    values = {"name": created.acting_name, "start": day(created.starts_on), "end": day(created.ends_on)}
    await ack(update, t("delegation.created_ack", lang))
    await show(update, await _list(context, identity, t_html("delegation.created", lang, **values)))


async def _own(context: Context, identity: Identity, delegation_id: int) -> DelegationView:
    """One of the leader's own delegations (another's is `not_found`)."""
    own = await run_sync(services_of(context).delegations.of_leader, identity.person_id)
    found = next((d for d in own if d.id == delegation_id), None)
    if found is None:
        raise Refusal("not_found")
    return found


@routes.on(AskRevoke)
async def ask_revoke(update: Update, context: Context, identity: Identity, data: AskRevoke) -> None:
    """Ask before revoking."""
    await close_text_step(context, identity)
    found = await _own(context, identity, data.delegation_id)
    lang = identity.language
    values = {"name": found.acting_name, "start": day(found.starts_on), "end": day(found.ends_on)}
    rows = [
        [Revoke(found.id).choice(t("delegation.revoke_confirm", lang))],
        [List().choice(t("delegation.keep", lang))],
    ]
    await ack(update)
    await show(update, Panel(t_html("delegation.revoke_question", lang, **values), keyboard(rows)))


@routes.on(Revoke)
async def revoke(update: Update, context: Context, identity: Identity, data: Revoke) -> None:
    """Revoke it; the acting reviewer is told."""
    await close_text_step(context, identity)
    found = await _own(context, identity, data.delegation_id)
    lang = identity.language
    revoked = await run_sync(services_of(context).delegations.revoke, actor_of(identity), found.id)
    await ack(update, t("delegation.revoked_ack", lang))
    await show(update, await _list(context, identity, t_html("delegation.revoked", lang, name=revoked.acting_name)))


async def _cancel_to_list(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    await replace_panel(update, context, dialog, await _list(context, identity))


@text_step(RANGE, _cancel_to_list)
async def range_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """A range typed as "dd/mm - dd/mm" (bad dates are refused and the step keeps waiting)."""
    services = services_of(context)
    starts_on, ends_on = inputs.day_range(
        text, services.delegations.today(), single_day=False, code="delegation_range_format"
    )
    services.delegations.check_range(starts_on, ends_on)
    candidate = await _candidate(context, identity, int(dialog.data["acting"]))
    await answered(update, context, identity, dialog, confirm_panel(candidate, starts_on, ends_on, identity.language))


HANDLERS = [CommandHandler("uyquyen", delegation_command), routes.handler()]

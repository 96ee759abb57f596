"""/uyquyen: a leader names an acting reviewer for a date range, sees current and future delegations and revokes
them; the acting reviewer is told (and, by the workflow, gets the pending cards).

One panel edited in place: the list → a person chosen from buttons → the range (buttons, or typed as
"dd/mm - dd/mm", a step kept in the database) → a confirmation. The range travels in the callback data of
the confirmation (yyyymmdd), so nothing is half-created if the leader walks away.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from telegram import Bot, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from danhgia.chat.callbacks import as_int, button
from danhgia.chat.format import day, fit, short
from danhgia.chat.panel import Choice, Keys, Panel, keyboard
from danhgia.handlers import notifier
from danhgia.handlers.context import Context, reply, run_sync, services_of
from danhgia.handlers.dialog import text_step
from danhgia.handlers.ui import (
    ack,
    actor_of,
    answered,
    ask_text,
    close_text_step,
    command_person,
    guarded,
    pressed,
    replace_panel,
    show,
)
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow import inputs
from danhgia.workflow.calendar import end_of_month, fmt_short, friday_of
from danhgia.workflow.common import ROLE_LEADER, Identity
from danhgia.workflow.delegation import Candidate, DelegationView
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.outbox import OutboxItem
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services

FEATURE = "uq"
CANDIDATE_BUTTONS = 24


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
    rows = [[button(t("delegation.new_button", lang), FEATURE, "n")]]
    rows += [
        [button(t("delegation.revoke_button", lang, name=short(item.acting_name, 30)), FEATURE, "x", item.id)]
        for item in own
    ]
    return Panel(fit(join_html(lines)), keyboard(rows))


def candidates_panel(candidates: list[Candidate], lang: str) -> Panel:
    """Whom the leader may name: one button each."""
    back = [button(t("delegation.back", lang), FEATURE, "l")]
    if not candidates:
        return Panel(t_html("delegation.no_candidates", lang), keyboard([back]))
    rows = [
        [button(short(f"{c.full_name} — {c.position}", 48), FEATURE, "p", c.person_id)]
        for c in candidates[:CANDIDATE_BUTTONS]
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
        [button(t(key, lang, date=fmt_short(end)), FEATURE, "d", acting_id, _ymd(start), _ymd(end))]
        for key, start, end in range_choices(today)
    ]
    rows.append([button(t("delegation.back", lang), FEATURE, "n")])
    return keyboard(rows)


def confirm_panel(candidate: Candidate, starts_on: date, ends_on: date, lang: str) -> Panel:
    """The last step before the delegation is created."""
    text = t_html("delegation.confirm_question", lang, name=candidate.full_name, start=day(starts_on), end=day(ends_on))
    rows = [
        [button(t("delegation.confirm", lang), FEATURE, "ok", candidate.person_id, _ymd(starts_on), _ymd(ends_on))],
        [button(t("delegation.change_dates", lang), FEATURE, "p", candidate.person_id)],
        [button(t("delegation.back_to_list", lang), FEATURE, "l")],
    ]
    return Panel(text, keyboard(rows))


def _ymd(value: date) -> str:
    return value.strftime("%Y%m%d")


def _from_ymd(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


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


@guarded
async def delegation_button(update: Update, context: Context) -> None:
    """Every button of the /uyquyen panel."""
    press = await pressed(update, context, FEATURE)
    if press is None:
        return
    identity, parts = press
    lang = identity.language
    if not identity.has_role(ROLE_LEADER):
        await ack(update, t("error.not_leader", lang), alert=True)
        return
    services = services_of(context)
    action = parts[0] if parts else ""
    args = parts[1:]
    if action in ("l", "n"):
        await close_text_step(context, identity)
        if action == "l":
            panel = await _list(context, identity)
        else:
            panel = candidates_panel(await run_sync(services.delegations.candidates, identity.person_id), lang)
        await ack(update)
        await show(update, panel)
        return
    number = as_int(args[0]) if args else None
    if number is None:
        await ack(update, t("fallback.stale_button", lang))
        return
    if action == "p":
        candidate = await _candidate(context, identity, number)
        today = services.delegations.today()
        await ack(update)
        await ask_text(
            update,
            context,
            identity,
            "delegation.range",
            {"acting": number},
            Panel(t_html("delegation.ask_range", lang, name=candidate.full_name), range_keyboard(number, today, lang)),
        )
    elif action in ("d", "ok"):
        starts_on = _from_ymd(args[1]) if len(args) > 1 else None
        ends_on = _from_ymd(args[2]) if len(args) > 2 else None
        if starts_on is None or ends_on is None:
            await ack(update, t("fallback.stale_button", lang))
            return
        await close_text_step(context, identity)
        candidate = await _candidate(context, identity, number)
        if action == "d":
            services.delegations.check_range(starts_on, ends_on)
            await ack(update)
            await show(update, confirm_panel(candidate, starts_on, ends_on, lang))
            return
        created = await run_sync(services.delegations.create, actor_of(identity), number, starts_on, ends_on)
        note = t_html(
            "delegation.created", lang, name=created.acting_name, start=day(created.starts_on), end=day(created.ends_on)
        )
        await ack(update, t("delegation.created_ack", lang))
        await show(update, await _list(context, identity, note))
    elif action in ("x", "X"):
        await close_text_step(context, identity)
        own = await run_sync(services.delegations.of_leader, identity.person_id)
        found = next((d for d in own if d.id == number), None)
        if found is None:
            raise Refusal("not_found")
        if action == "x":
            text = t_html(
                "delegation.revoke_question",
                lang,
                name=found.acting_name,
                start=day(found.starts_on),
                end=day(found.ends_on),
            )
            markup = keyboard(
                [
                    [button(t("delegation.revoke_confirm", lang), FEATURE, "X", found.id)],
                    [button(t("delegation.keep", lang), FEATURE, "l")],
                ]
            )
            await ack(update)
            await show(update, Panel(text, markup))
            return
        revoked = await run_sync(services.delegations.revoke, actor_of(identity), found.id)
        await ack(update, t("delegation.revoked_ack", lang))
        await show(update, await _list(context, identity, t_html("delegation.revoked", lang, name=revoked.acting_name)))
    else:
        await ack(update, t("fallback.stale_button", lang))


async def _cancel_to_list(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    await replace_panel(update, context, dialog, await _list(context, identity))


@text_step("delegation.range", _cancel_to_list)
async def range_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """A range typed as "dd/mm - dd/mm" (bad dates are refused and the step keeps waiting)."""
    services = services_of(context)
    starts_on, ends_on = inputs.day_range(
        text, services.delegations.today(), single_day=False, code="delegation_range_format"
    )
    services.delegations.check_range(starts_on, ends_on)
    candidate = await _candidate(context, identity, int(dialog.data["acting"]))
    await answered(update, context, identity, dialog, confirm_panel(candidate, starts_on, ends_on, identity.language))


HANDLERS = [
    CommandHandler("uyquyen", delegation_command),
    CallbackQueryHandler(delegation_button, pattern=rf"^v1:{FEATURE}:"),
]

"""/kydanhgia for HR (to_chuc, also quan_tri): open and close a unit's period, decide ties on the quota line,
mark a unit as outstanding, and reopen a locked record with a reason.

One panel edited in place: the units as a tree for the current or the previous period → a unit → closing
(confirmation, then the blockers, a tie to decide, or the summary) or reopening (a person → a typed reason).
Closing is checked with a dry run first, so a tap on a tie's name never closes anything by itself; the tie
buttons carry a fingerprint of the tied people, so a stale panel cannot pick someone it did not show.
Also renders the outbox notices of closing: "final_result" and "no_result" (to each person privately).
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from telegram import Bot, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from danhgia.chat.callbacks import as_int, button
from danhgia.chat.format import points, short
from danhgia.chat.panel import Choice, Panel, chunks, keyboard
from danhgia.handlers import notifier
from danhgia.handlers.context import Context, reply, run_sync, services_of
from danhgia.handlers.dialog import text_step
from danhgia.handlers.results import FEATURE as RESULTS
from danhgia.handlers.results import contest_row, final_result_text
from danhgia.handlers.ui import (
    ack,
    actor_of,
    close_text_step,
    command_person,
    end_text_step,
    guarded,
    pressed,
    replace_panel,
)
from danhgia.handlers.ui import ask_text as ask
from danhgia.handlers.ui import show as show_panel
from danhgia.scoring import format_percent
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow import evaluation as ev
from danhgia.workflow import inputs
from danhgia.workflow.assessments import REASON_MAX, PeriodInfo
from danhgia.workflow.common import ROLE_ADMIN, ROLE_HR, Actor, Identity
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.outbox import OutboxItem
from danhgia.workflow.periods import GROUP_LEADERS, CloseOutcome, PersonStatus, TieChoice, UnitStatus
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services

FEATURE = "pd"
CURRENT, PREVIOUS = "0", "1"
PAGE = 10
TIE_MAX = 60  # tied people one stage of the tie panel can carry in its buttons (hex bit mask)
WAITING = ("submitted", "reopened", "returned")  # records that block closing
Panel = Panel


# -- which period ------------------------------------------------------------------------------------------


def _key_of(services: Services, which: str) -> str | None:
    """The period key of "0" (current) or "1" (previous); None if forged."""
    span = services.periods.span()
    if which == CURRENT:
        return span.key
    if which == PREVIOUS:
        return span.previous().key
    return None


def _which_of(services: Services, key: str) -> str | None:
    span = services.periods.span()
    return {span.key: CURRENT, span.previous().key: PREVIOUS}.get(key)


def _label_of(key: str) -> str:
    from danhgia.workflow.calendar import span_from_key

    return span_from_key(key).label()


# -- rendering -----------------------------------------------------------------------------------------------


def _counts(row: UnitStatus, lang: str) -> str:
    """The non-zero counts of an open unit, e.g. "2 chưa bắt đầu, 1 chờ duyệt"."""
    pairs = [
        ("not_started", row.not_started),
        ("drafts", row.drafts),
        ("pending", row.pending),
        ("returned", row.returned),
        ("approved", row.approved),
        ("locked", row.locked),
    ]
    parts = [t(f"kydanhgia.count.{name}", lang, n=n) for name, n in pairs if n]
    return ", ".join(parts) if parts else t("kydanhgia.count.nobody", lang)


def _state(row: UnitStatus, lang: str) -> str:
    if row.period is None:
        return t("kydanhgia.state.none", lang)
    if row.period.status == "open":
        return t("kydanhgia.state.open", lang, counts=_counts(row, lang))
    return t("kydanhgia.state.closed", lang, locked=row.locked, reopened=row.pending)


def overview_panel(rows: list[UnitStatus], key: str, which: str, lang: str, other: str) -> Panel:
    """Every unit as a tree with its period's state, a button per unit, and the switch to the other period."""
    lines = [t_html("kydanhgia.overview_header", lang, period=_label_of(key)), Html("")]
    for row in rows:
        indent = "    " * (row.depth - 1) + "└ " if row.depth else ""
        lines.append(
            t_html(
                "kydanhgia.overview_line",
                lang,
                indent=indent,
                name=row.unit_name,
                code=row.unit_code,
                state=_state(row, lang),
            )
        )
    if not rows:
        lines.append(t_html("kydanhgia.no_units", lang))
    lines += [Html(""), t_html("kydanhgia.overview_hint", lang)]
    units = [button(("· " * row.depth) + short(row.unit_name, 34), FEATURE, "u", row.unit_id, which) for row in rows]
    switch = (
        button(t("kydanhgia.previous_period", lang, period=_label_of(other)), FEATURE, "ov", PREVIOUS)
        if which == CURRENT
        else button(t("kydanhgia.current_period", lang, period=_label_of(other)), FEATURE, "ov", CURRENT)
    )
    return Panel(join_html(lines), keyboard([*([b] for b in units), [switch]]))


def _subtree(rows: list[UnitStatus], unit_id: int) -> list[UnitStatus]:
    """A unit's row followed by the rows of its sub-units (the overview lists the tree depth-first)."""
    start = next(i for i, row in enumerate(rows) if row.unit_id == unit_id)
    depth = rows[start].depth
    found = [rows[start]]
    for row in rows[start + 1 :]:
        if row.depth <= depth:
            break
        found.append(row)
    return found


def unit_panel(
    rows: list[UnitStatus], unit_id: int, key: str, which: str, lang: str, note: Html | None, *, can_reopen: bool
) -> Panel:
    """One unit's period: its state and counts, and what HR can do with it (reopening: to_chuc only)."""
    tree = _subtree(rows, unit_id)
    row = tree[0]
    header = t_html("kydanhgia.unit_header", lang, name=row.unit_name, code=row.unit_code, period=_label_of(key))
    lines = [header]
    actions: list[list[Choice]] = []
    period = row.period
    if period is None:
        lines += [t_html("kydanhgia.unit_not_open", lang, people=row.people)]
        actions.append([button(t("kydanhgia.open_button", lang, period=_label_of(key)), FEATURE, "o", unit_id, which)])
    elif period.status == "open":
        lines.append(t_html("kydanhgia.unit_open", lang, people=row.people))
        if period.exceptional:
            lines.append(t_html("kydanhgia.unit_exceptional", lang))
        lines.append(
            t_html(
                "kydanhgia.unit_counts",
                lang,
                not_started=row.not_started,
                drafts=row.drafts,
                pending=row.pending,
                returned=row.returned,
                approved=row.approved,
            )
        )
        if row.ratings_asked and period.status == "open":  # the 360° round: counts only, by rater
            lines.append(t_html("kydanhgia.ratings", lang, sent=row.ratings_sent, asked=row.ratings_asked))
            if row.raters_behind:
                behind = ", ".join(
                    t("kydanhgia.rater_behind", lang, name=name, left=left) for name, left in row.raters_behind
                )
                lines.append(t_html("kydanhgia.raters_behind", lang, count=len(row.raters_behind), names=behind))
        actions.append([button(t("kydanhgia.close_button", lang), FEATURE, "c", period.id)])
    else:
        lines.append(t_html("kydanhgia.unit_closed", lang, people=row.people))
        lines.append(
            t_html(
                "kydanhgia.unit_closed_counts",
                lang,
                locked=row.locked,
                reopened=row.pending,
                missing=row.not_started + row.drafts,
            )
        )
        if can_reopen and (row.locked or row.pending):
            actions.append([button(t("kydanhgia.reopen_button", lang), FEATURE, "r", period.id, 0)])
    closed_below = [r for r in tree[1:] if r.period is None]
    if period is not None and closed_below:
        lines.append(t_html("kydanhgia.sub_units_not_open", lang, count=len(closed_below)))
        actions.append([button(t("kydanhgia.open_sub_button", lang), FEATURE, "o", unit_id, which)])
    actions.append([button(t("kydanhgia.back_to_units", lang), FEATURE, "ov", which)])
    text = join_html(lines)
    if note:
        text = Html(note + "\n\n" + text)
    return Panel(text, keyboard(actions))


def _names(people: list[PersonStatus], lang: str, *, with_state: bool = False) -> Html:
    if not people:
        return t_html("kydanhgia.nobody", lang)
    if with_state:
        return Html(
            ", ".join(
                t_html("kydanhgia.name_state", lang, name=p.full_name, state=t(f"state.{p.state}", lang))
                for p in people
            )
        )
    return Html(", ".join(t_html("kydanhgia.name", lang, name=p.full_name) for p in people))


def _ratio_text(info: PeriodInfo, lang: str) -> Html | None:
    """The quota's ratio for this unit (normal or outstanding), or None for regimes without a quota."""
    regime = ev.regime_of(info.regime_id)
    rule = regime.quota
    if rule is None:
        return None
    level = regime.level(rule.level).display
    exceptional = info.exceptional and rule.exceptional_ratio is not None
    ratio = rule.exceptional_ratio if exceptional and rule.exceptional_ratio is not None else rule.ratio
    key = "kydanhgia.ratio_exceptional" if exceptional else "kydanhgia.ratio_normal"
    return t_html(key, lang, level=level, percent=format_percent(Decimal(str(ratio)) * 100))


def confirm_panel(
    info: PeriodInfo,
    people: list[PersonStatus],
    preview: CloseOutcome,
    back: str | None,
    lang: str,
    note: Html | None = None,
) -> Panel:
    """The confirmation step of closing: who has not submitted, who is still pending, what the quota will do.
    Its button closes only while all of this still stands (it carries the preview's fingerprint)."""
    missing = [p for p in people if p.state in ("none", "draft")]
    waiting = [p for p in people if p.state in WAITING]
    approved = [p for p in people if p.state == "approved"]
    lines = [note, Html("")] if note else []
    lines += [
        t_html("kydanhgia.confirm_header", lang, period=info.label, unit=info.unit_name),
        t_html("kydanhgia.confirm_intro", lang),
        Html(""),
        t_html("kydanhgia.confirm_missing", lang, count=len(missing), names=_names(missing, lang))
        if missing
        else t_html("kydanhgia.confirm_all_submitted", lang),
        t_html("kydanhgia.confirm_waiting", lang, count=len(waiting), names=_names(waiting, lang, with_state=True))
        if waiting
        else t_html("kydanhgia.confirm_none_waiting", lang),
        t_html("kydanhgia.confirm_approved", lang, count=len(approved)),
    ]
    if waiting:
        lines.append(t_html("kydanhgia.confirm_blocked", lang))
    elif preview.tie is not None:
        lines.append(t_html("kydanhgia.confirm_tie", lang))
    elif preview.demoted:
        lines.append(
            t_html(
                "kydanhgia.confirm_demoted",
                lang,
                count=len(preview.demoted),
                names=", ".join(preview.demoted),
            )
        )
    elif approved:
        lines.append(t_html("kydanhgia.confirm_no_demotion", lang))
    ratio = _ratio_text(info, lang)
    if ratio:
        lines.append(ratio)
    rows: list[list[Choice]] = [
        [button(t("kydanhgia.confirm_button", lang), FEATURE, "C", info.id, preview.fingerprint)]
    ]
    rule = ev.regime_of(info.regime_id).quota
    if rule is not None and rule.exceptional_ratio is not None:
        percent = format_percent(Decimal(str(rule.exceptional_ratio)) * 100)
        toggle = (
            button(t("kydanhgia.exceptional_off", lang), FEATURE, "x", info.id, 0)
            if info.exceptional
            else button(t("kydanhgia.exceptional_on", lang, percent=percent), FEATURE, "x", info.id, 1)
        )
        rows.append([toggle])
    rows.append([_back_button(info, back, lang)])
    return Panel(join_html(lines), keyboard(rows))


def _back_button(info: PeriodInfo, which: str | None, lang: str) -> Choice:
    if which is None:
        return button(t("kydanhgia.back_to_units", lang), FEATURE, "ov", CURRENT)
    return button(t("kydanhgia.back_to_unit", lang), FEATURE, "u", info.unit_id, which)


def blockers_panel(info: PeriodInfo, outcome: CloseOutcome, back: str | None, lang: str) -> Panel:
    """Closing refused: who is still waiting, said politely; nothing was closed."""
    lines = [t_html("kydanhgia.blocked_header", lang, period=info.label, unit=info.unit_name)]
    lines += [
        t_html("kydanhgia.blocked_line", lang, name=name, state=t(f"state.{state}", lang))
        for name, state in outcome.blockers
    ]
    lines += [Html(""), t_html("kydanhgia.blocked_hint", lang)]
    rows = [[button(t("kydanhgia.try_again", lang), FEATURE, "c", info.id)], [_back_button(info, back, lang)]]
    return Panel(join_html(lines), keyboard(rows))


def summary_panel(outcome: CloseOutcome, back: str | None, lang: str) -> Panel:
    """After closing: how many records were locked, who was demoted by the quota, who did not submit."""
    info = outcome.period
    lines = [
        t_html("kydanhgia.closed_header", lang, period=info.label, unit=info.unit_name),
        t_html("kydanhgia.closed_locked", lang, count=outcome.locked),
        t_html(
            "kydanhgia.closed_demoted",
            lang,
            count=len(outcome.demoted),
            names=", ".join(outcome.demoted) or t("kydanhgia.nobody", lang),
        ),
        t_html(
            "kydanhgia.closed_missing",
            lang,
            count=len(outcome.not_submitted),
            names=", ".join(outcome.not_submitted) or t("kydanhgia.nobody", lang),
        ),
    ]
    if outcome.flagged:  # what goes before the council: HR knows at once, by name and reason
        cases = ", ".join(
            t("kydanhgia.flagged_case", lang, name=name, kind=t(f"council.kind.{kind}", lang))
            for name, kind in outcome.flagged
        )
        lines.append(t_html("kydanhgia.closed_flagged", lang, count=len(outcome.flagged), cases=cases))
    lines += [Html(""), t_html("kydanhgia.closed_sent", lang)]
    rows = [[_back_button(info, back, lang)], [button(t("kydanhgia.back_to_units", lang), FEATURE, "ov", back or "0")]]
    return Panel(join_html(lines), keyboard(rows))


# -- ties on the quota line ------------------------------------------------------------------------------------


def _fingerprint(ties: list[TieChoice], outcome: CloseOutcome) -> str:
    """A short mark of the ties met so far and of the records closing was computed from: a button made for
    other tied people, or before any record changed, is refused as stale."""
    text = "/".join(f"{tie.group}:{','.join(tie.staff_codes)}:{tie.slots}" for tie in ties)
    return hashlib.sha256(f"{text}#{outcome.fingerprint}".encode()).hexdigest()[:8]


def _masks(text: str) -> list[int] | None:
    masks = []
    for part in text.split("."):
        try:
            value = int(part, 16)
        except ValueError:
            return None
        if value < 0 or value >= 1 << TIE_MAX:
            return None
        masks.append(value)
    return masks or None


def _chosen(tie: TieChoice, mask: int) -> tuple[str, ...] | None:
    """The staff codes a mask picks from a tie; None when the mask is not a full, valid choice."""
    if mask >> len(tie.staff_codes) or mask.bit_count() != tie.slots:
        return None
    return tuple(code for i, code in enumerate(tie.staff_codes) if mask >> i & 1)


def _replay(
    services: Services, actor: Actor, period_id: int, masks: list[int]
) -> tuple[tuple[str, ...], list[TieChoice], CloseOutcome]:
    """Dry-run closing with the choices made for earlier ties; the last mask is the tie being chosen now."""
    winners: tuple[str, ...] = ()
    ties: list[TieChoice] = []
    for mask in masks[:-1]:
        outcome = services.periods.close(actor, period_id, tie_winners=winners, dry_run=True)
        if outcome.tie is None:
            raise Refusal("stale")
        ties.append(outcome.tie)
        chosen = _chosen(outcome.tie, mask)
        if chosen is None:
            raise Refusal("stale")
        winners += chosen
    outcome = services.periods.close(actor, period_id, tie_winners=winners, dry_run=True)
    if outcome.tie is not None:
        ties.append(outcome.tie)
    return winners, ties, outcome


def tie_panel(
    info: PeriodInfo, ties: list[TieChoice], masks: list[int], outcome: CloseOutcome, back: str | None, lang: str
) -> Panel:
    """Ask HR who keeps the level among people tied on the quota line: one button per person."""
    tie = ties[-1]
    mask = masks[-1]
    regime = ev.regime_of(info.regime_id)
    rule = regime.quota
    assert rule is not None
    top, lower = regime.level(rule.level).display, regime.level(rule.demote_to).display
    group = t(f"kydanhgia.group.{'leaders' if tie.group == GROUP_LEADERS else 'staff'}", lang)
    total = points(Decimal(tie.total))
    lines = [
        t_html("kydanhgia.tie_header", lang, period=info.label, unit=info.unit_name),
        t_html(
            "kydanhgia.tie_body",
            lang,
            count=len(tie.staff_codes),
            total=total,
            level=top,
            group=group,
            slots=tie.slots,
            lower=lower,
        ),
        t_html("kydanhgia.tie_chosen", lang, chosen=mask.bit_count(), slots=tie.slots),
    ]
    if len(tie.staff_codes) > TIE_MAX:
        lines.append(t_html("kydanhgia.tie_too_large", lang))
        return Panel(join_html(lines), keyboard([[_back_button(info, back, lang)]]))
    print_ = _fingerprint(ties, outcome)
    head = ".".join(format(m, "x") for m in masks[:-1])

    def data(new_mask: int) -> str:
        return f"{head}.{new_mask:x}" if head else f"{new_mask:x}"

    people = []
    for i, name in enumerate(tie.names):
        picked = bool(mask >> i & 1)
        new_mask = mask ^ (1 << i) if tie.slots > 1 or picked else 1 << i
        label = ("☑️ " if picked else "⬜ ") + short(name, 32)
        people.append(button(label, FEATURE, "t", info.id, print_, data(new_mask)))
    rows = chunks(people, 2)
    if mask.bit_count() == tie.slots:
        rows.append([button(t("kydanhgia.tie_confirm", lang), FEATURE, "T", info.id, print_, data(mask))])
    rows.append([_back_button(info, back, lang)])
    return Panel(join_html(lines), keyboard(rows))


# -- reopening a locked record ------------------------------------------------------------------------------------


def reopen_panel(info: PeriodInfo, people: list[PersonStatus], page: int, back: str | None, lang: str) -> Panel:
    """The locked records of a closed period: choose whose to reopen."""
    regime = ev.regime_of(info.regime_id)
    locked = [p for p in people if p.state == "locked" and p.assessment_id is not None]
    again = [p for p in people if p.state == "reopened"]
    pages = max(1, (len(locked) + PAGE - 1) // PAGE)
    page = min(max(page, 0), pages - 1)
    shown = locked[page * PAGE : (page + 1) * PAGE]
    lines = [t_html("kydanhgia.reopen_header", lang, period=info.label, unit=info.unit_name)]
    if locked:
        lines.append(t_html("kydanhgia.reopen_intro", lang))
        for person in shown:
            code = person.final_level or person.level
            lines.append(
                t_html(
                    "kydanhgia.reopen_line",
                    lang,
                    name=person.full_name,
                    level=regime.level(code).display if code else "—",
                    total=points(person.total),
                )
            )
    else:
        lines.append(t_html("kydanhgia.reopen_none", lang))
    if again:
        lines.append(t_html("kydanhgia.reopen_pending", lang, names=_names(again, lang)))
    rows: list[list[Choice]] = [[button(short(p.full_name, 36), FEATURE, "R", info.id, p.assessment_id)] for p in shown]
    nav = []
    if page > 0:
        nav.append(button(t("kydanhgia.page_prev", lang), FEATURE, "r", info.id, page - 1))
    if page + 1 < pages:
        nav.append(button(t("kydanhgia.page_next", lang), FEATURE, "r", info.id, page + 1))
    rows.append(nav)
    rows.append([_back_button(info, back, lang)])
    return Panel(join_html(lines), keyboard(rows))


async def _cancel_to_reopen(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    services = services_of(context)
    period_id = int(dialog.data["period"])
    info = await run_sync(services.periods.info, period_id)
    people = await run_sync(services.periods.people, actor_of(identity), period_id)
    panel = reopen_panel(info, people, 0, _which_of(services, info.key), identity.language)
    await replace_panel(update, context, dialog, panel)


@text_step("period.reopen", _cancel_to_reopen)
async def reopen_reason_typed(
    update: Update, context: Context, identity: Identity, dialog: DialogState, text: str
) -> None:
    """The reason for reopening a locked record; then the record goes back to its reviewer."""
    services = services_of(context)
    lang = identity.language
    period_id = int(dialog.data["period"])
    view = await run_sync(services.review.reopen, actor_of(identity), int(dialog.data["assessment"]), text)
    await end_text_step(context, identity)
    info = await run_sync(services.periods.info, period_id)
    reason = inputs.text(text, REASON_MAX, code="reason")  # as the workflow recorded it
    done = t_html(
        "kydanhgia.reopened",
        lang,
        name=view.person_name,
        period=info.label,
        reason=reason,
        reviewer=view.reviewer_name or t("kydanhgia.reviewer_unknown", lang),
    )
    which = _which_of(services, info.key)
    rows = [
        [button(t("kydanhgia.back_to_reopen", lang), FEATURE, "r", period_id, 0)],
        [_back_button(info, which, lang)],
    ]
    await replace_panel(update, context, dialog, Panel(done, keyboard(rows)))


# -- /kydanhgia ------------------------------------------------------------------------------------------------------


def _is_hr(identity: Identity) -> bool:
    return identity.has_role(ROLE_HR, ROLE_ADMIN)


async def _overview(update: Update, context: Context, identity: Identity, which: str) -> None:
    services = services_of(context)
    key = _key_of(services, which)
    other = _key_of(services, PREVIOUS if which == CURRENT else CURRENT)
    assert key is not None and other is not None
    rows = await run_sync(services.periods.overview, actor_of(identity), key)
    await ack(update)
    await show_panel(update, overview_panel(rows, key, which, identity.language, other))


@guarded
async def periods_command(update: Update, context: Context) -> None:
    """/kydanhgia: the units and their period, for HR."""
    identity = await command_person(update, context)
    if identity is None:
        return
    if not _is_hr(identity):
        await reply(update, t_html("kydanhgia.not_hr", identity.language))
        return
    await _overview(update, context, identity, CURRENT)


@guarded
async def periods_button(update: Update, context: Context) -> None:
    """Every button of the /kydanhgia panels (each one re-checked by the workflow: HR only)."""
    press = await pressed(update, context, FEATURE)
    if press is None:
        return
    identity, parts = press
    lang = identity.language
    services = services_of(context)
    actor = actor_of(identity)
    action, args = (parts[0], parts[1:]) if parts else ("", [])
    first = as_int(args[0]) if args else None
    second = as_int(args[1]) if len(args) > 1 else None
    if action == "ov" and args and args[0] in (CURRENT, PREVIOUS):
        await close_text_step(context, identity)
        await _overview(update, context, identity, args[0])
        return
    if action in ("u", "o") and len(args) == 2 and first is not None and _key_of(services, args[1]):
        await close_text_step(context, identity)
        await _unit_action(update, context, identity, action, first, args[1])
        return
    if first is None:
        await ack(update, t("fallback.stale_button", lang))
        return
    period_id = first
    info = await run_sync(services.periods.info, period_id)
    back = _which_of(services, info.key)
    if action == "c":
        await close_text_step(context, identity)
        people = await run_sync(services.periods.people, actor, period_id)
        if info.status != "open":
            raise Refusal("period_closed")
        preview = await run_sync(services.periods.close, actor, period_id, dry_run=True)
        await ack(update)
        await show_panel(update, confirm_panel(info, people, preview, back, lang))
    elif action == "x" and len(args) == 2 and args[1] in ("0", "1"):
        info = await run_sync(services.periods.set_exceptional, actor, period_id, args[1] == "1")
        people = await run_sync(services.periods.people, actor, period_id)
        preview = await run_sync(services.periods.close, actor, period_id, dry_run=True)
        await ack(update, t("kydanhgia.saved", lang))
        await show_panel(update, confirm_panel(info, people, preview, back, lang))
    elif action == "C" and len(args) == 2:
        await close_text_step(context, identity)
        outcome = await run_sync(services.periods.close, actor, period_id, expected=args[1])
        if outcome.changed:  # something changed since the confirmation was shown: show it again, close nothing
            await _confirm_again(update, services, actor, info, outcome, back, lang)
            return
        await _after_close(update, info, outcome, [], back, lang, services, actor)
    elif action in ("t", "T") and len(args) == 3:
        await _tie_button(update, context, identity, info, action, args[1], args[2], back)
    elif action == "r" and len(args) == 2 and second is not None:
        await close_text_step(context, identity)
        people = await run_sync(services.periods.people, actor, period_id)
        await ack(update)
        await show_panel(update, reopen_panel(info, people, second, back, lang))
    elif action == "R" and len(args) == 2 and second is not None:
        await _ask_reason(update, context, identity, info, second, back)
    else:
        await ack(update, t("fallback.stale_button", lang))


async def _unit_action(
    update: Update, context: Context, identity: Identity, action: str, unit_id: int, which: str
) -> None:
    services = services_of(context)
    lang = identity.language
    key = _key_of(services, which)
    assert key is not None
    note: Html | None = None
    toast: str | None = None
    if action == "o":
        opened = await run_sync(services.periods.open, actor_of(identity), unit_id, key)
        if opened:
            names = ", ".join(p.unit_name for p in opened)
            note = t_html("kydanhgia.opened", lang, period=_label_of(key), count=len(opened), names=names)
            toast = t("kydanhgia.opened_toast", lang, count=len(opened))
        else:
            note = t_html("kydanhgia.already_open", lang, period=_label_of(key))
    rows = await run_sync(services.periods.overview, actor_of(identity), key)
    if not any(row.unit_id == unit_id for row in rows):
        await ack(update, t("fallback.stale_button", lang))
        return
    await ack(update, toast)
    panel = unit_panel(rows, unit_id, key, which, lang, note, can_reopen=identity.has_role(ROLE_HR))
    await show_panel(update, panel)


async def _confirm_again(
    update: Update,
    services: Services,
    actor: Actor,
    info: PeriodInfo,
    preview: CloseOutcome,
    back: str | None,
    lang: str,
) -> None:
    """The confirmation, shown again because what it summarised changed; nothing was closed."""
    people = await run_sync(services.periods.people, actor, info.id)
    await ack(update, t("kydanhgia.changed_toast", lang), alert=True)
    note = t_html("kydanhgia.changed", lang)
    await show_panel(update, confirm_panel(info, people, preview, back, lang, note))


async def _after_close(
    update: Update,
    info: PeriodInfo,
    outcome: CloseOutcome,
    masks: list[int],
    back: str | None,
    lang: str,
    services: Services,
    actor: Actor,
) -> None:
    if outcome.closed:
        await ack(update, t("kydanhgia.closed_toast", lang))
        await show_panel(update, summary_panel(outcome, back, lang))
    elif outcome.blockers:
        await ack(update, t("kydanhgia.blocked_toast", lang), alert=False)
        await show_panel(update, blockers_panel(info, outcome, back, lang))
    elif outcome.tie is not None:
        masks = [*masks, 0]
        _, ties, replayed = await run_sync(_replay, services, actor, info.id, masks)
        await ack(update, t("kydanhgia.tie_toast", lang))
        await show_panel(update, tie_panel(info, ties, masks, replayed, back, lang))
    else:  # pragma: no cover - close() either closes or says why not
        raise Refusal("stale")


async def _tie_button(
    update: Update,
    context: Context,
    identity: Identity,
    info: PeriodInfo,
    action: str,
    mark: str,
    mask_text: str,
    back: str | None,
) -> None:
    """A tap on a tied person's name (choose / unchoose) or on the confirmation that closes with the choice."""
    services = services_of(context)
    lang = identity.language
    actor = actor_of(identity)
    masks = _masks(mask_text)
    if masks is None:
        await ack(update, t("fallback.stale_button", lang))
        return
    winners, ties, outcome = await run_sync(_replay, services, actor, info.id, masks)
    if outcome.tie is None or _fingerprint(ties, outcome) != mark:
        # The tie or the records changed under this panel: show the confirmation step again, close nothing.
        preview = await run_sync(services.periods.close, actor, info.id, dry_run=True)
        await _confirm_again(update, services, actor, info, preview, back, lang)
        return
    tie = outcome.tie
    mask = masks[-1]
    if mask >> len(tie.staff_codes):
        await ack(update, t("fallback.stale_button", lang))
        return
    if mask.bit_count() > tie.slots:
        await ack(update, t("kydanhgia.tie_full", lang, slots=tie.slots), alert=True)
        return
    if action == "t":
        await ack(update)
        await show_panel(update, tie_panel(info, ties, masks, outcome, back, lang))
        return
    chosen = _chosen(tie, mask)
    if chosen is None:
        await ack(update, t("kydanhgia.tie_choose", lang, slots=tie.slots), alert=True)
        return
    closed = await run_sync(
        services.periods.close, actor, info.id, tie_winners=winners + chosen, expected=outcome.fingerprint
    )
    if closed.changed:
        await _confirm_again(update, services, actor, info, closed, back, lang)
        return
    await _after_close(update, info, closed, masks, back, lang, services, actor)


async def _ask_reason(
    update: Update, context: Context, identity: Identity, info: PeriodInfo, assessment_id: int, back: str | None
) -> None:
    services = services_of(context)
    lang = identity.language
    people = await run_sync(services.periods.people, actor_of(identity), info.id)
    person = next((p for p in people if p.assessment_id == assessment_id), None)
    if person is None or person.state != "locked":
        await ack(update, t("kydanhgia.not_locked", lang), alert=True)
        await show_panel(update, reopen_panel(info, people, 0, back, lang))
        return
    regime = ev.regime_of(info.regime_id)
    code = person.final_level or person.level
    question = t_html(
        "kydanhgia.ask_reason",
        lang,
        name=person.full_name,
        period=info.label,
        level=regime.level(code).display if code else "—",
        total=points(person.total),
    )
    await ack(update)
    back_markup = keyboard([[button(t("kydanhgia.back_to_reopen", lang), FEATURE, "r", info.id, 0)]])
    await ask(
        update,
        context,
        identity,
        "period.reopen",
        {"period": info.id, "assessment": assessment_id},
        Panel(question, back_markup),
    )


# -- outbox notices of closing ----------------------------------------------------------------------------------


@notifier.renderer("final_result")
async def render_final_result(bot: Bot, services: Services, item: OutboxItem) -> None:
    """The person's final result of a closed period, privately, with the quota explained and a details button."""
    try:
        entry = await run_sync(services.results.entry, item.person_id, int(item.payload["assessment_id"]))
    except Refusal as error:
        raise notifier.Obsolete("the assessment is gone") from error
    if entry.state != "locked":
        raise notifier.Obsolete("reopened before the notice went out")
    contest = await run_sync(services.council.can_contest, item.person_id, entry.assessment_id) is not None
    markup = keyboard(
        [
            [button(t("ketqua.details_button", item.language), RESULTS, "d", entry.assessment_id)],
            contest_row(entry.assessment_id, contest, item.language),
        ]
    )
    await notifier.send(bot, item, Panel(final_result_text(entry, item.language), markup))


@notifier.renderer("no_result")
async def render_no_result(bot: Bot, services: Services, item: OutboxItem) -> None:
    """The period closed without a self-assessment from this person."""
    try:
        info = await run_sync(services.periods.info, int(item.payload["period_id"]))
    except Refusal as error:
        raise notifier.Obsolete("the period is gone") from error
    text = t_html("kydanhgia.no_result", item.language, period=info.label, unit=info.unit_name)
    await notifier.send(bot, item, text)


HANDLERS = [
    CommandHandler("kydanhgia", periods_command),
    CallbackQueryHandler(periods_button, pattern=rf"^v1:{FEATURE}:"),
]

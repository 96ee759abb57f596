"""The evaluation council (hội đồng đánh giá, role `hoi_dong`): the case cards each member receives (keep the
result, or change the level with a typed reason), /hoidong (the open and recently decided cases, and the
commendation proposals), the decision told to the person privately, and contesting a final result from the
final-result notice or /ketqua.

Every press is re-authorised by the workflow (`CouncilService.case`, `vote`, `propose`, `contest_check`) with
the presser's person id; callback data names an action and a case, assessment or period id plus small
indexes (a level's position in the regime), never a permission. Typed reasons are dialog steps in the
database, so a restart in the middle of a vote loses nothing.

Cards are not remembered: a vote edits the card it was cast on, and when the quorum decides a case every
other member gets a short notice with a button to the case ("council_case_refresh"); an older card whose
button is pressed later is edited in place to show the decision, and the press is refused politely.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler

from danhgia.chat.callbacks import as_int, button
from danhgia.chat.format import fit, points, short
from danhgia.chat.panel import Choice, Panel, keyboard
from danhgia.handlers import notifier
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.dialog import text_step
from danhgia.handlers.results import FEATURE as RESULTS
from danhgia.handlers.ui import (
    ack,
    ask_text,
    close_text_step,
    command_person,
    final_answer,
    guarded,
    pressed,
    refusal_ends_step,
    replace_panel,
    show,
)
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow.common import Identity
from danhgia.workflow.council import CHANGE, CONFIRM, RECUSE, Candidate, CaseView
from danhgia.workflow.dialogs import DialogState
from danhgia.workflow.outbox import OutboxItem
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services

log = logging.getLogger(__name__)
FEATURE = "hd"
OPEN = "open"
KINDS = ("gap", "absence", "tie", "contest", "raters")
CASE_BUTTONS = 30  # open cases with a button on /hoidong
RECENT = 5  # decided cases shown on /hoidong
COMMEND_BUTTONS = 30  # candidates with a toggle button
Panel = Panel


# -- small pieces ------------------------------------------------------------------------------------------------


def _flat(text: object) -> str:
    """Free text on one line (panels are cut at line boundaries, so no tag may span lines)."""
    return " ".join(str(text).split())


def _kind(view: CaseView, lang: str) -> str:
    return t(f"council.kind.{view.kind}", lang) if view.kind in KINDS else view.kind


def _level(view: CaseView, code: str | None) -> str:
    level = view.regime.level_by_code.get(code or "")
    return level.display if level is not None else "—"


def _level_before(view: CaseView) -> str | None:
    """The level the case is about: as it was when the case was opened."""
    return view.facts.get("final_level") or view.final_level or view.level


def _at(value: datetime | None, tz: ZoneInfo) -> str:
    return "—" if value is None else value.astimezone(tz).strftime("%H:%M %d/%m/%Y")


def _outcome(view: CaseView, outcome: str | None, level: str | None, lang: str) -> Html:
    if outcome == CHANGE:
        return t_html("council.outcome_change", lang, level=_level(view, level))
    return t_html("council.outcome_confirm", lang)


def _decision(view: CaseView, lang: str) -> Html:
    if view.outcome == CHANGE:
        return t_html("council.decision_change", lang, level=_level(view, view.new_level))
    return t_html("council.decision_confirm", lang)


def _decided_facts(view: CaseView, lang: str) -> dict[str, object]:
    """A decided case in one line's words: {id}, {name}, {period}, {kind}, {decision}."""
    return {
        "id": view.id,
        "name": view.person_name,
        "period": view.period_label,
        "kind": _kind(view, lang),
        "decision": _decision(view, lang),
    }


# -- the card ----------------------------------------------------------------------------------------------------


def card_text(view: CaseView, lang: str, tz: ZoneInfo, viewer_id: int) -> Html:
    """The case: who, which period, why it is before the council, the facts, the votes and the decision."""
    lines = [
        t_html("council.card_title", lang, id=view.id),
        t_html("council.card_person", lang, name=view.person_name, position=view.position or "—", unit=view.unit_name),
        t_html("council.card_period", lang, period=view.period_label),
        t_html("council.card_kind", lang, kind=_kind(view, lang)),
    ]
    if view.facts.get("message"):
        lines.append(t_html("council.card_message", lang, message=_flat(view.facts["message"])))
    if view.self_total is not None:
        lines.append(t_html("council.card_self", lang, total=points(view.self_total)))
    lines.append(t_html("council.card_total", lang, total=points(view.total), level=_level(view, _level_before(view))))
    if view.reason:
        lines.append(t_html("council.card_contest", lang, reason=_flat(view.reason)))
    lines.append(Html(""))
    if view.state == OPEN and view.deadline is not None:
        lines.append(t_html("council.card_deadline", lang, deadline=view.deadline.strftime("%d/%m/%Y")))
    if view.short:
        lines.append(t_html("council.card_short", lang, eligible=view.eligible, quorum=view.quorum))
    if view.ballots:
        lines.append(t_html("council.votes_header", lang, count=len(view.ballots), quorum=view.quorum))
    else:
        lines.append(t_html("council.votes_none", lang, quorum=view.quorum))
    for vote in view.votes:
        if vote.outcome == RECUSE:
            lines.append(t_html("council.aside_line", lang, name=vote.member_name, reason=_flat(vote.reason or "—")))
            continue
        outcome = _outcome(view, vote.outcome, vote.level, lang)
        if vote.reason:
            line = t_html(
                "council.vote_line_reason", lang, name=vote.member_name, outcome=outcome, reason=_flat(vote.reason)
            )
        else:
            line = t_html("council.vote_line", lang, name=vote.member_name, outcome=outcome)
        lines.append(line)
    mine = next((v for v in view.votes if v.member_id == viewer_id), None)
    if view.state == OPEN and mine is not None and mine.outcome == RECUSE:
        lines.append(t_html("council.your_aside", lang))
    elif view.state == OPEN and mine is not None:
        lines.append(t_html("council.your_vote", lang, outcome=_outcome(view, mine.outcome, mine.level, lang)))
    if view.state != OPEN:
        at = _at(view.decided_at, tz)
        if view.outcome == CHANGE:
            lines.append(t_html("council.decided_change", lang, level=_level(view, view.new_level), at=at))
        else:
            lines.append(t_html("council.decided_confirm", lang, at=at))
        if view.decision_reason:
            lines.append(t_html("council.decided_reason", lang, reason=_flat(view.decision_reason)))
    return fit(join_html(lines))


def card_panel(view: CaseView, lang: str, tz: ZoneInfo, viewer_id: int, note: Html | None = None) -> Panel:
    """The card with its buttons: keep or change while the case is open; the way back to the list always."""
    rows: list[list[Choice]] = []
    if view.state == OPEN and view.person_id != viewer_id:
        rows.append(
            [
                button(t("council.keep", lang), FEATURE, "k", view.id),
                button(t("council.change", lang), FEATURE, "x", view.id),
            ]
        )
        mine = next((v for v in view.votes if v.member_id == viewer_id), None)
        if mine is None or mine.outcome != RECUSE:
            rows.append([button(t("council.step_aside", lang), FEATURE, "a", view.id)])
    rows.append([button(t("council.back_to_list", lang), FEATURE, "ls")])
    text = card_text(view, lang, tz, viewer_id)
    if note:
        text = fit(Html(note + "\n\n" + text))
    return Panel(text, keyboard(rows))


def levels_panel(view: CaseView, lang: str) -> Panel:
    """The regime's levels to change to (the current one left out)."""
    current = view.final_level or view.level
    text = t_html(
        "council.choose_level", lang, name=view.person_name, period=view.period_label, level=_level(view, current)
    )
    rows = [
        [button(short(level.display, 60), FEATURE, "l", view.id, index)]
        for index, level in enumerate(view.regime.levels)
        if level.code != current
    ]
    rows.append([button(t("council.back_to_card", lang), FEATURE, "c", view.id)])
    return Panel(text, keyboard(rows))


# -- /hoidong ----------------------------------------------------------------------------------------------------


def list_panel(waiting: list[CaseView], decided: list[CaseView], lang: str, viewer_id: int, quorum: int) -> Panel:
    """The open cases (a button each), the recently decided ones, and the way to commendation proposals."""
    lines = [t_html("council.list_title", lang), Html("")]
    if waiting:
        lines.append(t_html("council.list_open", lang, count=len(waiting)))
        for view in waiting:
            voted = any(v.member_id == viewer_id for v in view.ballots)
            lines.append(
                t_html(
                    "council.list_line_voted" if voted else "council.list_line",
                    lang,
                    id=view.id,
                    name=view.person_name,
                    period=view.period_label,
                    kind=_kind(view, lang),
                    votes=len(view.ballots),
                    quorum=quorum,
                )
            )
    else:
        lines.append(t_html("council.list_open_none", lang))
    if decided:
        lines += [Html(""), t_html("council.list_decided", lang)]
        lines += [t_html("council.list_decided_line", lang, **_decided_facts(view, lang)) for view in decided]
    if waiting or decided:
        lines += [Html(""), t_html("council.list_hint", lang)]
    rows = [
        [
            button(
                short(t("council.case_button", lang, id=v.id, name=v.person_name, kind=_kind(v, lang)), 60),
                FEATURE,
                "c",
                v.id,
            )
        ]
        for v in waiting[:CASE_BUTTONS]
    ]
    rows += [
        [button(short(t("council.decided_button", lang, id=v.id, name=v.person_name), 60), FEATURE, "c", v.id)]
        for v in decided
    ]
    rows.append([button(t("council.commend_button", lang), FEATURE, "cm")])
    return Panel(fit(join_html(lines)), keyboard(rows))


def commend_panel(candidates: list[Candidate], lang: str, viewer_id: int, quorum: int) -> Panel:
    """The top performers of the latest closed period, how many members proposed each, and a toggle each."""
    back = [button(t("council.back_to_council", lang), FEATURE, "ls")]
    if not candidates:
        return Panel(
            join_html([t_html("council.commend_title_none", lang), t_html("council.commend_none", lang)]),
            keyboard([back]),
        )
    lines = [
        t_html("council.commend_title", lang, period=candidates[0].period_label),
        t_html("council.commend_intro", lang, quorum=quorum),
        Html(""),
    ]
    rows: list[list[Choice]] = []
    for candidate in candidates:
        final = candidate.proposals >= quorum
        if final:
            key = "council.commend_line_final"
        elif candidate.person_id == viewer_id:
            key = "council.commend_line_self"
        elif candidate.proposed_by_me:
            key = "council.commend_line_mine"
        else:
            key = "council.commend_line"
        lines.append(
            t_html(
                key,
                lang,
                name=candidate.person_name,
                unit=candidate.unit_name,
                total=points(candidate.total),
                count=candidate.proposals,
                quorum=quorum,
            )
        )
        if candidate.person_id != viewer_id and not final and len(rows) < COMMEND_BUTTONS:
            label = t(
                "council.withdraw" if candidate.proposed_by_me else "council.propose",
                lang,
                name=short(candidate.person_name, 40),
            )
            rows.append([button(label, FEATURE, "p", candidate.period_id, candidate.person_id)])
    others = [c for c in candidates if c.person_id != viewer_id]
    if len(others) > COMMEND_BUTTONS:
        lines.append(t_html("council.commend_more", lang, count=len(others) - COMMEND_BUTTONS, shown=COMMEND_BUTTONS))
    lines += [Html(""), t_html("council.commend_count", lang, count=sum(1 for c in candidates if c.proposed_by_me))]
    rows.append(back)
    return Panel(fit(join_html(lines)), keyboard(rows))


# -- notices -----------------------------------------------------------------------------------------------------


def decision_notice(view: CaseView, lang: str) -> Panel:
    """What the person is told privately: the council kept or changed their level, and why."""
    key = "council.notice_change" if view.outcome == CHANGE else "council.notice_confirm"
    level = view.new_level if view.outcome == CHANGE else (view.final_level or view.level)
    lines = [t_html(key, lang, period=view.period_label, kind=_kind(view, lang), level=_level(view, level))]
    if view.decision_reason:
        lines.append(t_html("council.notice_reason", lang, reason=_flat(view.decision_reason)))
    else:
        lines.append(t_html("council.notice_no_reason", lang))
    lines.append(t_html("council.notice_private", lang))
    markup = keyboard([[button(t("council.see_result", lang), RESULTS, "d", view.assessment_id)]])
    return Panel(fit(join_html(lines)), markup)


@notifier.renderer("council_case")
async def render_case(bot: Bot, services: Services, item: OutboxItem) -> None:
    """A new case to a council member (dropped when they left the council or the case was decided)."""
    try:
        view = await run_sync(services.council.case, item.person_id, int(item.payload["case_id"]))
    except Refusal as error:
        raise notifier.Obsolete(error.code) from error
    if view.state != OPEN:
        raise notifier.Obsolete("already decided")
    await notifier.send(bot, item, card_panel(view, item.language, services.config.timezone, item.person_id))


@notifier.renderer("council_case_refresh")
async def render_case_refresh(bot: Bot, services: Services, item: OutboxItem) -> None:
    """The case was decided: a short notice with a button to the case (the member who cast the deciding vote
    saw their card edited in place and gets nothing)."""
    try:
        view = await run_sync(services.council.case, item.person_id, int(item.payload["case_id"]))
    except Refusal as error:
        raise notifier.Obsolete(error.code) from error
    if view.state == OPEN:
        raise notifier.Obsolete("not decided")
    if view.votes and view.votes[-1].member_id == item.person_id:
        raise notifier.Obsolete("the deciding voter saw the decision on their card")
    lang = item.language
    text = t_html("council.refresh", lang, **_decided_facts(view, lang))
    await notifier.send(
        bot, item, Panel(text, keyboard([[button(t("council.open_case", lang), FEATURE, "c", view.id)]]))
    )


@notifier.renderer("council_decision")
async def render_decision(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Tell the person privately what the council decided about their result, with the reason."""
    try:
        view = await run_sync(services.council.case_for_notice, int(item.payload["case_id"]))
    except Refusal as error:
        raise notifier.Obsolete(error.code) from error
    if view.person_id != item.person_id or view.state == OPEN:
        raise notifier.Obsolete("not this person's decided case")
    await notifier.send(bot, item, decision_notice(view, item.language))


@notifier.renderer("commended")
async def render_commended(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Tell the person the council proposed them for commendation."""
    try:
        info = await run_sync(services.periods.info, int(item.payload["period_id"]))
    except Refusal as error:
        raise notifier.Obsolete(error.code) from error
    text = t_html("council.commended", item.language, period=info.label, unit=info.unit_name)
    await notifier.send(bot, item, text)


# -- showing panels ----------------------------------------------------------------------------------------------


def _tz(context: Context) -> ZoneInfo:
    return services_of(context).config.timezone


async def _show_list(update: Update, context: Context, identity: Identity) -> None:
    services = services_of(context)
    waiting = await run_sync(services.council.cases, identity.person_id)
    decided = await run_sync(services.council.recent_decisions, identity.person_id, RECENT)
    await ack(update)
    quorum = services.config.council.quorum
    await show(update, list_panel(waiting, decided, identity.language, identity.person_id, quorum))


async def _show_commend(update: Update, context: Context, identity: Identity, note: str | None = None) -> None:
    services = services_of(context)
    candidates = await run_sync(services.council.candidates, identity.person_id)
    await ack(update, note)
    await show(update, commend_panel(candidates, identity.language, identity.person_id, services.config.council.quorum))


async def _decided(update: Update, context: Context, identity: Identity, view: CaseView) -> None:
    """The case was decided meanwhile: say so and show the card as it stands."""
    lang = identity.language
    await ack(update, t("error.plain_prefix", lang) + t("error.case_decided", lang), alert=True)
    await show(update, card_panel(view, lang, _tz(context), identity.person_id))


# -- /hoidong and the buttons ------------------------------------------------------------------------------------


@guarded
async def council_command(update: Update, context: Context) -> None:
    """/hoidong: the council's cases and the commendation proposals (council members only)."""
    identity = await command_person(update, context)
    if identity is None:
        return
    await _show_list(update, context, identity)


@guarded
async def council_button(update: Update, context: Context) -> None:
    """Every button of the council: the list, a card, keep/change, a level, a proposal, a contest."""
    press = await pressed(update, context, FEATURE)
    if press is None:
        return
    identity, parts = press
    lang = identity.language
    action = parts[0] if parts else ""
    numbers = [as_int(p) for p in parts[1:]]
    if action in ("ls", "cm") and not numbers:
        await close_text_step(context, identity)
        if action == "ls":
            await _show_list(update, context, identity)
        else:
            await _show_commend(update, context, identity)
        return
    if any(n is None for n in numbers) or not numbers:
        await ack(update, t("fallback.stale_button", lang))
        return
    ids = [n for n in numbers if n is not None]
    if action == "kn" and len(ids) == 1:
        await close_text_step(context, identity)
        await _contest(update, context, identity, ids[0])
    elif action == "p" and len(ids) == 2:
        await close_text_step(context, identity)
        await _propose(update, context, identity, ids[0], ids[1])
    elif (action in ("c", "k", "k0", "x", "a") and len(ids) == 1) or (action == "l" and len(ids) == 2):
        await close_text_step(context, identity)
        await _case_action(update, context, identity, action, ids[0], ids[1:])
    else:
        await ack(update, t("fallback.stale_button", lang))


async def _case_action(
    update: Update, context: Context, identity: Identity, action: str, case_id: int, rest: list[int]
) -> None:
    services = services_of(context)
    lang = identity.language
    me = identity.person_id
    view = await run_sync(services.council.case, me, case_id)  # a member, and not their own case
    if action == "c":
        await ack(update)
        await show(update, card_panel(view, lang, _tz(context), me))
        return
    if view.state != OPEN:
        await _decided(update, context, identity, view)
        return
    back = [button(t("council.back_to_card", lang), FEATURE, "c", view.id)]
    if action == "k":
        await ack(update)
        current = _level(view, view.final_level or view.level)
        question = t_html("council.ask_keep", lang, name=view.person_name, period=view.period_label, level=current)
        markup = keyboard([[button(t("council.keep_no_reason", lang), FEATURE, "k0", view.id)], back])
        await ask_text(update, context, identity, "council.keep", {"case": view.id}, Panel(question, markup))
    elif action == "k0":
        voted = await run_sync(services.council.vote, me, view.id, CONFIRM, None, "")
        await _after_vote(update, context, identity, voted)
    elif action == "x":
        await ack(update)
        await show(update, levels_panel(view, lang))
    elif action == "a":
        await ack(update)
        question = t_html("council.ask_aside", lang, name=view.person_name, period=view.period_label)
        await ask_text(update, context, identity, "council.aside", {"case": view.id}, Panel(question, keyboard([back])))
    else:  # "l": a level was chosen; the reason is typed next
        index = rest[0]
        levels = view.regime.levels
        if not 0 <= index < len(levels):
            await ack(update, t("fallback.stale_button", lang))
            return
        level = levels[index]
        await ack(update)
        question = t_html("council.ask_change", lang, name=view.person_name, level=level.display)
        markup = keyboard([[button(t("council.other_level", lang), FEATURE, "x", view.id)], back])
        await ask_text(
            update, context, identity, "council.change", {"case": view.id, "level": level.code}, Panel(question, markup)
        )


async def _after_vote(update: Update, context: Context, identity: Identity, view: CaseView) -> None:
    """After a vote cast with a button: the card edited in place, with what happened."""
    lang = identity.language
    decided = view.state != OPEN
    await ack(update, t("council.decided_ack" if decided else "council.voted_ack", lang))
    note = t_html("council.voted_line", lang)
    await show(update, card_panel(view, lang, _tz(context), identity.person_id, note))


async def _propose(update: Update, context: Context, identity: Identity, period_id: int, person_id: int) -> None:
    services = services_of(context)
    lang = identity.language
    candidates = await run_sync(services.council.candidates, identity.person_id)
    candidate = next((c for c in candidates if c.period_id == period_id and c.person_id == person_id), None)
    if candidate is None:  # forged, or no longer a candidate
        await ack(update, t("fallback.stale_button", lang))
        await show(update, commend_panel(candidates, lang, identity.person_id, services.config.council.quorum))
        return
    proposed = await run_sync(services.council.propose, identity.person_id, period_id, person_id)
    note = t("council.proposed_ack" if proposed else "council.withdrawn_ack", lang, name=candidate.person_name)
    await _show_commend(update, context, identity, note)


# -- typed reasons -----------------------------------------------------------------------------------------------


async def _typed_case(context: Context, identity: Identity, dialog: DialogState) -> CaseView:
    """The case a typed step is about, re-authorised; a refusal also closes the step."""
    council = services_of(context).council
    return await refusal_ends_step(context, identity, council.case, identity.person_id, int(dialog.data["case"]))


async def _vote_typed(
    update: Update,
    context: Context,
    identity: Identity,
    dialog: DialogState,
    outcome: str,
    level: str | None,
    text: str,
) -> None:
    council = services_of(context).council
    lang = identity.language
    view = await _typed_case(context, identity, dialog)
    try:
        voted = await final_answer(context, identity, council.vote, identity.person_id, view.id, outcome, level, text)
    except Refusal as error:  # decided meanwhile, or no longer a member: the step is closed
        if error.code != "case_decided":
            raise
        latest = await run_sync(council.case, identity.person_id, view.id)
        note = Html(t_html("error.plain_prefix", lang) + t_html("error.case_decided", lang))
        await replace_panel(update, context, dialog, card_panel(latest, lang, _tz(context), identity.person_id, note))
        return
    note = t_html("council.voted_line", lang)
    await replace_panel(update, context, dialog, card_panel(voted, lang, _tz(context), identity.person_id, note))


async def _cancel_vote(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    """/huy while typing a reason: back to the card, no vote cast."""
    view = await run_sync(services_of(context).council.case, identity.person_id, int(dialog.data["case"]))
    await replace_panel(update, context, dialog, card_panel(view, identity.language, _tz(context), identity.person_id))


@text_step("council.keep", _cancel_vote)
async def keep_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The (optional) reason for keeping the result; then the vote."""
    await _vote_typed(update, context, identity, dialog, CONFIRM, None, text)


@text_step("council.change", _cancel_vote)
async def change_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The (required) reason for changing the level; then the vote (bad input keeps the step waiting)."""
    await _vote_typed(update, context, identity, dialog, CHANGE, str(dialog.data["level"]), text)


@text_step("council.aside", _cancel_vote)
async def aside_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The (required) reason for stepping aside from a case; then the member no longer votes on it."""
    council = services_of(context).council
    lang = identity.language
    view = await _typed_case(context, identity, dialog)
    aside = await final_answer(context, identity, council.step_aside, identity.person_id, view.id, text)
    note = t_html("council.aside_done", lang)
    await replace_panel(update, context, dialog, card_panel(aside, lang, _tz(context), identity.person_id, note))


# -- to HR: a case the council cannot decide, a case past its deadline -------------------------------------------


@notifier.renderer("council_short")
async def render_short(bot: Bot, services: Services, item: OutboxItem) -> None:
    """To HR: too few council members may vote on a case for the quorum ever to be reached."""
    try:
        view = await run_sync(services.council.case_for_notice, int(item.payload["case_id"]))
    except (Refusal, KeyError, ValueError) as error:
        raise notifier.Obsolete("no such case") from error
    if not view.short:
        raise notifier.Obsolete("enough members now, or decided")
    lang = item.language
    text = t_html(
        "council.short_notice",
        lang,
        id=view.id,
        name=view.person_name,
        period=view.period_label,
        kind=_kind(view, lang),
        eligible=view.eligible,
        quorum=view.quorum,
    )
    await notifier.send(bot, item, text)


@notifier.renderer("council_overdue")
async def render_overdue(bot: Bot, services: Services, item: OutboxItem) -> None:
    """To HR, the working day after a case's deadline: it is still undecided."""
    try:
        view = await run_sync(services.council.case_for_notice, int(item.payload["case_id"]))
    except (Refusal, KeyError, ValueError) as error:
        raise notifier.Obsolete("no such case") from error
    if view.state != OPEN:
        raise notifier.Obsolete("decided meanwhile")
    lang = item.language
    text = t_html(
        "council.overdue_notice",
        lang,
        id=view.id,
        name=view.person_name,
        period=view.period_label,
        kind=_kind(view, lang),
        deadline=view.deadline.strftime("%d/%m/%Y") if view.deadline else "—",
        votes=len(view.ballots),
        quorum=view.quorum,
        eligible=view.eligible,
    )
    await notifier.send(bot, item, text)


# -- contesting a result -----------------------------------------------------------------------------------------


async def _contest(update: Update, context: Context, identity: Identity, assessment_id: int) -> None:
    """The person presses "contest" on their final result: asked for the reason in a new message (the notice
    stays as it is); refused politely after the deadline or when already contested."""
    services = services_of(context)
    lang = identity.language
    deadline = await run_sync(services.council.contest_check, identity.person_id, assessment_id)
    entry = await run_sync(services.results.entry, identity.person_id, assessment_id)
    await ack(update)
    question = t_html(
        "council.ask_contest",
        lang,
        period=entry.period.label,
        level=entry.level_name or "—",
        deadline=deadline.strftime("%d/%m/%Y"),
    )
    await ask_text(
        update, context, identity, "council.contest", {"assessment": assessment_id}, Panel(question), new=True
    )


async def _cancel_contest(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    """/huy while typing the reason of a contest: the question goes away, nothing is sent."""
    if dialog.chat_id is not None and dialog.message_id is not None:
        try:
            await context.bot.delete_message(dialog.chat_id, dialog.message_id)
        except TelegramError as error:
            log.info("could not delete the contest question: %s", error)


@text_step("council.contest", _cancel_contest)
async def contest_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The reason of a contest; then the case goes to the council (too late or already contested: refused and
    the step closes; an empty or too long reason: refused and the step keeps waiting)."""
    council = services_of(context).council
    assessment_id = int(dialog.data["assessment"])
    view = await final_answer(context, identity, council.contest, identity.person_id, assessment_id, text)
    sent = t_html("council.contest_sent", identity.language, reason=_flat(view.reason or ""))
    await replace_panel(update, context, dialog, Panel(fit(sent)))


HANDLERS = [
    CommandHandler("hoidong", council_command),
    CallbackQueryHandler(council_button, pattern=rf"^v1:{FEATURE}:"),
]

"""The council's outbox renderers: a new case to each member ("council_case"), the decision to the other
members ("council_case_refresh") and to the person ("council_decision"), a commendation ("commended"), and to
HR a case the council cannot decide ("council_short") or one past its deadline ("council_overdue"). A message
whose case moved on meanwhile is dropped (`notifier.Obsolete`)."""

from __future__ import annotations

from telegram import Bot

from danhgia.chat.format import fit
from danhgia.chat.panel import Panel, keyboard
from danhgia.handlers import notifier
from danhgia.handlers.context import run_sync
from danhgia.handlers.council.panels import card_panel, decision_lines, overdue_text, refresh_panel, short_text
from danhgia.handlers.results.callbacks import Details
from danhgia.texts import join_html, t, t_html
from danhgia.workflow.council import CaseView
from danhgia.workflow.outbox import OutboxItem
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services


def decision_notice(view: CaseView, lang: str) -> Panel:
    """What the person is told privately (the council kept or changed their level, and why), with a button to
    their result."""
    markup = keyboard([[Details(view.assessment_id).choice(t("council.see_result", lang))]])
    return Panel(fit(join_html(decision_lines(view, lang))), markup)


async def _member_case(services: Services, item: OutboxItem) -> CaseView:
    """The item's case as its member may see it; dropped when they may not (any longer)."""
    try:
        return await run_sync(services.council.case, item.person_id, int(item.payload["case_id"]))
    except Refusal as error:
        raise notifier.Obsolete(error.code) from error


async def _case(services: Services, item: OutboxItem) -> CaseView:
    """The item's case, for a message already addressed (HR); dropped when there is no such case."""
    try:
        return await run_sync(services.council.case_for_notice, int(item.payload["case_id"]))
    except (Refusal, KeyError, ValueError) as error:
        raise notifier.Obsolete("no such case") from error


@notifier.renderer("council_case")
async def render_case(bot: Bot, services: Services, item: OutboxItem) -> None:
    """A new case to a council member (dropped when they left the council or the case was decided)."""
    view = await _member_case(services, item)
    if not view.is_open:
        raise notifier.Obsolete("already decided")
    await notifier.send(bot, item, card_panel(view, item.language, services.config.timezone, item.person_id))


@notifier.renderer("council_case_refresh")
async def render_case_refresh(bot: Bot, services: Services, item: OutboxItem) -> None:
    """The case was decided: a short notice with a button to the case (the member who cast the deciding vote
    saw their card edited in place and gets nothing)."""
    view = await _member_case(services, item)
    if view.is_open:
        raise notifier.Obsolete("not decided")
    if view.cast_deciding_vote(item.person_id):
        raise notifier.Obsolete("the deciding voter saw the decision on their card")
    await notifier.send(bot, item, refresh_panel(view, item.language))


@notifier.renderer("council_decision")
async def render_decision(bot: Bot, services: Services, item: OutboxItem) -> None:
    """Tell the person privately what the council decided about their result, with the reason."""
    try:
        view = await run_sync(services.council.case_for_notice, int(item.payload["case_id"]))
    except Refusal as error:
        raise notifier.Obsolete(error.code) from error
    if view.person_id != item.person_id or view.is_open:
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


@notifier.renderer("council_short")
async def render_short(bot: Bot, services: Services, item: OutboxItem) -> None:
    """To HR: too few council members may vote on a case for the quorum ever to be reached."""
    view = await _case(services, item)
    if not view.short:
        raise notifier.Obsolete("enough members now, or decided")
    await notifier.send(bot, item, short_text(view, item.language))


@notifier.renderer("council_overdue")
async def render_overdue(bot: Bot, services: Services, item: OutboxItem) -> None:
    """To HR, the working day after a case's deadline: it is still undecided."""
    view = await _case(services, item)
    if not view.is_open:
        raise notifier.Obsolete("decided meanwhile")
    await notifier.send(bot, item, overdue_text(view, item.language))

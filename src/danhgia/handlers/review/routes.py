"""The review's commands and buttons: /duyet (the queue, with "approve all not yet adjusted" behind a
confirmation) and the route table of the card's and the walk's buttons. Every press is re-authorised by the
workflow with the presser's person id; a step of the walk applies only to the version of the record it was
shown on."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CommandHandler

from danhgia.chat.panel import Choice, Panel, keyboard
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.criteria import deduction_at, points_question
from danhgia.handlers.review import callbacks as cb
from danhgia.handlers.review.cards import already, show_card, show_on_card, show_walk
from danhgia.handlers.review.panels import back_to_card, bulk_panel, details_panel, flat, queue_panel, taken_panel
from danhgia.handlers.review.walk import leader_codes
from danhgia.handlers.routes import Routes
from danhgia.handlers.ui import ack, actor_of, ask_text, close_text_step, command_person, guarded, show
from danhgia.texts import Html, t, t_html
from danhgia.workflow import evaluation as ev
from danhgia.workflow import lifecycle
from danhgia.workflow.assessments import AssessmentView
from danhgia.workflow.common import Identity
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.review import review_steps

routes = Routes(cb.FEATURE)


@guarded
async def queue_command(update: Update, context: Context) -> None:
    """/duyet: the assessments waiting for my decision (as reviewer or acting reviewer)."""
    identity = await command_person(update, context)
    if identity is None:
        return
    views = await run_sync(services_of(context).review.queue_for, identity.person_id)
    await show(update, queue_panel(views, identity.language))


# -- the queue and "approve all" -----------------------------------------------------------------------------------


@routes.on(cb.Queue)
async def queue(update: Update, context: Context, identity: Identity, _data: cb.Queue) -> None:
    """The queue, refreshed."""
    await close_text_step(context, identity)
    views = await run_sync(services_of(context).review.queue_for, identity.person_id)
    await ack(update)
    await show(update, queue_panel(views, identity.language))


@routes.on(cb.BulkAsk)
async def bulk_ask(update: Update, context: Context, identity: Identity, _data: cb.BulkAsk) -> None:
    """The confirmation of "approve all", listing exactly what it will approve."""
    await close_text_step(context, identity)
    review, lang = services_of(context).review, identity.language
    choice = await run_sync(review.bulk_candidates, identity.person_id)
    if not choice.ready:
        views = await run_sync(review.queue_for, identity.person_id)
        await ack(update, t("review.bulk_none", lang), alert=True)
        await show(update, queue_panel(views, lang))
        return
    await ack(update)
    await show(update, bulk_panel(choice, lang))


@routes.on(cb.BulkConfirm)
async def bulk_confirm(update: Update, context: Context, identity: Identity, data: cb.BulkConfirm) -> None:
    """Approve exactly what the confirmation listed; when the list changed meanwhile, nothing, and ask again."""
    await close_text_step(context, identity)
    review, lang = services_of(context).review, identity.language
    outcome = await run_sync(review.approve_all, actor_of(identity), data.mark)
    if outcome.changed is not None:
        changed = outcome.changed
        await ack(update, t("review.bulk_changed_toast", lang), alert=True)
        if changed.ready:
            await show(update, bulk_panel(changed, lang, t_html("review.bulk_changed", lang)))
        else:
            views = await run_sync(review.queue_for, identity.person_id)
            await show(update, queue_panel(views, lang, t_html("review.bulk_changed", lang)))
        return
    views = await run_sync(review.queue_for, identity.person_id)
    note = t_html("review.bulk_done", lang, approved=outcome.approved, left=outcome.left)
    await ack(update, t("review.bulk_done", lang, approved=outcome.approved, left=outcome.left))
    await show(update, queue_panel(views, lang, note))


# -- the card ------------------------------------------------------------------------------------------------------


async def _reviewing(context: Context, identity: Identity, assessment_id: int) -> AssessmentView:
    """The record as its reviewer sees it (re-authorised), any typed step closed."""
    await close_text_step(context, identity)
    return await run_sync(services_of(context).review.for_reviewer, identity.person_id, assessment_id)


@routes.on(cb.Approve)
async def approve(update: Update, context: Context, identity: Identity, data: cb.Approve) -> None:
    """Approve as submitted; if someone decided first, say so and show the card as it stands."""
    await close_text_step(context, identity)
    outcome = await run_sync(services_of(context).review.approve, actor_of(identity), data.assessment_id)
    if not outcome.done:
        await already(update, context, identity, outcome.view, data.from_queue)
        return
    await ack(update, t("review.approved_ack", identity.language))
    await show_card(update, context, identity, outcome.view, data.from_queue)


@routes.on(cb.Card)
async def card(update: Update, context: Context, identity: Identity, data: cb.Card) -> None:
    """The card as it stands."""
    view = await _reviewing(context, identity, data.assessment_id)
    await ack(update)
    await show_card(update, context, identity, view, data.from_queue)


@routes.on(cb.Details)
async def details(update: Update, context: Context, identity: Identity, data: cb.Details) -> None:
    """The whole self-assessment."""
    view = await _reviewing(context, identity, data.assessment_id)
    await ack(update)
    await show_on_card(update, context, details_panel(view, identity.language, data.from_queue))


async def _pending(update: Update, context: Context, identity: Identity, assessment_id: int) -> AssessmentView | None:
    """The record while it waits for a decision; otherwise None, the card shown as it stands."""
    view = await _reviewing(context, identity, assessment_id)
    if not lifecycle.pending(view.state):
        await already(update, context, identity, view)
        return None
    return view


@routes.on(cb.Return)
async def return_(update: Update, context: Context, identity: Identity, data: cb.Return) -> None:
    """Ask for the reason of sending it back (a reopened record is decided again, never sent back)."""
    view = await _reviewing(context, identity, data.assessment_id)
    if not lifecycle.pending(view.state):
        await already(update, context, identity, view, data.from_queue)
        return
    if not lifecycle.returnable(view.state):
        raise Refusal("cannot_return_locked")
    lang = identity.language
    await ack(update)
    question = Panel(
        t_html("review.ask_return", lang, name=view.person_name), keyboard(back_to_card(view, lang, data.from_queue))
    )
    step = {"assessment": view.id, "queue": data.from_queue}
    await ask_text(update, context, identity, "review.return", step, question)


@routes.on(cb.Adjust)
async def adjust(update: Update, context: Context, identity: Identity, data: cb.Adjust) -> None:
    """Start an adjustment, or continue one's own where it was; someone else's asks before starting over."""
    view = await _pending(update, context, identity, data.assessment_id)
    if view is None:
        return
    draft = view.review_draft
    if draft is not None and draft.by == identity.person_id:
        await ack(update)
        await show_walk(update, context, identity, view)
        return
    if draft is not None:
        other = await _name_of(context, view, draft.by, identity.language)
        await ack(update)
        await show_on_card(update, context, taken_panel(view, other, identity.language))
        return
    started = await run_sync(services_of(context).review.adjust_start, actor_of(identity), view.id)
    await ack(update)
    await show_walk(update, context, identity, started)


async def _name_of(context: Context, view: AssessmentView, person_id: int, lang: str) -> str:
    """The name of whoever is adjusting: the reviewer, or one of the people acting for them."""
    if person_id == view.reviewer_id:
        return view.reviewer_name
    if view.reviewer_id is not None:
        for delegation in await run_sync(services_of(context).delegations.of_leader, view.reviewer_id):
            if delegation.acting_id == person_id:
                return delegation.acting_name
    return t("review.someone", lang)


@routes.on(cb.TakeOver)
async def take_over(update: Update, context: Context, identity: Identity, data: cb.TakeOver) -> None:
    """Start over an adjustment someone else began."""
    if await _pending(update, context, identity, data.assessment_id) is None:
        return
    started = await run_sync(services_of(context).review.adjust_start, actor_of(identity), data.assessment_id)
    await ack(update)
    await show_walk(update, context, identity, started)


@routes.on(cb.CancelAdjust)
async def cancel_adjust(update: Update, context: Context, identity: Identity, data: cb.CancelAdjust) -> None:
    """Drop one's own adjustment (someone else's is not one's to drop)."""
    view = await _pending(update, context, identity, data.assessment_id)
    if view is None:
        return
    if view.review_draft is not None and view.review_draft.by != identity.person_id:
        await ack(update, t("error.stale", identity.language), alert=True)
        await show_card(update, context, identity, view, False)
        return
    cancelled = await run_sync(services_of(context).review.adjust_cancel, actor_of(identity), view.id)
    await ack(update, t("review.adj_cancelled", identity.language))
    await show_card(update, context, identity, cancelled, False)


async def _own_walk(update: Update, context: Context, identity: Identity, assessment_id: int) -> AssessmentView | None:
    """The record while the presser is adjusting it; otherwise None, and they are told why."""
    view = await _pending(update, context, identity, assessment_id)
    if view is not None and view.draft_of(identity.person_id) is None:
        await ack(update, t("error.stale", identity.language), alert=True)
        await show_card(update, context, identity, view, False)
        return None
    return view


def _back_to_walk(view: AssessmentView, lang: str) -> list[list[Choice]]:
    return [[cb.Adjust(view.id).choice(t("review.adj_back_to_walk", lang))]]


@routes.on(cb.TypePoints)
async def type_points(update: Update, context: Context, identity: Identity, data: cb.TypePoints) -> None:
    """Ask for a criterion's points."""
    view = await _own_walk(update, context, identity, data.assessment_id)
    if view is None:
        return
    lang = identity.language
    if not 0 <= data.criterion < len(view.regime.criteria):
        await ack(update, t("fallback.stale_button", lang))
        return
    question = points_question("review.adj_ask_points", view.regime.criteria[data.criterion], lang)
    await ack(update)
    step = {"assessment": view.id, "criterion": data.criterion}
    await ask_text(
        update, context, identity, "review.points", step, Panel(question, keyboard(_back_to_walk(view, lang)))
    )


@routes.on(cb.TypePercent)
async def type_percent(update: Update, context: Context, identity: Identity, data: cb.TypePercent) -> None:
    """Ask for the percentage of one of a leader's own criteria."""
    view = await _own_walk(update, context, identity, data.assessment_id)
    if view is None:
        return
    lang, codes = identity.language, leader_codes(view)
    if not 0 <= data.leader < len(codes):
        await ack(update, t("fallback.stale_button", lang))
        return
    name = ev.leader_criterion_name(view.regime, codes[data.leader])
    await ack(update)
    question = Panel(t_html("review.adj_ask_percent", lang, name=name), keyboard(_back_to_walk(view, lang)))
    await ask_text(
        update, context, identity, "review.percent", {"assessment": view.id, "leader": data.leader}, question
    )


@routes.on(cb.TypeReason)
async def type_reason(update: Update, context: Context, identity: Identity, data: cb.TypeReason) -> None:
    """Ask for the reason of the adjustment."""
    view = await _own_walk(update, context, identity, data.assessment_id)
    if view is not None:
        await ask_reason(update, context, identity, view)


async def ask_reason(update: Update, context: Context, identity: Identity, view: AssessmentView) -> None:
    """The reason question (with the current reason, when there is one)."""
    lang = identity.language
    await ack(update)
    draft = view.draft_of(identity.person_id)
    question = t_html("review.adj_ask_reason", lang, name=view.person_name)
    if draft is not None and draft.reason:
        question = Html(question + "\n" + t_html("review.adj_reason_current", lang, reason=flat(draft.reason)))
    panel = Panel(question, keyboard(_back_to_walk(view, lang)))
    await ask_text(update, context, identity, "review.reason", {"assessment": view.id}, panel)


# -- the walk ------------------------------------------------------------------------------------------------------


async def _walking(update: Update, context: Context, identity: Identity, data: cb.WalkStep) -> AssessmentView | None:
    """The record a step of the walk was pressed on, when that step still applies: pending, the presser's own
    adjustment, at the version shown; otherwise None, and the card or the walk as it stands now."""
    view = await _pending(update, context, identity, data.assessment_id)
    if view is None:
        return None
    if view.draft_of(identity.person_id) is None:
        await ack(update, t("error.stale", identity.language), alert=True)
        await show_card(update, context, identity, view, False)
        return None
    if view.version != data.version:  # a double tap, or an older panel of the same walk
        await ack(update, t("error.stale", identity.language), alert=True)
        await show_walk(update, context, identity, view)
        return None
    return view


async def _changed(update: Update, context: Context, identity: Identity, changed: AssessmentView) -> None:
    await ack(update, t("review.saved", identity.language))
    await show_walk(update, context, identity, changed)


async def _stale(update: Update, identity: Identity) -> None:
    await ack(update, t("fallback.stale_button", identity.language))


@routes.on(cb.Step)
async def step(update: Update, context: Context, identity: Identity, data: cb.Step) -> None:
    """Go to a step (the reason step asks for the reason when there is none yet)."""
    view = await _walking(update, context, identity, data)
    if view is None:
        return
    steps = review_steps(view.regime, view.is_leader)
    if not 0 <= data.index < len(steps):
        await _stale(update, identity)
        return
    moved = await run_sync(services_of(context).review.adjust_step, actor_of(identity), view.id, steps[data.index])
    draft = moved.draft_of(identity.person_id)
    if steps[data.index] == "reason" and (draft is None or not draft.reason):
        await ask_reason(update, context, identity, moved)
        return
    await ack(update)
    await show_walk(update, context, identity, moved)


@routes.on(cb.Confirm)
async def confirm(update: Update, context: Context, identity: Identity, data: cb.Confirm) -> None:
    """Apply the adjustment."""
    if await _walking(update, context, identity, data) is None:
        return
    outcome = await run_sync(services_of(context).review.adjust_confirm, actor_of(identity), data.assessment_id)
    if not outcome.done:
        await already(update, context, identity, outcome.view)
        return
    await ack(update, t("review.adjusted_ack", identity.language))
    await show_card(update, context, identity, outcome.view, False)


@routes.on(cb.Full)
async def full(update: Update, context: Context, identity: Identity, data: cb.Full) -> None:
    """Full points for a criterion."""
    view = await _walking(update, context, identity, data)
    if view is None:
        return
    if not 0 <= data.criterion < len(view.regime.criteria):
        await _stale(update, identity)
        return
    code = view.regime.criteria[data.criterion].code
    await _changed(
        update,
        context,
        identity,
        await run_sync(services_of(context).review.adjust_full, actor_of(identity), view.id, code),
    )


@routes.on(cb.Deduct)
async def deduct(update: Update, context: Context, identity: Identity, data: cb.Deduct) -> None:
    """One more occurrence of a listed deduction."""
    view = await _walking(update, context, identity, data)
    if view is None:
        return
    criteria = view.regime.criteria
    item = deduction_at(criteria[data.criterion], data.deduction) if 0 <= data.criterion < len(criteria) else None
    if item is None:
        await _stale(update, identity)
        return
    review = services_of(context).review
    changed = await run_sync(
        review.adjust_deduction, actor_of(identity), view.id, criteria[data.criterion].code, item.code
    )
    await _changed(update, context, identity, changed)


@routes.on(cb.LeaderPercent)
async def leader_percent(update: Update, context: Context, identity: Identity, data: cb.LeaderPercent) -> None:
    """A chosen percentage for one of a leader's own criteria."""
    view = await _walking(update, context, identity, data)
    if view is None:
        return
    codes = leader_codes(view)
    if not 0 <= data.leader < len(codes) or data.percent not in ev.LEADER_PERCENTS:
        await _stale(update, identity)
        return
    review = services_of(context).review
    changed = await run_sync(
        review.adjust_leader_percent, actor_of(identity), view.id, codes[data.leader], str(data.percent)
    )
    await _changed(update, context, identity, changed)


@routes.on(cb.ToggleCause)
async def toggle_cause(update: Update, context: Context, identity: Identity, data: cb.ToggleCause) -> None:
    """Confirm or reject a claimed objective cause."""
    if await _walking(update, context, identity, data) is None:
        return
    review = services_of(context).review
    changed = await run_sync(review.adjust_toggle_cause, actor_of(identity), data.assessment_id, data.task_id)
    await _changed(update, context, identity, changed)


@routes.on(cb.ToggleBonus)
async def toggle_bonus(update: Update, context: Context, identity: Identity, data: cb.ToggleBonus) -> None:
    """Accept or reject a bonus claim."""
    view = await _walking(update, context, identity, data)
    if view is None:
        return
    group = view.regime.bonus_group
    if group is None or not 0 <= data.item < len(group.items):
        await _stale(update, identity)
        return
    review = services_of(context).review
    changed = await run_sync(review.adjust_toggle_bonus, actor_of(identity), view.id, group.items[data.item].code)
    await _changed(update, context, identity, changed)


HANDLERS = [CommandHandler("duyet", queue_command), routes.handler()]

"""The review's typed steps: the reason for returning a record, a criterion's points, a leader criterion's
percentage and the reason of an adjustment. Each answer is re-authorised; when the record was decided meanwhile
(or the walk is no longer the presser's), the step closes and the card says so. Refused input keeps the step
waiting; /huy goes back to the card or the walk, losing nothing saved."""

from __future__ import annotations

from collections.abc import Callable

from telegram import Update

from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.dialog import text_step
from danhgia.handlers.review.cards import replace, walk
from danhgia.handlers.review.panels import card_panel
from danhgia.handlers.review.walk import leader_codes
from danhgia.handlers.ui import actor_of, end_text_step, final_answer, refusal_ends_step
from danhgia.texts import Html, t, t_html
from danhgia.workflow import lifecycle
from danhgia.workflow.assessments import AssessmentView
from danhgia.workflow.common import Actor, Identity
from danhgia.workflow.dialogs import DialogState

RETURN, POINTS, PERCENT, REASON = "review.return", "review.points", "review.percent", "review.reason"


async def _typed_view(
    update: Update, context: Context, identity: Identity, dialog: DialogState
) -> AssessmentView | None:
    """The assessment a typed step is about, re-authorised (a refusal also closes the step); None when the
    answer no longer applies (the step is closed and the card shown)."""
    review = services_of(context).review
    assessment_id = int(dialog.data["assessment"])
    view = await refusal_ends_step(context, identity, review.for_reviewer, identity.person_id, assessment_id)
    return None if await _moved_on(update, context, identity, dialog, view) else view


def _still_ours(identity: Identity, dialog: DialogState, view: AssessmentView) -> bool:
    """Whether a typed answer still applies: the record waits for a decision, and (but for the reason to return
    it) the walk it belongs to is the presser's own."""
    return lifecycle.pending(view.state) and (dialog.kind == RETURN or view.draft_of(identity.person_id) is not None)


async def _moved_on(
    update: Update, context: Context, identity: Identity, dialog: DialogState, view: AssessmentView
) -> bool:
    """When the assessment was decided meanwhile (or the walk is no longer ours): close the step and say so."""
    if _still_ours(identity, dialog, view):
        return False
    lang = identity.language
    await end_text_step(context, identity)
    if not lifecycle.pending(view.state):
        message = t_html("error.already_decided", lang, state=t(f"state.{view.state}", lang))
    else:
        message = t_html("error.stale", lang)
    card = card_panel(view, lang, services_of(context).config.timezone, identity.person_id).under(message)
    await replace(update, context, identity, dialog, view.id, card)
    return True


async def _cancel_step(update: Update, context: Context, identity: Identity, dialog: DialogState) -> None:
    """/huy in a typed step of the review: back to the card or to the walk, nothing saved is lost."""
    view = await run_sync(services_of(context).review.for_reviewer, identity.person_id, int(dialog.data["assessment"]))
    if dialog.kind != RETURN and _still_ours(identity, dialog, view):
        panel = await walk(context, identity, view)
    else:
        tz = services_of(context).config.timezone
        panel = card_panel(view, identity.language, tz, identity.person_id, bool(dialog.data.get("queue")))
    await replace(update, context, identity, dialog, view.id, panel)


@text_step(RETURN, _cancel_step)
async def return_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The reason for returning an assessment; then it goes back to the person."""
    view = await _typed_view(update, context, identity, dialog)
    if view is None:
        return
    review = services_of(context).review
    outcome = await final_answer(context, identity, review.return_, actor_of(identity), view.id, text)
    lang, tz = identity.language, services_of(context).config.timezone
    card = card_panel(outcome.view, lang, tz, identity.person_id, bool(dialog.data.get("queue")))
    if not outcome.done:
        card = card.under(t_html("error.already_decided", lang, state=t(f"state.{outcome.view.state}", lang)))
    await replace(update, context, identity, dialog, view.id, card)


@text_step(POINTS, _cancel_step)
async def points_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """Points typed by the reviewer for one criterion (bad input is refused and the step keeps waiting)."""
    view = await _typed_view(update, context, identity, dialog)
    if view is None:
        return
    code = view.regime.criteria[int(dialog.data["criterion"])].code
    await _save_typed(update, context, identity, dialog, view, services_of(context).review.adjust_points, code, text)


@text_step(PERCENT, _cancel_step)
async def percent_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """A percentage typed by the reviewer for one of a leader's own criteria (bad input keeps the step waiting)."""
    view = await _typed_view(update, context, identity, dialog)
    if view is None:
        return
    code = leader_codes(view)[int(dialog.data["leader"])]
    adjust = services_of(context).review.adjust_leader_percent
    await _save_typed(update, context, identity, dialog, view, adjust, code, text)


async def _save_typed(
    update: Update,
    context: Context,
    identity: Identity,
    dialog: DialogState,
    view: AssessmentView,
    adjust: Callable[[Actor, int, str, str], AssessmentView],
    code: str,
    text: str,
) -> None:
    """Save a typed value of the walk (refused input keeps the step waiting) and show the walk with "saved"."""
    changed = await final_answer(context, identity, adjust, actor_of(identity), view.id, code, text)
    panel = await walk(context, identity, changed)
    saved = panel.with_text(Html(t_html("review.saved_line", identity.language) + "\n" + panel.text))
    await replace(update, context, identity, dialog, view.id, saved)


@text_step(REASON, _cancel_step)
async def reason_typed(update: Update, context: Context, identity: Identity, dialog: DialogState, text: str) -> None:
    """The reason of the adjustment (required); then the summary with old → new."""
    view = await _typed_view(update, context, identity, dialog)
    if view is None:
        return
    review = services_of(context).review
    changed = await final_answer(context, identity, review.adjust_reason, actor_of(identity), view.id, text)
    await replace(update, context, identity, dialog, view.id, await walk(context, identity, changed))

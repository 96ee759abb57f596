"""The council's panels, as pure functions of workflow views: a case's card (the facts, the votes, the
decision, and keep / change / step aside while the member may vote), the levels to change to, /hoidong's list,
the commendation proposals, the questions of the typed steps, and the texts of the notices."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from danhgia.chat.format import fit, points, short
from danhgia.chat.panel import Choice, Panel, keyboard
from danhgia.handlers.council.callbacks import (
    CaseList,
    ChangeTo,
    ChooseLevel,
    Commendations,
    Keep,
    KeepNoReason,
    OpenCase,
    Propose,
    StepAside,
)
from danhgia.scoring import Level
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow.commendations import Candidate
from danhgia.workflow.council import CHANGE, RECUSE, CaseView

KINDS = ("gap", "absence", "tie", "contest", "raters")
CASE_BUTTONS = 30  # open cases with a button on /hoidong
COMMEND_BUTTONS = 30  # candidates with a toggle button


# -- small pieces ------------------------------------------------------------------------------------------------


def flat(text: object) -> str:
    """Free text on one line (panels are cut at line boundaries, so no tag may span lines)."""
    return " ".join(str(text).split())


def kind_of(view: CaseView, lang: str) -> str:
    """Why the case is before the council, in words."""
    return t(f"council.kind.{view.kind}", lang) if view.kind in KINDS else view.kind


def level_name(view: CaseView, code: str | None) -> str:
    """A level of the case's regime by its code, as shown ("—" when unknown)."""
    level = view.regime.level_by_code.get(code or "")
    return level.display if level is not None else "—"


def _at(value: datetime | None, tz: ZoneInfo) -> str:
    return "—" if value is None else value.astimezone(tz).strftime("%H:%M %d/%m/%Y")


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value is not None else "—"


def _outcome(view: CaseView, outcome: str | None, level: str | None, lang: str) -> Html:
    if outcome == CHANGE:
        return t_html("council.outcome_change", lang, level=level_name(view, level))
    return t_html("council.outcome_confirm", lang)


def _decision(view: CaseView, lang: str) -> Html:
    if view.outcome == CHANGE:
        return t_html("council.decision_change", lang, level=level_name(view, view.new_level))
    return t_html("council.decision_confirm", lang)


def decided_facts(view: CaseView, lang: str) -> dict[str, object]:
    """A decided case in one line's words: {id}, {name}, {period}, {kind}, {decision}."""
    return {
        "id": view.id,
        "name": view.person_name,
        "period": view.period_label,
        "kind": kind_of(view, lang),
        "decision": _decision(view, lang),
    }


# -- the card ----------------------------------------------------------------------------------------------------


def _vote_lines(view: CaseView, lang: str) -> list[Html]:
    lines: list[Html] = []
    for vote in view.votes:
        if vote.outcome == RECUSE:
            lines.append(t_html("council.aside_line", lang, name=vote.member_name, reason=flat(vote.reason or "—")))
            continue
        outcome = _outcome(view, vote.outcome, vote.level, lang)
        if vote.reason:
            line = t_html(
                "council.vote_line_reason", lang, name=vote.member_name, outcome=outcome, reason=flat(vote.reason)
            )
        else:
            line = t_html("council.vote_line", lang, name=vote.member_name, outcome=outcome)
        lines.append(line)
    return lines


def card_text(view: CaseView, lang: str, tz: ZoneInfo, viewer_id: int) -> Html:
    """The case: who, which period, why it is before the council, the facts, the votes and the decision."""
    lines = [
        t_html("council.card_title", lang, id=view.id),
        t_html("council.card_person", lang, name=view.person_name, position=view.position or "—", unit=view.unit_name),
        t_html("council.card_period", lang, period=view.period_label),
        t_html("council.card_kind", lang, kind=kind_of(view, lang)),
    ]
    if view.facts.get("message"):
        lines.append(t_html("council.card_message", lang, message=flat(view.facts["message"])))
    if view.self_total is not None:
        lines.append(t_html("council.card_self", lang, total=points(view.self_total)))
    level = level_name(view, view.level_before)
    lines.append(t_html("council.card_total", lang, total=points(view.total), level=level))
    if view.reason:
        lines.append(t_html("council.card_contest", lang, reason=flat(view.reason)))
    lines.append(Html(""))
    if view.is_open and view.deadline is not None:
        lines.append(t_html("council.card_deadline", lang, deadline=_day(view.deadline)))
    if view.short:
        lines.append(t_html("council.card_short", lang, eligible=view.eligible, quorum=view.quorum))
    if view.ballots:
        lines.append(t_html("council.votes_header", lang, count=len(view.ballots), quorum=view.quorum))
    else:
        lines.append(t_html("council.votes_none", lang, quorum=view.quorum))
    lines += _vote_lines(view, lang)
    mine = view.vote_by(viewer_id)
    if view.is_open and view.stepped_aside(viewer_id):
        lines.append(t_html("council.your_aside", lang))
    elif view.is_open and mine is not None:
        lines.append(t_html("council.your_vote", lang, outcome=_outcome(view, mine.outcome, mine.level, lang)))
    if not view.is_open:
        at = _at(view.decided_at, tz)
        if view.outcome == CHANGE:
            lines.append(t_html("council.decided_change", lang, level=level_name(view, view.new_level), at=at))
        else:
            lines.append(t_html("council.decided_confirm", lang, at=at))
        if view.decision_reason:
            lines.append(t_html("council.decided_reason", lang, reason=flat(view.decision_reason)))
    return fit(join_html(lines))


def card_panel(view: CaseView, lang: str, tz: ZoneInfo, viewer_id: int, note: Html | None = None) -> Panel:
    """The card with its buttons: keep or change while the member may vote; the way back to the list always."""
    rows: list[list[Choice]] = []
    if view.may_vote(viewer_id):
        rows.append(
            [Keep(view.id).choice(t("council.keep", lang)), ChooseLevel(view.id).choice(t("council.change", lang))]
        )
        if view.may_step_aside(viewer_id):
            rows.append([StepAside(view.id).choice(t("council.step_aside", lang))])
    rows.append([CaseList().choice(t("council.back_to_list", lang))])
    text = card_text(view, lang, tz, viewer_id)
    if note:
        text = fit(Html(note + "\n\n" + text))
    return Panel(text, keyboard(rows))


def _back_to_card(view: CaseView, lang: str) -> list[Choice]:
    return [OpenCase(view.id).choice(t("council.back_to_card", lang))]


def levels_panel(view: CaseView, lang: str) -> Panel:
    """The regime's levels to change to (the current one left out)."""
    current = view.current_level
    text = t_html(
        "council.choose_level", lang, name=view.person_name, period=view.period_label, level=level_name(view, current)
    )
    rows = [
        [ChangeTo(view.id, index).choice(short(level.display, 60))]
        for index, level in enumerate(view.regime.levels)
        if level.code != current
    ]
    rows.append(_back_to_card(view, lang))
    return Panel(text, keyboard(rows))


def keep_question(view: CaseView, lang: str) -> Panel:
    """Keeping the result: an optional reason to type, or a vote without one."""
    current = level_name(view, view.current_level)
    question = t_html("council.ask_keep", lang, name=view.person_name, period=view.period_label, level=current)
    no_reason = KeepNoReason(view.id).choice(t("council.keep_no_reason", lang))
    return Panel(question, keyboard([[no_reason], _back_to_card(view, lang)]))


def change_question(view: CaseView, level: Level, lang: str) -> Panel:
    """Changing the level to the one chosen: the reason to type, or another level."""
    question = t_html("council.ask_change", lang, name=view.person_name, level=level.display)
    other = ChooseLevel(view.id).choice(t("council.other_level", lang))
    return Panel(question, keyboard([[other], _back_to_card(view, lang)]))


def aside_question(view: CaseView, lang: str) -> Panel:
    """Stepping aside from the case: the reason to type."""
    question = t_html("council.ask_aside", lang, name=view.person_name, period=view.period_label)
    return Panel(question, keyboard([_back_to_card(view, lang)]))


# -- /hoidong ----------------------------------------------------------------------------------------------------


def list_panel(waiting: list[CaseView], decided: list[CaseView], lang: str, viewer_id: int, quorum: int) -> Panel:
    """The open cases (a button each), the recently decided ones, and the way to commendation proposals."""
    lines = [t_html("council.list_title", lang), Html("")]
    if waiting:
        lines.append(t_html("council.list_open", lang, count=len(waiting)))
        for view in waiting:
            lines.append(
                t_html(
                    "council.list_line_voted" if view.has_voted(viewer_id) else "council.list_line",
                    lang,
                    id=view.id,
                    name=view.person_name,
                    period=view.period_label,
                    kind=kind_of(view, lang),
                    votes=len(view.ballots),
                    quorum=quorum,
                )
            )
    else:
        lines.append(t_html("council.list_open_none", lang))
    if decided:
        lines += [Html(""), t_html("council.list_decided", lang)]
        lines += [t_html("council.list_decided_line", lang, **decided_facts(view, lang)) for view in decided]
    if waiting or decided:
        lines += [Html(""), t_html("council.list_hint", lang)]
    rows = [
        [
            OpenCase(v.id).choice(
                short(t("council.case_button", lang, id=v.id, name=v.person_name, kind=kind_of(v, lang)), 60)
            )
        ]
        for v in waiting[:CASE_BUTTONS]
    ]
    rows += [
        [OpenCase(v.id).choice(short(t("council.decided_button", lang, id=v.id, name=v.person_name), 60))]
        for v in decided
    ]
    rows.append([Commendations().choice(t("council.commend_button", lang))])
    return Panel(fit(join_html(lines)), keyboard(rows))


def _candidate_key(candidate: Candidate, viewer_id: int, quorum: int) -> str:
    if candidate.final(quorum):
        return "council.commend_line_final"
    if candidate.person_id == viewer_id:
        return "council.commend_line_self"
    return "council.commend_line_mine" if candidate.proposed_by_me else "council.commend_line"


def commend_panel(candidates: list[Candidate], lang: str, viewer_id: int, quorum: int) -> Panel:
    """The top performers of the latest closed period, how many members proposed each, and a toggle each."""
    back = [CaseList().choice(t("council.back_to_council", lang))]
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
        lines.append(
            t_html(
                _candidate_key(candidate, viewer_id, quorum),
                lang,
                name=candidate.person_name,
                unit=candidate.unit_name,
                total=points(candidate.total),
                count=candidate.proposals,
                quorum=quorum,
            )
        )
        if candidate.may_propose(viewer_id, quorum) and len(rows) < COMMEND_BUTTONS:
            key = "council.withdraw" if candidate.proposed_by_me else "council.propose"
            label = t(key, lang, name=short(candidate.person_name, 40))
            rows.append([Propose(candidate.period_id, candidate.person_id).choice(label)])
    others = [c for c in candidates if c.person_id != viewer_id]
    if len(others) > COMMEND_BUTTONS:
        lines.append(t_html("council.commend_more", lang, count=len(others) - COMMEND_BUTTONS, shown=COMMEND_BUTTONS))
    lines += [Html(""), t_html("council.commend_count", lang, count=sum(1 for c in candidates if c.proposed_by_me))]
    rows.append(back)
    return Panel(fit(join_html(lines)), keyboard(rows))


# -- contesting a result -----------------------------------------------------------------------------------------


def contest_question(period: str, level: str | None, deadline: date, lang: str) -> Panel:
    """The person contests their final result: the reason to type, before the deadline."""
    question = t_html("council.ask_contest", lang, period=period, level=level or "—", deadline=_day(deadline))
    return Panel(question)


def contest_sent(view: CaseView, lang: str) -> Panel:
    """The contest went to the council, with the reason as typed."""
    return Panel(fit(t_html("council.contest_sent", lang, reason=flat(view.reason or ""))))


# -- notices -----------------------------------------------------------------------------------------------------


def refresh_panel(view: CaseView, lang: str) -> Panel:
    """To the other members, once the quorum decided a case: the decision, with a button to the case."""
    text = t_html("council.refresh", lang, **decided_facts(view, lang))
    return Panel(text, keyboard([[OpenCase(view.id).choice(t("council.open_case", lang))]]))


def decision_lines(view: CaseView, lang: str) -> list[Html]:
    """What the person is told privately: the council kept or changed their level, and why."""
    key = "council.notice_change" if view.outcome == CHANGE else "council.notice_confirm"
    level = view.new_level if view.outcome == CHANGE else view.current_level
    lines = [t_html(key, lang, period=view.period_label, kind=kind_of(view, lang), level=level_name(view, level))]
    if view.decision_reason:
        lines.append(t_html("council.notice_reason", lang, reason=flat(view.decision_reason)))
    else:
        lines.append(t_html("council.notice_no_reason", lang))
    lines.append(t_html("council.notice_private", lang))
    return lines


def short_text(view: CaseView, lang: str) -> Html:
    """To HR: too few council members may vote on a case for the quorum ever to be reached."""
    return t_html(
        "council.short_notice",
        lang,
        id=view.id,
        name=view.person_name,
        period=view.period_label,
        kind=kind_of(view, lang),
        eligible=view.eligible,
        quorum=view.quorum,
    )


def overdue_text(view: CaseView, lang: str) -> Html:
    """To HR: a case is still undecided after its deadline."""
    return t_html(
        "council.overdue_notice",
        lang,
        id=view.id,
        name=view.person_name,
        period=view.period_label,
        kind=kind_of(view, lang),
        deadline=_day(view.deadline),
        votes=len(view.ballots),
        quorum=view.quorum,
        eligible=view.eligible,
    )

"""The panels of /kydanhgia, pure functions from the workflow's views (workflow/periods.py) to a `Panel`: the
units as a tree, one unit's period, the closing steps (confirmation, blockers, a tie to choose, the summary) and
reopening a locked record. `which` ("0" current, "1" previous, None unknown) is where "back" leads.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from danhgia.chat.format import day, points, short
from danhgia.chat.panel import Choice, Panel, chunks, keyboard
from danhgia.handlers.periods.callbacks import (
    CURRENT,
    PREVIOUS,
    TIE_MAX,
    AskClose,
    AskCloseTree,
    Close,
    CloseTree,
    CloseWithTie,
    MarkExceptional,
    OpenUnit,
    Overview,
    PickTie,
    Reopen,
    ReopenList,
    ShowUnit,
    write_choices,
)
from danhgia.handlers.reports.callbacks import Progress
from danhgia.scoring import format_percent
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow import evaluation as ev
from danhgia.workflow.assessments import AssessmentView, PeriodInfo
from danhgia.workflow.calendar import span_from_key
from danhgia.workflow.closing_tree import TreeOutcome, TreePreview
from danhgia.workflow.lifecycle import APPROVED, LOCKED, REOPENED, blocks_closing
from danhgia.workflow.periods import CloseOutcome, Closing, PersonStatus, UnitStatus
from danhgia.workflow.quota import GROUP_LEADERS, group_kind, group_regime_id

PAGE = 10  # locked records per page of the reopening list


def label_of(key: str) -> str:
    """A period key as people read it ("11/2026")."""
    return span_from_key(key).label()


# -- the units ---------------------------------------------------------------------------------------------------


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
    lines = [t_html("kydanhgia.overview_header", lang, period=label_of(key)), Html("")]
    for row in rows:
        indent = "    " * (row.depth - 1) + "└ " if row.depth else ""
        values = {"indent": indent, "name": row.unit_name, "code": row.unit_code, "state": _state(row, lang)}
        lines.append(t_html("kydanhgia.overview_line", lang, **values))
    if not rows:
        lines.append(t_html("kydanhgia.no_units", lang))
    lines += [Html(""), t_html("kydanhgia.overview_hint", lang)]
    units = [ShowUnit(row.unit_id, which).choice(("· " * row.depth) + short(row.unit_name, 34)) for row in rows]
    switch = (
        Overview(PREVIOUS).choice(t("kydanhgia.previous_period", lang, period=label_of(other)))
        if which == CURRENT
        else Overview(CURRENT).choice(t("kydanhgia.current_period", lang, period=label_of(other)))
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
    header = t_html("kydanhgia.unit_header", lang, name=row.unit_name, code=row.unit_code, period=label_of(key))
    lines = [header]
    actions: list[list[Choice]] = []
    period = row.period
    if period is None:
        lines += [t_html("kydanhgia.unit_not_open", lang, people=row.people)]
        actions.append([OpenUnit(unit_id, which).choice(t("kydanhgia.open_button", lang, period=label_of(key)))])
    elif period.status == "open":
        lines.append(t_html("kydanhgia.unit_open", lang, people=row.people))
        if period.exceptional:
            lines.append(t_html("kydanhgia.unit_exceptional", lang))
        counts = {"not_started": row.not_started, "drafts": row.drafts, "pending": row.pending}
        counts |= {"returned": row.returned, "approved": row.approved}
        lines.append(t_html("kydanhgia.unit_counts", lang, **counts))
        if row.ratings_asked:  # the 360° round: counts only, by rater
            lines.append(t_html("kydanhgia.ratings", lang, sent=row.ratings_sent, asked=row.ratings_asked))
            if row.raters_behind:
                behind = ", ".join(
                    t("kydanhgia.rater_behind", lang, name=name, left=left) for name, left in row.raters_behind
                )
                lines.append(t_html("kydanhgia.raters_behind", lang, count=len(row.raters_behind), names=behind))
        actions.append([AskClose(period.id).choice(t("kydanhgia.close_button", lang))])
        actions.append([Progress(unit_id, key).choice(t("baocao.progress_button", lang))])
    else:
        lines.append(t_html("kydanhgia.unit_closed", lang, people=row.people))
        missing = row.not_started + row.drafts
        counts = {"locked": row.locked, "reopened": row.pending, "missing": missing}
        lines.append(t_html("kydanhgia.unit_closed_counts", lang, **counts))
        if can_reopen and (row.locked or row.pending):
            actions.append([ReopenList(period.id, 0).choice(t("kydanhgia.reopen_button", lang))])
    open_here = [r for r in tree if r.period is not None and r.period.status == "open"]
    if len(open_here) > 1:  # units below are open too: all of them at once
        actions.append([AskCloseTree(unit_id, which).choice(t("kydanhgia.tree_button", lang, count=len(open_here)))])
    closed_below = [r for r in tree[1:] if r.period is None]
    if period is not None and closed_below:
        lines.append(t_html("kydanhgia.sub_units_not_open", lang, count=len(closed_below)))
        actions.append([OpenUnit(unit_id, which).choice(t("kydanhgia.open_sub_button", lang))])
    actions.append([Overview(which).choice(t("kydanhgia.back_to_units", lang))])
    panel = Panel(join_html(lines), keyboard(actions))
    return panel.under(note) if note else panel


def back_button(info: PeriodInfo, which: str | None, lang: str) -> Choice:
    """Back to the period's unit (or to the units, when the period is neither the current nor the previous)."""
    if which is None:
        return Overview(CURRENT).choice(t("kydanhgia.back_to_units", lang))
    return ShowUnit(info.unit_id, which).choice(t("kydanhgia.back_to_unit", lang))


# -- closing -------------------------------------------------------------------------------------------------------


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
    early: date | None = None,
) -> Panel:
    """The confirmation step of closing: who has not submitted, who is still pending, what the quota will do, and
    a warning when the period's closing day (`early`) has not come yet. Its button closes only while all of this
    still stands (it carries the preview's fingerprint); while records still wait there is no closing button, only
    one that checks again."""
    waiting = [p for p in people if blocks_closing(p.state)]
    missing = [p for p in people if not p.submitted and not blocks_closing(p.state)]
    approved = [p for p in people if p.state == APPROVED]
    lines = [
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
        names = ", ".join(preview.demoted)
        lines.append(t_html("kydanhgia.confirm_demoted", lang, count=len(preview.demoted), names=names))
    elif approved:
        lines.append(t_html("kydanhgia.confirm_no_demotion", lang))
    ratio = _ratio_text(info, lang)
    if ratio:
        lines.append(ratio)
    if early is not None and not waiting:
        lines += [Html(""), t_html("kydanhgia.confirm_early", lang, date=day(early))]
    if waiting:  # closing would only be refused: look again once the reviewers have acted
        rows: list[list[Choice]] = [[AskClose(info.id).choice(t("kydanhgia.check_again", lang))]]
    else:
        rows = [[Close(info.id, preview.fingerprint).choice(t("kydanhgia.confirm_button", lang))]]
    rule = ev.regime_of(info.regime_id).quota
    if rule is not None and rule.exceptional_ratio is not None:
        percent = format_percent(Decimal(str(rule.exceptional_ratio)) * 100)
        toggle = (
            MarkExceptional(info.id, "0").choice(t("kydanhgia.exceptional_off", lang))
            if info.exceptional
            else MarkExceptional(info.id, "1").choice(t("kydanhgia.exceptional_on", lang, percent=percent))
        )
        rows.append([toggle])
    rows.append([back_button(info, back, lang)])
    panel = Panel(join_html(lines), keyboard(rows))
    return panel.under(note) if note else panel


def blockers_panel(info: PeriodInfo, outcome: CloseOutcome, back: str | None, lang: str) -> Panel:
    """Closing refused: who is still waiting, said politely; nothing was closed."""
    lines = [t_html("kydanhgia.blocked_header", lang, period=info.label, unit=info.unit_name)]
    lines += [
        t_html("kydanhgia.blocked_line", lang, name=name, state=t(f"state.{state}", lang))
        for name, state in outcome.blockers
    ]
    lines += [Html(""), t_html("kydanhgia.blocked_hint", lang)]
    rows = [[AskClose(info.id).choice(t("kydanhgia.try_again", lang))], [back_button(info, back, lang)]]
    return Panel(join_html(lines), keyboard(rows))


def summary_panel(outcome: CloseOutcome, back: str | None, lang: str) -> Panel:
    """After closing: how many records were locked, who was demoted by the quota, who did not submit."""
    info = outcome.period
    nobody = t("kydanhgia.nobody", lang)
    lines = [
        t_html("kydanhgia.closed_header", lang, period=info.label, unit=info.unit_name),
        t_html("kydanhgia.closed_locked", lang, count=outcome.locked),
        t_html(
            "kydanhgia.closed_demoted", lang, count=len(outcome.demoted), names=", ".join(outcome.demoted) or nobody
        ),
        t_html(
            "kydanhgia.closed_missing",
            lang,
            count=len(outcome.not_submitted),
            names=", ".join(outcome.not_submitted) or nobody,
        ),
    ]
    if outcome.flagged:  # what goes before the council: HR knows at once, by name and reason
        cases = ", ".join(
            t("kydanhgia.flagged_case", lang, name=name, kind=t(f"council.kind.{kind}", lang))
            for name, kind in outcome.flagged
        )
        lines.append(t_html("kydanhgia.closed_flagged", lang, count=len(outcome.flagged), cases=cases))
    lines += [Html(""), t_html("kydanhgia.closed_sent", lang)]
    rows = [[back_button(info, back, lang)], [Overview(back or CURRENT).choice(t("kydanhgia.back_to_units", lang))]]
    return Panel(join_html(lines), keyboard(rows))


def tie_panel(info: PeriodInfo, step: Closing, back: str | None, lang: str) -> Panel:
    """Ask HR who keeps the level among people tied on the quota line: one button per person, and the
    confirmation once the places are filled."""
    tie = step.tie
    assert tie is not None
    pick = step.choices[-1]
    regime = ev.regime_of(group_regime_id(tie.group, info.regime_id))
    rule = regime.quota
    assert rule is not None
    top, lower = regime.level(rule.level).display, regime.level(rule.demote_to).display
    group = t(f"kydanhgia.group.{'leaders' if group_kind(tie.group) == GROUP_LEADERS else 'staff'}", lang)
    body = {"count": len(tie.staff_codes), "total": points(Decimal(tie.total)), "level": top, "group": group}
    lines = [
        t_html("kydanhgia.tie_header", lang, period=info.label, unit=info.unit_name),
        t_html("kydanhgia.tie_body", lang, slots=tie.slots, lower=lower, **body),
        t_html("kydanhgia.tie_chosen", lang, chosen=pick.bit_count(), slots=tie.slots),
    ]
    if len(tie.staff_codes) > TIE_MAX:
        lines.append(t_html("kydanhgia.tie_too_large", lang))
        return Panel(join_html(lines), keyboard([[back_button(info, back, lang)]]))
    earlier = step.choices[:-1]
    people = []
    for i, name in enumerate(tie.names):
        chosen = bool(pick >> i & 1)
        toggled = pick ^ (1 << i) if tie.slots > 1 or chosen else 1 << i  # one place: a tap moves the choice
        label = ("☑️ " if chosen else "⬜ ") + short(name, 32)
        people.append(PickTie(info.id, step.mark, write_choices((*earlier, toggled))).choice(label))
    rows = chunks(people, 2)
    if pick.bit_count() == tie.slots:
        confirm = CloseWithTie(info.id, step.mark, write_choices(step.choices))
        rows.append([confirm.choice(t("kydanhgia.tie_confirm", lang))])
    rows.append([back_button(info, back, lang)])
    return Panel(join_html(lines), keyboard(rows))


# -- reopening a locked record ----------------------------------------------------------------------------------


def _level(info: PeriodInfo, person: PersonStatus) -> str:
    """The level a locked record holds (the final one when the quota changed it)."""
    code = person.final_level or person.level
    return ev.regime_of(person.regime_id or info.regime_id).level(code).display if code else "—"


def reopen_panel(info: PeriodInfo, people: list[PersonStatus], page: int, back: str | None, lang: str) -> Panel:
    """The locked records of a closed period: choose whose to reopen."""
    locked = [p for p in people if p.state == LOCKED and p.assessment_id is not None]
    again = [p for p in people if p.state == REOPENED]
    pages = max(1, (len(locked) + PAGE - 1) // PAGE)
    page = min(max(page, 0), pages - 1)
    shown = locked[page * PAGE : (page + 1) * PAGE]
    lines = [t_html("kydanhgia.reopen_header", lang, period=info.label, unit=info.unit_name)]
    if locked:
        lines.append(t_html("kydanhgia.reopen_intro", lang))
        for person in shown:
            level, total = _level(info, person), points(person.total)
            lines.append(t_html("kydanhgia.reopen_line", lang, name=person.full_name, level=level, total=total))
    else:
        lines.append(t_html("kydanhgia.reopen_none", lang))
    if again:
        lines.append(t_html("kydanhgia.reopen_pending", lang, names=_names(again, lang)))
    rows: list[list[Choice]] = [
        [Reopen(info.id, p.assessment_id).choice(short(p.full_name, 36))] for p in shown if p.assessment_id is not None
    ]
    nav = []
    if page > 0:
        nav.append(ReopenList(info.id, page - 1).choice(t("kydanhgia.page_prev", lang)))
    if page + 1 < pages:
        nav.append(ReopenList(info.id, page + 1).choice(t("kydanhgia.page_next", lang)))
    rows.append(nav)
    rows.append([back_button(info, back, lang)])
    return Panel(join_html(lines), keyboard(rows))


def reason_question(info: PeriodInfo, person: PersonStatus, lang: str) -> Panel:
    """The question for the reason of reopening a locked record, with the way back to the list."""
    values = {"name": person.full_name, "period": info.label, "level": _level(info, person)}
    question = t_html("kydanhgia.ask_reason", lang, total=points(person.total), **values)
    back = ReopenList(info.id, 0).choice(t("kydanhgia.back_to_reopen", lang))
    return Panel(question, keyboard([[back]]))


def reopened_panel(info: PeriodInfo, view: AssessmentView, reason: str, back: str | None, lang: str) -> Panel:
    """A record reopened: why, and to whom it went back."""
    reviewer = view.reviewer_name or t("kydanhgia.reviewer_unknown", lang)
    values = {"name": view.person_name, "period": info.label, "reason": reason, "reviewer": reviewer}
    done = t_html("kydanhgia.reopened", lang, **values)
    rows = [[ReopenList(info.id, 0).choice(t("kydanhgia.back_to_reopen", lang))], [back_button(info, back, lang)]]
    return Panel(done, keyboard(rows))


# -- closing a branch ----------------------------------------------------------------------------------------------

TREE_NAMES = 12  # unit names listed before "and N more"


def _unit_names(names: list[str], lang: str) -> str:
    shown = ", ".join(names[:TREE_NAMES])
    if len(names) > TREE_NAMES:
        shown += " " + t("kydanhgia.tree_more", lang, count=len(names) - TREE_NAMES)
    return shown


def tree_confirm_panel(preview: TreePreview, which: str, lang: str, note: Html | None = None) -> Panel:
    """The confirmation of closing a unit's period and every open one below it: the units ready (and their
    records), the people without a record, the units that cannot close yet; its button binds to the preview."""
    lines = [
        t_html("kydanhgia.tree_header", lang, period=label_of(preview.key), unit=preview.unit_name),
        t_html("kydanhgia.tree_intro", lang),
        Html(""),
        t_html("kydanhgia.tree_ready", lang, count=preview.ready, records=preview.records)
        if preview.ready
        else t_html("kydanhgia.tree_none_ready", lang),
    ]
    if preview.ready and preview.not_submitted:
        lines.append(t_html("kydanhgia.tree_missing", lang, count=preview.not_submitted))
    if preview.blocked:
        each = [t("kydanhgia.tree_blocked_unit", lang, name=name, count=count) for name, count in preview.blocked]
        lines.append(t_html("kydanhgia.tree_blocked", lang, count=len(preview.blocked), names=_unit_names(each, lang)))
    if preview.ready:
        lines.append(t_html("kydanhgia.tree_ties", lang))
    rows: list[list[Choice]] = []
    if preview.ready:
        button = t("kydanhgia.tree_confirm", lang, count=preview.ready)
        rows.append([CloseTree(preview.unit_id, which, preview.mark).choice(button)])
    rows.append([AskCloseTree(preview.unit_id, which).choice(t("kydanhgia.check_again", lang))])
    rows.append([ShowUnit(preview.unit_id, which).choice(t("kydanhgia.back_to_unit", lang))])
    panel = Panel(join_html(lines), keyboard(rows))
    return panel.under(note) if note else panel


def tree_summary_panel(outcome: TreeOutcome, which: str, lang: str) -> Panel:
    """What closing a branch did, and the units it left open (a tie to choose, or changed since the preview)."""
    preview = outcome.preview
    counts = {"closed": outcome.closed, "locked": outcome.locked, "demoted": outcome.demoted}
    counts |= {"no_result": outcome.no_result, "flagged": outcome.flagged}
    lines = [
        t_html("kydanhgia.tree_done_header", lang, period=label_of(preview.key), unit=preview.unit_name),
        t_html("kydanhgia.tree_done", lang, **counts),
    ]
    if outcome.tied:
        names = _unit_names(list(outcome.tied), lang)
        lines.append(t_html("kydanhgia.tree_left_tied", lang, count=len(outcome.tied), names=names))
    if outcome.moved:
        names = _unit_names(list(outcome.moved), lang)
        lines.append(t_html("kydanhgia.tree_left_moved", lang, count=len(outcome.moved), names=names))
    if outcome.closed:
        lines += [Html(""), t_html("kydanhgia.closed_sent", lang)]
    back = [[ShowUnit(preview.unit_id, which).choice(t("kydanhgia.back_to_unit", lang))]]
    return Panel(join_html(lines), keyboard(back))

"""The self-assessment once it is out of the person's hands: right after submission, and read-only (submitted,
reopened, approved, locked), with who decided, the total and the level; and the notice that a period is open.
Pure panels."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from danhgia.chat.format import day, period_level, points
from danhgia.chat.panel import Panel, keyboard
from danhgia.handlers.selfassess.callbacks import Open
from danhgia.scoring import EvaluationResult, Regime
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow import lifecycle
from danhgia.workflow.assessments import AssessmentView, PeriodInfo


def _at(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%H:%M %d/%m/%Y") if value is not None else "—"


def _level_name(regime: Regime, code: str | None, lang: str) -> str:
    if not code:
        return "—"
    level = regime.level_by_code.get(code)
    return period_level(regime, level, lang) if level is not None else code


def parts_lines(result: EvaluationResult, lang: str) -> list[Html]:
    """A line per part of a result: its points out of its maximum (or just its points when open-ended)."""
    lines = []
    for part in result.parts:
        if part.max_points is not None:
            values = {"points": points(part.points), "max": points(part.max_points)}
            lines.append(t_html("selfassess.summary.part", lang, name=part.name, **values))
        else:
            lines.append(t_html("selfassess.summary.part_open", lang, name=part.name, points=points(part.points)))
    return lines


def submitted_panel(view: AssessmentView, lang: str) -> Panel:
    """Right after submission: who reviews it, and that they are being told."""
    result = view.result
    lines = [
        t_html("selfassess.done.submitted", lang, label=view.period.label, reviewer=view.reviewer_name),
        t_html("selfassess.done.told", lang, reviewer=view.reviewer_name),
    ]
    if result is not None and result.total is not None:
        level = period_level(view.regime, result.level, lang)
        lines.append(t_html("selfassess.done.score", lang, total=points(result.total), level=level))
        lines += parts_lines(result, lang)
    return Panel(join_html(lines))


def _decided_lines(view: AssessmentView, lang: str, tz: ZoneInfo) -> list[Html]:
    lines = []
    when = _at(view.decided_at, tz)
    if view.decided_by_name and view.decided_for_name:
        by, leader = view.decided_by_name, view.decided_for_name
        lines.append(t_html("selfassess.view.approved_for", lang, by=by, leader=leader, at=when))
    elif view.decided_by_name:
        lines.append(t_html("selfassess.view.approved", lang, by=view.decided_by_name, at=when))
    if view.decision == "adjusted" and view.decision_reason:
        lines.append(t_html("selfassess.view.adjusted", lang, reason=view.decision_reason))
    if view.state == lifecycle.LOCKED:
        final = _level_name(view.regime, view.final_level or None, lang)
        lines.append(t_html("selfassess.view.locked", lang, level=final))
    return lines


def readonly_panel(view: AssessmentView, lang: str, tz: ZoneInfo) -> Panel:
    """A record the person can no longer change: its state, who decided, the total and level."""
    lines = [t_html("selfassess.view.title", lang, label=view.period.label)]
    reviewer = view.reviewer_name or "—"
    if view.state == lifecycle.SUBMITTED:
        lines.append(t_html("selfassess.view.submitted", lang, at=_at(view.submitted_at, tz), reviewer=reviewer))
    elif view.state == lifecycle.REOPENED:
        lines.append(t_html("selfassess.view.reopened", lang, reviewer=reviewer))
    elif lifecycle.decided(view.state):
        lines += _decided_lines(view, lang, tz)
    else:
        lines.append(t_html("selfassess.view.closed", lang, state=t(f"state.{view.state}", lang)))
    result = view.result
    if result is not None and result.total is not None and lifecycle.handed_in(view.state):
        level = period_level(view.regime, result.level, lang)
        values = {"total": points(result.total), "max": points(result.max_total), "level": level}
        lines.append(t_html("selfassess.view.total", lang, **values))
        lines += parts_lines(result, lang)
    lines.append(Html("<i>" + t_html("selfassess.view.readonly", lang) + "</i>"))
    return Panel(join_html(lines))


def period_opened_panel(period: PeriodInfo, lang: str) -> Panel:
    """The notice that the person's unit's period is open, with a button to the self-assessment."""
    text = join_html(
        [
            t_html(
                "selfassess.notice.period_opened",
                lang,
                label=period.label,
                unit=period.unit_name,
                start=day(period.starts_on),
                end=day(period.ends_on),
            ),
            t_html("selfassess.notice.period_opened_hint", lang),
        ]
    )
    return Panel(text, keyboard([[Open().choice(t("selfassess.notice.open_button", lang))]]))

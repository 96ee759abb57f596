"""The /ketqua panels as pure functions of the workflow's views: one period's result (status, total, level, the
quota's demotion with the quota lines the person may read, each part, the explanation), the final-result notice's
text, and the quarter and year summaries. Explanation lines are worded by `chat.explain` in the reader's
language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from danhgia.chat.callbacks import button
from danhgia.chat.explain import lines_html
from danhgia.chat.format import points
from danhgia.chat.panel import Choice, Panel, keyboard
from danhgia.handlers.reports.callbacks import OwnForm, OwnTrend, OwnYearForm
from danhgia.handlers.results.callbacks import CONTEST, Entry, Latest, Quarter, Year
from danhgia.scoring import PeriodSummary, RollupResult, load_regime
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow.calendar import month_bounds, quarter_of, span_from_key
from danhgia.workflow.results import ResultEntry

WINDOW = 4  # period buttons in the row of earlier months
ROMAN = ("I", "II", "III", "IV")
STATES = ("submitted", "returned", "approved", "locked", "reopened")


# -- pieces of a result ------------------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _level_name(entry: ResultEntry, code: str | None) -> str:
    if not code:
        return ""
    try:
        return entry.regime.level(code).display
    except (KeyError, ValueError):
        return code


def _total_line(entry: ResultEntry, lang: str) -> Html:
    result = entry.result or {}
    total = entry.total if entry.total is not None else _decimal(result.get("total"))
    maximum = _decimal(result.get("max_total"))
    if total is None:
        return t_html("ketqua.total_none", lang)
    return t_html("ketqua.total", lang, total=points(total), max=points(maximum))


def _parts(entry: ResultEntry, lang: str) -> list[Html]:
    lines = []
    for part in (entry.result or {}).get("parts", []):
        maximum = _decimal(part.get("max"))
        key = "ketqua.part" if maximum is not None else "ketqua.part_no_max"
        lines.append(
            t_html(
                key, lang, name=part.get("name", ""), points=points(_decimal(part.get("points"))), max=points(maximum)
            )
        )
    return lines


def _bullets(lines: list[Html], lang: str) -> list[Html]:
    return [t_html("ketqua.bullet", lang, text=line) for line in lines]


def _demotion(entry: ResultEntry, lang: str) -> list[Html]:
    """The quota's demotion and its lines as they concern this person (never a colleague's)."""
    if not entry.demoted:
        return []
    before = _level_name(entry, entry.level)
    after = _level_name(entry, entry.final_level)
    quota = _bullets(lines_html(entry.quota_lines, lang), lang)
    return [t_html("ketqua.demoted", lang, before=before, after=after), *quota]


def _status(entry: ResultEntry, lang: str) -> list[Html]:
    """Where the result stands, with the reviewer's reason when they adjusted or returned it."""
    lines = [t_html(f"ketqua.status.{entry.state}", lang)] if entry.state in STATES else []
    if entry.decision == "returned" and entry.state == "returned":
        lines.append(t_html("ketqua.returned_reason", lang, reason=entry.decision_reason or "—"))
    elif entry.decision == "adjusted" and entry.decision_reason:
        lines.append(t_html("ketqua.adjusted_reason", lang, reason=entry.decision_reason))
    return lines


def _level_line(entry: ResultEntry, lang: str) -> Html:
    name = entry.level_name
    if not name:
        return t_html("ketqua.level_none", lang)
    if entry.regime.yearly_levels:  # a month gives points only (NĐ 233 Điều 3.5–3.6)
        return t_html("ketqua.level_points_only", lang, level=name, regime=entry.regime.name)
    key = {
        "locked": "ketqua.level_final",
        "approved": "ketqua.level_approved",
        "returned": "ketqua.level_returned",
    }.get(entry.state, "ketqua.level_pending")
    return t_html(key, lang, level=name)


def _result_lines(entry: ResultEntry, lang: str) -> list[Html]:
    """Total, level, the quota's demotion, and each part (under a header)."""
    lines = [_total_line(entry, lang), _level_line(entry, lang), *_demotion(entry, lang)]
    parts = _parts(entry, lang)
    if parts:
        lines += [Html(""), t_html("ketqua.parts_header", lang), *parts]
    return lines


def entry_text(entry: ResultEntry, lang: str) -> Html:
    """One period's result: status, total, level, the quota, each part and the explanation."""
    lines = [
        t_html("ketqua.header", lang, period=entry.period.label, unit=entry.period.unit_name),
        *_status(entry, lang),
        Html(""),
        *_result_lines(entry, lang),
    ]
    explanation = _bullets(lines_html(entry.explanation, lang), lang)
    if explanation:
        lines += [Html(""), t_html("ketqua.explanation_header", lang), *explanation]
    return join_html(lines)


def final_result_text(entry: ResultEntry, lang: str) -> Html:
    """The notice of a closed period: total, final level, each part, and the quota's demotion explained."""
    lines = [
        t_html("ketqua.final_header", lang, period=entry.period.label, unit=entry.period.unit_name),
        Html(""),
        *_result_lines(entry, lang),
        Html(""),
        t_html("ketqua.final_footer", lang),
    ]
    return join_html(lines)


# -- panels ----------------------------------------------------------------------------------------------------


def _quarter_label(year: int, quarter: int, lang: str) -> str:
    return t("ketqua.quarter_label", lang, roman=ROMAN[quarter - 1], year=year)


def _period_row(history: list[ResultEntry], shown: int) -> list[Choice]:
    """A row of the last few periods around the one shown (oldest on the left)."""
    index = next((i for i, e in enumerate(history) if e.assessment_id == shown), 0)
    start = min(max(0, index - WINDOW // 2), max(0, len(history) - WINDOW))
    window = history[start : start + WINDOW]
    row = []
    for entry in reversed(window):
        label = f"· {entry.period.label} ·" if entry.assessment_id == shown else entry.period.label
        row.append(Entry(entry.assessment_id).choice(label))
    return row if len(row) > 1 else []


def contest_row(assessment_id: int, contestable: bool, lang: str) -> list[Choice]:
    """ "Contest the result" while the person may still contest it (handled by handlers/council)."""
    return [button(t("council.contest_button", lang), *CONTEST, assessment_id)] if contestable else []


def entry_panel(
    entry: ResultEntry, history: list[ResultEntry], lang: str, contest: bool = False, no_council: bool = False
) -> Panel:
    """One period's result with buttons for earlier months, the quarter and the year (and to contest it; with no
    council to hear a contest, a word on whom to ask instead)."""
    day = entry.period.starts_on
    quarter = quarter_of(day)
    rows = [
        _period_row(history, entry.assessment_id),
        [
            Quarter(day.year, quarter).choice(_quarter_label(day.year, quarter, lang)),
            Year(day.year).choice(t("ketqua.year_button", lang, year=day.year)),
        ],
        contest_row(entry.assessment_id, contest, lang),
        [
            OwnForm(entry.assessment_id).choice(t("baocao.form_button", lang)),
            OwnTrend().choice(t("baocao.trend_button", lang)),
        ],
    ]
    text = entry_text(entry, lang)
    if no_council:
        text = Html(text + "\n\n" + t_html("council.contest_ask_hr", lang))
    return Panel(text, keyboard(rows))


def empty_panel(lang: str) -> Panel:
    """Nobody has a result before their first submission: say so kindly, and how to get one."""
    return Panel(t_html("ketqua.empty", lang))


def _summary_lines(summary: PeriodSummary, lang: str, *, points_only: bool = False) -> list[Html]:
    lines = []
    if summary.rated and summary.total is not None:
        lines.append(t_html("ketqua.summary_total", lang, total=points(summary.total)))
    else:
        lines.append(t_html("ketqua.summary_total_none", lang))
    if summary.level is not None and points_only:  # a quarter of a regime with yearly levels (NĐ 233)
        lines.append(t_html("ketqua.summary_points_only", lang))
    elif summary.level is not None:
        lines.append(t_html("ketqua.summary_level", lang, level=summary.level.display))
    elif summary.merged_into_year:
        lines.append(t_html("ketqua.summary_merged", lang))
    else:
        lines.append(t_html("ketqua.summary_not_rated", lang))
    months = ", ".join(span_from_key(key).label() for key in summary.periods)
    lines.append(t_html("ketqua.summary_months", lang, count=len(summary.periods), months=months or "—"))
    return lines


def _why(summary: PeriodSummary, lang: str) -> list[Html]:
    explanation = _bullets(lines_html(summary.explanation, lang), lang)
    if not explanation:
        return []
    return [Html(""), t_html("ketqua.explanation_header", lang), *explanation]


def _provisional(history: list[ResultEntry], first: date, last: date, today: date) -> bool:
    """Not final while the span is not over or one of its periods is not locked yet."""
    if today <= last:
        return True
    return any(first <= e.period.starts_on <= last and e.state != "locked" for e in history)


def quarter_panel(
    rollup: RollupResult | None, history: list[ResultEntry], year: int, quarter: int, today: date, lang: str
) -> Panel:
    """A quarter's summary (average of its locked months) and why."""
    label = _quarter_label(year, quarter, lang)
    lines = [t_html("ketqua.quarter_header", lang, label=label)]
    summary = next((q for q in rollup.quarters if q.key == f"{year}-Q{quarter}"), None) if rollup else None
    if summary is None:
        lines.append(t_html("ketqua.quarter_empty", lang, label=label))
    else:
        assert rollup is not None
        lines += _summary_lines(summary, lang, points_only=load_regime(rollup.regime_id).yearly_levels)
        first, last = month_bounds(year, 3 * quarter - 2)[0], month_bounds(year, 3 * quarter)[1]
        if _provisional(history, first, last, today):
            lines.append(t_html("ketqua.quarter_provisional", lang))
        lines += _why(summary, lang)
    rows = [
        [
            Latest().choice(t("ketqua.latest_button", lang)),
            Year(year).choice(t("ketqua.year_button", lang, year=year)),
        ]
    ]
    return Panel(join_html(lines), keyboard(rows))


def _quarter_level(rollup: RollupResult, summary: PeriodSummary, lang: str) -> str:
    if summary.level is None:
        return t("ketqua.not_rated_short", lang)
    if load_regime(rollup.regime_id).yearly_levels:
        return t("ketqua.quarter_points_only", lang)
    return summary.level.display


def year_panel(rollup: RollupResult | None, history: list[ResultEntry], year: int, today: date, lang: str) -> Panel:
    """The year's summary, its quarters, and whether it is still provisional."""
    lines = [t_html("ketqua.year_header", lang, year=year)]
    quarters: list[Choice] = []
    if rollup is None:
        lines.append(t_html("ketqua.year_empty", lang, year=year))
    else:
        lines += _summary_lines(rollup.year, lang)
        if _provisional(history, date(year, 1, 1), date(year, 12, 31), today):
            lines.append(t_html("ketqua.year_provisional", lang, year=year))
        if rollup.quarters:
            lines += [Html(""), t_html("ketqua.year_quarters", lang)]
        for summary in rollup.quarters:
            number = int(summary.key.rsplit("Q", 1)[1])
            level = _quarter_level(rollup, summary, lang)
            lines.append(
                t_html(
                    "ketqua.year_quarter_line",
                    lang,
                    label=_quarter_label(year, number, lang),
                    total=points(summary.total),
                    level=level,
                )
            )
            quarters.append(Quarter(year, number).choice(_quarter_label(year, number, lang)))
        lines += _why(rollup.year, lang)
    own = [OwnYearForm(year).choice(t("baocao.year_form_button", lang))] if rollup is not None else []
    rows = [quarters, own, [Latest().choice(t("ketqua.latest_button", lang))]]
    return Panel(join_html(lines), keyboard(rows))

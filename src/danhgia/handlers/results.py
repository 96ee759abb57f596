"""/ketqua: a person's own results, privately — the latest period (total, level, each part, the explanation),
earlier months, the quarter and the year. In a group chat no score is shown, only a button to the private chat.

Every button names one of the person's own assessments (or a year/quarter of their own results); the
workflow looks it up among the presser's own records, so a forged id shows nothing of anyone else.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from danhgia.chat.callbacks import as_int, button
from danhgia.chat.format import points
from danhgia.chat.panel import Choice, Panel, keyboard
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.ui import (
    ack,
    close_text_step,
    command_person,
    guarded,
    pressed,
    show,
)
from danhgia.scoring import PeriodSummary, RollupResult
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow.calendar import month_bounds, quarter_of, span_from_key
from danhgia.workflow.common import Identity
from danhgia.workflow.results import ResultEntry

FEATURE = "kq"
WINDOW = 4  # period buttons in the row of earlier months
ROMAN = ("I", "II", "III", "IV")
Panel = Panel
_DEMOTION = re.compile(r"^(\S+) \([^)]*\): ")
_TIE_CHOICE = re.compile(r"^Nhóm bằng .*: .*")
CONTEST = ("hd", "kn")  # the council feature's "contest this result" button (handlers/council.py)


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


def _explanation(entry: ResultEntry, lang: str) -> list[Html]:
    return [
        t_html("ketqua.bullet", lang, text=line.get("text", ""))
        for line in (entry.result or {}).get("explanation", [])
        if line.get("text")
    ]


def _quota_lines(entry: ResultEntry, lang: str) -> list[Html]:
    """The quota's explanation as it concerns this person (lines about colleagues are left out)."""
    result = entry.result or {}
    own = str(result.get("person_id", ""))
    quota = result.get("quota") or {}
    kept = []
    for text in quota.get("explanation", []):
        head = str(text).split(" — ")[0]
        match = _DEMOTION.match(head)
        if match and match.group(1) != own:
            continue
        if _TIE_CHOICE.match(head) and own not in head:
            continue
        kept.append(t_html("ketqua.bullet", lang, text=text))
    return kept


def _demotion(entry: ResultEntry, lang: str) -> list[Html]:
    if not entry.demoted:
        return []
    before = _level_name(entry, entry.level)
    after = _level_name(entry, entry.final_level)
    return [t_html("ketqua.demoted", lang, before=before, after=after), *_quota_lines(entry, lang)]


def _status(entry: ResultEntry, lang: str) -> list[Html]:
    """Where the result stands, with the reviewer's reason when they adjusted or returned it."""
    lines = [t_html(f"ketqua.status.{entry.state}", lang)] if entry.state in STATES else []
    if entry.decision == "returned" and entry.state == "returned":
        lines.append(t_html("ketqua.returned_reason", lang, reason=entry.decision_reason or "—"))
    elif entry.decision == "adjusted" and entry.decision_reason:
        lines.append(t_html("ketqua.adjusted_reason", lang, reason=entry.decision_reason))
    return lines


STATES = ("submitted", "returned", "approved", "locked", "reopened")


def _level_line(entry: ResultEntry, lang: str) -> Html:
    name = entry.level_name
    if not name:
        return t_html("ketqua.level_none", lang)
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
    explanation = _explanation(entry, lang)
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
        row.append(button(label, FEATURE, "e", entry.assessment_id))
    return row if len(row) > 1 else []


def contest_row(assessment_id: int, contestable: bool, lang: str) -> list[Choice]:
    """ "Contest the result" while the person may still contest it (handled by handlers/council.py)."""
    return [button(t("council.contest_button", lang), *CONTEST, assessment_id)] if contestable else []


async def contestable(context: Context, person_id: int, entry: ResultEntry) -> bool:
    """Whether the person may contest this (final) result now."""
    if entry.state != "locked":
        return False
    return await run_sync(services_of(context).council.can_contest, person_id, entry.assessment_id) is not None


def entry_panel(entry: ResultEntry, history: list[ResultEntry], lang: str, contest: bool = False) -> Panel:
    """One period's result with buttons for earlier months, the quarter and the year (and to contest it)."""
    day = entry.period.starts_on
    quarter = quarter_of(day)
    rows = [
        _period_row(history, entry.assessment_id),
        [
            button(_quarter_label(day.year, quarter, lang), FEATURE, "q", day.year, quarter),
            button(t("ketqua.year_button", lang, year=day.year), FEATURE, "y", day.year),
        ],
        contest_row(entry.assessment_id, contest, lang),
    ]
    return Panel(entry_text(entry, lang), keyboard(rows))


def empty_panel(lang: str) -> Panel:
    """Nobody has a result before their first submission: say so kindly, and how to get one."""
    return Panel(t_html("ketqua.empty", lang))


def _summary_lines(summary: PeriodSummary, lang: str) -> list[Html]:
    lines = []
    if summary.rated and summary.total is not None:
        lines.append(t_html("ketqua.summary_total", lang, total=points(summary.total)))
    else:
        lines.append(t_html("ketqua.summary_total_none", lang))
    if summary.level is not None:
        lines.append(t_html("ketqua.summary_level", lang, level=summary.level.display))
    elif summary.merged_into_year:
        lines.append(t_html("ketqua.summary_merged", lang))
    else:
        lines.append(t_html("ketqua.summary_not_rated", lang))
    months = ", ".join(span_from_key(key).label() for key in summary.periods)
    lines.append(t_html("ketqua.summary_months", lang, count=len(summary.periods), months=months or "—"))
    return lines


def _why(summary: PeriodSummary, lang: str) -> list[Html]:
    if not summary.explanation:
        return []
    return [
        Html(""),
        t_html("ketqua.explanation_header", lang),
        *(t_html("ketqua.bullet", lang, text=line.text) for line in summary.explanation),
    ]


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
        lines += _summary_lines(summary, lang)
        first, last = month_bounds(year, 3 * quarter - 2)[0], month_bounds(year, 3 * quarter)[1]
        if _provisional(history, first, last, today):
            lines.append(t_html("ketqua.quarter_provisional", lang))
        lines += _why(summary, lang)
    rows = [
        [
            button(t("ketqua.latest_button", lang), FEATURE, "0"),
            button(t("ketqua.year_button", lang, year=year), FEATURE, "y", year),
        ]
    ]
    return Panel(join_html(lines), keyboard(rows))


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
            level = summary.level.display if summary.level else t("ketqua.not_rated_short", lang)
            lines.append(
                t_html(
                    "ketqua.year_quarter_line",
                    lang,
                    label=_quarter_label(year, number, lang),
                    total=points(summary.total),
                    level=level,
                )
            )
            quarters.append(button(_quarter_label(year, number, lang), FEATURE, "q", year, number))
        lines += _why(rollup.year, lang)
    rows = [quarters, [button(t("ketqua.latest_button", lang), FEATURE, "0")]]
    return Panel(join_html(lines), keyboard(rows))


# -- /ketqua ---------------------------------------------------------------------------------------------------------


async def _latest(update: Update, context: Context, identity: Identity) -> None:
    history = await run_sync(services_of(context).results.history, identity.person_id)
    await ack(update)
    if not history:
        await show(update, empty_panel(identity.language))
        return
    contest = await contestable(context, identity.person_id, history[0])
    await show(update, entry_panel(history[0], history, identity.language, contest))


@guarded
async def results_command(update: Update, context: Context) -> None:
    """/ketqua: the person's latest result, privately (in a group: a button to the private chat)."""
    identity = await command_person(update, context)
    if identity is None:
        return
    await _latest(update, context, identity)


@guarded
async def results_button(update: Update, context: Context) -> None:
    """Earlier months, the quarter, the year, the latest; and "details" from a final-result notice."""
    press = await pressed(update, context, FEATURE)
    if press is None:
        return
    identity, parts = press
    lang = identity.language
    services = services_of(context)
    action, args = (parts[0], parts[1:]) if parts else ("", [])
    numbers = [as_int(a) for a in args]
    if action == "0" and not args:
        await close_text_step(context, identity)
        await _latest(update, context, identity)
        return
    if action in ("e", "d") and len(numbers) == 1 and numbers[0] is not None:
        entry = await run_sync(services.results.entry, identity.person_id, numbers[0])  # only one's own
        history = await run_sync(services.results.history, identity.person_id)
        await close_text_step(context, identity)
        await ack(update)
        contest = await contestable(context, identity.person_id, entry)
        await show(update, entry_panel(entry, history, lang, contest), new=action == "d")
        return
    year = numbers[0] if numbers else None
    if year is None or not 2000 <= year <= 2100:
        await ack(update, t("fallback.stale_button", lang))
        return
    today = services.clock.now().astimezone(services.config.timezone).date()
    if action == "q" and len(numbers) == 2 and numbers[1] in (1, 2, 3, 4):
        quarter = numbers[1]
        assert quarter is not None
        rollup, _ = await run_sync(services.results.year, identity.person_id, year)
        history = await run_sync(services.results.history, identity.person_id)
        await close_text_step(context, identity)
        await ack(update)
        await show(update, quarter_panel(rollup, history, year, quarter, today, lang))
    elif action == "y" and len(numbers) == 1:
        rollup, _ = await run_sync(services.results.year, identity.person_id, year)
        history = await run_sync(services.results.history, identity.person_id)
        await close_text_step(context, identity)
        await ack(update)
        await show(update, year_panel(rollup, history, year, today, lang))
    else:
        await ack(update, t("fallback.stale_button", lang))


HANDLERS = [
    CommandHandler("ketqua", results_command),
    CallbackQueryHandler(results_button, pattern=rf"^v1:{FEATURE}:"),
]

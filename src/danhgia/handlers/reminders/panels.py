"""The reminders' panels, pure functions of workflow views and payloads: the /tamdung panel and its typed question,
each reminder notice (weekly prompts, self-assessment, review nudge, escalation, HR's digest) and the notice that
someone blocked the bot."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from danhgia.chat.format import day, fit
from danhgia.chat.panel import Choice, Panel, keyboard
from danhgia.handlers.periods.callbacks import CURRENT, PREVIOUS, Overview
from danhgia.handlers.reminders.callbacks import (
    OpenSnooze,
    Resume,
    SnoozeFor,
    TypeRange,
)
from danhgia.handlers.review.callbacks import Queue as ReviewQueue
from danhgia.handlers.selfassess.callbacks import Open as OpenSelfAssessment
from danhgia.handlers.tasks.callbacks import TODAY, CheckinStart, Week
from danhgia.texts import Html, escape, join_html, t, t_html
from danhgia.workflow.absence import SnoozeView
from danhgia.workflow.calendar import end_of_month, fmt_short
from danhgia.workflow.tasks import WeekView

DIGEST_UNITS = 60  # rows of HR's table (the message stays far below Telegram's limit)
UNIT_WIDTH = 16  # the table is 36 characters wide: fits a phone in portrait
DIGEST_COLUMNS = ("submitted", "pending_review", "not_submitted", "overdue")


# -- /tamdung -------------------------------------------------------------------------------------------------------


def snooze_choices(today: date) -> list[tuple[str, str, date]]:
    """The pause lengths offered as buttons: (code, text key, last day)."""
    return [
        ("w1", "tamdung.one_week", today + timedelta(days=6)),
        ("w2", "tamdung.two_weeks", today + timedelta(days=13)),
        ("me", "tamdung.month_end", end_of_month(today)),
    ]


def snooze_panel(pause: SnoozeView | None, today: date, lang: str, note: Html | None = None) -> Panel:
    """The current pause (if any) and the choices."""
    lines = [note, Html("")] if note else []
    lines += [t_html("tamdung.title", lang), t_html("tamdung.intro", lang), Html("")]
    if pause is None:
        lines.append(t_html("tamdung.none", lang))
    else:
        key = "tamdung.active" if pause.starts_on <= today else "tamdung.planned"
        lines.append(t_html(key, lang, start=day(pause.starts_on), end=day(pause.ends_on)))
    lines.append(t_html("tamdung.choose", lang))
    choices = [SnoozeFor(code).choice(t(key, lang, date=fmt_short(end))) for code, key, end in snooze_choices(today)]
    rows: list[list[Choice]] = [choices[:2], choices[2:]]
    rows.append([TypeRange().choice(t("tamdung.custom", lang))])
    if pause is not None:
        rows.append([Resume().choice(t("tamdung.resume", lang))])
    return Panel(join_html(lines), keyboard(rows))


def snoozed_note(pause: SnoozeView, lang: str) -> Html:
    """The line above the panel after a pause was set."""
    return t_html("tamdung.snoozed", lang, start=day(pause.starts_on), end=day(pause.ends_on))


def range_question(lang: str) -> Panel:
    """The question for a typed range, with a way back to the panel."""
    return Panel(t_html("tamdung.ask_range", lang), keyboard([[OpenSnooze().choice(t("tamdung.back", lang))]]))


# -- the weekly prompts ---------------------------------------------------------------------------------------------


def _snooze_row(lang: str) -> list[Choice]:
    return [OpenSnooze().choice(t("nhac.snooze_button", lang))]


def plan_notice(week: WeekView, lang: str) -> Panel:
    """Monday morning: plan the week's tasks (with the number already planned)."""
    key = "nhac.plan_some" if week.tasks else "nhac.plan"
    text = t_html(key, lang, start=fmt_short(week.monday), end=day(week.sunday), count=len(week.tasks))
    return Panel(text, keyboard([[Week(TODAY).choice(t("nhac.plan_button", lang))], _snooze_row(lang)]))


def checkin_notice(week: WeekView, lang: str) -> Panel:
    """Friday afternoon: report on the week's open tasks, or fill in an empty week."""
    start, end = fmt_short(week.monday), day(week.sunday)
    if not week.tasks:
        text = t_html("nhac.checkin_empty", lang, start=start, end=end)
        return Panel(text, keyboard([[Week(TODAY).choice(t("nhac.week_button", lang))], _snooze_row(lang)]))
    text = t_html("nhac.checkin", lang, start=start, end=end, count=len(week.to_report))
    return Panel(text, keyboard([[CheckinStart().choice(t("nhac.checkin_button", lang))], _snooze_row(lang)]))


# -- the period's reminders -----------------------------------------------------------------------------------------


def self_notice(label: str, deadline: date, days: int, step: str, returned: bool, lang: str) -> Panel:
    """The self-assessment: the window's opening, D-3, D-1 or the deadline morning (`days` working days left)."""
    shown = day(deadline)
    if step == "d0" or days <= 1:
        text = t_html("nhac.self_today", lang, label=label, deadline=shown)
    elif step == "open":
        text = t_html("nhac.self_open", lang, label=label, deadline=shown, days=days)
    else:
        text = t_html("nhac.self_again", lang, label=label, deadline=shown, days=days)
    if returned:
        text = Html(text + "\n" + t_html("nhac.self_returned", lang))
    label_key = "nhac.self_fix_button" if returned else "nhac.self_button"
    return Panel(text, keyboard([[OpenSelfAssessment().choice(t(label_key, lang))]]))


def review_notice(count: int, label: str, deadline: date, days: int, lang: str) -> Panel:
    """A leader's nudge before (and on) the review deadline, with the number still pending."""
    if days <= 1:
        text = t_html("nhac.review_today", lang, count=count, label=label, deadline=day(deadline))
    else:
        text = t_html("nhac.review", lang, count=count, label=label, deadline=day(deadline), days=days)
    return Panel(text, keyboard([[ReviewQueue().choice(t("nhac.review_button", lang))]]))


def escalation_notice(label: str, deadline: date, rows: list[dict[str, Any]], lang: str) -> Panel:
    """To the higher leader (or HR): who has not reviewed whom, one line per reviewer."""
    lines = [t_html("nhac.escalation", lang, label=label, deadline=day(deadline))]
    for row in rows:
        people = [str(name) for name in row["people"]]
        reviewer = str(row.get("reviewer", ""))
        lines.append(
            t_html("nhac.escalation_line", lang, reviewer=reviewer, count=len(people), people=", ".join(people))
        )
    lines.append(t_html("nhac.escalation_hint", lang))
    return Panel(fit(join_html(lines)))


def digest_table(units: list[dict[str, Any]], lang: str) -> Html:
    """A monospace per-unit table (submitted / pending review / not submitted / overdue) with a total line."""

    def cell(value: object) -> str:
        return f"{value!s:>5}"

    def name(text: str) -> str:
        text = " ".join(text.split())
        text = text if len(text) <= UNIT_WIDTH else text[: UNIT_WIDTH - 1] + "…"
        return f"{text:<{UNIT_WIDTH}}"

    header = name(t("nhac.col_unit", lang)) + "".join(cell(t(f"nhac.col_{c}", lang)) for c in DIGEST_COLUMNS)
    lines = [header]
    for unit in units[:DIGEST_UNITS]:
        lines.append(name(str(unit.get("unit", ""))) + "".join(cell(int(unit.get(c, 0))) for c in DIGEST_COLUMNS))
    totals = [sum(int(unit.get(c, 0)) for unit in units) for c in DIGEST_COLUMNS]
    lines.append(name(t("nhac.col_total", lang)) + "".join(cell(n) for n in totals))
    table = Html("<pre>" + escape("\n".join(lines)) + "</pre>")
    if len(units) > DIGEST_UNITS:
        table = Html(table + "\n" + t_html("nhac.digest_more", lang, count=len(units) - DIGEST_UNITS))
    return table


def digest_notice(
    label: str,
    on: date,
    deadline: date,
    closing: date,
    units: list[dict[str, Any]],
    previous: bool,
    lang: str,
    sending: tuple[int, int, str] | None = None,
    stars: tuple[Decimal, Decimal] | None = None,
) -> Panel:
    """HR's daily digest: the table, the 360° round's counts, the day's reminders (`sending`: queued, sent, the local
    time the last went out), the Stars paid reminders spent this month out of the budget (`stars`, when paid
    broadcasts are on), and a button to /kydanhgia's overview of the period (`previous`: the period before)."""
    head = t_html("nhac.digest", lang, label=label, day=day(on), deadline=day(deadline), closing=day(closing))
    lines = [head, digest_table(units, lang), t_html("nhac.digest_legend", lang)]
    if sending is not None and sending[0]:
        queued, sent, last = sending
        if sent >= queued:
            lines.append(t_html("nhac.digest_sent", lang, count=queued, last=last))
        else:
            lines.append(t_html("nhac.digest_sending", lang, sent=sent, count=queued))
    if stars is not None:
        lines.append(
            t_html("nhac.digest_stars", lang, spent=stars_amount(stars[0], lang), budget=stars_amount(stars[1], lang))
        )
    rounds = [u for u in units if u.get("ratings_asked")]
    if rounds:  # the 360° round, counts only
        sent = sum(int(u.get("ratings_sent", 0)) for u in rounds)
        asked = sum(int(u.get("ratings_asked", 0)) for u in rounds)
        lines.append(t_html("nhac.digest_ratings", lang, sent=sent, asked=asked))
    overview = Overview(PREVIOUS if previous else CURRENT).choice(t("nhac.digest_button", lang))
    return Panel(join_html(lines), keyboard([[overview]]))


def stars_amount(value: Decimal, lang: str) -> str:
    """An amount of Stars as people read it: "1 000", "120,5" in Vietnamese; "1,000", "120.5" in English."""
    whole, tenths = divmod(int(value * 10), 10)
    grouped = f"{whole:,}".replace(",", " " if lang == "vi" else ",")
    if not tenths:
        return grouped
    return f"{grouped}{',' if lang == 'vi' else '.'}{tenths}"


def unreachable_notice(name: str, code: str, lang: str) -> Panel:
    """To a leader (or HR): someone blocked the bot, so reminders cannot reach them."""
    return Panel(t_html("nhac.unreachable", lang, name=name, code=code))

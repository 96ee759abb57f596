"""The /baocao panels as pure functions: which unit, which period (a period, a quarter, a year), which report, whose
form."""

from __future__ import annotations

from danhgia.chat.format import short
from danhgia.chat.panel import Panel, chunks, keyboard
from danhgia.handlers.reports.callbacks import (
    CHART,
    PACKAGE,
    SUMMARY,
    Make,
    OwnForm,
    PersonYearForm,
    PickPeriod,
    PickPerson,
    PickUnit,
)
from danhgia.texts import t, t_html
from danhgia.workflow.report_data import PERIOD, QUARTER, YEAR, ReportPeriod

MAX_UNITS = 24
PEOPLE_PER_PAGE = 12


def units_panel(units: list[tuple[int, str]], lang: str) -> Panel:
    """Which unit (HR: every unit; a leader: the units they lead)."""
    buttons = [PickUnit(uid).choice(short(name)) for uid, name in units[:MAX_UNITS]]
    return Panel(t_html("baocao.pick_unit", lang), keyboard(chunks(buttons, 2)))


def periods_panel(unit_id: int, unit_name: str, periods: list[ReportPeriod], lang: str) -> Panel:
    """Which period of the unit: its latest periods, then its quarters, then its years (newest first in each)."""
    if not periods:
        return Panel(t_html("baocao.no_period", lang, unit=unit_name))
    rows = [
        [PickPeriod(unit_id, p.key).choice(p.label) for p in periods if p.kind == kind]
        for kind in (PERIOD, QUARTER, YEAR)
    ]
    return Panel(
        t_html("baocao.pick_period", lang, unit=unit_name), keyboard(r for row in rows for r in chunks(row, 3))
    )


def phrase(period: ReportPeriod, lang: str) -> str:
    """ "kỳ 11/2026", "quý IV/2026", "năm 2026" — what a title says of the period."""
    return t(f"baocao.phrase_{period.kind}", lang, label=period.label, year=period.key[:4])


def kinds_panel(unit_id: int, unit_name: str, period: ReportPeriod, lang: str) -> Panel:
    """Which report: the summary and the chart; for a period each person's form; for a year the year-end package and
    each person's yearly form."""
    key = period.key
    rows = [
        [Make(unit_id, key, SUMMARY).choice(t("baocao.summary_button", lang))],
        [Make(unit_id, key, CHART).choice(t("baocao.chart_button", lang))],
    ]
    if period.kind == YEAR:
        rows.append([Make(unit_id, key, PACKAGE).choice(t("baocao.package_button", lang))])
        rows.append([PickPerson(unit_id, key, 0).choice(t("baocao.year_people_button", lang))])
    elif period.kind == PERIOD:
        rows.append([PickPerson(unit_id, key, 0).choice(t("baocao.people_button", lang))])
    rows.append([PickUnit(unit_id).choice(t("baocao.back_button", lang))])
    return Panel(t_html("baocao.pick_kind", lang, unit=unit_name, period=phrase(period, lang)), keyboard(rows))


def people_panel(
    unit_id: int, unit_name: str, period: ReportPeriod, people: list[tuple[int, str]], page: int, lang: str
) -> Panel:
    """Whose form, a page of `PEOPLE_PER_PAGE` names at a time (a record's id for a period, a person's for a year)."""
    back = [PickPeriod(unit_id, period.key).choice(t("baocao.back_kinds_button", lang))]
    if not people:
        return Panel(t_html("baocao.no_person", lang, unit=unit_name, period=phrase(period, lang)), keyboard([back]))
    pages = (len(people) + PEOPLE_PER_PAGE - 1) // PEOPLE_PER_PAGE
    page = min(max(page, 0), pages - 1)
    shown = people[page * PEOPLE_PER_PAGE : (page + 1) * PEOPLE_PER_PAGE]
    if period.kind == YEAR:
        buttons = [PersonYearForm(ident, int(period.key)).choice(short(name)) for ident, name in shown]
    else:
        buttons = [OwnForm(ident).choice(short(name)) for ident, name in shown]
    turn = []
    if page > 0:
        turn.append(PickPerson(unit_id, period.key, page - 1).choice(t("baocao.previous_button", lang)))
    if page < pages - 1:
        turn.append(PickPerson(unit_id, period.key, page + 1).choice(t("baocao.next_button", lang)))
    text = t_html("baocao.pick_person", lang, unit=unit_name, period=phrase(period, lang), page=page + 1, pages=pages)
    return Panel(text, keyboard([*chunks(buttons, 2), turn, back]))

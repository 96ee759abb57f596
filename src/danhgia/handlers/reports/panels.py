"""The /baocao panels as pure functions: which unit, which period, which report."""

from __future__ import annotations

from danhgia.chat.format import short
from danhgia.chat.panel import Panel, chunks, keyboard
from danhgia.handlers.reports.callbacks import CHART, SUMMARY, Make, PickPeriod, PickUnit
from danhgia.texts import t, t_html

MAX_UNITS = 24


def units_panel(units: list[tuple[int, str]], lang: str) -> Panel:
    """Which unit (HR: every unit; a leader: the units they lead)."""
    buttons = [PickUnit(uid).choice(short(name)) for uid, name in units[:MAX_UNITS]]
    return Panel(t_html("baocao.pick_unit", lang), keyboard(chunks(buttons, 2)))


def periods_panel(unit_id: int, unit_name: str, periods: list[tuple[str, str]], lang: str) -> Panel:
    """Which period of the unit (newest first)."""
    if not periods:
        return Panel(t_html("baocao.no_period", lang, unit=unit_name))
    buttons = [PickPeriod(unit_id, key).choice(label) for key, label in periods]
    return Panel(t_html("baocao.pick_period", lang, unit=unit_name), keyboard(chunks(buttons, 3)))


def kinds_panel(unit_id: int, unit_name: str, key: str, label: str, lang: str) -> Panel:
    """Which report."""
    rows = [
        [Make(unit_id, key, SUMMARY).choice(t("baocao.summary_button", lang))],
        [Make(unit_id, key, CHART).choice(t("baocao.chart_button", lang))],
        [PickUnit(unit_id).choice(t("baocao.back_button", lang))],
    ]
    return Panel(t_html("baocao.pick_kind", lang, unit=unit_name, period=label), keyboard(rows))

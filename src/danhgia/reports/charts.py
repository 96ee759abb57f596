"""Charts as PNG images for a phone screen (900 × 600 px, large type): a unit's levels in a period, a person's totals
month by month, and HR's view of who has handed in their form.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no global state: each chart is its own Figure, so
charts may be drawn side by side), in DejaVu Sans — shipped with matplotlib, with every Vietnamese letter. The PNG
carries no software name nor date: the same data gives the same bytes.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from danhgia.reports.summary import level_keys
from danhgia.scoring.numbers import format_percent, format_points
from danhgia.workflow.report_data import SummaryData

__all__ = ["HEIGHT_PX", "WIDTH_PX", "level_chart", "progress_chart", "trend_chart"]

WIDTH_PX = 900
HEIGHT_PX = 600
_DPI = 100
FONT = "DejaVu Sans"

# Best level first: dark green, green, amber, red; anything else (no form, another regime's level) grey.
_LEVEL_COLOURS = ("#1B5E20", "#43A047", "#F9A825", "#C62828")
_OTHER = "#9E9E9E"
_MARK = "#B71C1C"
_LINE = "#1565C0"
_TEXT = "#212121"
_MUTED = "#616161"


def _figure() -> Figure:
    """A 900 × 600 px figure on its own Agg canvas, laid out so that no label is cut."""
    layout = ConstrainedLayoutEngine(h_pad=0.12, w_pad=0.15)
    figure = Figure(figsize=(WIDTH_PX / _DPI, HEIGHT_PX / _DPI), dpi=_DPI, layout=layout)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    """The figure as PNG bytes, without the "Software" entry (a PNG from Agg has no date)."""
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=_DPI, metadata={"Software": None})
    return out.getvalue()


def _titles(figure: Figure, ax: Axes, title: str, subtitle: str, *, bold: bool = False) -> None:
    """A bold title on top (wrapped to two lines at most) and a smaller line over the axes."""
    figure.suptitle(
        textwrap.fill(title, 50, max_lines=2, placeholder=" …"), fontsize=21, fontweight="bold", family=FONT
    )
    ax.set_title(
        subtitle,
        fontsize=18 if bold else 15,
        fontweight="bold" if bold else "normal",
        color=_TEXT if bold else _MUTED,
        family=FONT,
        pad=14,
    )


def _style(ax: Axes, grid: Literal["x", "y"] = "y") -> None:
    """Large tick labels, no box on top and right, a light grid behind the lines of the values' axis."""
    ax.tick_params(labelsize=15, colors=_TEXT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis=grid, color="#E0E0E0", linewidth=1)
    ax.set_axisbelow(True)


def _period(data: SummaryData) -> str:
    label = data.period_label
    return f"tháng {label}" if label[:1].isdigit() else label


def level_chart(data: SummaryData) -> bytes:
    """A horizontal bar for each level of the period (the regime's levels from the best, then people without a
    level), the number of people at its end; across the top level's bar, a dashed line at the number the quota
    lets keep it (the sum over the quota's groups), when the regime has a quota and the period a group to check."""
    keys = level_keys(data)
    counts = dict(data.level_counts)
    values = [counts.get(key, 0) for key in keys]
    ranks = {level.display: index for index, level in enumerate(data.regime.levels)}
    colours = [_LEVEL_COLOURS[min(ranks[key], 3)] if key in ranks else _OTHER for key in keys]

    figure = _figure()
    ax = figure.add_subplot()
    subtitle = f"Kỳ đánh giá: {_period(data)} · {data.regime.name}" + ("" if data.closed else " · bản tạm")
    if data.regime.quota is None:
        subtitle += "\nQuy định áp dụng không giới hạn tỷ lệ mức cao nhất"
    _titles(figure, ax, f"Kết quả xếp loại — {data.unit_name}", subtitle)
    _style(ax, grid="x")
    positions = list(range(len(keys)))
    bars = ax.barh(positions, values, height=0.66, color=colours)
    ax.set_yticks(positions, [_bar_label(key) for key in keys], fontsize=15 if len(keys) <= 5 else 13, family=FONT)
    ax.invert_yaxis()
    ax.tick_params(axis="y", length=0)
    ax.set_xlabel("Số người", fontsize=16, family=FONT)
    ax.bar_label(bars, [str(v) for v in values], padding=6, fontsize=18, fontweight="bold", family=FONT)

    top = max(values, default=0)
    rule = data.regime.quota
    if rule is not None and data.quota and rule.level in data.regime.level_by_code:
        allowed = sum(check.allowed for check in data.quota)
        index = keys.index(data.regime.level_by_code[rule.level].display)
        ax.vlines(allowed, index - 0.45, index + 0.45, colors=_MARK, linestyles="--", linewidth=3, zorder=3)
        mark = f"Số người tối đa được giữ mức cao nhất: {allowed}"
        if values[index] > allowed:
            mark += " (vượt)"
        line = Line2D([], [], color=_MARK, linestyle="--", linewidth=3)
        figure.legend([line], [mark], loc="outside lower center", frameon=False, prop={"family": FONT, "size": 15})
        top = max(top, allowed)
    ceiling = max(1.0, top * 1.18 + 0.5)
    ax.set_xlim(0, ceiling)
    ticks = [t for t in MaxNLocator(nbins=6, integer=True).tick_values(0, ceiling) if 0 <= t <= ceiling]
    ax.set_xticks(ticks, [str(int(t)) for t in ticks], fontsize=15, family=FONT)
    return _png(figure)


def trend_chart(name: str, points: list[tuple[str, Decimal | None]], max_total: Decimal) -> bytes:
    """A person's total of each period ("11/2026", …) as a line; a period without a total is a gap. The axis
    runs from 0 to `max_total`."""
    figure = _figure()
    ax = figure.add_subplot()
    months = all(label[:1].isdigit() for label, _ in points)
    title = f"Tổng điểm theo {'tháng' if months else 'kỳ'} — {name}"
    _titles(figure, ax, title, f"Điểm tối đa: {format_points(max_total)}")
    _style(ax)
    top = float(max_total)
    ax.set_ylim(0, top * 1.12)
    ticks = [t for t in MaxNLocator(nbins=6).tick_values(0, top) if 0 <= t <= top]
    ax.set_yticks(ticks, [format_points(Decimal(str(t))) for t in ticks], fontsize=15, family=FONT)
    ax.set_ylabel("Điểm", fontsize=16, family=FONT)
    values = [float(value) if value is not None else math.nan for _, value in points]
    if not any(value is not None for _, value in points):
        ax.set_xticks([])
        ax.text(
            0.5,
            0.5,
            "Chưa có điểm của kỳ nào.",
            ha="center",
            va="center",
            fontsize=18,
            color=_MUTED,
            family=FONT,
            transform=ax.transAxes,
        )
        return _png(figure)
    positions = list(range(len(points)))
    ax.plot(positions, values, color=_LINE, linewidth=3, marker="o", markersize=10 if len(points) <= 12 else 6)
    ax.set_xlim(-0.5, len(points) - 0.5)
    many = len(points) > 8
    step = math.ceil(len(points) / 12)  # at most about 12 labels: every step-th period, counted back from the last
    shown = [
        (position, label) for position, (label, _) in enumerate(points) if (len(points) - 1 - position) % step == 0
    ]
    ax.set_xticks(positions, minor=True)
    ax.set_xticks(
        [position for position, _ in shown],
        [label for _, label in shown],
        fontsize=13 if many else 15,
        family=FONT,
        rotation=45 if many else 0,
        ha="right" if many else "center",
    )
    if len(points) <= 12:
        for position, (_, value) in zip(positions, points, strict=True):
            if value is not None:
                ax.annotate(
                    format_points(value),
                    (position, float(value)),
                    xytext=(0, 12),
                    textcoords="offset points",
                    ha="center",
                    fontsize=14,
                    fontweight="bold",
                    color=_TEXT,
                    family=FONT,
                )
    return _png(figure)


def progress_chart(submitted: int, approved: int, waiting: int, missing: int, title: str) -> bytes:
    """HR's view of a period's forms: one bar for everyone, split into approved, waiting for the reviewer, handed
    in otherwise and not handed in, with the counts and shares under it.

    `submitted` counts everyone who handed their form in (`approved` and `waiting` are part of it); `missing`
    those who did not. Raises ValueError for a negative count or for more approved and waiting than submitted."""
    if min(submitted, approved, waiting, missing) < 0 or approved + waiting > submitted:
        raise ValueError("counts: each ≥ 0 and approved + waiting ≤ submitted")
    total = submitted + missing
    parts: Sequence[tuple[str, int, str]] = [
        ("Đã duyệt", approved, "#2E7D32"),
        ("Chờ duyệt", waiting, "#F9A825"),
        ("Đã nộp, đang xử lý khác", submitted - approved - waiting, "#64B5F6"),
        ("Chưa nộp", missing, "#C62828"),
    ]
    parts = [part for part in parts if part[1] > 0 or part[0] in ("Đã duyệt", "Chờ duyệt", "Chưa nộp")]

    figure = _figure()
    grid = figure.add_gridspec(2, 1, height_ratios=(1.1, 1))
    ax = figure.add_subplot(grid[0])
    headline = f"Đã nộp: {submitted}/{total} người ({_share(submitted, total)})" if total else "Danh sách trống"
    _titles(figure, ax, title, headline, bold=True)
    ax.set_xlim(0, max(total, 1))
    ax.set_ylim(-0.5, 0.5)
    ax.axis("off")
    left = 0
    for _, count, colour in parts:
        if count:
            ax.barh(0, count, left=left, height=0.8, color=colour, edgecolor="white", linewidth=2)
            if count / max(total, 1) >= 0.06:
                ax.text(
                    left + count / 2,
                    0,
                    str(count),
                    ha="center",
                    va="center",
                    fontsize=22,
                    fontweight="bold",
                    color="white" if colour != "#F9A825" else _TEXT,
                    family=FONT,
                )
            left += count
    if not total:
        ax.barh(0, 1, height=0.8, color="#EEEEEE")

    legend = figure.add_subplot(grid[1])
    legend.axis("off")
    handles = [Patch(color=colour) for _, _, colour in parts]
    labels = [f"{label}: {count} người ({_share(count, total)})" for label, count, _ in parts]
    legend.legend(
        handles,
        labels,
        loc="center",
        ncols=1,
        frameon=False,
        handlelength=1.6,
        handleheight=1.2,
        prop={"family": FONT, "size": 19},
    )
    return _png(figure)


def _bar_label(key: str) -> str:
    """A level beside its bar, capitalised: one line up to 20 characters, else two lines of about the same length
    ("Hoàn thành xuất sắc" / "nhiệm vụ (Loại A)"), else wrapped at 22."""
    text = key[:1].upper() + key[1:]
    words = text.split()
    if len(text) <= 20 or len(words) < 2:
        return text
    if len(text) > 44:
        return textwrap.fill(text, 22)
    cut = min(range(1, len(words)), key=lambda i: max(len(" ".join(words[:i])), len(" ".join(words[i:]))))
    return " ".join(words[:cut]) + "\n" + " ".join(words[cut:])


def _share(count: int, total: int) -> str:
    """ "66,7 %" (one decimal, Vietnamese comma); "0 %" of nobody."""
    if not total:
        return format_percent(Decimal(0))
    return format_percent((Decimal(count) * 100 / Decimal(total)).quantize(Decimal("0.1")))

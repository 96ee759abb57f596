"""/congkhai: the disclosure board (công khai, seed 004) of the person's own unit for a closed period — for each
colleague the self-score, the bonus points (when the regime has them), the final score and level, and the
quarter's average; never a cross-rating. Private chat only.

The workflow (workflow/disclosure.py) decides what may be shown: only closed periods, only one's own unit, only
in regimes with a board; anything else is refused (`board_not_yet`, `board_not_used`, `not_found`).

Callback data: `v1:ck:p:<period id>` (another closed period of the unit).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from danhgia.chat.callbacks import as_int, button
from danhgia.chat.format import points
from danhgia.chat.panel import Panel, chunks, keyboard
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.ui import (
    ack,
    close_text_step,
    command_person,
    guarded,
    pressed,
    show,
)
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow.disclosure import Board, BoardRow

FEATURE = "ck"
MAX_PERIOD_BUTTONS = 12
Panel = Panel


def _row(row: BoardRow, board: Board, usual_count: int, me: int, lang: str) -> list[Html]:
    level = t("board.under_review", lang) if row.under_review else (row.level or t("board.no_level", lang))
    name_key = "board.name_self" if row.person_id == me else "board.name"
    quarter = points(row.quarter_average)
    if row.quarter_average is not None and row.quarter_periods != usual_count:
        quarter = t("board.quarter_count", lang, average=quarter, count=row.quarter_periods)
    values = {"own": points(row.self_total), "total": points(row.total), "quarter": quarter}
    if board.has_bonus:
        scores = t_html("board.scores_bonus", lang, bonus=points(row.bonus), **values)
    else:
        scores = t_html("board.scores", lang, **values)
    return [t_html(name_key, lang, name=row.name, level=level), scores]


def board_panel(board: Board, me: int, lang: str) -> Panel:
    """The board: two short lines per colleague, and buttons for the unit's other closed periods."""
    legend = "board.legend_bonus" if board.has_bonus else "board.legend"
    lines = [
        t_html("board.title", lang, label=board.period_label),
        t_html("board.unit", lang, unit=board.unit_name),
        t_html(legend, lang, quarter=board.quarter_label),
    ]
    counts = [row.quarter_periods for row in board.rows if row.quarter_average is not None]
    usual = max(counts) if counts else 0
    if not board.rows:
        lines += [Html(""), t_html("board.empty", lang)]
    for row in board.rows:
        lines.append(Html(""))
        lines += _row(row, board, usual, me, lang)
    lines += [Html(""), t_html("board.no_cross", lang)]
    others = board.other_periods[:MAX_PERIOD_BUTTONS]
    buttons = [button(t("board.period_button", lang, label=label), FEATURE, "p", pid) for pid, label in others]
    if buttons:
        lines.append(Html("<i>" + t_html("board.other", lang) + "</i>"))
    return Panel(join_html(lines), keyboard(chunks(buttons, 3)))


@guarded
async def board_command(update: Update, context: Context) -> None:
    """/congkhai: the board of the latest closed period of the person's unit (or why there is none)."""
    identity = await command_person(update, context)
    if identity is None:
        return
    board = await run_sync(services_of(context).disclosure.board, identity.person_id)
    await show(update, board_panel(board, identity.person_id, identity.language))


@guarded
async def board_button(update: Update, context: Context) -> None:
    """Another closed period of the unit (a forged or another unit's period id is refused by the workflow)."""
    press = await pressed(update, context, FEATURE)
    if press is None:
        return
    identity, parts = press
    period_id = as_int(parts[1]) if len(parts) == 2 and parts[0] == "p" else None
    if period_id is None:
        await ack(update, t("fallback.stale_button", identity.language))
        return
    board = await run_sync(services_of(context).disclosure.board, identity.person_id, period_id)
    await close_text_step(context, identity)
    await ack(update)
    await show(update, board_panel(board, identity.person_id, identity.language))


HANDLERS = [
    CommandHandler("congkhai", board_command),
    CallbackQueryHandler(board_button, pattern=rf"^v1:{FEATURE}:"),
]

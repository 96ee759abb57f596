"""/congkhai: the disclosure board (công khai, seed 004) of the person's own unit for a closed period — for each
colleague the self-score, the bonus points (when the regime has them), the final score and level, and the
quarter's average; never a cross-rating. Private chat only.

The workflow (workflow/disclosure.py) decides what may be shown: only closed periods, only one's own unit, only
in regimes with a board; anything else is refused (`board_not_yet`, `board_not_used`, `not_found`).

The one button, `OtherPeriod` (`v1:ck:p:<period id>`), is typed callback data routed by the feature's route table.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.ext import CommandHandler

from danhgia.chat.callbacks import Callback
from danhgia.chat.format import points
from danhgia.chat.panel import Panel, chunks, keyboard
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.routes import Routes
from danhgia.handlers.ui import ack, close_text_step, command_person, guarded, show
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow.common import Identity
from danhgia.workflow.disclosure import Board, BoardRow

FEATURE = "ck"
MAX_PERIOD_BUTTONS = 12
routes = Routes(FEATURE)


@dataclass(frozen=True)
class OtherPeriod(Callback, feature=FEATURE, code="p"):
    """Show the board of another closed period of the unit."""

    period_id: int


def _row(row: BoardRow, board: Board, usual_count: int, me: int, lang: str) -> list[Html]:
    level = t("board.under_review", lang) if row.under_review else (row.level or t("board.no_level", lang))
    name_key = "board.name_self" if row.person_id == me else "board.name"
    if row.yearly:
        return [t_html(name_key, lang, name=row.name, level=t("board.yearly", lang))]
    quarter = points(row.quarter_average)
    if row.quarter_average is not None and row.quarter_periods != usual_count:
        quarter = t("board.quarter_count", lang, average=quarter, count=row.quarter_periods)
    values = {"own": points(row.self_total), "total": points(row.total), "quarter": quarter}
    if not board.self_scores:
        scores = t_html("board.scores_final", lang, **values)
    elif board.has_bonus:
        scores = t_html("board.scores_bonus", lang, bonus=points(row.bonus), **values)
    else:
        scores = t_html("board.scores", lang, **values)
    return [t_html(name_key, lang, name=row.name, level=level), scores]


def board_panel(board: Board, me: int, lang: str) -> Panel:
    """The board: two short lines per colleague, and buttons for the unit's other closed periods."""
    legend = (
        "board.legend_final" if not board.self_scores else "board.legend_bonus" if board.has_bonus else "board.legend"
    )
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
    lines += [Html(""), t_html("board.no_cross" if board.self_scores else "board.final_only", lang)]
    others = board.other_periods[:MAX_PERIOD_BUTTONS]
    buttons = [OtherPeriod(pid).choice(t("board.period_button", lang, label=label)) for pid, label in others]
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


@routes.on(OtherPeriod)
async def other_period(update: Update, context: Context, identity: Identity, data: OtherPeriod) -> None:
    """Another closed period of the unit (a forged or another unit's period id is refused by the workflow)."""
    board = await run_sync(services_of(context).disclosure.board, identity.person_id, data.period_id)
    await close_text_step(context, identity)
    await ack(update)
    await show(update, board_panel(board, identity.person_id, identity.language))


HANDLERS = [
    CommandHandler("congkhai", board_command),
    routes.handler(),
]

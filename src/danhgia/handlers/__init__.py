"""Telegram handlers: parse updates, check who speaks, render texts and keyboards (the only Telegram code).

Each feature module lists its handlers in `HANDLERS`; its text steps register themselves with
`handlers.dialog.text_step` and its outbox renderers with `handlers.notifier.renderer`.
"""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, MessageHandler, filters

from danhgia.handlers import (
    admin,
    board,
    council,
    delegation,
    dialog,
    fallback,
    help,
    language,
    leave,
    periods,
    ratings,
    reminders,
    reports,
    results,
    review,
    selfassess,
    start,
    tasks,
)
from danhgia.handlers.context import App

FEATURES = (
    tasks,
    selfassess,
    periods,
    results,
    review,
    delegation,
    reminders,
    leave,
    ratings,
    board,
    council,
    reports,
)


def register(app: App) -> None:
    """Attach every handler to the application, most specific first."""
    app.add_handler(CommandHandler("start", start.start))
    app.add_handler(CommandHandler("help", help.help_command))
    app.add_handler(CommandHandler(["ngonngu", "language"], language.language_command))
    app.add_handler(CommandHandler("golienket", admin.unlink_command))
    app.add_handler(CommandHandler("huy", dialog.cancel_command))
    app.add_handler(CallbackQueryHandler(language.language_chosen, pattern=f"^{language.CALLBACK_PREFIX}"))
    app.add_handler(CallbackQueryHandler(admin.unlink_pressed, pattern=r"^v1:unlink"))
    for feature in FEATURES:
        for handler in feature.HANDLERS:
            app.add_handler(handler)
    app.add_handler(ChatMemberHandler(fallback.blocked_or_unblocked, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CallbackQueryHandler(fallback.stale_button))
    app.add_handler(MessageHandler(filters.ALL & ~filters.UpdateType.EDITED, dialog.any_message))
    app.add_error_handler(fallback.on_error)

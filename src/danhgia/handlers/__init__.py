"""Telegram handlers: parse updates, check who speaks, render texts and keyboards (the only Telegram code)."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler, ChatMemberHandler, CommandHandler, MessageHandler, filters

from danhgia.handlers import admin, fallback, help, language, start
from danhgia.handlers.context import App


def register(app: App) -> None:
    """Attach every handler to the application, most specific first."""
    app.add_handler(CommandHandler("start", start.start))
    app.add_handler(CommandHandler("help", help.help_command))
    app.add_handler(CommandHandler(["ngonngu", "language"], language.language_command))
    app.add_handler(CommandHandler("golienket", admin.unlink_command))
    app.add_handler(CallbackQueryHandler(language.language_chosen, pattern=f"^{language.CALLBACK_PREFIX}"))
    app.add_handler(CallbackQueryHandler(admin.unlink_pressed, pattern=r"^v1:unlink"))
    app.add_handler(ChatMemberHandler(fallback.blocked_or_unblocked, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CallbackQueryHandler(fallback.stale_button))
    app.add_handler(MessageHandler(filters.ALL & ~filters.UpdateType.EDITED, fallback.any_message))
    app.add_error_handler(fallback.on_error)

"""The callback data of /tamdung's buttons (`v1:rm:…`): open the panel (`p`, also under the weekly prompts), pause
for one of the offered lengths (`s:<w1|w2|me>`), type a range (`r`), resume now (`u`).

The reminders also carry buttons that open other features: those features' own typed callback data, imported
from their `callbacks` modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from danhgia.chat.callbacks import Callback

FEATURE = "rm"


@dataclass(frozen=True)
class OpenSnooze(Callback, feature=FEATURE, code="p"):
    """Show the /tamdung panel (also the "🔕 Tạm dừng nhắc" button of the weekly prompts)."""


@dataclass(frozen=True)
class SnoozeFor(Callback, feature=FEATURE, code="s"):
    """Pause the weekly prompts from today for one of the offered lengths (a code of `panels.snooze_choices`)."""

    length: str


@dataclass(frozen=True)
class TypeRange(Callback, feature=FEATURE, code="r"):
    """Ask for a pause typed as a date range."""


@dataclass(frozen=True)
class Resume(Callback, feature=FEATURE, code="u"):
    """End the pause now."""

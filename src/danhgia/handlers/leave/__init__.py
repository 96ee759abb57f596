"""/nghiphep: HR (to_chuc, quan_tri) and leaders record the leave of the people they manage — leaders for their
direct reports, HR for anyone — and cancel it. People on leave get no reminders on those days, and the scoring
receives the working-time facts (both done by the workflow).

One panel edited in place: the current and upcoming leave (a cancel button each) → a person (leaders: buttons of
their reports; HR: a typed staff code, or a unit's people as buttons) → the kind → the dates (buttons, or typed
as "dd/mm - dd/mm") → an optional note (typed) → a confirmation. The choices travel in typed callback data
(`callbacks.py`); the panels are pure (`panels.py`); `routes.py` routes the buttons and the typed steps, which are
kept in the database, so a restart loses nothing.
"""

from __future__ import annotations

from danhgia.handlers.leave.callbacks import FEATURE
from danhgia.handlers.leave.routes import HANDLERS

__all__ = ["FEATURE", "HANDLERS"]

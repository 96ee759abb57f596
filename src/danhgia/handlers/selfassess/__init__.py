"""/tudanhgia: the monthly self-assessment, walked step by step on one panel edited in place.

The steps come from the regime (workflow/evaluation.steps_for): each general criterion, the month's task
results (with objective-cause claims), the leader criteria (leaders only), bonus claims where the regime has
them, and the summary with Submit / Edit / Close. The step and every answer are saved in the database as they
are given, so leaving, coming back or a restart continues exactly where the person was. Submitted, approved and
locked records are shown read-only.

`callbacks` (typed button data), `editor` and `states` (pure panels), `routes` (the command and the route table),
`steps` (typed answers), `notices` (the outbox).
"""

from __future__ import annotations

from danhgia.handlers.selfassess import notices, steps
from danhgia.handlers.selfassess.routes import HANDLERS

__all__ = ["HANDLERS", "notices", "steps"]

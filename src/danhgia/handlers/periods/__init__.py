"""/kydanhgia for HR (to_chuc, also quan_tri): open and close a unit's period, decide ties on the quota line,
mark a unit as outstanding, and reopen a locked record with a reason.

One panel edited in place: the units as a tree for the current or the previous period → a unit → closing
(confirmation, then the blockers, a tie to decide, or the summary) or reopening (a person → a typed reason).
Closing is one use case of the workflow (`PeriodService.close_confirmed`, `choose_tie`): the confirmation binds
to the preview it showed, a tap on a tie's name never closes anything by itself, and the tie buttons carry a mark
of the tied people, so a stale panel cannot pick someone it did not show.

`callbacks` holds the typed buttons, `panels` the pure panels, `routes` the command, the route table and the
typed reason of reopening, `notices` the outbox notices of closing ("final_result", "no_result").
"""

from __future__ import annotations

from danhgia.handlers.periods import notices, routes

__all__ = ["HANDLERS", "notices", "routes"]

HANDLERS = routes.HANDLERS

"""/danhgiacheo: the 360° round — the colleagues a person must rate, and the criteria walk of one rating on one
panel edited in place (full points, listed deductions, typed points; no notes, which could identify a rater),
a summary with the total, and Submit, after which the rating is locked.

The rater sees only whom they must rate (workflow/ratings.py). Peers and a leader's own staff rate in secret:
the panels say so, and that such scores only ever appear as an average of at least `min_raters` people. What
a leader gives their staff counts as the leader's score, and the panels say that too.

`callbacks` holds the buttons' data (`v1:dc:…`), `panels` the panels (pure functions of workflow views),
`routes` the command, the route of each button and the typed points, `notices` the outbox renderers
(`rating_request`, `remind_rating`).
"""

from __future__ import annotations

from danhgia.handlers.ratings import notices, routes

HANDLERS = routes.HANDLERS
__all__ = ["HANDLERS", "notices", "routes"]

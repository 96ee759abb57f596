"""The evaluation council (hội đồng đánh giá, role `hoi_dong`): the case cards each member receives (keep the
result, or change the level with a typed reason, or step aside), /hoidong (the open and recently decided cases,
and the commendation proposals), the decision told to the person privately, and contesting a final result from
the final-result notice or /ketqua.

`callbacks` holds the buttons' data (`v1:hd:…`), `panels` the panels (pure functions of workflow views),
`routes` the command, the route of each button and the typed steps, `notices` the outbox renderers.

Cards are not remembered: a vote edits the card it was cast on, and when the quorum decides a case every
other member gets a short notice with a button to the case ("council_case_refresh"); an older card whose
button is pressed later is edited in place to show the decision, and the press is refused politely.
"""

from __future__ import annotations

from danhgia.handlers.council import notices, routes

HANDLERS = routes.HANDLERS
__all__ = ["HANDLERS", "notices", "routes"]

"""The reviewer's side: the card each submission brings (Approve / Adjust / Return / Details), the adjustment
walk edited in place on that card, /duyet (the queue, with "approve all not yet adjusted" behind a
confirmation), and the notices that tell the person what was decided.

`callbacks` (typed button data), `panels` and `walk` (pure panels), `cards` (cards on Telegram, edited in place),
`routes` (the command and the route table of the buttons), `steps` (typed answers), `notices` (the outbox).
The adjustment in progress lives in the assessment (`review_draft`, with its step) and typed answers are dialog
steps in the database, so a restart in the middle of an adjustment continues where it was.
"""

from __future__ import annotations

from danhgia.handlers.review import notices, steps
from danhgia.handlers.review.routes import HANDLERS

__all__ = ["HANDLERS", "notices", "steps"]

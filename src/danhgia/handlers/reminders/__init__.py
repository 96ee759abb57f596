"""The reminders the scheduler queues, rendered each with a button to the right dialog, and /tamdung (pause one's
own weekly prompts for a while).

Reminders: remind_plan and remind_checkin (weekly, to everyone not on leave or paused), remind_self (the window's
opening, D-3, D-1 and the deadline morning, only to those who have not submitted), remind_review (a leader's
nudge with the number pending), escalate_review (to the higher leader, listing what is overdue), hr_digest (a
per-unit table for HR) and unreachable (to a leader: someone blocked the bot). Who gets each, and whether one
queued earlier is still worth sending, is the workflow's rule (workflow/reminders.py), asked once more at delivery.

`callbacks` holds /tamdung's button data (`v1:rm:…`), `panels` the panels (pure functions of workflow views and
payloads), `routes` the command, the route of each button and the typed range, `notices` the outbox renderers.
"""

from __future__ import annotations

from danhgia.handlers.reminders import notices, routes

HANDLERS = routes.HANDLERS
__all__ = ["HANDLERS", "notices", "routes"]

"""/tuannay (the week's tasks: add, edit, cancel) and /baocaotuan (check in on each open task with one tap).

Everything happens on one panel edited in place. `callbacks` (typed button data of both), `panels` (pure),
`week` (/tuannay: its route table and typed steps), `checkin` (/baocaotuan).
"""

from __future__ import annotations

from danhgia.handlers.tasks import checkin, week

HANDLERS = [*week.HANDLERS, *checkin.HANDLERS]

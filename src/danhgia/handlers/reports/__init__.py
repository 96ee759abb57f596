"""/baocao: HR (any unit) and leaders (the units they lead) get a unit's summary (Excel) or level chart (a
picture) for a period; from /ketqua a person gets their own monitoring form (Word) and their trend (a chart).

`callbacks` holds the typed buttons (`v1:bc:…`), `panels` the pure panels, `routes` the command and route table.
"""

from __future__ import annotations

from danhgia.handlers.reports import routes

__all__ = ["HANDLERS", "routes"]

HANDLERS = routes.HANDLERS

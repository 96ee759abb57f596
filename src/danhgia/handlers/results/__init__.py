"""/ketqua: a person's own results, privately — the latest period (total, level, each part, the explanation),
earlier months, the quarter and the year. In a group chat no score is shown, only a button to the private chat.

Every button names one of the person's own assessments (or a year/quarter of their own results); the workflow
looks it up among the presser's own records, so a forged id shows nothing of anyone else. The quota's lines are
cut to what the person may read by the workflow (`workflow.privacy`), and every explanation line is worded in the
reader's language (`chat.explain`).

`callbacks` holds the typed buttons (`v1:kq:…`), `panels` the pure panels (also the final-result notice's text,
which handlers/periods sends), `routes` the command and the route table.
"""

from __future__ import annotations

from danhgia.handlers.results import routes
from danhgia.handlers.results.callbacks import FEATURE
from danhgia.handlers.results.panels import contest_row, final_result_text

__all__ = ["FEATURE", "HANDLERS", "contest_row", "final_result_text", "routes"]

HANDLERS = routes.HANDLERS

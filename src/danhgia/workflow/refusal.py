"""The one shape of every "no" a use case gives: a code that names the sentence in the message catalogs, and the
parameters that fill it in. Handlers turn any refusal into a polite message; nothing is changed by a refused
action."""

from __future__ import annotations


class Refusal(Exception):
    """A refused action or input; `code` names it for the message catalogs, `params` fill the sentence in.

    `retry` marks a refusal of what was typed or chosen (a bad number, an empty reason, a date out of range): the
    step that asked may be answered again. Without it the action itself is refused (the record moved on, the
    person may not do this) and a typed step that led to it is closed."""

    def __init__(self, code: str, *, retry: bool = False, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.retry = retry
        self.params = params

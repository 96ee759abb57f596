"""The one shape of every "no" a use case gives: a code that names the sentence in the message catalogs, and the
parameters that fill it in. Handlers turn any refusal into a polite message; nothing is changed by a refused
action."""

from __future__ import annotations


class Refusal(Exception):
    """A refused action or input; `code` names it for the message catalogs, `params` fill the sentence in."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

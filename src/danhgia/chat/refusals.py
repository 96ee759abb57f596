"""A workflow's "no" in words: the catalog sentence of a refusal (or a scoring error), its parameters formatted
the way people read them (states by name, dates dd/mm/yyyy, points "87,5")."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from danhgia.chat.format import day, points
from danhgia.scoring import ScoringError
from danhgia.texts import Html, t, t_html

log = logging.getLogger(__name__)


def refusal_text(error: Exception, lang: str) -> Html:
    """The catalog sentence for a workflow refusal (`error.<code>`), or a generic one when it has none."""
    code = getattr(error, "code", "")
    params = dict(getattr(error, "params", {}) or {})
    for key, value in list(params.items()):
        if key == "state":
            params[key] = t(f"state.{value}", lang)
        elif isinstance(value, date):
            params[key] = day(value)
        elif isinstance(value, Decimal):
            params[key] = points(value)
    if isinstance(error, ScoringError) and not code:
        return t_html("error.cannot_score", lang)
    try:
        return t_html(f"error.{code}", lang, **params)
    except KeyError:
        log.warning("no message for workflow error %r", code)
        return t_html("error.generic", lang)

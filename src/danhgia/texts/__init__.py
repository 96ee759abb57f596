"""Text catalogs: every sentence a user reads, Vietnamese first and English second.

Keys are dotted paths into `vi.toml` / `en.toml`; values are `str.format` templates.
`t()` fills plain text (CLI); `t_html()` escapes every parameter for Telegram's HTML mode.
"""

from __future__ import annotations

import html
import string
import tomllib
from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from typing import Any

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(path, value, out)
        else:
            out[path] = str(value)


@cache
def catalog(lang: str) -> dict[str, str]:
    """Every template of one language, by dotted key: `{lang}.toml` plus one file per feature in `{lang}/`."""
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    root = files("danhgia.texts")
    sources = [root / f"{lang}.toml"]
    folder = root / lang
    if folder.is_dir():
        sources += sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name)
    out: dict[str, str] = {}
    for source in sources:
        part: dict[str, str] = {}
        _flatten("", tomllib.loads(source.read_text(encoding="utf-8")), part)
        clash = set(part) & set(out)
        if clash:
            raise ValueError(f"{source.name}: keys already defined elsewhere: {sorted(clash)}")
        out.update(part)
    return out


def template(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The raw template for a key, falling back to Vietnamese when a translation is missing."""
    found = catalog(lang).get(key)
    if found is None:
        found = catalog(DEFAULT_LANGUAGE)[key]
    return found


def placeholders(text: str) -> set[str]:
    """The names of the `{placeholders}` of a template."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: Any) -> str:
    """A filled-in plain-text sentence."""
    return template(key, lang).format(**params)


class Html(str):
    """Text that is already valid Telegram HTML (not escaped again when used as a parameter)."""

    __slots__ = ()


def escape(value: Any) -> str:
    """Escape a value for Telegram's HTML mode unless it is already `Html`."""
    return value if isinstance(value, Html) else html.escape(str(value), quote=False)


def t_html(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: Any) -> Html:
    """A filled-in sentence for Telegram's HTML mode; parameters are escaped, markup in the template kept."""
    return Html(template(key, lang).format(**{name: escape(value) for name, value in params.items()}))


def join_html(parts: Iterable[Html], separator: str = "\n") -> Html:
    """Join already-safe pieces of HTML."""
    return Html(separator.join(parts))


def normalise_language(code: str | None) -> str:
    """`vi` or `en` from a Telegram language code or a stored preference."""
    if code and code.lower().split("-")[0] in LANGUAGES:
        return code.lower().split("-")[0]
    return DEFAULT_LANGUAGE

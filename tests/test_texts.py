"""The text catalogs: complete in both languages, same placeholders, valid Telegram HTML."""

from __future__ import annotations

from danhgia.texts import catalog, placeholders, t_html
from danhgia.texts.telegram_html import parse_html

CLI_SECTIONS = ("cli.", "roster.")  # operator messages: Vietnamese only, English falls back


def test_every_bot_text_has_an_english_translation_with_the_same_placeholders() -> None:
    vi, en = catalog("vi"), catalog("en")
    bot_keys = {k for k in vi if not k.startswith(CLI_SECTIONS)}
    assert bot_keys - set(en) == set()
    assert set(en) - set(vi) == set()
    for key in bot_keys:
        assert placeholders(vi[key]) == placeholders(en[key]), key


def test_bot_texts_are_valid_telegram_html_with_any_parameter() -> None:
    for lang in ("vi", "en"):
        for key, template in catalog(lang).items():
            if key.startswith(CLI_SECTIONS):
                continue
            filled = t_html(key, lang, **{name: "<A & B>" for name in placeholders(template)})
            parse_html(filled)  # raises if a tag is unbalanced or a parameter was not escaped


def test_vietnamese_texts_have_diacritics() -> None:
    assert "Liên kết thành công" in catalog("vi")["start.linked"]
    assert catalog("vi")["role.lanh_dao"] == "Lãnh đạo"

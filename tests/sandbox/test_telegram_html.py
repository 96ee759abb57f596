"""Telegram's HTML parse mode as the sandbox enforces it."""

from __future__ import annotations

import pytest

from danhgia.texts.telegram_html import HtmlParseError, parse_html, utf16_len


@pytest.mark.parametrize(
    ("markup", "plain", "entities"),
    [
        ("plain text", "plain text", []),
        ("<b>đậm</b> và <i>nghiêng</i>", "đậm và nghiêng", [("bold", 0, 3), ("italic", 7, 7)]),
        (
            "<strong>a</strong><em>b</em><u>c</u><ins>d</ins><s>e</s><del>f</del>",
            "abcdef",
            [
                ("bold", 0, 1),
                ("italic", 1, 1),
                ("underline", 2, 1),
                ("underline", 3, 1),
                ("strikethrough", 4, 1),
                ("strikethrough", 5, 1),
            ],
        ),
        ("<b>ngoài <i>trong</i></b>", "ngoài trong", [("bold", 0, 11), ("italic", 6, 5)]),
        ("1 &lt; 2 &amp;&amp; 3 &gt; 2 &quot;ok&quot; &#272;&#x110;", '1 < 2 && 3 > 2 "ok" ĐĐ', []),
        ("👋 <b>chào</b>", "👋 chào", [("bold", 3, 4)]),  # the emoji counts as two UTF-16 units
        ('<a href="https://t.me/x?start=a&amp;b">link</a>', "link", [("text_link", 0, 4)]),
        (
            '<span class="tg-spoiler">kín</span><tg-spoiler>đáo</tg-spoiler>',
            "kínđáo",
            [("spoiler", 0, 3), ("spoiler", 3, 3)],
        ),
        ("<code>x = 1</code>", "x = 1", [("code", 0, 5)]),
        ('<pre><code class="language-python">print()</code></pre>', "print()", [("pre", 0, 7)]),
        ("<blockquote expandable>trích</blockquote>", "trích", [("expandable_blockquote", 0, 5)]),
        ("<b></b>rỗng", "rỗng", []),
    ],
)
def test_valid_markup(markup: str, plain: str, entities: list[tuple[str, int, int]]) -> None:
    text, found = parse_html(markup)
    assert text == plain
    assert [(e["type"], e["offset"], e["length"]) for e in found] == entities


def test_link_keeps_its_url() -> None:
    _, entities = parse_html('<a href="https://t.me/x?start=a&amp;b">link</a>')
    assert entities[0]["url"] == "https://t.me/x?start=a&b"


@pytest.mark.parametrize(
    ("markup", "message"),
    [
        ("<br>", 'Unsupported start tag "br"'),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("1 < 2", "Unexpected end of name token at byte offset 2"),
        ("Tom & Jerry", "Character '&' is reserved"),
        ("a > b", "Character '>' is reserved"),
        ("<b>không đóng", 'Can\'t find end tag corresponding to start tag "b"'),
        ("thừa</b>", "Unmatched end tag"),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ('<a href="">x</a>', "Empty href"),
    ],
)
def test_invalid_markup_is_refused_like_telegram(markup: str, message: str) -> None:
    with pytest.raises(HtmlParseError, match="can't parse entities") as caught:
        parse_html(markup)
    assert message in str(caught.value)


def test_byte_offsets_count_utf8_bytes() -> None:
    with pytest.raises(HtmlParseError, match="byte offset 7"):
        parse_html("Đạt & ")  # "Đạt " is 2 + 3 + 1 + 1 bytes in UTF-8


def test_utf16_length() -> None:
    assert utf16_len("Việt") == 4
    assert utf16_len("👍") == 2

"""Zalo's text rules, fuzzed: long texts split into messages Zalo takes (1–2 000 characters), cut between lines
and never inside a word that fits; numbered choices rendered as "1 · Duyệt" and every way a person may answer
them understood — the number, the words in any case and with or without diacritics, a copied line, "0" or
"quay lại" — while anything else is None and nothing raises."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from danhgia.zalo.text import (
    BACK,
    MAX_MESSAGE,
    check_labels,
    normalise_answer,
    parse_choice,
    render_choices,
    split_message,
    zalo_length,
)

REVIEW = ["Duyệt", "Điều chỉnh", "Trả lại", "Chi tiết"]

# -- splitting ---------------------------------------------------------------------------------------

words = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=12)
lines = st.lists(words, max_size=12).map(" ".join) | st.sampled_from(["", " ", "  - ", "\t"])
texts = st.lists(lines, max_size=30).map("\n".join)


def non_blank_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


@given(texts | st.text(), st.integers(min_value=2, max_value=80))
def test_every_message_fits_and_nothing_is_lost(text: str, limit: int) -> None:
    messages = split_message(text, limit)
    assert all(1 <= zalo_length(m) <= limit and m.strip() for m in messages)
    assert "".join("".join(m.split()) for m in messages) == "".join(text.split())
    if all(zalo_length(word) <= limit for word in text.split()):
        assert [w for m in messages for w in m.split()] == text.split()  # no word is cut
    if all(zalo_length(line) <= limit for line in text.split("\n")):
        assert [line for m in messages for line in non_blank_lines(m)] == non_blank_lines(text)  # lines stay whole


@given(st.lists(lines, max_size=6).map("\n".join), st.integers(min_value=0, max_value=20))
def test_a_text_that_fits_is_one_message(text: str, room: int) -> None:
    limit = max(2, zalo_length(text)) + room
    expected = ["\n".join(non_blank_edges(text.split("\n")))] if text.strip() else []
    assert split_message(text, limit) == expected


def non_blank_edges(text_lines: list[str]) -> list[str]:
    while text_lines and not text_lines[0].strip():
        text_lines = text_lines[1:]
    while text_lines and not text_lines[-1].strip():
        text_lines = text_lines[:-1]
    return text_lines


def test_a_long_report_is_cut_at_line_boundaries_into_2000_character_messages() -> None:
    people = [f"{n:>3}. Nguyễn Văn Người thứ {n} — Hoàn thành tốt nhiệm vụ, 85,5 điểm" for n in range(1, 121)]
    report = "Kết quả xếp loại tháng 11/2026\n\n" + "\n".join(people)
    messages = split_message(report)
    assert len(messages) > 1 and all(zalo_length(m) <= MAX_MESSAGE for m in messages)
    assert [line for m in messages for line in m.split("\n") if line] == [line for line in report.split("\n") if line]
    assert all(zalo_length(m) > MAX_MESSAGE // 2 for m in messages[:-1])  # no needlessly short message


def test_a_blank_line_late_in_a_message_is_preferred_to_filling_it() -> None:
    text = "a" * 6 + "\n\n" + "b" * 3 + "\n" + "c" * 3
    assert split_message(text, 12) == ["a" * 6, "b" * 3 + "\n" + "c" * 3]


def test_a_word_longer_than_a_message_is_cut_but_not_before_its_accent() -> None:
    decomposed = unicodedata.normalize("NFD", "ệ") * 3  # e + two combining marks, three times
    messages = split_message(decomposed, 4)
    assert "".join(messages) == decomposed
    assert all(not unicodedata.combining(m[0]) for m in messages)
    assert split_message("x" * 5, 2) == ["xx", "xx", "x"]
    assert split_message("😀😀😀", 4) == ["😀😀", "😀"]
    assert split_message("", 10) == [] and split_message("\n \n", 10) == []
    with pytest.raises(ValueError):
        split_message("x", 1)


# -- numbered choices --------------------------------------------------------------------------------


def test_render_the_review_choices() -> None:
    assert render_choices(REVIEW) == "1 · Duyệt\n2 · Điều chỉnh\n3 · Trả lại\n4 · Chi tiết\n0 · Quay lại"
    assert render_choices(["Có", "Không"], back=False) == "1 · Có\n2 · Không"


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("1", 1),
        (" 2 ", 2),
        ("02", 2),
        ("２", 2),  # a full-width digit from a phone keyboard
        ("4.", 4),
        ("duyệt", 1),
        ("DUYỆT", 1),
        ("duyet", 1),
        ("Điều chỉnh", 2),
        ("dieu   chinh", 2),
        ("DIEU CHINH!", 2),
        ("tra lai", 3),
        ("2 · Điều chỉnh", 2),
        ("2. dieu chinh", 2),
        ("✅ Duyệt", 1),
        ("0", BACK),
        ("Quay lại", BACK),
        ("quay lai", BACK),
        ("0 · Quay lại", BACK),
        ("5", None),
        ("-1", 1),  # a dash before a number reads as a bullet
        ("1 2", None),
        ("3 duyệt", None),  # a number and words that disagree
        ("duy", None),
        ("", None),
        ("   ", None),
        ("?", None),
        ("/huy", None),
        ("99999999999999999999", None),
    ],
)
def test_parse_the_review_answers(answer: str, expected: int | None) -> None:
    assert parse_choice(answer, REVIEW) == expected


def test_without_back_0_and_quay_lai_name_nothing() -> None:
    assert parse_choice("0", ["Có", "Không"], back=False) is None
    assert parse_choice("quay lại", ["Có", "Không"], back=False) is None
    assert parse_choice("khong", ["Có", "Không"], back=False) == 2


@pytest.mark.parametrize(
    "labels",
    [["Duyệt", "duyet"], ["Có", ""], ["!!!"], ["2 tuần"], ["Quay lại"], ["1"], ["Điều chỉnh", "DIEU-CHINH"]],
)
def test_labels_a_person_could_not_answer_are_refused(labels: list[str]) -> None:
    with pytest.raises(ValueError):
        render_choices(labels)


VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
# Labels are Vietnamese: its letters in both cases and decomposed, Latin letters, digits, punctuation, emoji.
OTHERS = "fjwz0123456789 .,!?-·✅📋"
label_alphabet = st.sampled_from(
    sorted(set(VIETNAMESE + VIETNAMESE.upper() + unicodedata.normalize("NFD", VIETNAMESE) + OTHERS))
)
label_words = st.tuples(st.sampled_from(VIETNAMESE + VIETNAMESE.upper()), st.text(label_alphabet, max_size=20)).map(
    "".join
)


def answerable(labels: list[str]) -> bool:
    try:
        check_labels(labels)
    except ValueError:
        return False
    return True


def strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@given(st.lists(label_words | st.sampled_from(REVIEW), min_size=1, max_size=9, unique=True))
@example(REVIEW)
def test_every_way_of_naming_a_choice_is_understood(labels: list[str]) -> None:
    assume(answerable(labels))
    rendered = render_choices(labels).split("\n")
    for number, label in enumerate(labels, start=1):
        for answer in (
            str(number),
            f" {number} ",
            label,
            label.upper(),
            label.lower(),
            strip_marks(label),
            f"{label}!",
            rendered[number - 1],
        ):
            assert parse_choice(answer, labels) == number, answer
    assert parse_choice(rendered[-1], labels) == BACK
    assert parse_choice("0", labels) == BACK
    assert parse_choice(str(len(labels) + 1), labels) is None


@given(st.text(), st.lists(label_words, min_size=1, max_size=6, unique=True), st.booleans())
def test_any_answer_gives_a_choice_or_none(answer: str, labels: list[str], back: bool) -> None:
    assume(answerable(labels))
    result = parse_choice(answer, labels, back=back)
    assert result is None or (0 if back else 1) <= result <= len(labels)


@given(st.text())
def test_normalising_is_idempotent(text: str) -> None:
    once = normalise_answer(text)
    assert normalise_answer(once) == once
    assert once == once.strip() and "  " not in once

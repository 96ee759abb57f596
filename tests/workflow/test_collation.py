"""Lists of people are read in Vietnamese alphabetical order: given name first, đ after d, ă and â after a."""

from __future__ import annotations

from danhgia.workflow.collation import name_key, vietnamese_key


def test_staff_are_listed_by_given_name_then_family_and_middle_names() -> None:
    names = ["Vũ Thị Yến", "Đặng Văn Bình", "Lê Văn An", "Nguyễn Thị An", "Trần Văn Anh", "Ngô Thị Ân"]
    assert sorted(names, key=name_key) == [
        "Lê Văn An",
        "Nguyễn Thị An",
        "Trần Văn Anh",
        "Ngô Thị Ân",
        "Đặng Văn Bình",
        "Vũ Thị Yến",
    ]


def test_letters_follow_the_vietnamese_alphabet_not_unicode_code_points() -> None:
    words = ["Đông", "Dương", "Ơn", "Ôn", "On", "Ưng", "Uy", "Vân", "Êm", "Em", "Ăn", "Ân", "An", "Bé", "Zoe"]
    assert sorted(words, key=vietnamese_key) == [
        "An", "Ăn", "Ân", "Bé", "Dương", "Đông", "Em", "Êm", "On", "Ôn", "Ơn", "Uy", "Ưng", "Vân", "Zoe",
    ]  # fmt: skip


def test_tone_marks_only_break_ties_in_the_order_ngang_huyen_sac_hoi_nga_nang() -> None:
    assert sorted(["Mạ", "Mã", "Mả", "Má", "Mà", "Ma", "Mai"], key=vietnamese_key) == [
        "Ma", "Mà", "Má", "Mả", "Mã", "Mạ", "Mai",
    ]  # fmt: skip
    assert sorted(["Hoà", "Hoa", "Hòa"], key=vietnamese_key)[0] == "Hoa"


def test_case_spacing_and_composed_or_decomposed_input_do_not_change_the_order() -> None:
    decomposed = "Nguye\u0302\u0303n Va\u0306n Đa\u0323t"
    assert name_key(decomposed)[:2] == name_key("Nguyễn Văn Đạt")[:2]
    assert name_key("  nguyễn   văn  đạt ")[:2] == name_key("Nguyễn Văn Đạt")[:2]
    assert sorted(["Tổ B", "Tổ 2"], key=vietnamese_key) == ["Tổ 2", "Tổ B"]
    assert name_key("") < name_key("An")

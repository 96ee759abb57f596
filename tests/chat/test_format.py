"""Button labels: a long one is cut after a whole word, never mid-word, and always fits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from danhgia.chat.format import short


def test_a_long_label_is_cut_after_a_whole_word() -> None:
    label = "Phẩm chất chính trị, đạo đức, văn hóa thực thi công vụ, ý thức kỷ luật"
    assert short(label, 44) == "Phẩm chất chính trị, đạo đức, văn hóa thực…"
    assert short("Đi muộn, về sớm không có lý do chính đáng", 24) == "Đi muộn, về sớm không…"
    assert short("Báo cáo", 40) == "Báo cáo"
    assert short("Mộtchữrấtdàikhôngcókhoảngtrắngnào", 10) == "Mộtchữrất…"  # no space to cut at: cut anyway


@given(st.text(alphabet=st.sampled_from(list("ab đ,ệ ")), max_size=80), st.integers(min_value=5, max_value=60))
def test_a_label_always_fits_and_keeps_its_beginning(text: str, limit: int) -> None:
    label = short(text, limit)
    assert len(label) <= limit
    clean = " ".join(text.split())
    assert label == clean or (label.endswith("…") and clean.startswith(label[:-1]))

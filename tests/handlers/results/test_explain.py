"""Explanation lines worded from their data: the Vietnamese catalog gives exactly scoring's sentence for every
kind, the English catalog words every kind too, and a stored line reads back to the same wording."""

from __future__ import annotations

import html
import re

from danhgia.chat.explain import line_html, reason_html
from danhgia.scoring.serialize import line_to_dict
from danhgia.texts import catalog, placeholders
from danhgia.workflow.evaluation import CLAIMABLE_KINDS
from danhgia.workflow.privacy import read_line
from tests.scoring.lines import lines_of_every_kind


def test_every_kind_scoring_writes_has_a_vietnamese_template_giving_its_very_sentence() -> None:
    lines = lines_of_every_kind()
    kinds = {line.kind for line in lines}
    assert len(kinds) > 40  # the lines cover the catalog, not a handful of kinds
    for line in lines:
        worded = reason_html(line, "vi")
        assert worded is not None, line.kind
        assert html.unescape(worded) == line.reason, line.kind
        assert html.unescape(line_html(line, "vi")) == line.text, line.kind


def test_every_template_is_used_by_a_line_and_each_language_has_the_same_keys_and_placeholders() -> None:
    vi = {k: v for k, v in catalog("vi").items() if k.startswith("explain.")}
    en = {k: v for k, v in catalog("en").items() if k.startswith("explain.")}
    assert set(vi) == set(en)
    for key in vi:
        assert placeholders(vi[key]) == placeholders(en[key]), key
    kinds = {line.kind for line in lines_of_every_kind()}
    kinds |= {"round_open"} | {f"{kind}_claimed" for kind in CLAIMABLE_KINDS}  # the workflow's own lines
    templates = {key.removeprefix("explain.") for key in vi if key.count(".") == 1}
    assert templates == kinds


def test_english_has_its_own_sentence_for_every_kind_that_has_words() -> None:
    vi, en = catalog("vi"), catalog("en")
    for key, text in vi.items():
        if key.startswith("explain.") and re.search(r"[^\W\d_]", re.sub(r"\{\w+\}", "", text)):
            assert en[key] != text, key
    for line in lines_of_every_kind():
        worded = html.unescape(line_html(line, "en")).replace(line.citation.label, "")
        assert " điểm" not in worded, line.kind  # points are "points" in English; names keep their Vietnamese


def test_a_stored_line_reads_back_to_the_same_wording() -> None:
    for line in lines_of_every_kind():
        stored = read_line(line_to_dict(line))
        assert (stored.kind, stored.subject, stored.delta) == (line.kind, line.subject, line.delta)
        for lang in ("vi", "en"):
            assert line_html(stored, lang) == line_html(line, lang), line.kind


def test_a_line_of_unknown_kind_or_with_params_that_do_not_fit_shows_its_stored_sentence() -> None:
    old = read_line({"delta": "-1", "text": "−1 điểm: <cũ> — NĐ 335", "citation": {"label": "NĐ 335"}})
    assert line_html(old, "en") == "−1 điểm: &lt;cũ&gt; — NĐ 335"
    broken = read_line({"kind": "task_delays", "params": {"task": "Báo cáo"}, "text": "nhiệm vụ chậm", "delta": "-1"})
    assert line_html(broken, "vi") == "nhiệm vụ chậm"
    odd = read_line({"kind": "level_reached", "params": {"total": "abc", "level": "x", "threshold": "90"}, "text": "t"})
    assert line_html(odd, "vi") == "t"

"""The privacy rule of explanation lines — a person sees the rule and their own lines, never a colleague's — on
scoring's lines, on stored lines (and on the bare sentences older versions stored), and where a group's quota
lines are kept with one person's record."""

from __future__ import annotations

from decimal import Decimal

from danhgia.scoring import ExplanationLine, QuotaResult, apply_quota, load_regime
from danhgia.scoring.serialize import line_to_dict
from danhgia.workflow.privacy import Cited, StoredLine, read_line, read_lines, visible, visible_lines
from danhgia.workflow.quota import own_quota_lines, quota_summary
from tests.scoring.lines import FULL_ND335, ON_TIME, score

ND335 = "nd335-2025"
CITE = load_regime(ND335).citations["ty_le"]


def line(kind: str, subject: str | None) -> ExplanationLine:
    return ExplanationLine(None, f"{kind} về {subject}", CITE, kind=kind, subject=subject)


def quota_of_three() -> QuotaResult:
    """CV01, CV02 and CV03 all reach «xuất sắc» and nobody is «tốt»: the quota lowers all three."""
    people = [
        score(ND335, {"criteria": FULL_ND335, "tasks": ON_TIME}, "CV01"),
        score(ND335, {"criteria": {**FULL_ND335, "doi_moi": 8}, "tasks": ON_TIME}, "CV02"),
        score(ND335, {"criteria": {**FULL_ND335, "doi_moi": 9}, "tasks": ON_TIME}, "CV03"),
    ]
    quota = apply_quota(ND335, people)
    assert [d.person_id for d in quota.decisions if d.demoted] == ["CV01", "CV02", "CV03"]
    return quota


def test_the_rule_is_for_everyone_a_line_about_someone_only_for_them() -> None:
    rule, own, colleague = line("quota_counting", None), line("quota_demoted", "CV01"), line("quota_demoted", "CV02")
    assert visible(rule, "CV01") and visible(rule, "CV02") and visible(rule, "")
    assert visible(own, "CV01") and not visible(own, "CV02") and not visible(own, "")
    assert visible_lines([rule, own, colleague], "CV01") == [rule, own]
    assert visible_lines([rule, own, colleague], "CV02") == [rule, colleague]
    assert visible_lines([rule, own, colleague], "TP01") == [rule]


def test_a_line_about_several_people_is_none_of_theirs() -> None:
    tie = line("quota_tie_pending", "CV01, CV02")
    assert not visible(tie, "CV01") and not visible(tie, "CV02") and not visible(tie, "CV01, CV02"[:4])


def test_a_line_of_unknown_kind_is_never_shown() -> None:
    assert not visible(line("", None), "CV01")
    assert visible_lines(read_lines(["CV02 (98 điểm): hạ từ «…» xuống «…» do vượt tỷ lệ"]), "CV01") == []


def test_stored_lines_read_back_with_their_data() -> None:
    demoted = next(item for item in quota_of_three().explanation if item.kind == "quota_demoted")
    data = line_to_dict(demoted)
    stored = read_line(data)
    assert stored.kind == "quota_demoted" and stored.subject == "CV01" and stored.delta is None
    assert stored.values() == {
        "person": "CV01",
        "total": "100.00",
        "level": "Hoàn thành xuất sắc nhiệm vụ",
        "lower": "Hoàn thành tốt nhiệm vụ",
    }
    assert stored.citation == Cited(CITE.key, CITE.label, CITE.source) and stored.text == demoted.text
    assert stored.stored == data


def test_older_stored_forms_are_lines_of_unknown_kind_about_nobody() -> None:
    bare = read_line("Cách đếm và làm tròn tỷ lệ — NĐ 335/2025")
    assert bare == StoredLine("", {}, None, None, Cited(), "Cách đếm và làm tròn tỷ lệ — NĐ 335/2025", "")
    old = read_line({"delta": "-2.50", "text": "−2,5 điểm: …", "reason": "…", "part": "", "citation": {"key": "k"}})
    assert (old.kind, old.subject, old.delta, old.text, old.citation.key) == (
        "",
        None,
        Decimal("-2.50"),
        "−2,5 điểm: …",
        "k",
    )
    odd = read_line({"kind": "quota_demoted", "params": ["x"], "delta": "abc", "citation": "?", "subject": ""})
    assert (odd.params, odd.delta, odd.citation, odd.subject) == ({}, None, Cited(), None)
    assert read_lines(None) == [] and read_lines("text") == []


def test_the_quota_is_stored_as_data_and_each_person_keeps_the_rule_and_their_own_line() -> None:
    summary = quota_summary(quota_of_three())
    assert all(isinstance(item, dict) and item["kind"] for item in summary["explanation"])
    assert [item["subject"] for item in summary["explanation"]] == [None, None, "CV01", "CV02", "CV03"]
    for me in ("CV01", "CV02", "CV03"):
        own = own_quota_lines(summary, viewer=me)
        assert {k: v for k, v in own.items() if k != "explanation"} == {
            k: v for k, v in summary.items() if k != "explanation"
        }
        kept = own["explanation"]
        assert [item["kind"] for item in kept] == ["quota_cap_level", "quota_counting", "quota_demoted"]
        assert (
            kept[2]["subject"] == me
            and kept[2] == summary["explanation"][[None, None, "CV01", "CV02", "CV03"].index(me)]
        )
        others = {"CV01", "CV02", "CV03"} - {me}
        assert not any(code in str(item) for item in kept for code in others)
    assert own_quota_lines(summary, viewer="TP01")["explanation"] == summary["explanation"][:2]


def test_a_summary_stored_by_an_older_version_keeps_nothing_it_cannot_attribute() -> None:
    summary = {"applies": True, "allowed": 0, "basis_count": 0, "explanation": ["CV01 (100 điểm): hạ từ …", "Cách đếm"]}
    assert own_quota_lines(summary, viewer="CV01")["explanation"] == []

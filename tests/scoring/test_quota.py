"""The share cap on the top level (reference §3.3 and §1.4).

NĐ 335: "Hoàn thành xuất sắc" at most 20 % of those rated "Hoàn thành tốt" in the same unit and task
group (counted after demotion: people demoted from HTXS are rated HTT). Hà Nội 3814: Loại A at most 30 % of
all those rated, 40 % for an exceptional unit. Demotion order: lowest totals first; ties at the cut line are
flagged for a human decision and provisionally demoted.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from danhgia.scoring import EvaluationResult, InvalidAssessmentError, QuotaResult, Regime, apply_quota, load_regime
from tests.scoring.builders import D


def rated(reg: Regime, person_id: str, total: str | Decimal) -> EvaluationResult:
    """A rated result whose level follows the points."""
    level = reg.level_for(Decimal(total))
    return EvaluationResult(reg.id, person_id, True, Decimal(total), reg.max_total, (), level, level, ())


def unit(reg: Regime, *totals: str | int | Decimal) -> list[EvaluationResult]:
    return [rated(reg, f"CV{index:02d}", str(total)) for index, total in enumerate(totals)]


def final(quota: QuotaResult) -> dict[str, str | None]:
    return {d.person_id: None if d.level_after is None else d.level_after.code for d in quota.decisions}


def count(quota: QuotaResult, code: str) -> int:
    return sum(1 for level in final(quota).values() if level == code)


ND335 = load_regime("nd335-2025")
H3814 = load_regime("hanoi-3814-2018")


@pytest.mark.parametrize(
    ("excellent", "good", "others", "kept"),
    [
        (1, 5, 0, 1),  # 1 ≤ 20 % × 5
        (1, 4, 0, 0),  # 1 > 20 % × 5 (after demotion: 0 HTXS, 5 HTT)
        (2, 9, 0, 1),  # keeping 2 would need 10 HTT; keeping 1 leaves 10 HTT
        (2, 10, 0, 2),
        (3, 0, 0, 0),  # nobody rated HTT: nobody may stay HTXS
        (3, 0, 20, 0),  # HT and KHT do not count in the basis
        (5, 20, 3, 4),
        (0, 7, 2, 0),
    ],
)
def test_nd335_at_most_20_percent_of_htt(excellent: int, good: int, others: int, kept: int) -> None:
    totals = [95 - i for i in range(excellent)] + [80] * good + [60] * (others // 2) + [30] * (others - others // 2)
    quota = apply_quota(ND335, unit(ND335, *totals))
    assert quota.applies and quota.allowed == kept
    assert count(quota, "HTXS") == kept
    assert count(quota, "HTXS") * 5 <= count(quota, "HTT")
    assert quota.tie is None
    assert quota.basis_count == count(quota, "HTT")


def test_nd335_exceptional_unit_uses_the_25_percent_setting() -> None:
    people = unit(ND335, 95, 94, *[80] * 8)
    assert apply_quota(ND335, people).allowed == 1
    assert apply_quota(ND335, people, exceptional=True).allowed == 2  # 2 ≤ 25 % × 8
    cite = ND335.quota.exceptional_cite  # type: ignore[union-attr]
    assert cite is not None and cite.is_setting


def test_demotion_order_is_lowest_total_first_whatever_the_input_order() -> None:
    people = unit(ND335, 91, 99, 93, *[80] * 10)
    for order in (people, list(reversed(people)), people[1:] + people[:1]):
        quota = apply_quota(ND335, order)
        assert final(quota)["CV01"] == "HTXS" and final(quota)["CV02"] == "HTXS"
        assert final(quota)["CV00"] == "HTT"
        demoted = [d for d in quota.decisions if d.demoted]
        assert [d.person_id for d in demoted] == ["CV00"] and not demoted[0].pending_tie
    texts = [line.text for line in apply_quota(ND335, people).explanation]
    assert texts[0].startswith(
        "«Hoàn thành xuất sắc nhiệm vụ» không quá 20 % số người xếp loại «Hoàn thành tốt nhiệm vụ»"
    )
    assert any(
        t.startswith("CV00 (91 điểm): hạ từ «Hoàn thành xuất sắc nhiệm vụ» xuống «Hoàn thành tốt nhiệm vụ»")
        for t in texts
    )


def test_tie_at_the_cut_line_is_flagged_not_guessed() -> None:
    people = unit(ND335, 95, 93, 93, 91, *[80] * 10)  # 2 may stay
    quota = apply_quota(ND335, people)
    assert quota.allowed == 2 and quota.needs_human_decision
    assert quota.tie is not None
    assert quota.tie.person_ids == ("CV01", "CV02") and quota.tie.total == D(93) and quota.tie.slots == 1
    levels = final(quota)
    assert levels["CV00"] == "HTXS"
    assert levels["CV01"] == levels["CV02"] == "HTT"  # provisionally, both
    pending = {d.person_id for d in quota.decisions if d.pending_tie}
    assert pending == {"CV01", "CV02"}
    assert levels["CV03"] == "HTT" and not next(d for d in quota.decisions if d.person_id == "CV03").pending_tie
    assert any("cần người có thẩm quyền quyết định" in line.text for line in quota.explanation)


def test_tie_resolved_by_the_named_winner() -> None:
    people = unit(ND335, 95, 93, 93, 91, *[80] * 10)
    quota = apply_quota(ND335, people, tie_winners=["CV02"])
    assert not quota.needs_human_decision
    assert final(quota)["CV02"] == "HTXS" and final(quota)["CV01"] == "HTT"
    assert any("người có thẩm quyền đã chọn CV02" in line.text for line in quota.explanation)


@pytest.mark.parametrize(
    ("winners", "message"),
    [
        (["CV03"], "không thuộc nhóm bằng điểm"),
        (["CV01", "CV02"], "chỉ còn 1 suất"),
    ],
)
def test_wrong_tie_winners_are_refused(winners: list[str], message: str) -> None:
    with pytest.raises(InvalidAssessmentError, match=message) as caught:
        apply_quota(ND335, unit(ND335, 95, 93, 93, 91, *[80] * 10), tie_winners=winners)
    assert caught.value.field == "tie_winners"


def test_tie_winners_without_a_tie_are_refused() -> None:
    with pytest.raises(InvalidAssessmentError, match="không có trường hợp bằng điểm"):
        apply_quota(ND335, unit(ND335, 95, *[80] * 10), tie_winners=["CV00"])


def test_a_tie_entirely_above_the_cut_is_not_a_tie() -> None:
    quota = apply_quota(ND335, unit(ND335, 93, 93, 91, *[80] * 10))
    assert quota.tie is None and final(quota)["CV00"] == final(quota)["CV01"] == "HTXS"


@pytest.mark.parametrize(
    ("rated_count", "excellent", "kept", "kept_exceptional"),
    [
        (10, 5, 3, 4),  # 30 % / 40 % of all 10 rated
        (10, 3, 3, 3),
        (3, 1, 0, 1),  # 30 % × 3 = 0,9 → nobody ("không quá"); 40 % × 3 = 1,2 → 1
        (20, 10, 6, 8),
    ],
)
def test_hanoi_3814_30_and_40_percent_of_all_rated(
    rated_count: int, excellent: int, kept: int, kept_exceptional: int
) -> None:
    people = unit(H3814, *[D(99) - D(i) / 2 for i in range(excellent)], *[75] * (rated_count - excellent))
    assert count(apply_quota(H3814, people), "HTXS") == kept
    assert count(apply_quota(H3814, people, exceptional=True), "HTXS") == kept_exceptional


def test_hanoi_1841_quota_is_the_30_percent_setting_without_exception() -> None:
    reg = load_regime("hanoi-1841-2021")
    assert count(apply_quota(reg, unit(reg, 95, 94, 93, 92, *[75] * 6)), "HTXS") == 3
    with pytest.raises(InvalidAssessmentError) as caught:
        apply_quota(reg, unit(reg, 95), exceptional=True)
    assert caught.value.field == "exceptional"


def test_qd366_quota_counts_htt() -> None:
    reg = load_regime("qd366-2025")
    assert count(apply_quota(reg, unit(reg, 95, 94, *[80] * 9)), "HTXS") == 1


@pytest.mark.parametrize("regime_id", ["danang-lienchieu-2013", "danang-2013"])
def test_danang_has_no_quota(regime_id: str) -> None:
    reg = load_regime(regime_id)
    quota = apply_quota(reg, unit(reg, 99, 98, 97, 96))
    assert not quota.applies and count(quota, "HTXS") == 4
    assert "Không áp dụng giới hạn tỷ lệ" in quota.explanation[0].text
    with pytest.raises(InvalidAssessmentError):
        apply_quota(reg, unit(reg, 99), exceptional=True)


def test_unrated_people_are_left_alone_and_not_counted() -> None:
    people = [*unit(ND335, 95, *[80] * 5)]
    absent = EvaluationResult(ND335.id, "CV99", False, None, ND335.max_total, (), None, None, ())
    quota = apply_quota(ND335, [*people, absent])
    assert final(quota)["CV99"] is None and count(quota, "HTXS") == 1


def test_quota_input_errors() -> None:
    with pytest.raises(InvalidAssessmentError) as caught:
        apply_quota(ND335, unit(H3814, 95))
    assert caught.value.field == "results[0]"
    with pytest.raises(InvalidAssessmentError) as caught:
        apply_quota(ND335, [rated(ND335, "CV01", 95), rated(ND335, "CV01", 80)])
    assert caught.value.field == "results[1].person_id"
    with pytest.raises(InvalidAssessmentError) as caught:
        apply_quota(ND335, [rated(ND335, "", 95)])
    assert caught.value.field == "results[0].person_id"


def test_quota_by_regime_id() -> None:
    assert apply_quota("nd335-2025", unit(ND335, 95, *[80] * 5)).regime_id == "nd335-2025"

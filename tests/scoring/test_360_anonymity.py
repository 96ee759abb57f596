"""Đà Nẵng's 360° anonymity: peers and a leader's own staff rate in secret, count only from `min_raters` people
(weights then scaled over the roles that count) and are explained only as an average and pooled criterion lines;
the disclosure board of the regime."""

from __future__ import annotations

import itertools
import json
from decimal import ROUND_HALF_UP, Decimal

import pytest

from danhgia.scoring import (
    CriterionInput,
    DeductionChoice,
    EvaluationResult,
    EvaluatorInput,
    InvalidAssessmentError,
    load_regime_text,
    result_to_dict,
    to_json,
)
from danhgia.scoring.regime import EVALUATOR_ROLES
from tests.scoring.builders import REGIME_IDS, D, assess, full, regime, spread
from tests.scoring.test_regime_files import edit

DANANG = ("danang-lienchieu-2013", "danang-2013")
LABEL = {"peer": "Đồng nghiệp", "subordinate": "Cán bộ thuộc quyền"}
LEFT_OUT = "{}: chưa đủ 3 người đánh giá nên phần này không được tính và không được hiển thị"


def _raters(reg_id: str, role: str, count: int, amount: int) -> tuple[EvaluatorInput, ...]:
    """`count` evaluators of `role`, each giving `amount` points in all."""
    reg = regime(reg_id)
    return tuple(EvaluatorInput(role, spread(reg, amount), f"{role}-{i}") for i in range(count))


def _about(result: EvaluationResult, role: str) -> list[str]:
    """The explanation lines that speak of an anonymous role (by its label at the start of the reason)."""
    return [line.reason for line in result.explanation if line.reason.startswith(LABEL[role])]


# --------------------------------------------------------------------------- weights over the roles that count

# Each role gives one score to every criterion: self 100, peers 90, direct leader 80, higher leader 70, staff 60;
# the total is then the mean of the scores of the roles that count, weighted 20 % each and scaled to 100 %.
SCORES = {"self": 100, "peer": 90, "direct_leader": 80, "higher_leader": 70, "subordinate": 60}


# (evaluators other than one self, one direct and one higher leader; total in Liên Chiểu, in Đà Nẵng (the parts
#  are rounded one by one, so a third may round differently); the weights shown)
WEIGHTS = [
    # a leader with three peers and three of their own staff: five roles at 20 %
    ({"peer": 3, "subordinate": 3}, "80.00", "80.00", {"self": "20 %", "peer": "20 %", "subordinate": "20 %"}),
    # staff without subordinates: four roles at 25 %
    ({"peer": 3}, "85.00", "85.00", {"self": "25 %", "peer": "25 %", "direct_leader": "25 %"}),
    ({"peer": 5}, "85.00", "85.00", {"peer": "25 %", "higher_leader": "25 %"}),
    # two peers only: left out, self and the leaders weigh a third each
    ({"peer": 2}, "83.33", "83.34", {"self": "33,33 %", "direct_leader": "33,33 %", "higher_leader": "33,33 %"}),
    ({"peer": 1, "subordinate": 4}, "77.50", "77.50", {"self": "25 %", "subordinate": "25 %"}),
    ({"peer": 2, "subordinate": 2, "higher_leader": 0}, "90.00", "90.00", {"self": "50 %", "direct_leader": "50 %"}),
    ({"peer": 0, "subordinate": 0}, "83.33", "83.34", {"self": "33,33 %"}),
]


@pytest.mark.parametrize("reg_id", DANANG)
@pytest.mark.parametrize(("counts", "lienchieu", "city", "weights"), WEIGHTS)
def test_weights_are_scaled_over_the_roles_that_count(
    reg_id: str, counts: dict[str, int], lienchieu: str, city: str, weights: dict[str, str]
) -> None:
    per_role = {"self": 1, "direct_leader": 1, "higher_leader": 1, **counts}
    evaluators = tuple(
        itertools.chain.from_iterable(_raters(reg_id, role, n, SCORES[role]) for role, n in per_role.items())
    )
    result = assess(regime(reg_id), evaluators=evaluators)
    assert result.total == D(lienchieu if reg_id == "danang-lienchieu-2013" else city)
    facts = [line.reason for line in result.explanation if line.delta is None]
    for role, weight in weights.items():
        if role in LABEL:
            n = per_role[role]
            expected = f"{LABEL[role]} ({n} người, chấm kín) cho trung bình {SCORES[role]} điểm, trọng số {weight}"
        else:
            expected = f"{EVALUATOR_ROLES[role]} chấm {SCORES[role]} điểm, trọng số {weight}"
        assert expected in facts, facts
    for role, label in LABEL.items():
        assert (LEFT_OUT.format(label) in facts) == (0 < per_role.get(role, 0) < 3)


@pytest.mark.parametrize("reg_id", DANANG)
@pytest.mark.parametrize("role", ["peer", "subordinate"])
@pytest.mark.parametrize("count", [1, 2])
def test_too_few_raters_are_left_out_as_if_absent(reg_id: str, role: str, count: int) -> None:
    reg = regime(reg_id)
    others = (EvaluatorInput("self", full(reg)), EvaluatorInput("direct_leader", spread(reg, 80)))
    with_them = assess(reg, evaluators=(*others, *_raters(reg_id, role, count, 20)))
    without = assess(reg, evaluators=others)
    assert with_them.total == without.total == D("90.00")
    assert with_them.parts == without.parts
    assert _about(with_them, role) == [LEFT_OUT.format(LABEL[role])]
    assert [line for line in with_them.explanation if not line.reason.startswith(LABEL[role])] == list(
        without.explanation
    )
    line = next(line for line in with_them.explanation if line.reason.startswith(LABEL[role]))
    assert line.delta is None and line.citation.key == "so_nguoi_cham_toi_thieu" and line.citation.is_setting


@pytest.mark.parametrize("reg_id", DANANG)
def test_only_too_few_raters_is_refused_not_scored_zero(reg_id: str) -> None:
    reg = regime(reg_id)
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(reg, evaluators=(*_raters(reg_id, "peer", 2, 95), *_raters(reg_id, "subordinate", 1, 95)))
    assert caught.value.field == "evaluators"
    assert "không có phần đánh giá nào được tính" in caught.value.reason
    assert "Đồng nghiệp, Cán bộ thuộc quyền chưa đủ 3 người đánh giá" in caught.value.reason


@pytest.mark.parametrize("reg_id", DANANG)
def test_a_left_out_rater_input_is_still_checked(reg_id: str) -> None:
    reg = regime(reg_id)
    bad = EvaluatorInput("subordinate", (*full(reg)[:-1], CriterionInput("khong_co")))
    with pytest.raises(InvalidAssessmentError) as caught:
        assess(reg, evaluators=(EvaluatorInput("self", full(reg)), EvaluatorInput("subordinate", full(reg)), bad))
    assert caught.value.field == "evaluators[2].criteria.khong_co"


# --------------------------------------------------------------------------- nothing shows one rater

SECRETS = ("bí mật-An", "bí mật-Bình", "bí mật-Cường", "bí mật-Dũng", "bí mật-Em")


def _secret_raters(role: str, count: int) -> tuple[tuple[EvaluatorInput, ...], list[str]]:
    """Liên Chiểu raters with distinctive totals, points, deduction notes and ids, and those strings."""
    made = [
        # 47,13 + 15 + 21 = 83,13
        (
            (
                CriterionInput("ket_qua_cong_viec", points=D("47.13"), note=SECRETS[0]),
                CriterionInput("chap_hanh_phap_luat"),
                CriterionInput(
                    "thai_do_trach_nhiem", deductions=(DeductionChoice("thieu_phoi_hop", 2, SECRETS[0] + " ngày 9"),)
                ),
            ),
            ["83,13", "83.13", "47,13", "47.13", "Thiếu tinh thần phối hợp", "2 lần"],
        ),
        # 45 + 11,37 + 25 = 81,37
        (
            (
                CriterionInput(
                    "ket_qua_cong_viec", deductions=(DeductionChoice("khong_hoan_thanh", 3, SECRETS[1] + " hồ sơ"),)
                ),
                CriterionInput("chap_hanh_phap_luat", points=D("11.37"), note=SECRETS[1]),
                CriterionInput("thai_do_trach_nhiem"),
            ),
            ["81,37", "81.37", "11,37", "11.37", "không hoàn thành", "3 lần"],
        ),
        # 60 + 14 + 19,59 = 93,59
        (
            (
                CriterionInput("ket_qua_cong_viec"),
                CriterionInput("chap_hanh_phap_luat", deductions=(DeductionChoice("gio_giac", 1, SECRETS[2]),)),
                CriterionInput("thai_do_trach_nhiem", points=D("19.59"), note=SECRETS[2]),
            ),
            ["93,59", "93.59", "19,59", "19.59", "Đi muộn"],
        ),
        # 58,49 + 15 + 25 = 98,49
        (
            (
                CriterionInput("ket_qua_cong_viec", points=D("58.49"), note=SECRETS[3]),
                CriterionInput("chap_hanh_phap_luat"),
                CriterionInput("thai_do_trach_nhiem"),
            ),
            ["98,49", "98.49", "58,49", "58.49"],
        ),
        # 56,71 + 15 + 22 = 93,71
        (
            (
                CriterionInput("ket_qua_cong_viec", points=D("56.71"), note=SECRETS[4]),
                CriterionInput("chap_hanh_phap_luat"),
                CriterionInput(
                    "thai_do_trach_nhiem", deductions=(DeductionChoice("phan_anh_cong_dan", 1, SECRETS[4]),)
                ),
            ),
            ["93,71", "93.71", "56,71", "56.71", "công dân phản ánh"],
        ),
    ][:count]
    raters = tuple(EvaluatorInput(role, criteria, f"PX-{role}-{i:02d}") for i, (criteria, _) in enumerate(made))
    secrets = [s for _, strings in made for s in strings] + list(SECRETS[:count]) + [r.evaluator_id for r in raters]
    return raters, secrets


def _shown(result: EvaluationResult) -> list[str]:
    """Everything a person could be shown of a result: each line's text and reason, and the JSON outputs."""
    return [
        *(line.text for line in result.explanation),
        *(line.reason for line in result.explanation),
        json.dumps(result_to_dict(result), ensure_ascii=False),
        to_json(result),
    ]


TOTALS = [D("83.13"), D("81.37"), D("93.59"), D("98.49"), D("93.71")]  # of the raters of _secret_raters, in order


@pytest.mark.parametrize("role", ["peer", "subordinate"])
@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_no_output_shows_an_individual_rater(role: str, count: int) -> None:
    reg = regime("danang-lienchieu-2013")
    raters, secrets = _secret_raters(role, count)
    leader = EvaluatorInput("direct_leader", (*full(reg)[:2], CriterionInput("thai_do_trach_nhiem", points=D(24))))
    result = assess(reg, evaluators=(EvaluatorInput("self", full(reg)), *raters, leader))
    shown = _shown(result)
    for secret in secrets:
        assert not any(secret in text for text in shown), secret
    about = _about(result, role)
    if count < 3:
        assert about == [LEFT_OUT.format(LABEL[role])]
        assert result.total == D("99.50")  # self 100, the leader 99: 50 % each
        return
    # three roles count, a third each; the raters are shown only as their mean
    mean = sum(TOTALS[:count], Decimal(0)) / count
    shown_mean = f"{mean.quantize(D('0.01'), ROUND_HALF_UP):f}".replace(".", ",")
    assert about[0] == f"{LABEL[role]} ({count} người, chấm kín) cho trung bình {shown_mean} điểm, trọng số 33,33 %"
    # then one pooled line per criterion where some rater gave less than the maximum, in the regime's order
    assert about[1:] == [f"{LABEL[role]} (trung bình): «{c.name}» chưa đạt điểm tối đa" for c in reg.criteria]
    lines = [line for line in result.explanation if line.reason.startswith(LABEL[role])]
    assert lines[0].delta is None and lines[0].citation.key == "cham_kin"
    assert all(line.delta is not None and line.delta < 0 for line in lines[1:])
    # the pooled lines add up to what the role cost: (mean − 100) × ⅓, to a cent per line
    lost = sum((line.delta for line in lines[1:] if line.delta is not None), Decimal(0))
    assert abs(lost - (mean - 100) / 3) <= D("0.005") * len(lines[1:])


def test_the_average_and_the_pooled_lines_for_three_peers() -> None:
    reg = regime("danang-lienchieu-2013")
    raters, _ = _secret_raters("peer", 3)
    result = assess(reg, evaluators=(EvaluatorInput("self", full(reg)), *raters))
    # 83,13 + 81,37 + 93,59 = 258,09 → 86,03; peers weigh 50 %, each 50 % / 3
    assert result.total == D("93.02")
    peer_lines = [(line.delta, line.reason) for line in result.explanation if line.reason.startswith("Đồng nghiệp")]
    assert peer_lines == [
        (None, "Đồng nghiệp (3 người, chấm kín) cho trung bình 86,03 điểm, trọng số 50 %"),
        (D("-4.65"), f"Đồng nghiệp (trung bình): «{reg.criteria[0].name}» chưa đạt điểm tối đa"),  # −27,87 / 6
        (D("-0.77"), f"Đồng nghiệp (trung bình): «{reg.criteria[1].name}» chưa đạt điểm tối đa"),  # −4,63 / 6
        (D("-1.57"), f"Đồng nghiệp (trung bình): «{reg.criteria[2].name}» chưa đạt điểm tối đa"),  # −9,41 / 6
    ]
    assert [p.points for p in result.parts[:3]] == [D("55.36"), D("14.23"), D("23.43")]


def test_the_order_of_the_raters_does_not_show() -> None:
    reg = regime("danang-lienchieu-2013")
    raters, _ = _secret_raters("peer", 4)
    results = {
        tuple(line.text for line in assess(reg, evaluators=(EvaluatorInput("self", full(reg)), *order)).explanation)
        for order in itertools.permutations(raters)
    }
    assert len(results) == 1


def test_a_leader_rated_by_their_own_staff() -> None:
    reg = regime("danang-2013")
    staff = (
        EvaluatorInput("subordinate", spread(reg, 70)),  # 70 + 0 + 0
        EvaluatorInput("subordinate", spread(reg, 90)),  # 70 + 10 + 10
        EvaluatorInput("subordinate", spread(reg, 95)),  # 70 + 10 + 15
    )
    evaluators = (
        EvaluatorInput("self", full(reg)),
        *_raters("danang-2013", "peer", 3, 100),
        EvaluatorInput("higher_leader", full(reg)),
        *staff,
    )
    result = assess(reg, evaluators=evaluators)
    # four roles counted at 25 %: staff average 85 → −15 × 25 % = −3,75
    assert result.total == D("96.25")
    assert _about(result, "subordinate") == [
        "Cán bộ thuộc quyền (3 người, chấm kín) cho trung bình 85 điểm, trọng số 25 %",
        f"Cán bộ thuộc quyền (trung bình): «{reg.criteria[1].name}» chưa đạt điểm tối đa",
        f"Cán bộ thuộc quyền (trung bình): «{reg.criteria[2].name}» chưa đạt điểm tối đa",
    ]
    deltas = [line.delta for line in result.explanation if line.reason.startswith("Cán bộ thuộc quyền (trung bình)")]
    assert sum(deltas, Decimal(0)) == D("-3.75")
    assert "Cán bộ thuộc quyền chấm" not in " ".join(line.text for line in result.explanation)
    assert result.flags == ()  # no direct leader among the evaluators: nothing to compare the self-score with


# --------------------------------------------------------------------------- the regime's settings


@pytest.mark.parametrize("reg_id", REGIME_IDS)
def test_disclosure_board_of_each_regime(reg_id: str) -> None:
    reg = regime(reg_id)
    if reg_id in DANANG:
        assert reg.disclosure is not None and reg.disclosure.key == "cong_khai" and reg.disclosure.source == "R"
        assert "không công khai điểm đánh giá chéo" in reg.disclosure.rule
        review = reg.review_360
        assert review is not None
        assert review.anonymous_roles == ("peer", "subordinate") and review.min_raters == 3
        assert review.min_raters_cite is not None and review.min_raters_cite.is_setting
        assert review.anonymity_cite is not None and review.anonymity_cite.key == "cham_kin"
        assert review.gap_threshold == D(10)
        assert dict(review.weights) == dict.fromkeys(
            ("self", "peer", "direct_leader", "higher_leader", "subordinate"), D("0.2")
        )
        assert reg.disclosure_self_scores and reg.disclosure_results == "period"
    elif reg_id.startswith("hanoi-"):
        # Hà Nội publishes the results inside the unit (3814 as reported; 1841 inferred), not the self-scores
        assert reg.disclosure is not None and reg.disclosure.key == "cong_khai" and reg.review_360 is None
        assert reg.disclosure.source == ("R" if reg_id == "hanoi-3814-2018" else "I")
        assert not reg.disclosure_self_scores and reg.disclosure_results == "period"
    else:
        assert reg.disclosure is None and reg.review_360 is None
        assert reg.citations["cong_khai"].is_setting  # no board: a setting, cited all the same


@pytest.mark.parametrize("reg_id", DANANG)
def test_disclosure_board_can_be_turned_off(reg_id: str) -> None:
    off = load_regime_text(edit(reg_id, "[disclosure]", "board = true", "board = false"))
    assert off.disclosure is None
    assert regime(reg_id).disclosure is not None


@pytest.mark.parametrize("reg_id", DANANG)
def test_min_raters_is_a_number_of_the_regime_file(reg_id: str) -> None:
    custom = load_regime_text(edit(reg_id, "[review_360]", "min_raters = 3", "min_raters = 2"))
    assert custom.review_360 is not None and custom.review_360.min_raters == 2
    evaluators = (EvaluatorInput("self", full(custom)), *_raters(reg_id, "peer", 2, 50))
    assert assess(custom, evaluators=evaluators).total == D("75.00")  # two peers now count: (100 + 50) / 2
    assert assess(regime(reg_id), evaluators=evaluators).total == D("100.00")  # the bundled 3: self alone


# (regime, self-score, direct leader's score, other evaluators, flagged): the council looks at a gap of 10 points
# or more between the self-score and the direct leader's, in both Đà Nẵng regimes
GAP = [
    ("danang-2013", 100, "90", (), True),
    ("danang-2013", 100, "90.01", (), False),
    ("danang-2013", 80, "95", (), True),  # either way
    ("danang-2013", 80, "89.99", (), False),
    ("danang-2013", 100, "100", (("peer", 3, 20), ("higher_leader", 1, 20)), False),  # only the direct leader
    ("danang-2013", 100, "90", (("peer", 3, 100), ("subordinate", 3, 100)), True),
    ("danang-lienchieu-2013", 100, "90", (), True),
    ("danang-lienchieu-2013", 100, "90.01", (), False),
]


@pytest.mark.parametrize(("reg_id", "own", "boss", "others", "flagged"), GAP)
def test_council_flag_for_a_gap_between_self_and_direct_leader(
    reg_id: str, own: int, boss: str, others: tuple[tuple[str, int, int], ...], flagged: bool
) -> None:
    reg = regime(reg_id)
    evaluators = (
        EvaluatorInput("self", spread(reg, own)),
        EvaluatorInput("direct_leader", spread(reg, boss)),
        *itertools.chain.from_iterable(_raters(reg_id, role, n, points) for role, n, points in others),
    )
    result = assess(reg, evaluators=evaluators)
    # (too few assessors, no higher leader's final marks: their own tests)
    gaps = [f for f in result.flags if f.code not in ("council_review_raters", "council_review_final_marks")]
    assert [f.code for f in gaps] == (["council_review_gap"] if flagged else [])
    if flagged:
        assert "(từ 10 điểm): Hội đồng đánh giá rà soát" in gaps[0].message
        line = next(line for line in result.explanation if line.reason == gaps[0].message)
        assert line.citation.key == "ra_soat_chenh_lech" and line.citation.is_setting


# (evaluators as (role, count), flagged): the model asks for at least four people whose scores count (self
# included); a secret role with fewer than three raters does not count, and the flag says so to the council
ASSESSORS = [
    ((("self", 1), ("direct_leader", 1)), True),
    ((("self", 1), ("direct_leader", 1), ("higher_leader", 1)), True),
    ((("self", 1), ("direct_leader", 1), ("higher_leader", 1), ("peer", 2)), True),  # the two peers left out
    ((("self", 1), ("direct_leader", 1), ("peer", 2), ("higher_leader", 1), ("subordinate", 1)), True),
    ((("self", 1), ("direct_leader", 1), ("peer", 3)), False),
    ((("self", 1), ("direct_leader", 1), ("higher_leader", 1), ("subordinate", 3)), False),
]


@pytest.mark.parametrize("reg_id", ["danang-2013", "danang-lienchieu-2013"])
@pytest.mark.parametrize(("roles", "flagged"), ASSESSORS)
def test_too_few_assessors_goes_to_the_council_with_the_reason_and_no_count_for_the_person(
    reg_id: str, roles: tuple[tuple[str, int], ...], flagged: bool
) -> None:
    reg = regime(reg_id)
    evaluators = tuple(itertools.chain.from_iterable(_raters(reg_id, role, n, 100) for role, n in roles))
    result = assess(reg, evaluators=evaluators)
    flags = [f for f in result.flags if f.code == "council_review_raters"]
    assert bool(flags) == flagged
    lines = [line.text for line in result.explanation]
    if not flagged:
        assert not any("tối thiểu 4 người" in line for line in lines)
        return
    counted = sum(n for role, n in roles if role not in ("peer", "subordinate") or n >= 3)
    assert flags[0].message.startswith(f"Chỉ {counted} người chấm được tính, dưới mức tối thiểu 4 người")
    for role, n in roles:
        if role in ("peer", "subordinate") and n < 3:
            assert f"không tính phần {EVALUATOR_ROLES[role]} ({n} người, chưa đủ 3)" in flags[0].message
    # the person reads that the council looks at it, never how many rated
    line = next(line for line in lines if "tối thiểu 4 người" in line)
    assert line.startswith("Số người chấm được tính dưới mức tối thiểu 4 người của mô hình: Hội đồng đánh giá rà soát")
    assert not any(char.isdigit() for char in line.split(" — ")[0].replace("4", ""))

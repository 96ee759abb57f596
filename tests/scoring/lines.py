"""Explanation lines of every kind scoring writes, from small cases of the bundled regimes (and variants for the
rules no bundled regime reaches: an item with fixed points over its maximum, a leader criterion whose default is
below 100 %, a level that starts above its minimum). Used by the tests of the lines' data and of their wording in
the bot's catalogs."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from importlib.resources import files
from typing import Any

from danhgia.scoring import (
    EvaluationResult,
    ExplanationLine,
    PeriodRecord,
    Regime,
    apply_quota,
    evaluate,
    load_regime_text,
    parse_assessment,
    rollup,
)

D = Decimal
FULL_ND335 = {"pham_chat": "full", "trach_nhiem": "full", "doi_moi": "full"}
FULL_1841 = {code: "full" for code in ("tu_tuong_chinh_tri", "dao_duc_loi_song", "tac_phong", "ky_luat")}
FULL_3814 = {"y_thuc_ky_luat": "full", "pham_chat_dao_duc": "full"}
FULL_LC = {"ket_qua_cong_viec": "full", "chap_hanh_phap_luat": "full", "thai_do_trach_nhiem": "full"}
FULL_366 = {code: "full" for code in ("chinh_tri_tu_tuong", "dao_duc_loi_song", "tac_phong", "ky_luat")}
FULL_233 = {"pham_chat": "full", "nang_luc": "full", "doi_moi": "full"}
ND233 = "nd233-2026"
ON_TIME = [{"name": "Báo cáo tháng", "status": "done_on_time"}]


def _text(regime_id: str) -> str:
    return (files("danhgia.scoring") / "regimes" / f"{regime_id}.toml").read_text(encoding="utf-8")


def variant(regime_id: str, old: str, new: str) -> Regime:
    """A bundled regime with one piece of its file changed."""
    text = _text(regime_id)
    assert old in text, old
    return load_regime_text(text.replace(old, new), origin=f"{regime_id} (test variant)")


def score(regime: Regime | str, data: dict[str, Any], person: str = "CV01", **fields: Any) -> EvaluationResult:
    """evaluate() of one assessment written in the documented JSON format (`fields`: Assessment fields the JSON
    format has no key for)."""
    return evaluate(regime, dataclasses.replace(parse_assessment({"person_id": person, **data}), **fields))


def _evaluations() -> list[EvaluationResult]:
    nd335, lc = "nd335-2025", "danang-lienchieu-2013"
    tasks = [
        {"name": "Báo cáo quý", "status": "done_late", "delays": 2},
        {"name": "Thẩm định hồ sơ", "status": "done_on_time", "major_errors": 1},
        {"name": "Kiểm tra cơ sở", "status": "in_progress"},
        {"name": "Tiếp công dân", "status": "not_done"},
        {"name": "Soạn thảo", "status": "done_on_time", "major_errors": 1, "objective_cause_confirmed": True},
        {"name": "Tổng hợp", "status": "done_late", "objective_cause_confirmed": True},
        {"name": "Tham mưu", "status": "done_late", "major_errors": 2, "objective_cause_confirmed": True},
    ]
    criteria = {
        "pham_chat": {"deductions": [{"code": "vi_pham_gio_giac", "count": 2, "note": "ngày 5 và 12"}]},
        "trach_nhiem": {"points": 9.5, "note": "chưa chủ động"},
        "doi_moi": {"points": 10, "note": "có sáng kiến"},
    }
    capped = {
        "pham_chat": {"deductions": [{"code": "vi_pham_noi_quy", "count": 6}]},
        "trach_nhiem": 8,
        "doi_moi": "full",
    }
    default_below = variant(nd335, "default_percent = 100", "default_percent = 80")
    fixed_bonus = variant(
        "hanoi-3814-2018",
        'max = 10\ncite = "khoan_thuong"',
        'points = 4\nmax = 10\ncite = "khoan_thuong"',
    )
    self_criteria = {
        "ket_qua_cong_viec": {"deductions": [{"code": "cham_tien_do", "count": 25}]},
        "chap_hanh_phap_luat": {"points": 14},
        "thai_do_trach_nhiem": {"note": "nhiệt tình"},
    }
    peer = {"ket_qua_cong_viec": 55, "chap_hanh_phap_luat": "full", "thai_do_trach_nhiem": "full"}
    lower = {"ket_qua_cong_viec": 45, "chap_hanh_phap_luat": "full", "thai_do_trach_nhiem": "full"}
    zero = dict.fromkeys(FULL_LC, 0)
    disciplined = {"criteria": FULL_233, "tasks": ON_TIME, "discipline": "khien_trach"}
    manager = {
        "criteria": FULL_233,
        "tasks": ON_TIME,
        "leader": {"subordinate_levels": ["HTT"], "criteria": {"to_chuc_thuc_hien": 100, "tap_hop_doan_ket": 100}},
        "disqualifiers": ["don_vi_tham_nhung"],
    }
    return [
        score(
            nd335, {"criteria": criteria, "tasks": tasks, "working_time": {"working_days": 22, "leave": {"sick": 2}}}
        ),
        score(nd335, {"criteria": capped, "tasks": ON_TIME, "discipline": "canh_cao"}),
        score(
            nd335,
            {
                "criteria": FULL_ND335,
                "tasks": ON_TIME,
                "working_time": {"working_days": 2, "leave": {"sick": 2}},
                "discipline": "canh_cao",
            },
        ),
        score(
            default_below,
            {
                "criteria": FULL_ND335,
                "tasks": ON_TIME,
                "leader": {"subordinate_levels": ["HTT", "KHT"], "criteria": {"to_chuc_thuc_hien": 90}},
            },
        ),
        score(
            "hanoi-1841-2021",
            {
                "criteria": FULL_1841,
                "tasks": [
                    {"name": "Dự án", "status": "not_done", "objective_cause_confirmed": True},
                ],
                "leader": {"unit_level": "HT"},
                "discipline": "khien_trach",
                "working_time": {"working_days": 22, "leave": {"training": 3}},
            },
        ),
        score(
            "hanoi-1841-2021",
            {
                "criteria": FULL_1841,
                "tasks": [*ON_TIME, {"name": "Dự án", "status": "not_done", "objective_cause_confirmed": True}],
            },
        ),
        score(
            "hanoi-3814-2018",
            {
                "criteria": FULL_3814,
                "tasks": ON_TIME,
                "bonuses": [{"code": "thanh_tich", "points": 8}, {"code": "thanh_tich", "points": 7, "note": "đề án"}],
            },
        ),
        score(fixed_bonus, {"criteria": FULL_3814, "tasks": ON_TIME, "bonuses": [{"code": "thanh_tich", "count": 3}]}),
        score("qd366-2025", {"criteria": FULL_366, "tasks": [{"name": "Đề án", "status": "done_late"}]}),
        score(
            lc,
            {
                "evaluators": [
                    {"role": "self", "criteria": self_criteria},
                    {"role": "peer", "criteria": peer},
                    {"role": "peer", "criteria": peer},
                    {"role": "direct_leader", "criteria": lower},
                ],
                "working_time": {"working_days": 22, "leave": {"annual": 10}},
            },
        ),
        score(
            lc,
            {
                "evaluators": [
                    {"role": "self", "criteria": FULL_LC},
                    *({"role": "peer", "criteria": peer} for _ in range(3)),
                    {"role": "higher_leader", "criteria": peer},
                    {"role": "higher_leader", "criteria": FULL_LC},
                ],
                "bonuses": [{"code": "thanh_tich", "points": 5}],
            },
        ),
        score(
            lc,
            {
                "evaluators": [{"role": "self", "criteria": zero}, {"role": "direct_leader", "criteria": zero}],
                "penalties": [{"code": "vi_pham", "points": 4, "note": "vi phạm quy chế"}],
            },
        ),
        score(ND233, disciplined, discipline_job_related=False),
        score(ND233, disciplined),  # not said whether the violation is related to the duties
        score(ND233, manager, "TP01", remedied=("don_vi_tham_nhung",)),
    ]


def _quotas() -> list[ExplanationLine]:
    people = [
        score("nd335-2025", {"criteria": FULL_ND335, "tasks": ON_TIME}, "CV01"),
        score("nd335-2025", {"criteria": {**FULL_ND335, "doi_moi": 8}, "tasks": ON_TIME}, "CV02"),
        score("nd335-2025", {"criteria": {**FULL_ND335, "doi_moi": 8}, "tasks": ON_TIME}, "CV03"),
    ]
    staff = [
        score("nd335-2025", {"criteria": spread, "tasks": ON_TIME}, f"CV{i}")
        for i, spread in enumerate(
            [FULL_ND335, FULL_ND335, *[{**FULL_ND335, "pham_chat": 0, "trach_nhiem": 5} for _ in range(8)]]
        )
    ]
    hanoi = [score("hanoi-3814-2018", {"criteria": FULL_3814, "tasks": ON_TIME}, f"CV0{i}") for i in range(4)]
    danang = [
        score(
            "danang-2013",
            {
                "evaluators": [
                    {
                        "role": "self",
                        "criteria": dict.fromkeys(
                            ("ket_qua_cong_viec", "chap_hanh_noi_quy", "thai_do_trach_nhiem"), "full"
                        ),
                    }
                ]
            },
            "CV01",
        )
    ]
    outcomes = [
        apply_quota("nd335-2025", people),
        apply_quota("nd335-2025", staff),
        apply_quota("nd335-2025", staff, tie_winners=("CV0",)),
        apply_quota("hanoi-3814-2018", hanoi),
        apply_quota("danang-2013", danang),
    ]
    return [line for outcome in outcomes for line in outcome.explanation]


def _rollups() -> list[ExplanationLine]:
    def months(year: int, *items: tuple[int, object]) -> list[PeriodRecord]:
        records = []
        for month, value in items:
            key = f"{year}-{month:02d}"
            if isinstance(value, str):
                records.append(PeriodRecord(key, None, (), None, 0, value))
            else:
                assert isinstance(value, Decimal)
                records.append(PeriodRecord(key, value))
        return records

    full_year = [(m, D(95)) for m in range(1, 13)]
    second_half = range(7, 13)
    above_min = variant(ND233, 'min = 50\ncite = "hoan_thanh"', 'min = 50\nmin_exclusive = true\ncite = "hoan_thanh"')
    results = [
        rollup("nd335-2025", months(2026, *full_year)),
        rollup("nd335-2025", months(2026, (1, "sick"), (2, "sick"), (3, "sick"), *[(m, D(80)) for m in range(4, 9)])),
        rollup(
            "nd335-2025", months(2026, *[(m, "maternity") for m in range(1, 8)], *[(m, D(92)) for m in range(8, 13)])
        ),
        rollup(
            "nd335-2025", months(2026, *[(m, "maternity") for m in range(1, 4)], *[(m, D(92)) for m in range(4, 13)])
        ),
        rollup("nd335-2025", months(2026, *[(m, "annual") for m in range(1, 5)], *[(m, D(95)) for m in range(5, 13)])),
        rollup("nd335-2025", months(2026, (1, "sick"))),
        rollup("qd366-2025", [PeriodRecord(f"2026-Q{q}", D(95)) for q in range(1, 5)]),
        rollup("hanoi-1841-2021", months(2026, *full_year), cap_level="HT"),
        rollup(
            "nd335-2025",
            [
                *months(2026, *full_year[:2]),
                PeriodRecord("2026-03", D(95), ("suy_thoai",)),
                *months(2026, *full_year[3:]),
            ],
        ),
        rollup(ND233, months(2026, *[(m, D(95)) for m in second_half])),
        rollup(ND233, months(2027, (1, "sick"), (2, "sick"), *[(m, D(85)) for m in range(3, 13)])),
        rollup(ND233, months(2026, (7, "sick"), (8, "sick"), *[(m, D(85)) for m in range(9, 13)])),
        rollup(ND233, months(2026, *[(m, D(40)) for m in second_half]), previous_year_level="KHT"),
        rollup(above_min, months(2026, *[(m, D(60)) for m in second_half])),
        rollup(above_min, months(2026, *[(m, D(50)) for m in second_half])),
    ]
    return [line for result in results for summary in (*result.quarters, result.year) for line in summary.explanation]


def lines_of_every_kind() -> list[ExplanationLine]:
    """Lines of every kind evaluate, apply_quota and rollup write."""
    lines = [line for result in _evaluations() for line in result.explanation]
    return lines + _quotas() + _rollups()


def results_of_every_kind() -> list[EvaluationResult]:
    """The evaluate() results whose lines are of every kind a person's result has."""
    return _evaluations()

"""`danhgia score` and `danhgia regimes` as an HR officer uses them (typer's CliRunner, no database)."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from danhgia.bot.cli import app

runner = CliRunner()
LATE_LABEL = (
    "NĐ 335/2025, 25 % điểm tiến độ; NĐ 335/2025, nhiệm vụ hoàn thành chậm không ghi số lần chậm được tính là "
    "chậm 1 lần (thiết lập mặc định, không có trong văn bản gốc)"
)

ASSESSMENT: dict[str, Any] = {
    "person_id": "CV01",
    "criteria": {"pham_chat": {"deductions": [{"code": "vi_pham_gio_giac"}]}, "trach_nhiem": "full", "doi_moi": 9},
    "tasks": [
        {"name": "Báo cáo quý", "status": "done_late", "weight": 3},
        {"name": "Thẩm định hồ sơ", "status": "done_on_time", "weight": 4},
    ],
}


def write(tmp_path: Path, data: Any, name: str = "input.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False) if not isinstance(data, str) else data, encoding="utf-8")
    return str(path)


def score(*args: str, input: str | None = None) -> Any:
    return runner.invoke(app, ["score", *args], input=input)


def fails_with(result: Any, message: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("Lỗi: ")
    assert message in result.stderr


def test_score_prints_the_result_as_json(tmp_path: Path) -> None:
    result = score(write(tmp_path, ASSESSMENT))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["regime"] == "nd335-2025"  # the default
    assert data["total"] == "95.50" and data["level"]["code"] == "HTXS"
    assert data["level"]["name"] == "Hoàn thành xuất sắc nhiệm vụ"
    assert [p["points"] for p in data["parts"]] == ["28.00", "67.50"]
    texts = [line["text"] for line in data["explanation"]]
    # "done_late" without a count: one delay, a setting cited after the rule (issue 17)
    assert f"−2,5 điểm: nhiệm vụ «Báo cáo quý» chậm tiến độ 1 lần — {LATE_LABEL}" in texts


def test_score_prints_the_percentages_of_the_task_part(tmp_path: Path) -> None:
    parts = json.loads(score(write(tmp_path, ASSESSMENT)).stdout)["parts"]
    assert "percentages" not in parts[0]
    # «Báo cáo quý» (weight 3 of 7) done late: one delay costs 25 % of its timeliness, c = 6.25 / 7
    assert parts[1]["percentages"] == {"quantity": "100.00", "quality": "100.00", "timeliness": "89.29"}
    assert "leader_criteria" not in parts[1]
    leader = {**ASSESSMENT, "leader": {"subordinate_levels": ["HTT"], "criteria": {"to_chuc_thuc_hien": 80}}}
    led = json.loads(score(write(tmp_path, leader, "leader.json")).stdout)["parts"][1]
    assert [(c["code"], c["percent"]) for c in led["leader_criteria"]] == [
        ("so_luong", "100.00"),
        ("chat_luong", "100.00"),
        ("tien_do", "89.29"),
        ("ket_qua_don_vi", "100.00"),
        ("to_chuc_thuc_hien", "80.00"),
        ("tieu_chi_thu_sau", "100.00"),
    ]
    assert led["points"] == "66.42"  # 70 × (100 + 100 + 89.2857… + 100 + 80 + 100) / 600


def test_score_reads_stdin_and_a_bom(tmp_path: Path) -> None:
    result = score("-", input=json.dumps(ASSESSMENT))
    assert result.exit_code == 0 and json.loads(result.stdout)["total"] == "95.50"
    path = tmp_path / "bom.json"
    path.write_text(json.dumps(ASSESSMENT), encoding="utf-8-sig")
    assert json.loads(score(str(path)).stdout)["total"] == "95.50"


def test_score_explain_prints_vietnamese_text(tmp_path: Path) -> None:
    result = score("--explain", write(tmp_path, ASSESSMENT))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Chế độ: NĐ 335/2025 — CV01"
    assert lines[1] == "Tổng điểm: 95,5/100 — Hoàn thành xuất sắc nhiệm vụ"
    assert lines[2:4] == ["  Tiêu chí chung: 28/30", "  Kết quả thực hiện nhiệm vụ: 67,5/70"]
    assert lines[4] == "Giải trình điểm:"
    assert f"  −2,5 điểm: nhiệm vụ «Báo cáo quý» chậm tiến độ 1 lần — {LATE_LABEL}" in lines
    assert lines[-1].startswith("  Tổng 95,5 điểm: đạt ngưỡng «Hoàn thành xuất sắc nhiệm vụ» (từ 90 điểm)")


@pytest.mark.parametrize(
    ("regime_id", "criteria", "total", "level"),
    [
        (
            "hanoi-1841-2021",
            {c: "full" for c in ("tu_tuong_chinh_tri", "dao_duc_loi_song", "tac_phong", "ky_luat")},
            "100.00",
            "HTXS",
        ),
        ("hanoi-3814-2018", {"y_thuc_ky_luat": "full", "pham_chat_dao_duc": 5}, "85.00", "HTT"),
        (
            "qd366-2025",
            {c: "full" for c in ("chinh_tri_tu_tuong", "dao_duc_loi_song", "tac_phong", "ky_luat")},
            "100.00",
            "HTT",
        ),
    ],
)
def test_score_with_regime_option(
    tmp_path: Path, regime_id: str, criteria: dict[str, Any], total: str, level: str
) -> None:
    data = {"criteria": criteria, "tasks": [{"name": "Báo cáo", "status": "done_on_time"}]}
    result = score("--regime", regime_id, write(tmp_path, data))
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["regime"], out["total"], out["level"]["code"]) == (regime_id, total, level)


def test_score_regime_from_the_file_and_conflicts(tmp_path: Path) -> None:
    data = {
        "regime": "danang-2013",
        "evaluators": [
            {
                "role": "self",
                "criteria": {"ket_qua_cong_viec": 60, "chap_hanh_noi_quy": "full", "thai_do_trach_nhiem": "full"},
            }
        ],
    }
    path = write(tmp_path, data)
    assert json.loads(score(path).stdout)["total"] == "90.00"
    assert score("--regime", "danang-2013", path).exit_code == 0
    fails_with(score("--regime", "nd335-2025", path), "--regime nd335-2025 khác với «regime» trong tệp (danang-2013)")


def _peer(rater_id: str, results: int | str, note: str) -> dict[str, Any]:
    return {
        "role": "peer",
        "id": rater_id,
        "criteria": {
            "ket_qua_cong_viec": {"points": results, "note": note},
            "chap_hanh_noi_quy": {"deductions": [{"code": "gio_giac", "count": 2, "note": note}]},
            "thai_do_trach_nhiem": "full",
        },
    }


# each peer: results points, note and id; the total is the points + 8 (two late arrivals) + 20
PEERS = [
    ("51.37", "ghi-chu-kin-An", "RATER-AN"),
    ("53.11", "ghi-chu-kin-Binh", "RATER-BINH"),
    ("56.83", "x-kin-C", "RATER-C"),
]


@pytest.mark.parametrize("peers", [2, 3])
def test_score_never_prints_a_peer(tmp_path: Path, peers: int) -> None:
    """Neither the JSON nor the printed explanation shows a peer's id, note, points or total."""
    data = {
        "regime": "danang-2013",
        "person_id": "CV01",
        "evaluators": [
            {
                "role": "self",
                "criteria": {"ket_qua_cong_viec": 66, "chap_hanh_noi_quy": "full", "thai_do_trach_nhiem": "full"},
            },
            *[_peer(rater, points, note) for points, note, rater in PEERS[:peers]],
        ],
    }
    path = write(tmp_path, data)
    outputs = [score(path), score("--explain", path)]
    assert all(out.exit_code == 0 for out in outputs), [out.output for out in outputs]
    printed = "".join(out.stdout for out in outputs)
    for points, note, rater in PEERS[:peers]:
        total = f"{Decimal(points) + 28:f}"
        for secret in (rater, note, points, points.replace(".", ","), total, total.replace(".", ",")):
            assert secret not in printed
    assert "2 lần" not in printed and "Đi muộn" not in printed
    if peers < 3:
        assert "Đồng nghiệp: chưa đủ 3 người đánh giá" in printed and json.loads(outputs[0].stdout)["total"] == "96.00"
    else:  # (79,37 + 81,11 + 84,83) / 3
        assert "Đồng nghiệp (3 người, chấm kín) cho trung bình 81,77 điểm, trọng số 50 %" in printed


def test_score_unknown_regime(tmp_path: Path) -> None:
    fails_with(
        score("--regime", "nd999", write(tmp_path, ASSESSMENT)),
        "Không có chế độ đánh giá «nd999». Các chế độ có sẵn: danang-2013, danang-lienchieu-2013, "
        "hanoi-1841-2021, hanoi-3814-2018, nd233-2026, nd335-2025, qd366-2025.",
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"criteria": {"pham_chat": 11, "trach_nhiem": "full", "doi_moi": "full"}},
            "criteria.pham_chat.points: 11 vượt điểm tối đa 10",
        ),
        (
            {"criteria": {"pham_chat": "full", "trach_nhiem": "full", "sang_tao": 5}},
            "criteria.sang_tao: tiêu chí «sang_tao» không có trong chế độ nd335-2025",
        ),
        ({"criteria": {"pham_chat": "full", "trach_nhiem": "full"}}, "criteria.doi_moi: thiếu tiêu chí"),
        ({"tasks": [{"name": "A", "status": "done_late", "delays": -1}]}, "tasks[0].delays: không được âm"),
        ({"tasks": [{"name": "A", "status": "xong"}]}, "tasks[0].status: «xong» không hợp lệ"),
        ({"tasks": []}, "tasks: cần ít nhất một nhiệm vụ"),
        ({"diem": 5}, "diem: trường không được hỗ trợ"),
    ],
)
def test_score_invalid_data_names_the_field(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    fails_with(score(write(tmp_path, {**ASSESSMENT, **change})), f"Dữ liệu không hợp lệ — {message}")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"person_id": "CV01",', "không phải JSON hợp lệ (dòng 1, cột 22): tên trường phải đặt trong dấu nháy kép"),
        ('{"person_id": "CV01" "tasks": []}', "không phải JSON hợp lệ (dòng 1, cột 22): thiếu dấu phẩy"),
        ("[1, 2]", "phải chứa một đối tượng JSON"),
    ],
)
def test_score_invalid_json(tmp_path: Path, content: str, message: str) -> None:
    fails_with(score(write(tmp_path, content)), message)


def test_score_unreadable_files(tmp_path: Path) -> None:
    fails_with(score(str(tmp_path / "khong-co.json")), "không tìm thấy tệp")
    fails_with(score(str(tmp_path)), "là một thư mục")
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"person_id": "Nguyễn"}'.encode("utf-16"))
    fails_with(score(str(latin)), "phải được lưu với bảng mã UTF-8")


def test_unit_and_rollup_together_are_refused(tmp_path: Path) -> None:
    fails_with(score("--unit", "--rollup", write(tmp_path, ASSESSMENT)), "chỉ dùng một trong hai: --unit hoặc --rollup")


# --------------------------------------------------------------------------- --unit


def person(person_id: str, doi_moi: Any = "full", **extra: Any) -> dict[str, Any]:
    return {
        "person_id": person_id,
        "criteria": {"pham_chat": "full", "trach_nhiem": "full", "doi_moi": doi_moi},
        "tasks": [{"name": "Báo cáo", "status": "done_on_time"}],
        **extra,
    }


def nd335_unit(**extra: Any) -> dict[str, Any]:
    """2 HTXS at 100 and 96, 5 HTT at 80: 1 may stay HTXS (1 ≤ 20 % × 6)."""
    people = [person("CV01"), person("CV02", 6)] + [
        {**person(f"CV1{i}"), "criteria": {"pham_chat": 0, "trach_nhiem": 0, "doi_moi": "full"}} for i in range(5)
    ]
    return {"unit": "TH", "group": "chuyen_vien", "people": people, **extra}


def test_unit_applies_the_quota(tmp_path: Path) -> None:
    result = score("--unit", write(tmp_path, nd335_unit()))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["regime"], data["unit"], data["group"]) == ("nd335-2025", "TH", "chuyen_vien")
    assert [p["total"] for p in data["people"]] == ["100.00", "96.00"] + ["80.00"] * 5
    quota = data["quota"]
    assert quota["allowed"] == 1 and quota["basis_count"] == 6 and not quota["needs_human_decision"]
    after = {d["person_id"]: (d["level_after"]["code"], d["demoted"]) for d in quota["decisions"]}
    assert after["CV01"] == ("HTXS", False) and after["CV02"] == ("HTT", True) and after["CV10"] == ("HTT", False)


def test_unit_people_have_their_level_before_and_after_the_quota(tmp_path: Path) -> None:
    data = json.loads(score("--unit", write(tmp_path, nd335_unit())).stdout)
    decisions = data["quota"]["decisions"]
    for someone, decision in zip(data["people"], decisions, strict=True):
        assert someone["person_id"] == decision["person_id"]
        assert someone["level"] == decision["level_before"]
        assert someone["level_after_quota"] == decision["level_after"]
        assert list(someone)[list(someone).index("level") + 1] == "level_after_quota"
    demoted = data["people"][1]
    assert (demoted["level"]["code"], demoted["level_after_quota"]["code"]) == ("HTXS", "HTT")
    assert data["people"][1]["parts"][1]["percentages"] == {
        "quantity": "100.00",
        "quality": "100.00",
        "timeliness": "100.00",
    }
    unrated = nd335_unit()
    unrated["people"].append({**person("CV20"), "working_time": {"working_days": 20, "leave": {"sick": 20}}})
    last = json.loads(score("--unit", write(tmp_path, unrated, "unrated.json")).stdout)["people"][-1]
    assert last["rated"] is False and last["level"] is None and last["level_after_quota"] is None


def test_unit_explain_and_ties(tmp_path: Path) -> None:
    data = nd335_unit()
    data["people"][0]["criteria"]["doi_moi"] = 6  # both at 96: a tie for one place
    result = score("--unit", "--explain", write(tmp_path, data))
    assert result.exit_code == 0
    text = result.stdout
    assert "Tỷ lệ xếp loại:" in text
    assert "2 người bằng 96 điểm tại ngưỡng cắt, còn 1 suất: cần người có thẩm quyền quyết định (CV01, CV02)" in text
    assert "  CV01: Hoàn thành tốt nhiệm vụ (chờ quyết định)" in text
    decided = score("--unit", "--explain", write(tmp_path, {**data, "tie_winners": ["CV02"]}, "decided.json"))
    assert "  CV02: Hoàn thành xuất sắc nhiệm vụ\n" in decided.stdout
    assert "  CV01: Hoàn thành tốt nhiệm vụ (bị hạ)" in decided.stdout
    fails_with(
        score("--unit", write(tmp_path, {**data, "tie_winners": ["CV10"]}, "bad.json")),
        "tie_winners: CV10 không thuộc nhóm bằng điểm",
    )


def test_unit_errors_name_the_person(tmp_path: Path) -> None:
    data = nd335_unit()
    data["people"][3]["criteria"]["doi_moi"] = 12
    fails_with(score("--unit", write(tmp_path, data)), "people[3].criteria.doi_moi.points: 12 vượt điểm tối đa 10")
    data = nd335_unit()
    data["people"][4]["person_id"] = "CV01"
    fails_with(score("--unit", write(tmp_path, data)), "people[4].person_id: mã «CV01» bị trùng")
    fails_with(score("--unit", write(tmp_path, {"people": []})), "people: cần ít nhất một người")
    fails_with(
        score("--unit", write(tmp_path, {**nd335_unit(), "exceptional": "có"})), "exceptional: phải là true hoặc false"
    )


def test_unit_exceptional(tmp_path: Path) -> None:
    data = nd335_unit()  # 2 HTXS, 5 HTT: one place at 20 % and at 25 %
    assert json.loads(score("--unit", write(tmp_path, data)).stdout)["quota"]["allowed"] == 1
    assert json.loads(score("--unit", write(tmp_path, {**data, "exceptional": True})).stdout)["quota"]["allowed"] == 1
    more = [dict(p, person_id=f"CV2{i}") for i, p in enumerate(data["people"][2:5])]  # 8 HTT: 2 ≤ 25 % × 8
    bigger = {**data, "people": data["people"] + more}
    assert json.loads(score("--unit", write(tmp_path, bigger)).stdout)["quota"]["allowed"] == 1
    assert json.loads(score("--unit", write(tmp_path, {**bigger, "exceptional": True})).stdout)["quota"]["allowed"] == 2


# --------------------------------------------------------------------------- --rollup


ROLLUP: dict[str, Any] = {
    "person_id": "CV01",
    "periods": [
        *({"period": f"2026-{m:02d}", "total": 92} for m in range(1, 9)),
        {"period": "2026-09", "absent": "sick"},
        {"period": "2026-10", "absent": "sick"},
        {"period": "2026-11", "result": {"total": "96.00", "disqualifiers": []}},
        {"period": "2026-12", "assessment": person("CV01")},
    ],
}


def test_rollup_prints_quarters_and_year(tmp_path: Path) -> None:
    result = score("--rollup", write(tmp_path, ROLLUP))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [q["total"] for q in data["quarters"]] == ["92.00", "92.00", "92.00", "98.00"]
    year = data["year"]
    assert year["rated"] and year["total"] == "93.20" and year["level"]["code"] == "HTXS"
    assert (year["months_worked"], year["months_absent"]) == (10, 2)


def test_rollup_explain_and_the_absence_cap(tmp_path: Path) -> None:
    data = json.loads(json.dumps(ROLLUP))
    data["periods"][7] = {"period": "2026-08", "absent": "unpaid"}
    result = score("--rollup", "--explain", write(tmp_path, data))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Quý 1/2026: 92 điểm — Hoàn thành xuất sắc nhiệm vụ"
    assert "Năm 2026: 93,33 điểm — Hoàn thành nhiệm vụ" in lines
    assert any(
        line.startswith("  Nghỉ 3 tháng (từ 3 đến dưới 6 tháng): không xếp cao hơn «Hoàn thành nhiệm vụ»")
        for line in lines
    )


def test_rollup_quarterly_regime(tmp_path: Path) -> None:
    data = {"regime": "qd366-2025", "periods": [{"period": f"2026-Q{n}", "total": 91} for n in range(1, 5)]}
    result = score("--rollup", "--explain", write(tmp_path, data))
    assert result.exit_code == 0
    assert "Quý 4/2026: 91 điểm — gộp vào đánh giá năm" in result.stdout
    assert "Năm 2026: 91 điểm — Hoàn thành xuất sắc nhiệm vụ" in result.stdout


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ([{"period": "2026-13", "total": 90}], "periods[0].period: kỳ «2026-13» phải có dạng NNNN-TT (ví dụ 2026-03)"),
        ([{"period": "2026-01"}], "periods[0].total: cần «assessment», «result», «total» hoặc «absent»"),
        ([{"period": "2026-01", "total": 101}], "periods[0].total: phải là số từ 0 đến 100"),
        # at most 2 decimals, as the points of a criterion
        ([{"period": "2026-01", "total": 92.255}], "periods[0].total: tối đa 2 chữ số thập phân"),
        ([{"period": "2026-01", "total": "92.255"}], "periods[0].total: tối đa 2 chữ số thập phân"),
        ([{"period": "2026-01", "result": {"total": "96.001"}}], "periods[0].result.total: tối đa 2 chữ số thập phân"),
        (
            [{"period": "2026-01", "assessment": {"criteria": {}, "tasks": []}}],
            "periods[0].assessment.criteria.pham_chat: thiếu tiêu chí",
        ),
        ([], "periods: cần ít nhất một kỳ"),
    ],
)
def test_rollup_errors_name_the_field(tmp_path: Path, periods: list[Any], message: str) -> None:
    fails_with(score("--rollup", write(tmp_path, {"periods": periods})), f"Dữ liệu không hợp lệ — {message}")


# --------------------------------------------------------------------------- custom regime file


def test_regime_file(tmp_path: Path) -> None:
    text = (resources.files("danhgia.scoring") / "regimes" / "nd335-2025.toml").read_text(encoding="utf-8")
    custom = tmp_path / "thu.toml"
    custom.write_text(
        text.replace('id = "nd335-2025"', 'id = "thu-nghiem"').replace("min = 90", "min = 96"), encoding="utf-8"
    )
    result = score("--regime-file", str(custom), write(tmp_path, ASSESSMENT))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["regime"] == "thu-nghiem" and data["level"]["code"] == "HTT"
    fails_with(
        score("--regime-file", str(custom), "--regime", "nd335-2025", write(tmp_path, ASSESSMENT)),
        "--regime hoặc --regime-file",
    )
    broken = tmp_path / "hong.toml"
    broken.write_text(text.replace("min = 70", "min = 95"), encoding="utf-8")
    fails_with(
        score("--regime-file", str(broken), write(tmp_path, ASSESSMENT)), "levels[1].min: các ngưỡng phải giảm dần"
    )
    fails_with(
        score("--regime-file", str(tmp_path / "khong.toml"), write(tmp_path, ASSESSMENT)), "Không có chế độ đánh giá"
    )


# --------------------------------------------------------------------------- danhgia regimes


def test_regimes_lists_every_regime_with_its_sources() -> None:
    result = runner.invoke(app, ["regimes"])
    assert result.exit_code == 0
    out = result.stdout
    assert out.splitlines()[0].startswith("nd335-2025 (mặc định) — Nghị định 335/2025/NĐ-CP")
    for regime_id in ("hanoi-1841-2021", "hanoi-3814-2018", "danang-lienchieu-2013", "danang-2013", "qd366-2025"):
        assert f"\n{regime_id} — " in out
    assert "  Nguồn: Nghị định 335/2025/NĐ-CP — " in out
    assert "360°: có" in out and "theo quý" in out
    assert "thiết lập không có trong văn bản gốc" in out


def test_regimes_details_of_one() -> None:
    result = runner.invoke(app, ["regimes", "nd335-2025"])
    assert result.exit_code == 0
    out = result.stdout
    assert "Cấu trúc điểm:" in out and "Mức xếp loại:" in out
    assert "    pham_chat: Phẩm chất chính trị, đạo đức, văn hóa thực thi công vụ, ý thức kỷ luật — tối đa 10" in out
    assert "  HTXS: Hoàn thành xuất sắc nhiệm vụ — từ 90 điểm" in out
    assert "Thiết lập (không có trong văn bản gốc):" in out
    assert "  ty_le_ngoai_le: ngoại lệ cho cơ quan, đơn vị có thành tích nổi bật: 25 %" in out
    qd366 = runner.invoke(app, ["regimes", "qd366-2025"]).stdout
    assert "    và ít nhất 30 % nhiệm vụ vượt mức" in qd366


def test_regimes_json() -> None:
    result = runner.invoke(app, ["regimes", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data[0]["id"] == "nd335-2025" and len(data) == 7
    one = json.loads(runner.invoke(app, ["regimes", "danang-lienchieu-2013", "--json"]).stdout)
    assert one["uses_360"] and [(r["role"], r["weight"], r["anonymous"]) for r in one["evaluator_roles"]] == [
        ("self", "0.2", False),
        ("peer", "0.2", True),
        ("direct_leader", "0.2", False),
        ("higher_leader", "0.2", False),
        ("subordinate", "0.2", True),
    ]
    assert one["evaluator_roles"][-1]["name"] == "Cán bộ thuộc quyền"
    assert one["min_raters"] == 3
    assert one["disclosure"]["key"] == "cong_khai" and one["disclosure"]["source"] == "R"
    assert one["quota"] is None
    assert {s["key"] for s in one["settings"]} >= {
        "trong_so",
        "muc_thuong",
        "ra_soat_chenh_lech",
        "so_nguoi_cham_toi_thieu",
    }
    default = next(r for r in data if r["id"] == "nd335-2025")
    assert default["evaluator_roles"] == [] and default["min_raters"] is None and default["disclosure"] is None


def test_regimes_unknown() -> None:
    fails_with(runner.invoke(app, ["regimes", "xyz"]), "Không có chế độ đánh giá «xyz»")


def test_a_viên_chức_month_gives_points_and_the_year_its_level(tmp_path: Path) -> None:
    month = {
        "person_id": "VC01",
        "criteria": {"pham_chat": "full", "nang_luc": "full", "doi_moi": {"points": 8}},
        "tasks": [{"name": "Giáo án", "status": "done_on_time"}],
    }
    path = tmp_path / "month.json"
    path.write_text(json.dumps(month), encoding="utf-8")
    shown = runner.invoke(app, ["score", "--regime", "nd233-2026", "--explain", str(path)])
    assert shown.exit_code == 0, shown.output
    assert "Tổng điểm: 98/100 — chỉ chấm điểm (mức tương ứng: Hoàn thành xuất sắc nhiệm vụ; xếp loại theo năm)" in (
        shown.output
    )
    year = {
        "regime": "nd233-2026",
        "person_id": "VC01",
        "previous_year_level": "KHT",
        "periods": [{"period": f"2027-{m:02d}", "total": 45} for m in range(1, 13)],
    }
    path.write_text(json.dumps(year), encoding="utf-8")
    text = runner.invoke(app, ["score", "--rollup", "--explain", str(path)]).output
    assert "Quý 1/2027: 45 điểm — chỉ chấm điểm (mức tương ứng: Không hoàn thành nhiệm vụ)" in text
    assert "Năm 2027: 45 điểm — Không hoàn thành nhiệm vụ" in text
    data = json.loads(runner.invoke(app, ["score", "--rollup", str(path)]).output)
    assert [flag["code"] for flag in data["flags"]] == ["two_years_lowest"]

"""Regimes are data: every bundled file loads and is fully cited; broken files are refused on load."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from danhgia.scoring import (
    DEFAULT_REGIME_ID,
    Assessment,
    InvalidRegimeError,
    UnknownRegimeError,
    evaluate,
    list_regimes,
    load_regime,
    load_regime_file,
    load_regime_text,
)
from danhgia.scoring.regime import SOURCE_TAGS
from tests.scoring.builders import REGIME_IDS, D, assess, full, perfect_tasks, spread


def bundled_text(regime_id: str) -> str:
    return (resources.files("danhgia.scoring") / "regimes" / f"{regime_id}.toml").read_text(encoding="utf-8")


def broken(regime_id: str, old: str, new: str) -> str:
    text = bundled_text(regime_id)
    assert text.count(old) == 1, f"{old!r} must occur once in {regime_id}"
    return text.replace(old, new)


def test_the_seven_regimes_are_bundled_default_first() -> None:
    assert [r.id for r in list_regimes()] == [
        "nd335-2025",
        "danang-2013",
        "danang-lienchieu-2013",
        "hanoi-1841-2021",
        "hanoi-3814-2018",
        "nd233-2026",
        "qd366-2025",
    ]
    assert DEFAULT_REGIME_ID == "nd335-2025"
    # REGIME_IDS: the regimes documented in docs/scoring.md; NĐ 233 has its own document (docs/scoring-nd233.md)
    assert {r.id for r in list_regimes()} == {*REGIME_IDS, "nd233-2026"}


@pytest.mark.parametrize("regime_id", REGIME_IDS)
def test_every_rule_of_a_bundled_regime_is_cited(regime_id: str) -> None:
    reg = load_regime(regime_id)
    raw = tomllib.loads(bundled_text(regime_id))
    used: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.endswith("cite") and isinstance(value, str):
                    used.add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in raw.items() if k != "citations"})
    assert used <= set(reg.citations)
    assert set(reg.citations) <= used, "every citation is used by a rule"
    for group in reg.groups:
        assert group.cite.doc
        for criterion in group.criteria:
            assert criterion.cite.doc and all(d.cite.doc for d in criterion.deductions)
    for citation in reg.citations.values():
        assert citation.source in SOURCE_TAGS and citation.doc and citation.rule
        if citation.source in ("I", "3P", "setting"):
            assert citation.note.strip()
    for setting in reg.settings:
        assert "không có trong văn bản gốc" in setting.note.lower()
    assert reg.sources and all(s.doc and s.title for s in reg.sources)


@pytest.mark.parametrize("regime_id", REGIME_IDS)
def test_regime_file_loads_from_a_path(regime_id: str, tmp_path: Path) -> None:
    path = tmp_path / "custom.toml"
    path.write_text(broken(regime_id, f'id = "{regime_id}"', 'id = "tu-chon"'), encoding="utf-8")
    custom = load_regime_file(path)
    assert custom.id == "tu-chon" and len(custom.levels) == 4
    assert assess(custom).total == assess(load_regime(regime_id)).total


def test_a_changed_number_is_a_data_change_only() -> None:
    custom = load_regime_text(edit("nd335-2025", "[[levels]]#2", "min = 70", "min = 75"))
    result = assess(custom, criteria=spread(custom, 4))  # 74 points
    assert result.level is not None and result.level.code == "HT"
    bundled = assess(load_regime("nd335-2025"), criteria=spread(custom, 4))
    assert bundled.level is not None and bundled.level.code == "HTT"


CONDITION = '\n[[levels.conditions]]\nkind = "{kind}"\nmin_share = {share}\nlabel = "x"\ncite = "{cite}"'

# (regime, table where the change is made ("[[levels]]#2" = the second one; "" = the top), old text, new text,
#  field named by the error, words of the error)
BROKEN = [
    # the points of a group sum to its maximum; the groups to the scale
    (
        "nd335-2025",
        "[[groups.criteria]]#1",
        "max = 10",
        "max = 11",
        "groups[0].criteria",
        "(31) khác điểm tối đa của nhóm (30)",
    ),
    ("qd366-2025", "[[groups.criteria]]#2", "max = 7.5", "max = 7.25", "groups[0].criteria", "khác điểm tối đa"),
    ("nd335-2025", "[[groups]]#2", "max = 70", "max = 60", "max_total", "phải bằng tổng"),
    ("nd335-2025", "", "max_total = 100", "max_total = 110", "max_total", "phải bằng tổng"),
    (
        "hanoi-3814-2018",
        "[[groups]]#3",
        "max = 10",
        "max = 5",
        "groups[2].items[0].max",
        "không quá điểm tối đa của nhóm",
    ),
    (
        "nd335-2025",
        "[[groups.criteria.deductions]]#1",
        "points = 2",
        "points = 11",
        "groups[0].criteria[0].deductions[0].points",
        "không quá điểm tối đa của tiêu chí",
    ),
    (
        "nd335-2025",
        "[[groups.criteria]]#2",
        'code = "trach_nhiem"',
        'code = "pham_chat"',
        "groups",
        "mã tiêu chí «pham_chat» bị trùng",
    ),
    ("nd335-2025", "[[groups]]#1", 'kind = "criteria"', 'kind = "tasks"', "groups[0].tasks", "thiếu trường bắt buộc"),
    # thresholds ordered, the lowest at 0, inside the scale
    ("nd335-2025", "[[levels]]#2", "min = 70", "min = 95", "levels[1].min", "giảm dần"),
    ("nd335-2025", "[[levels]]#3", "min = 50", "min = 70", "levels[2].min", "giảm dần"),
    ("danang-2013", "[[levels]]#2", "min = 80", "min = 85", "levels[1].min", "giảm dần"),
    ("nd335-2025", "[[levels]]#4", "min = 0", "min = 10", "levels[3].min", "ngưỡng 0"),
    ("nd335-2025", "[[levels]]#1", "min = 90", "min = 101", "levels[0].min", "0–100"),
    ("nd335-2025", "[[levels]]#1", 'code = "HTXS"', 'code = "HTT"', "levels", "mã «HTT» bị trùng"),
    (
        "nd335-2025",
        "[[levels]]#4",
        'cite = "xep_loai"',
        'cite = "xep_loai"' + CONDITION.format(kind="completed_share", share=1, cite="xep_loai"),
        "levels[3].conditions",
        "mức thấp nhất không được có điều kiện",
    ),
    (
        "danang-2013",
        "[[levels]]#1",
        'cite = "xep_loai_xs"',
        'cite = "xep_loai_xs"' + CONDITION.format(kind="exceeded_share", share=0.3, cite="xep_loai_xs"),
        "levels",
        "không có nhóm «tasks»",
    ),
    # every rule cited, by a citation that exists
    ("nd335-2025", "[[levels]]#1", 'cite = "xep_loai"\n', "", "levels[0].cite", "thiếu trường bắt buộc"),
    (
        "nd335-2025",
        "[[groups.criteria.deductions]]#1",
        'cite = "danh_muc_tru"\n',
        "",
        "groups[0].criteria[0].deductions[0].cite",
        "thiếu trường bắt buộc",
    ),
    ("nd335-2025", "[[groups]]#1", 'cite = "tieu_chi_chung"\n', "", "groups[0].cite", "thiếu trường bắt buộc"),
    (
        "nd335-2025",
        "[[disqualifiers]]#2",
        'cite = "kht_ky_luat"',
        'cite = "ky_luat_nam"',
        "disqualifiers[1].cite",
        "không có trong bảng [citations]",
    ),
    (
        "nd335-2025",
        "[groups.tasks]",
        'leader_cite = "kpi_lanh_dao"\n',
        "",
        "groups[1].tasks.leader_cite",
        "cần trích dẫn",
    ),
    ("nd335-2025", "[quota]", 'cite = "ty_le"', 'cite = ""', "quota.cite", "không được để trống"),
    (
        "hanoi-1841-2021",
        "[leader_cap]",
        'cite = "lanh_dao"',
        'cite = "lanh_dao_don_vi"',
        "leader_cap.cite",
        "không có trong bảng",
    ),
    # the citations themselves: a confidence tag, a note for I / 3P / settings, settings say so
    (
        "nd335-2025",
        "[citations.xep_loai]",
        'source = "Q"',
        'source = "news"',
        "citations.xep_loai.source",
        "Q, R, I, 3P, setting",
    ),
    (
        "nd335-2025",
        "[citations.ty_le_ngoai_le]",
        'note = "Không có trong văn bản gốc: ',
        'note = "',
        "citations.ty_le_ngoai_le.note",
        "không có trong văn bản gốc",
    ),
    (
        "nd335-2025",
        "[citations.kpi]",
        'note = "Công thức',
        'ghi_chu = "Công thức',
        "citations.kpi.note",
        "phải có ghi chú",
    ),
    (
        "nd335-2025",
        "[citations.thang_diem]",
        'doc = "NĐ 335/2025"\n',
        "",
        "citations.thang_diem.doc",
        "thiếu trường bắt buộc",
    ),
    # quota
    ("nd335-2025", "[quota]", 'demote_to = "HTT"', 'demote_to = "HTXS"', "quota.demote_to", "thấp hơn"),
    ("nd335-2025", "[quota]", "ratio = 0.20", "ratio = 1.5", "quota.ratio", "không quá 1"),
    (
        "nd335-2025",
        "[quota]",
        "exceptional_ratio = 0.25",
        "exceptional_ratio = 0.15",
        "quota.exceptional_ratio",
        "không nhỏ hơn",
    ),
    ("nd335-2025", "[quota]", 'basis = "HTT"', 'basis = "all"', "quota.basis", "rated"),
    # 360° weights
    (
        "danang-2013",
        "[review_360.weights]",
        "higher_leader = 0.2",
        "higher_leader = 0.3",
        "review_360.weights",
        "tổng các trọng số phải bằng 1",
    ),
    (
        "danang-2013",
        "[review_360.weights]",
        "higher_leader = 0.2",
        "boss = 0.2",
        "review_360.weights.boss",
        "vai trò không hợp lệ",
    ),
    ("danang-2013", "[review_360.weights]", "peer = 0.2", "peer = 0", "review_360.weights.peer", "lớn hơn 0"),
    # 360° anonymity: an anonymous role needs a weight, a citation, and enough raters to hide one person
    (
        "danang-2013",
        "[review_360.weights]",
        "subordinate = 0.2\n",
        "",
        "review_360.weights",
        "tổng các trọng số phải bằng 1",
    ),
    (
        "danang-lienchieu-2013",
        "[review_360.weights]",
        "higher_leader = 0.2\nsubordinate = 0.2",
        "higher_leader = 0.4",
        "review_360.anonymous_roles",
        "vai trò «subordinate» không có trọng số",
    ),
    (
        "danang-2013",
        "[review_360]",
        'anonymous_roles = ["peer", "subordinate"]',
        'anonymous_roles = ["peer", "boss"]',
        "review_360.anonymous_roles",
        "vai trò «boss» không có trọng số",
    ),
    (
        "danang-2013",
        "[review_360]",
        'anonymous_roles = ["peer", "subordinate"]',
        'anonymous_roles = ["self", "peer"]',
        "review_360.anonymous_roles",
        "tự đánh giá không thể là vai trò chấm kín",
    ),
    (
        "danang-2013",
        "[review_360]",
        'anonymous_roles = ["peer", "subordinate"]',
        'anonymous_roles = ["peer", "peer"]',
        "review_360.anonymous_roles",
        "mỗi vai trò chỉ ghi một lần",
    ),
    (
        "danang-2013",
        "[review_360]",
        'anonymous_roles = ["peer", "subordinate"]',
        'anonymous_roles = "peer"',
        "review_360.anonymous_roles",
        "danh sách chuỗi",
    ),
    ("danang-2013", "[review_360]", "min_raters = 3", "min_raters = 0", "review_360.min_raters", "ít nhất 1"),
    ("danang-2013", "[review_360]", "min_raters = 3", "min_raters = -2", "review_360.min_raters", "không âm"),
    ("danang-2013", "[review_360]", "min_raters = 3", "min_raters = 2.5", "review_360.min_raters", "số nguyên"),
    (
        "danang-2013",
        "[review_360]",
        'anonymity_cite = "cham_kin"\n',
        "",
        "review_360.anonymity_cite",
        "cần trích dẫn cho anonymous_roles",
    ),
    (
        "danang-lienchieu-2013",
        "[review_360]",
        'anonymity_cite = "cham_kin"',
        'anonymity_cite = "bi_mat"',
        "review_360.anonymity_cite",
        "không có trong bảng [citations]",
    ),
    (
        "danang-2013",
        "[review_360]",
        'min_raters_cite = "so_nguoi_cham_toi_thieu"\n',
        "",
        "review_360.min_raters_cite",
        "cần trích dẫn cho min_raters",
    ),
    (
        "danang-2013",
        "[review_360]",
        'anonymous_roles = ["peer", "subordinate"]\n',
        "",
        "review_360.min_raters",
        "chỉ dùng cùng anonymous_roles",
    ),
    (
        "danang-2013",
        "[review_360]",
        "min_raters = 3",
        "min_raters = 3\nmin_rater = 3",
        "review_360.min_rater",
        "trường không được hỗ trợ",
    ),
    # the disclosure board: cited, a flag, no other key
    ("danang-2013", "[disclosure]", 'cite = "cong_khai"\n', "", "disclosure.cite", "thiếu trường bắt buộc"),
    ("danang-2013", "[disclosure]", "board = true", 'board = "yes"', "disclosure.board", "true hoặc false"),
    (
        "danang-lienchieu-2013",
        "[disclosure]",
        "board = true",
        "board = true\ncross_scores = true",
        "disclosure.cross_scores",
        "trường không được hỗ trợ",
    ),
    # structure and typos
    (
        "nd335-2025",
        "[groups.tasks]",
        "error_penalty = 0.25",
        "error_penalty = 25",
        "groups[1].tasks.error_penalty",
        "không quá 1",
    ),
    (
        "nd335-2025",
        "[groups.tasks]",
        "delay_penalty = 0.25",
        "delay_penaltys = 0.25",
        "groups[1].tasks.delay_penalty",
        "thiếu trường",
    ),
    ("nd335-2025", "", 'in_force_from = "2026-01-01"', 'in_force = "2026"', "in_force", "trường không được hỗ trợ"),
    ("nd335-2025", "", "schema = 1", "schema = 2", "schema", "phiên bản"),
    ("nd335-2025", "", 'period = "month"', 'period = "week"', "period", "month, quarter"),
    (
        "nd335-2025",
        "[[rollup.by_date]]",
        "absence_cap_from = 3",
        "absence_cap_from = 7",
        "rollup.by_date[0].absence_cap_below",
        "absence_cap_from <",
    ),
    (
        "nd335-2025",
        "[[groups.tasks.leader_criteria]]#4",
        'min_level = "HT"',
        'min_level = "C"',
        "groups[1].tasks.leader_criteria[3].min_level",
        "không có trong [[levels]]",
    ),
    ("qd366-2025", "[rollup]", "q4_merged = true", "q4_merged = 1", "rollup.q4_merged", "true hoặc false"),
    (
        "nd335-2025",
        "[rollup]",
        'disqualifier_cite = "kht_ca_nam"',
        'disqualifier_cite = "kht_ca_nam"\nq4_merged = true\nq4_cite = "diem_quy"',
        "rollup.q4_merged",
        "chế độ theo quý",
    ),
    (
        "nd335-2025",
        "[[rollup.by_date]]#2",
        "min_months_worked = 6",
        "min_months_worked = 13",
        "rollup.by_date[1].min_months_worked",
        "không quá 12",
    ),
    (
        "nd335-2025",
        "[citations.diem_quy]",
        'source = "I"',
        'source = "setting"',
        "citations.diem_quy.note",
        "không có trong văn bản gốc",
    ),
    (
        "hanoi-1841-2021",
        "[working_time]",
        'counted_as_worked = ["training"]',
        'counted_as_worked = ["study"]',
        "working_time.counted_as_worked",
        "không hợp lệ",
    ),
]


def edit(regime_id: str, table: str, old: str, new: str) -> str:
    """The bundled text with `old` replaced by `new` once, in the given table."""
    text = bundled_text(regime_id)
    start = 0
    if table:
        header, _, nth = table.partition("#")
        for _ in range(int(nth or 1)):
            start = text.index(f"\n{header}\n", start) + 1
    position = text.index(old, start)
    return text[:position] + new + text[position + len(old) :]


@pytest.mark.parametrize(("regime_id", "table", "old", "new", "field", "message"), BROKEN)
def test_broken_regime_is_refused_naming_the_field(
    regime_id: str, table: str, old: str, new: str, field: str, message: str
) -> None:
    with pytest.raises(InvalidRegimeError) as caught:
        load_regime_text(edit(regime_id, table, old, new))
    assert caught.value.field == field
    assert message in caught.value.reason
    assert str(caught.value).startswith(f"Tệp chế độ đánh giá «{regime_id}» không hợp lệ — {field}: ")


def test_toml_syntax_error() -> None:
    with pytest.raises(InvalidRegimeError) as caught:
        load_regime_text("schema = 1\nid = \n", origin="hong")
    assert caught.value.field == "TOML" and "lỗi cú pháp" in caught.value.reason


def test_missing_regime_file() -> None:
    with pytest.raises(UnknownRegimeError):
        load_regime_file("/khong/co/tep.toml")


def test_custom_regime_evaluates_by_object() -> None:
    custom = load_regime_text(broken("hanoi-3814-2018", 'id = "hanoi-3814-2018"', 'id = "ha-noi-thu"'))
    assert evaluate(custom, Assessment("X", full(custom), perfect_tasks())).total == D("90.00")

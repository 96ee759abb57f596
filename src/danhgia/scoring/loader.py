"""Reading and validating regime TOML files (bundled ones via importlib.resources, or custom ones)."""

from __future__ import annotations

import datetime
import functools
import re
import tomllib
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast, get_args

from danhgia.scoring.errors import InvalidRegimeError, UnknownRegimeError
from danhgia.scoring.regime import (
    DISCIPLINE_LEVELS,
    EVALUATOR_ROLES,
    LEAVE_TYPES,
    SOURCE_TAGS,
    BonusItem,
    Citation,
    CitationTable,
    ConditionKind,
    Criterion,
    Deduction,
    Disqualifier,
    Group,
    GroupKind,
    LeaderCap,
    LeaderCompute,
    LeaderCriterion,
    Level,
    LevelCondition,
    QuotaRule,
    QuotaScope,
    Regime,
    Review360,
    RollupRules,
    Source,
    TaskRules,
    WorkingTimeRules,
    WorkingYearRules,
)

__all__ = ["DEFAULT_REGIME_ID", "list_regimes", "load_regime", "load_regime_file", "load_regime_text"]

DEFAULT_REGIME_ID = "nd335-2025"
SCHEMA_VERSION = 1
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_CODE_RE = re.compile(r"^[A-Za-z0-9_]+$")
_HUNDRED = Decimal(100)


class _Node:
    """A TOML table with its path; typed getters raise InvalidRegimeError naming the field."""

    def __init__(self, data: dict[str, Any], path: str, ctx: _Context) -> None:
        self.data = data
        self.path = path
        self.ctx = ctx
        self.used: set[str] = set()

    def field(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, message: str) -> InvalidRegimeError:
        return InvalidRegimeError(self.ctx.regime_id, self.field(key), message)

    def _get(self, key: str, required: bool) -> Any:
        self.used.add(key)
        if key not in self.data:
            if required:
                raise self.error(key, "thiếu trường bắt buộc")
            return None
        return self.data[key]

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        value = self._get(key, required)
        if value is None:
            return default
        if not isinstance(value, str):
            raise self.error(key, "phải là chuỗi ký tự")
        if required and not value.strip():
            raise self.error(key, "không được để trống")
        return value

    def code(self, key: str) -> str:
        value = self.text(key)
        if not _CODE_RE.match(value):
            raise self.error(key, f"mã «{value}» chỉ được gồm chữ cái không dấu, chữ số và dấu gạch dưới")
        return value

    def number(self, key: str, *, required: bool = True, places: int | None = 2) -> Decimal | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise self.error(key, "phải là số")
        number = Decimal(value)
        if not number.is_finite():
            raise self.error(key, "phải là số hữu hạn")
        exponent = number.as_tuple().exponent
        if places is not None and isinstance(exponent, int) and -exponent > places:
            raise self.error(key, f"tối đa {places} chữ số thập phân")
        return number

    def req_number(self, key: str, *, places: int | None = 2) -> Decimal:
        value = self.number(key, places=places)
        assert value is not None
        return value

    def integer(self, key: str, *, default: int | None = None) -> int:
        value = self._get(key, default is None)
        if value is None:
            assert default is not None
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(key, "phải là số nguyên không âm")
        return value

    def opt_integer(self, key: str) -> int | None:
        if key not in self.data:
            self.used.add(key)
            return None
        return self.integer(key, default=0)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, "phải là true hoặc false")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self._get(key, False)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "phải là danh sách chuỗi")
        return tuple(value)

    def cite(self, key: str = "cite", *, required: bool = True) -> Citation:
        ref = self.text(key, required=required)
        if not ref:
            raise self.error(key, "mỗi quy định phải có trích dẫn")
        citation = self.ctx.citations.get(ref)
        if citation is None:
            raise self.error(key, f"trích dẫn «{ref}» không có trong bảng [citations]")
        return citation

    def opt_cite(self, key: str) -> Citation | None:
        if key not in self.data:
            self.used.add(key)
            return None
        return self.cite(key)

    def table(self, key: str, *, required: bool = True) -> _Node | None:
        value = self._get(key, required)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(key, "phải là một bảng")
        return _Node(value, self.field(key), self.ctx)

    def tables(self, key: str, *, required: bool = True) -> list[_Node]:
        value = self._get(key, required)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(key, "phải là danh sách bảng ([[...]])")
        if required and not value:
            raise self.error(key, "không được rỗng")
        return [_Node(v, f"{self.field(key)}[{i}]", self.ctx) for i, v in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            raise self.error(unknown[0], "trường không được hỗ trợ (gõ nhầm tên?)")


class _Context:
    def __init__(self, regime_id: str) -> None:
        self.regime_id = regime_id
        self.citations: dict[str, Citation] = {}


def _literal(node: _Node, key: str, allowed: tuple[str, ...]) -> str:
    value = node.text(key)
    if value not in allowed:
        raise node.error(key, f"«{value}» không hợp lệ; chọn một trong: {', '.join(allowed)}")
    return value


def _unique(node: _Node, key: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise node.error(key, f"mã «{code}» bị trùng")
        seen.add(code)


def _percent(node: _Node, key: str) -> Decimal | None:
    value = node.number(key, required=False)
    if value is not None and not Decimal(0) <= value <= _HUNDRED:
        raise node.error(key, "phải trong khoảng 0–100 (%)")
    return value


def _percent_or(node: _Node, key: str, default: Decimal) -> Decimal:
    value = _percent(node, key)
    return default if value is None else value


def _share(node: _Node, key: str) -> Decimal:
    value = node.req_number(key, places=4)
    if not Decimal(0) < value <= Decimal(1):
        raise node.error(key, "phải lớn hơn 0 và không quá 1")
    return value


def _citations(root: _Node) -> None:
    table = root.table("citations")
    assert table is not None
    if not table.data:
        raise root.error("citations", "không được rỗng")
    for key in table.data:
        node = table.table(key)
        assert node is not None
        source = _literal(node, "source", SOURCE_TAGS)
        citation = Citation(
            key=key,
            doc=node.text("doc"),
            source=source,
            article=node.text("article", required=False),
            rule=node.text("rule", required=False),
            url=node.text("url", required=False),
            note=node.text("note", required=False),
        )
        if source in ("setting", "I", "3P") and not citation.note.strip():
            raise node.error("note", "quy định có nguồn «setting», «I» hoặc «3P» phải có ghi chú giải thích")
        if source == "setting" and "không có trong văn bản gốc" not in citation.note.lower():
            raise node.error("note", "thiết lập phải ghi rõ «không có trong văn bản gốc»")
        node.done()
        root.ctx.citations[key] = citation


def _criteria_group(node: _Node, group_code: str, group_max: Decimal) -> tuple[Criterion, ...]:
    items: list[Criterion] = []
    for cnode in node.tables("criteria"):
        code = cnode.code("code")
        max_points = cnode.req_number("max")
        if max_points <= 0:
            raise cnode.error("max", "phải lớn hơn 0")
        deductions: list[Deduction] = []
        for dnode in cnode.tables("deductions", required=False):
            points = dnode.req_number("points")
            if not Decimal(0) < points <= max_points:
                raise dnode.error("points", f"phải lớn hơn 0 và không quá điểm tối đa của tiêu chí ({max_points})")
            deductions.append(Deduction(dnode.code("code"), dnode.text("label"), points, dnode.cite()))
            dnode.done()
        _unique(cnode, "deductions", [d.code for d in deductions])
        items.append(Criterion(code, cnode.text("name"), max_points, cnode.cite(), group_code, tuple(deductions)))
        cnode.done()
    total = sum((c.max_points for c in items), Decimal(0))
    if total != group_max:
        raise node.error("criteria", f"tổng điểm tối đa các tiêu chí ({total}) khác điểm tối đa của nhóm ({group_max})")
    return tuple(items)


def _items(node: _Node, group_max: Decimal | None) -> tuple[BonusItem, ...]:
    items: list[BonusItem] = []
    for inode in node.tables("items"):
        max_points = inode.req_number("max")
        if max_points <= 0 or (group_max is not None and max_points > group_max):
            raise inode.error("max", "phải lớn hơn 0 và không quá điểm tối đa của nhóm")
        points = inode.number("points", required=False)
        if points is not None and not Decimal(0) < points <= max_points:
            raise inode.error("points", "phải lớn hơn 0 và không quá «max»")
        items.append(BonusItem(inode.code("code"), inode.text("label"), inode.cite(), max_points, points))
        inode.done()
    _unique(node, "items", [i.code for i in items])
    return tuple(items)


def _task_rules(node: _Node, level_codes: list[str]) -> TaskRules:
    def penalty(key: str) -> Decimal:
        value = node.req_number(key, places=4)
        if not Decimal(0) < value <= Decimal(1):
            raise node.error(key, "phải lớn hơn 0 và không quá 1 (tỷ lệ điểm bị trừ mỗi lần)")
        return value

    leaders: list[LeaderCriterion] = []
    for lnode in node.tables("leader_criteria", required=False):
        compute = cast(LeaderCompute, _literal(lnode, "compute", get_args(LeaderCompute)))
        min_level = ""
        if compute == "subordinates":
            min_level = lnode.text("min_level")
            if min_level not in level_codes:
                raise lnode.error("min_level", f"mức «{min_level}» không có trong [[levels]]")
        leaders.append(
            LeaderCriterion(
                code=lnode.code("code"),
                name=lnode.text("name"),
                compute=compute,
                cite=lnode.cite(),
                default_percent=_percent(lnode, "default_percent") if compute == "input" else None,
                min_level=min_level,
                all_complete_percent=_percent_or(lnode, "all_complete_percent", _HUNDRED),
                any_fail_percent=_percent_or(lnode, "any_fail_percent", Decimal(50)),
            )
        )
        lnode.done()
    _unique(node, "leader_criteria", [c.code for c in leaders])
    leader_cite = node.opt_cite("leader_cite")
    if leaders and leader_cite is None:
        raise node.error("leader_cite", "cần trích dẫn cho công thức KPI của lãnh đạo")
    excuse = node.flag("excuse_unfinished")
    excuse_cite = node.opt_cite("excuse_unfinished_cite")
    if excuse and excuse_cite is None:
        raise node.error("excuse_unfinished_cite", "cần trích dẫn khi excuse_unfinished = true")
    rules = TaskRules(
        formula_cite=node.cite("formula_cite"),
        quantity_cite=node.cite("quantity_cite"),
        quality_cite=node.cite("quality_cite"),
        timeliness_cite=node.cite("timeliness_cite"),
        error_penalty=penalty("error_penalty"),
        error_cite=node.cite("error_cite"),
        delay_penalty=penalty("delay_penalty"),
        delay_cite=node.cite("delay_cite"),
        objective_cause_cite=node.cite("objective_cause_cite"),
        excuse_unfinished=excuse,
        excuse_unfinished_cite=excuse_cite,
        leader_criteria=tuple(leaders),
        leader_cite=leader_cite,
        late_default_cite=node.opt_cite("late_default_cite"),
    )
    node.done()
    return rules


def _levels(root: _Node, max_total: Decimal) -> tuple[Level, ...]:
    nodes = root.tables("levels")
    if len(nodes) < 2:
        raise root.error("levels", "cần ít nhất hai mức xếp loại")
    levels: list[Level] = []
    previous: Decimal | None = None
    for index, node in enumerate(nodes):
        minimum = node.req_number("min")
        if minimum < 0 or minimum > max_total:
            raise node.error("min", f"ngưỡng phải trong khoảng 0–{max_total}")
        if previous is not None and minimum >= previous:
            raise node.error("min", "các ngưỡng phải giảm dần nghiêm ngặt (mức cao nhất trước)")
        previous = minimum
        conditions: list[LevelCondition] = []
        for cnode in node.tables("conditions", required=False):
            kind = cast(ConditionKind, _literal(cnode, "kind", get_args(ConditionKind)))
            conditions.append(LevelCondition(kind, _share(cnode, "min_share"), cnode.text("label"), cnode.cite()))
            cnode.done()
        letter = node.text("letter", required=False)
        levels.append(
            Level(
                code=node.code("code"),
                name=node.text("name"),
                rank=len(nodes) - index,
                min_score=minimum,
                cite=node.cite(),
                letter=letter,
                conditions=tuple(conditions),
                min_exclusive=node.flag("min_exclusive"),
            )
        )
        node.done()
    if levels[-1].min_exclusive:
        raise nodes[-1].error("min_exclusive", "mức thấp nhất tính từ 0 điểm, không dùng ngưỡng «trên»")
    if levels[-1].min_score != 0:
        raise nodes[-1].error("min", "mức thấp nhất phải có ngưỡng 0")
    if levels[-1].conditions:
        raise nodes[-1].error("conditions", "mức thấp nhất không được có điều kiện")
    _unique(root, "levels", [level.code for level in levels])
    return tuple(levels)


def _quota(root: _Node, levels: dict[str, Level]) -> tuple[QuotaRule | None, Citation | None]:
    node = root.table("quota")
    assert node is not None
    if not node.flag("applies", True):
        cite = node.cite()
        node.done()
        return None, cite
    level = node.text("level")
    demote_to = node.text("demote_to")
    basis = node.text("basis")
    for key, code in (("level", level), ("demote_to", demote_to)):
        if code not in levels:
            raise node.error(key, f"mức «{code}» không có trong [[levels]]")
    if basis != "rated" and basis not in levels:
        raise node.error("basis", "phải là «rated» (tổng số người được xếp loại) hoặc mã một mức xếp loại")
    if levels[demote_to].rank >= levels[level].rank:
        raise node.error("demote_to", "mức hạ xuống phải thấp hơn mức bị giới hạn tỷ lệ")
    ratio = _share(node, "ratio")
    exceptional = node.number("exceptional_ratio", required=False, places=4)
    exceptional_cite = node.opt_cite("exceptional_cite")
    if exceptional is not None and (exceptional < ratio or exceptional > 1):
        raise node.error("exceptional_ratio", "phải không nhỏ hơn «ratio» và không quá 1")
    if (exceptional is None) != (exceptional_cite is None):
        raise node.error("exceptional_cite", "exceptional_ratio và exceptional_cite phải đi cùng nhau")
    scope = cast(QuotaScope, _literal(node, "scope", get_args(QuotaScope)) if "scope" in node.data else "period")
    node.used.add("scope")
    rule = QuotaRule(
        level, demote_to, ratio, basis, node.cite(), node.cite("basis_cite"), exceptional, exceptional_cite, scope
    )
    node.done()
    return rule, None


def _review_360(root: _Node) -> Review360 | None:
    node = root.table("review_360", required=False)
    if node is None:
        return None
    wnode = node.table("weights")
    assert wnode is not None
    weights: list[tuple[str, Decimal]] = []
    for role in wnode.data:
        if role not in EVALUATOR_ROLES:
            raise wnode.error(role, f"vai trò không hợp lệ; chọn trong: {', '.join(EVALUATOR_ROLES)}")
        weight = wnode.req_number(role, places=4)
        if weight <= 0:
            raise wnode.error(role, "trọng số phải lớn hơn 0")
        weights.append((role, weight))
    if sum((w for _, w in weights), Decimal(0)) != 1:
        raise node.error("weights", "tổng các trọng số phải bằng 1")
    gap = node.number("gap_threshold", required=False)
    gap_cite = node.opt_cite("gap_cite")
    if (gap is None) != (gap_cite is None):
        raise node.error("gap_cite", "gap_threshold và gap_cite phải đi cùng nhau")
    anonymous = node.strings("anonymous_roles")
    for role in anonymous:
        if role == "self":
            raise node.error("anonymous_roles", "tự đánh giá không thể là vai trò chấm kín")
        if role not in dict(weights):
            raise node.error("anonymous_roles", f"vai trò «{role}» không có trọng số trong [review_360.weights]")
    if len(set(anonymous)) != len(anonymous):
        raise node.error("anonymous_roles", "mỗi vai trò chỉ ghi một lần")
    min_raters = node.integer("min_raters", default=1)
    if min_raters < 1:
        raise node.error("min_raters", "cần ít nhất 1 người chấm")
    anonymity_cite = node.opt_cite("anonymity_cite")
    if anonymous and anonymity_cite is None:
        raise node.error("anonymity_cite", "cần trích dẫn cho anonymous_roles")
    min_raters_cite = node.opt_cite("min_raters_cite")
    if min_raters > 1 and min_raters_cite is None:
        raise node.error("min_raters_cite", "cần trích dẫn cho min_raters")
    if min_raters > 1 and not anonymous:
        raise node.error("min_raters", "chỉ dùng cùng anonymous_roles")
    min_assessors = node.integer("min_assessors", default=0)
    min_assessors_cite = node.opt_cite("min_assessors_cite")
    if min_assessors < 0:
        raise node.error("min_assessors", "không được âm")
    if (min_assessors > 0) != (min_assessors_cite is not None):
        raise node.error("min_assessors_cite", "min_assessors và min_assessors_cite phải đi cùng nhau")
    final_role = node.text("final_role", required=False)
    final_role_cite = node.opt_cite("final_role_cite")
    if bool(final_role) != (final_role_cite is not None):
        raise node.error("final_role_cite", "final_role và final_role_cite phải đi cùng nhau")
    if final_role and final_role not in dict(weights):
        raise node.error("final_role", f"vai trò «{final_role}» không có trọng số trong [review_360.weights]")
    if final_role == "self":
        raise node.error("final_role", "điểm cuối cùng không thể do người tự đánh giá cho")
    review = Review360(
        node.cite(),
        tuple(weights),
        node.cite("weights_cite"),
        gap,
        gap_cite,
        anonymous,
        min_raters,
        anonymity_cite,
        min_raters_cite,
        min_assessors,
        min_assessors_cite,
        final_role,
        final_role_cite,
    )
    node.done()
    return review


def _working_time(root: _Node) -> WorkingTimeRules:
    node = root.table("working_time")
    assert node is not None
    counted = node.strings("counted_as_worked")
    for leave in counted:
        if leave not in LEAVE_TYPES:
            raise node.error("counted_as_worked", f"loại nghỉ «{leave}» không hợp lệ")
    counted_cite = node.opt_cite("counted_cite")
    if counted and counted_cite is None:
        raise node.error("counted_cite", "cần trích dẫn cho counted_as_worked")
    long_days = node.opt_integer("long_absence_days")
    long_cite = node.opt_cite("long_absence_cite")
    if (long_days is None) != (long_cite is None):
        raise node.error("long_absence_cite", "long_absence_days và long_absence_cite phải đi cùng nhau")
    rules = WorkingTimeRules(
        cite=node.cite(),
        min_days_worked=node.integer("min_days_worked"),
        min_days_cite=node.cite("min_days_cite"),
        counted_as_worked=counted,
        counted_cite=counted_cite,
        long_absence_days=long_days,
        long_absence_cite=long_cite,
    )
    node.done()
    return rules


_WORKING_YEAR_KEYS = (
    "min_months_worked",
    "min_months_cite",
    "maternity_cite",
    "exempt_cite",
    "exempt_leave",
    "absence_cap_from",
    "absence_cap_below",
    "absence_cap_level",
    "absence_cap_cite",
)


def _iso_date(node: _Node, key: str) -> str:
    value = node.text(key, required=False)
    if value:
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise node.error(key, "ngày phải có dạng NNNN-TT-NN (ví dụ 2026-07-01)") from None
    return value


def _working_year(node: _Node, levels: dict[str, Level], *, dated: bool) -> WorkingYearRules:
    """The annual working-time rules of [rollup] (undated) or of one [[rollup.by_date]] block."""
    min_months = node.integer("min_months_worked")
    if min_months > 12:
        raise node.error("min_months_worked", "không quá 12 tháng")
    exempt = node.strings("exempt_leave") if "exempt_leave" in node.data else ("maternity",)
    for leave in exempt:
        if leave not in LEAVE_TYPES:
            raise node.error("exempt_leave", f"loại nghỉ «{leave}» không hợp lệ; có: {', '.join(LEAVE_TYPES)}")
    if len(set(exempt)) != len(exempt):
        raise node.error("exempt_leave", "mỗi loại nghỉ chỉ ghi một lần")
    if "exempt_cite" in node.data and "maternity_cite" in node.data:
        raise node.error("exempt_cite", "chỉ ghi một trong hai: exempt_cite hoặc maternity_cite")
    exempt_cite = node.cite("exempt_cite" if "exempt_cite" in node.data else "maternity_cite")
    node.used.update(("exempt_cite", "maternity_cite"))
    cap_keys = ("absence_cap_from", "absence_cap_below", "absence_cap_level", "absence_cap_cite")
    present = [key for key in cap_keys if key in node.data]
    cap_from = cap_below = None
    cap_level = None
    cap_cite = None
    if present:
        missing = [key for key in cap_keys if key not in node.data]
        if missing:
            raise node.error(
                missing[0],
                "giới hạn mức khi nghỉ dài cần đủ absence_cap_from, absence_cap_below, "
                "absence_cap_level và absence_cap_cite",
            )
        cap_level = node.text("absence_cap_level")
        if cap_level not in levels:
            raise node.error("absence_cap_level", f"mức «{cap_level}» không có trong [[levels]]")
        cap_from = node.integer("absence_cap_from")
        cap_below = node.integer("absence_cap_below")
        if not 0 < cap_from < cap_below <= 12:
            raise node.error("absence_cap_below", "cần 0 < absence_cap_from < absence_cap_below ≤ 12")
        cap_cite = node.cite("absence_cap_cite")
    valid_from = _iso_date(node, "from") if dated else ""
    valid_until = _iso_date(node, "until") if dated else ""
    if valid_from and valid_until and valid_from >= valid_until:
        raise node.error("until", "ngày kết thúc phải sau ngày bắt đầu («from»)")
    return WorkingYearRules(
        min_months_worked=min_months,
        min_months_cite=node.cite("min_months_cite"),
        exempt_cite=exempt_cite,
        exempt_leave=exempt,
        absence_cap_from=cap_from,
        absence_cap_below=cap_below,
        absence_cap_level=cap_level,
        absence_cap_cite=cap_cite,
        valid_from=valid_from,
        valid_until=valid_until,
    )


def _working_years(node: _Node, levels: dict[str, Level]) -> tuple[WorkingYearRules, ...]:
    """One undated block, or dated [[rollup.by_date]] blocks that cover every year, one after the other."""
    blocks = node.tables("by_date", required=False)
    if not blocks:
        return (_working_year(node, levels, dated=False),)
    for key in _WORKING_YEAR_KEYS:
        if key in node.data:
            raise node.error(key, "đã có [[rollup.by_date]]: ghi quy định này trong từng khối theo ngày")
    years: list[WorkingYearRules] = []
    for block in blocks:
        years.append(_working_year(block, levels, dated=True))
        block.done()
    if years[0].valid_from:
        raise blocks[0].error("from", "khối đầu tiên không ghi «from» (áp dụng cho mọi năm trước «until»)")
    if years[-1].valid_until:
        raise blocks[-1].error("until", "khối cuối cùng không ghi «until» (áp dụng cho mọi năm từ «from»)")
    for index in range(1, len(years)):
        if not years[index - 1].valid_until or years[index].valid_from != years[index - 1].valid_until:
            raise blocks[index].error(
                "from", "các khối phải nối tiếp nhau: «from» của khối này bằng «until» của khối trước"
            )
    return tuple(years)


def _rollup(root: _Node, levels: dict[str, Level], period: str) -> RollupRules:
    node = root.table("rollup")
    assert node is not None
    years = _working_years(node, levels)
    q4_merged = node.flag("q4_merged")
    q4_cite = node.opt_cite("q4_cite")
    if q4_merged and (q4_cite is None or period != "quarter"):
        raise node.error("q4_merged", "chỉ dùng với chế độ theo quý và phải có q4_cite")
    latest = years[-1]
    rules = RollupRules(
        quarter_cite=node.cite("quarter_cite"),
        year_cite=node.cite("year_cite"),
        min_months_worked=latest.min_months_worked,
        min_months_cite=latest.min_months_cite,
        maternity_cite=latest.exempt_cite,
        absence_cap_from=latest.absence_cap_from,
        absence_cap_below=latest.absence_cap_below,
        absence_cap_level=latest.absence_cap_level,
        absence_cap_cite=latest.absence_cap_cite,
        disqualifier_cite=node.cite("disqualifier_cite"),
        q4_merged=q4_merged,
        q4_cite=q4_cite,
        years=years,
        consecutive_lowest_cite=node.opt_cite("consecutive_lowest_cite"),
    )
    node.done()
    return rules


def _build(data: dict[str, Any], origin: str) -> Regime:
    raw_id = data.get("id")
    regime_id = raw_id if isinstance(raw_id, str) and raw_id else origin
    ctx = _Context(regime_id)
    root = _Node(data, "", ctx)
    schema = root.integer("schema")
    if schema != SCHEMA_VERSION:
        raise root.error("schema", f"phiên bản định dạng phải là {SCHEMA_VERSION}")
    regime_id = root.text("id")
    if not _ID_RE.match(regime_id):
        raise root.error("id", "chỉ gồm chữ thường không dấu, chữ số và dấu gạch ngang")
    _citations(root)
    period = cast(Literal["month", "quarter"], _literal(root, "period", ("month", "quarter")))
    max_total = root.req_number("max_total")
    if max_total <= 0:
        raise root.error("max_total", "phải lớn hơn 0")

    sources = []
    for snode in root.tables("sources"):
        sources.append(
            Source(
                snode.text("doc"),
                snode.text("title"),
                snode.strings("urls"),
                snode.text("note", required=False),
            )
        )
        snode.done()

    levels = _levels(root, max_total)
    level_by_code = {level.code: level for level in levels}
    review = _review_360(root)

    groups: list[Group] = []
    for gnode in root.tables("groups"):
        code = gnode.code("code")
        kind = cast(GroupKind, _literal(gnode, "kind", get_args(GroupKind)))
        max_points = gnode.number("max", required=kind != "penalty")
        if max_points is not None and max_points <= 0:
            raise gnode.error("max", "phải lớn hơn 0")
        criteria: tuple[Criterion, ...] = ()
        items: tuple[BonusItem, ...] = ()
        tasks: TaskRules | None = None
        if kind == "criteria":
            assert max_points is not None
            criteria = _criteria_group(gnode, code, max_points)
        elif kind == "tasks":
            if review is not None:
                raise gnode.error("kind", "chế độ đánh giá 360° không dùng nhóm «tasks»")
            tnode = gnode.table("tasks")
            assert tnode is not None
            tasks = _task_rules(tnode, list(level_by_code))
        else:
            items = _items(gnode, max_points)
        max_cite = gnode.opt_cite("max_cite")
        if max_cite is not None and max_points is None:
            raise gnode.error("max_cite", "chỉ dùng khi nhóm có điểm tối đa («max»)")
        groups.append(Group(code, gnode.text("name"), kind, gnode.cite(), max_points, criteria, items, tasks, max_cite))
        gnode.done()
    _unique(root, "groups", [g.code for g in groups])
    if sum(1 for g in groups if g.kind == "tasks") > 1:
        raise root.error("groups", "chỉ được có một nhóm «tasks»")
    for kind in ("bonus", "penalty"):
        if sum(1 for g in groups if g.kind == kind) > 1:
            raise root.error("groups", f"chỉ được có một nhóm «{kind}»")
    criteria_by_code: dict[str, Criterion] = {}
    for group in groups:
        for criterion in group.criteria:
            if criterion.code in criteria_by_code:
                raise root.error("groups", f"mã tiêu chí «{criterion.code}» bị trùng giữa các nhóm")
            criteria_by_code[criterion.code] = criterion
    base = sum((g.max_points or Decimal(0) for g in groups if g.kind in ("criteria", "tasks")), Decimal(0))
    bonus = sum((g.max_points or Decimal(0) for g in groups if g.kind == "bonus"), Decimal(0))
    if not base <= max_total <= base + bonus:
        raise root.error(
            "max_total",
            f"điểm tối đa ({max_total}) phải bằng tổng các nhóm tiêu chí và nhiệm vụ ({base})"
            + (f", cộng tối đa {bonus} điểm thưởng" if bonus else ""),
        )
    has_tasks = any(g.kind == "tasks" for g in groups)
    for level in levels:
        if level.conditions and not has_tasks:
            raise root.error(
                "levels", f"mức «{level.code}» có điều kiện về nhiệm vụ nhưng chế độ không có nhóm «tasks»"
            )

    disqualifiers: list[Disqualifier] = []
    for dnode in root.tables("disqualifiers", required=False):
        discipline_from = dnode.text("discipline_from", required=False)
        if discipline_from and discipline_from not in DISCIPLINE_LEVELS:
            raise dnode.error("discipline_from", f"chọn một trong: {', '.join(DISCIPLINE_LEVELS)}")
        scope = dnode.text("scope", required=False) or "period"
        if scope not in ("period", "year"):
            raise dnode.error("scope", "chọn «period» (kỳ đánh giá) hoặc «year» (chỉ xếp loại năm)")
        job_related = dnode.flag("job_related_only")
        if job_related and not discipline_from:
            raise dnode.error("job_related_only", "chỉ dùng cùng discipline_from (quy định về kỷ luật)")
        remedied_cite = dnode.opt_cite("remedied_cite")
        if remedied_cite is not None and discipline_from:
            raise dnode.error("remedied_cite", "không dùng cho quy định về kỷ luật")
        disqualifiers.append(
            Disqualifier(
                dnode.code("code"),
                dnode.text("name"),
                dnode.cite(),
                discipline_from,
                dnode.flag("leaders_only"),
                scope,
                job_related,
                remedied_cite,
            )
        )
        dnode.done()
    _unique(root, "disqualifiers", [d.code for d in disqualifiers])
    quota, quota_absent = _quota(root, level_by_code)
    leader_cap_node = root.table("leader_cap", required=False)
    leader_cap = None
    if leader_cap_node is not None:
        leader_cap = LeaderCap(leader_cap_node.cite())
        leader_cap_node.done()
    disclosure_node = root.table("disclosure", required=False)
    disclosure = None
    self_scores = True
    disclosed: Literal["period", "year"] = "period"
    if disclosure_node is not None:
        if disclosure_node.flag("board"):
            disclosure = disclosure_node.cite()
        else:
            disclosure_node.cite()
        self_scores = disclosure_node.flag("self_scores", True)
        if "results" in disclosure_node.data:
            disclosed = cast(Literal["period", "year"], _literal(disclosure_node, "results", ("period", "year")))
        disclosure_node.used.add("results")
        disclosure_node.done()
    levels_from = _literal(root, "levels_from", ("period", "year")) if "levels_from" in root.data else "period"
    root.used.add("levels_from")
    levels_from_cite = root.opt_cite("levels_from_cite")
    if levels_from == "year" and levels_from_cite is None:
        raise root.error("levels_from_cite", 'cần trích dẫn khi levels_from = "year"')
    if levels_from == "period" and levels_from_cite is not None:
        raise root.error("levels_from_cite", 'chỉ dùng khi levels_from = "year"')
    step_down_cite = root.opt_cite("step_down_cite")
    if step_down_cite is not None and not any(level.conditions for level in levels):
        raise root.error("step_down_cite", "chỉ dùng khi có mức xếp loại có điều kiện")

    regime = Regime(
        id=regime_id,
        name=root.text("name"),
        title=root.text("title"),
        description=root.text("description", required=False),
        period=period,
        in_force_from=root.text("in_force_from", required=False),
        in_force_until=root.text("in_force_until", required=False),
        max_total=max_total,
        total_cite=root.cite("total_cite"),
        sources=tuple(sources),
        citations=CitationTable(ctx.citations),
        groups=tuple(groups),
        levels=levels,
        disqualifiers=tuple(disqualifiers),
        quota=quota,
        quota_absent_cite=quota_absent,
        review_360=review,
        working_time=_working_time(root),
        rollup=_rollup(root, level_by_code, period),
        leader_cap=leader_cap,
        criteria_by_code=criteria_by_code,
        level_by_code=level_by_code,
        disqualifier_by_code={d.code: d for d in disqualifiers},
        disclosure=disclosure,
        disclosure_self_scores=self_scores,
        disclosure_results=disclosed,
        yearly_levels=levels_from == "year",
        yearly_levels_cite=levels_from_cite,
        rounding_cite=root.opt_cite("rounding_cite"),
        in_force_cite=root.opt_cite("in_force_cite"),
        period_cite=root.opt_cite("period_cite"),
        step_down_cite=step_down_cite,
    )
    root.done()
    return regime


def load_regime_text(text: str, *, origin: str = "<text>") -> Regime:
    """Parse and validate a regime from TOML text (raises InvalidRegimeError)."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidRegimeError(origin, "TOML", f"lỗi cú pháp: {exc}") from exc
    return _build(data, origin)


def load_regime_file(path: str | Path) -> Regime:
    """Load and validate a custom regime file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UnknownRegimeError(str(file)) from exc
    return load_regime_text(text, origin=file.stem)


def _bundled_ids() -> tuple[str, ...]:
    folder = resources.files("danhgia.scoring") / "regimes"
    return tuple(sorted(item.name[:-5] for item in folder.iterdir() if item.name.endswith(".toml")))


@functools.cache
def load_regime(regime_id: str = DEFAULT_REGIME_ID) -> Regime:
    """Load a bundled regime by id (cached); UnknownRegimeError if there is none."""
    known = _bundled_ids()
    if regime_id not in known:
        raise UnknownRegimeError(regime_id, known)
    text = (resources.files("danhgia.scoring") / "regimes" / f"{regime_id}.toml").read_text(encoding="utf-8")
    regime = load_regime_text(text, origin=regime_id)
    if regime.id != regime_id:
        raise InvalidRegimeError(regime_id, "id", f"phải trùng tên tệp «{regime_id}.toml»")
    return regime


def list_regimes() -> tuple[Regime, ...]:
    """All bundled regimes, the default (nd335-2025) first."""
    regimes = [load_regime(regime_id) for regime_id in _bundled_ids()]
    regimes.sort(key=lambda r: (r.id != DEFAULT_REGIME_ID, r.id))
    return tuple(regimes)

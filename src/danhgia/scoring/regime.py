"""A regime as data: criteria, deductions, bonus items, levels, quota and roll-up rules, each cited."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

__all__ = [
    "DISCIPLINE_LEVELS",
    "EVALUATOR_ROLES",
    "LEAVE_TYPES",
    "SOURCE_TAGS",
    "BonusItem",
    "Citation",
    "Criterion",
    "Deduction",
    "Disqualifier",
    "Group",
    "GroupKind",
    "LeaderCap",
    "LeaderCriterion",
    "Level",
    "LevelCondition",
    "QuotaRule",
    "Regime",
    "Review360",
    "RollupRules",
    "Source",
    "TaskRules",
    "WorkingTimeRules",
]

#: Confidence tags of a citation: quoted, reported, inferred, third-party software, or a setting of danhgia.
SOURCE_TAGS = ("Q", "R", "I", "3P", "setting")

#: Disciplinary measures (Luật Cán bộ, công chức), mildest first; `discipline_from` refers to these codes.
DISCIPLINE_LEVELS: dict[str, str] = {
    "khien_trach": "khiển trách",
    "canh_cao": "cảnh cáo",
    "ha_bac_luong": "hạ bậc lương",
    "giang_chuc": "giáng chức",
    "cach_chuc": "cách chức",
    "buoc_thoi_viec": "buộc thôi việc",
}

#: Kinds of leave / absence that working-time facts may name.
LEAVE_TYPES: dict[str, str] = {
    "annual": "nghỉ phép năm",
    "sick": "nghỉ ốm",
    "maternity": "nghỉ thai sản",
    "training": "đi đào tạo, bồi dưỡng",
    "unpaid": "nghỉ không hưởng lương",
    "other": "nghỉ khác",
}

#: Evaluator roles of 360° regimes.
EVALUATOR_ROLES: dict[str, str] = {
    "self": "Tự đánh giá",
    "peer": "Đồng nghiệp",
    "direct_leader": "Lãnh đạo trực tiếp",
    "higher_leader": "Lãnh đạo cấp trên",
    "subordinate": "Cán bộ thuộc quyền",
}

GroupKind = Literal["criteria", "tasks", "bonus", "penalty"]
LeaderCompute = Literal["quantity", "quality", "timeliness", "subordinates", "input"]
ConditionKind = Literal["completed_share", "on_time_quality_share", "exceeded_share"]


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a rule comes from: document, article/clause, the rule in short, and the confidence tag."""

    key: str
    doc: str
    source: str
    article: str = ""
    rule: str = ""
    url: str = ""
    note: str = ""

    @property
    def is_setting(self) -> bool:
        """True when the rule is a documented default of danhgia, not from the legal text."""
        return self.source == "setting"

    @property
    def label(self) -> str:
        """Short human citation, e.g. "NĐ 335/2025, 25 % điểm tiến độ"."""
        text = ", ".join(part for part in (self.doc, self.article, self.rule) if part)
        if self.is_setting:
            text += " (thiết lập mặc định, không có trong văn bản gốc)"
        return text


@dataclass(frozen=True, slots=True)
class Source:
    """A document the regime is built from."""

    doc: str
    title: str
    urls: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class Deduction:
    """One item of a criterion's deduction list: `points` lost per occurrence."""

    code: str
    label: str
    points: Decimal
    cite: Citation


@dataclass(frozen=True, slots=True)
class Criterion:
    """A scored criterion (full points, chosen deductions, or given points)."""

    code: str
    name: str
    max_points: Decimal
    cite: Citation
    group: str
    deductions: tuple[Deduction, ...] = ()

    def deduction(self, code: str) -> Deduction | None:
        """The deduction item with this code, if any."""
        for item in self.deductions:
            if item.code == code:
                return item
        return None


@dataclass(frozen=True, slots=True)
class BonusItem:
    """A bonus (or penalty) item: fixed `points` per claim, or claimed points up to `max_points`."""

    code: str
    label: str
    cite: Citation
    max_points: Decimal
    points: Decimal | None = None


@dataclass(frozen=True, slots=True)
class LeaderCriterion:
    """One of the criteria whose mean is a leader's KPI (NĐ 335: six criteria)."""

    code: str
    name: str
    compute: LeaderCompute
    cite: Citation
    default_percent: Decimal | None = None
    min_level: str = ""
    all_complete_percent: Decimal = Decimal(100)
    any_fail_percent: Decimal = Decimal(50)


@dataclass(frozen=True, slots=True)
class TaskRules:
    """How task results become points: KPI = mean of the components in %, points = KPI × max / 100."""

    formula_cite: Citation
    quantity_cite: Citation
    quality_cite: Citation
    timeliness_cite: Citation
    error_penalty: Decimal
    error_cite: Citation
    delay_penalty: Decimal
    delay_cite: Citation
    objective_cause_cite: Citation
    excuse_unfinished: bool = False
    excuse_unfinished_cite: Citation | None = None
    leader_criteria: tuple[LeaderCriterion, ...] = ()
    leader_cite: Citation | None = None


@dataclass(frozen=True, slots=True)
class Group:
    """A part of the score: criteria, task results, bonus or penalty points."""

    code: str
    name: str
    kind: GroupKind
    cite: Citation
    max_points: Decimal | None
    criteria: tuple[Criterion, ...] = ()
    items: tuple[BonusItem, ...] = ()
    tasks: TaskRules | None = None


@dataclass(frozen=True, slots=True)
class LevelCondition:
    """Extra condition of a level: a share of the assigned task weight must reach `min_share`."""

    kind: ConditionKind
    min_share: Decimal
    label: str
    cite: Citation


@dataclass(frozen=True, slots=True)
class Level:
    """A classification level; a higher `rank` is a better level."""

    code: str
    name: str
    rank: int
    min_score: Decimal
    cite: Citation
    letter: str = ""
    conditions: tuple[LevelCondition, ...] = field(default=(), compare=False)

    @property
    def display(self) -> str:
        """ "Hoàn thành tốt nhiệm vụ (Loại B)" or just the name."""
        return f"{self.name} (Loại {self.letter})" if self.letter else self.name


@dataclass(frozen=True, slots=True)
class Disqualifier:
    """A case that forces the lowest level whatever the points: of the period (`scope` "period"), or only of the
    year (`scope` "year": a rule from above the regime, such as NĐ 335's discipline rule under a local monthly
    regime — the period records it, explains it and flags it, the year roll-up applies it)."""

    code: str
    name: str
    cite: Citation
    discipline_from: str = ""
    leaders_only: bool = False
    scope: str = "period"


@dataclass(frozen=True, slots=True)
class QuotaRule:
    """At most `ratio` × (count of `basis`) people may keep `level`; the others go to `demote_to`."""

    level: str
    demote_to: str
    ratio: Decimal
    basis: str
    cite: Citation
    basis_cite: Citation
    exceptional_ratio: Decimal | None = None
    exceptional_cite: Citation | None = None


@dataclass(frozen=True, slots=True)
class Review360:
    """360° scoring: each evaluator scores the criteria; role weights combine them.

    Roles in `anonymous_roles` (peers, a leader's own staff) are shown only as an average of at least
    `min_raters` people; with fewer, that role is left out of the score (`min_raters_cite`: the threshold,
    a setting of danhgia in the bundled regimes). Weights are scaled over the roles that count.
    """

    cite: Citation
    weights: tuple[tuple[str, Decimal], ...]
    weights_cite: Citation
    gap_threshold: Decimal | None = None
    gap_cite: Citation | None = None
    anonymous_roles: tuple[str, ...] = ()
    min_raters: int = 1
    anonymity_cite: Citation | None = None
    min_raters_cite: Citation | None = None
    min_assessors: int = 0  # people whose scores count (self included), below which the council reviews
    min_assessors_cite: Citation | None = None

    def weight(self, role: str) -> Decimal | None:
        """The weight of a role, None when the role is not used."""
        for code, value in self.weights:
            if code == role:
                return value
        return None


@dataclass(frozen=True, slots=True)
class WorkingTimeRules:
    """Monthly working-time handling (leave, training, long absence)."""

    cite: Citation
    min_days_worked: int
    min_days_cite: Citation
    counted_as_worked: tuple[str, ...] = ()
    counted_cite: Citation | None = None
    long_absence_days: int | None = None
    long_absence_cite: Citation | None = None


@dataclass(frozen=True, slots=True)
class RollupRules:
    """Quarter and year roll-up and the annual working-time rules (NĐ 90/2020 as amended by NĐ 48/2023)."""

    quarter_cite: Citation
    year_cite: Citation
    min_months_worked: int
    min_months_cite: Citation
    maternity_cite: Citation
    absence_cap_from: int
    absence_cap_below: int
    absence_cap_level: str
    absence_cap_cite: Citation
    disqualifier_cite: Citation
    q4_merged: bool = False
    q4_cite: Citation | None = None


@dataclass(frozen=True, slots=True)
class LeaderCap:
    """A leader's level may not be above the level of the unit they lead."""

    cite: Citation


@dataclass(frozen=True, slots=True, eq=False)
class Regime:
    """A complete, validated regime (see docs/scoring.md for the TOML format)."""

    id: str
    name: str
    title: str
    description: str
    period: Literal["month", "quarter"]
    in_force_from: str
    in_force_until: str
    max_total: Decimal
    total_cite: Citation
    sources: tuple[Source, ...]
    citations: dict[str, Citation]
    groups: tuple[Group, ...]
    levels: tuple[Level, ...]
    disqualifiers: tuple[Disqualifier, ...]
    quota: QuotaRule | None
    quota_absent_cite: Citation | None
    review_360: Review360 | None
    working_time: WorkingTimeRules
    rollup: RollupRules
    leader_cap: LeaderCap | None
    criteria_by_code: dict[str, Criterion] = field(default_factory=dict)
    level_by_code: dict[str, Level] = field(default_factory=dict)
    disqualifier_by_code: dict[str, Disqualifier] = field(default_factory=dict)
    disclosure: Citation | None = None  # a board where colleagues see self-scores, bonuses and final averages

    @property
    def uses_360(self) -> bool:
        """True when scores come from several evaluators (self, peers, leaders)."""
        return self.review_360 is not None

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """All scored criteria of the regime, in order."""
        return tuple(self.criteria_by_code.values())

    @property
    def lowest_level(self) -> Level:
        """The lowest level (forced by disqualifiers)."""
        return self.levels[-1]

    def _group_of_kind(self, kind: str) -> Group | None:
        for group in self.groups:
            if group.kind == kind:
                return group
        return None

    @property
    def task_group(self) -> Group | None:
        """The task-results group, if the regime has one."""
        return self._group_of_kind("tasks")

    @property
    def bonus_group(self) -> Group | None:
        """The bonus group, if the regime has one."""
        return self._group_of_kind("bonus")

    @property
    def penalty_group(self) -> Group | None:
        """The penalty group, if the regime has one."""
        return self._group_of_kind("penalty")

    @property
    def settings(self) -> tuple[Citation, ...]:
        """Citations that are settings of danhgia (not from the legal text), for documentation."""
        return tuple(c for c in self.citations.values() if c.is_setting)

    def level(self, code: str) -> Level:
        """The level with this code (KeyError if unknown)."""
        return self.level_by_code[code]

    def level_for(self, total: Decimal) -> Level:
        """The level that a (rounded) total reaches by points alone."""
        for level in self.levels:
            if total >= level.min_score:
                return level
        return self.levels[-1]

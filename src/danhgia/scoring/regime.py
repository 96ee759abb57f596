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
    "CitationTable",
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
    "WorkingYearRules",
]

#: Confidence tags of a citation: quoted, reported, inferred, third-party software, or a setting of danhgia.
SOURCE_TAGS = ("Q", "R", "I", "3P", "setting")

_LABELS_KEPT = 4096  # citations whose label is remembered (a regime has tens; combined ones are shared too)
# id → (the citation, kept alive here so that its id is not reused, and its label); citations are immutable
_labels: dict[int, tuple[Citation, str]] = {}

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
QuotaScope = Literal["period", "year"]


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
    also: tuple[Citation, ...] = ()  # further rules the same line rests on (e.g. the rounding rule)

    @property
    def is_setting(self) -> bool:
        """True when the rule is a documented default of danhgia, not from the legal text."""
        return self.source == "setting"

    @property
    def label(self) -> str:
        """Short human citation, e.g. "NĐ 335/2025, 25 % điểm tiến độ"; the rules in `also` follow after "; "
        (remembered: every explanation line of every result shows it, twice when stored)."""
        known = _labels.get(id(self))
        if known is not None and known[0] is self:
            return known[1]
        text = ", ".join(part for part in (self.doc, self.article, self.rule) if part)
        if self.is_setting:
            text += " (thiết lập mặc định, không có trong văn bản gốc)"
        for other in self.also:
            text += "; " + other.label
        if len(_labels) >= _LABELS_KEPT:
            _labels.clear()
        _labels[id(self)] = (self, text)
        return text

    def with_also(self, *others: Citation | None) -> Citation:
        """This citation with further rules appended to its label (None entries are skipped); its key joins the
        keys with "+" ("xep_loai+lam_tron"), which the regime's citation table resolves back to it."""
        extra = tuple(other for other in others if other is not None and other not in self.also)
        if not extra:
            return self
        key = "+".join((self.key, *(other.key for other in extra)))
        return Citation(key, self.doc, self.source, self.article, self.rule, self.url, self.note, self.also + extra)


class CitationTable(dict[str, Citation]):
    """A regime's citations by key; a combined key "a+b" (a line citing rule a with rule b, see
    `Citation.with_also`) resolves to the combined citation, so that a stored line reads back as it was."""

    def __missing__(self, key: str) -> Citation:
        if "+" not in key:
            raise KeyError(key)
        first, *others = key.split("+")
        return self[first].with_also(*(self[other] for other in others))

    def get(self, key: str, default: Citation | None = None) -> Citation | None:  # type: ignore[override]
        """The citation with this (possibly combined) key, or `default`."""
        try:
            return self[key]
        except KeyError:
            return default


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
    late_default_cite: Citation | None = None  # "done late" without a count counts as one delay


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
    max_cite: Citation | None = None  # where the group's maximum comes from, when not from `cite`


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
    min_exclusive: bool = False  # True: "trên `min_score` điểm" (above), not "từ `min_score` điểm" (from)

    @property
    def display(self) -> str:
        """ "Hoàn thành tốt nhiệm vụ (Loại B)" or just the name."""
        return f"{self.name} (Loại {self.letter})" if self.letter else self.name

    def reached_by(self, total: Decimal) -> bool:
        """True when a (rounded) total reaches this level's threshold."""
        return total > self.min_score if self.min_exclusive else total >= self.min_score


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
    job_related_only: bool = False  # discipline counts only for a violation related to performing duties
    remedied_cite: Citation | None = None  # remedied by the person: a flag for the competent level instead


@dataclass(frozen=True, slots=True)
class QuotaRule:
    """At most `ratio` × (count of `basis`) people may keep `level`; the others go to `demote_to`.

    `scope` "period": applied to the results of each period (at a monthly / quarterly closing); "year": applied
    only to the yearly levels (the year of `rollup()` results), never at a period's closing."""

    level: str
    demote_to: str
    ratio: Decimal
    basis: str
    cite: Citation
    basis_cite: Citation
    exceptional_ratio: Decimal | None = None
    exceptional_cite: Citation | None = None
    scope: QuotaScope = "period"


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
    final_role: str = ""  # the role that gives the final marks: a result without it is flagged for the council
    final_role_cite: Citation | None = None

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
class WorkingYearRules:
    """The annual working-time rules in force for the years ending in [`valid_from`, `valid_until`) (ISO dates,
    "" = unbounded): fewer than `min_months_worked` months worked → the year is not rated, except for the leave
    types of `exempt_leave` (rated on the time actually worked); optionally, `absence_cap_from` to fewer than
    `absence_cap_below` months absent (exempt leave aside) → at most `absence_cap_level`."""

    min_months_worked: int
    min_months_cite: Citation
    exempt_cite: Citation
    exempt_leave: tuple[str, ...] = ("maternity",)
    absence_cap_from: int | None = None
    absence_cap_below: int | None = None
    absence_cap_level: str | None = None
    absence_cap_cite: Citation | None = None
    valid_from: str = ""
    valid_until: str = ""

    @property
    def has_absence_cap(self) -> bool:
        """True when these rules cap the level of a year with a long absence."""
        return self.absence_cap_level is not None

    def applies_to(self, year: int) -> bool:
        """True when the year (ending on 31 December) falls in this block's dates."""
        end = f"{year:04d}-12-31"
        return (not self.valid_from or end >= self.valid_from) and (not self.valid_until or end < self.valid_until)


@dataclass(frozen=True, slots=True)
class RollupRules:
    """Quarter and year roll-up and the annual working-time rules.

    `years`: the working-time rules of each span of years (one block for most regimes; dated blocks where the
    rule in force changed, e.g. NĐ 90/2020 as amended by NĐ 48/2023 lapsed on 01/7/2026). The fields
    `min_months_worked` … `absence_cap_cite` repeat the latest block, for callers that read them directly."""

    quarter_cite: Citation
    year_cite: Citation
    min_months_worked: int
    min_months_cite: Citation
    maternity_cite: Citation
    absence_cap_from: int | None
    absence_cap_below: int | None
    absence_cap_level: str | None
    absence_cap_cite: Citation | None
    disqualifier_cite: Citation
    q4_merged: bool = False
    q4_cite: Citation | None = None
    years: tuple[WorkingYearRules, ...] = ()
    consecutive_lowest_cite: Citation | None = None  # two years in a row at the lowest level: flag

    def for_year(self, year: int) -> WorkingYearRules:
        """The working-time rules in force for a year (the blocks cover every year)."""
        for block in self.years:
            if block.applies_to(year):
                return block
        raise LookupError(year)  # the loader refuses blocks that leave a year uncovered


@dataclass(frozen=True, slots=True)
class LeaderCap:
    """A leader's level may not be above the level of the unit they lead (the caller names the leaders it applies
    to by giving `leader.unit_level` / `cap_level`: under NĐ 233 only the head, "người đứng đầu")."""

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
    disclosure_self_scores: bool = True  # the board shows self-scores (Đà Nẵng) or only the final results
    disclosure_results: Literal["period", "year"] = "period"  # the board shows each period's or the year's results
    yearly_levels: bool = False  # a period gives points only; the level is decided from the year's average
    yearly_levels_cite: Citation | None = None
    rounding_cite: Citation | None = None  # the rounding rule, cited on every threshold line
    in_force_cite: Citation | None = None  # where `in_force_from` comes from
    period_cite: Citation | None = None  # why the regime is monthly / quarterly, when that is a choice
    step_down_cite: Citation | None = None  # a level's condition missed: down one level at a time

    @property
    def uses_360(self) -> bool:
        """True when scores come from several evaluators (self, peers, leaders)."""
        return self.review_360 is not None

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        """All scored criteria of the regime, in order."""
        return tuple(self.criteria_by_code.values())

    @property
    def asks_job_relation(self) -> bool:
        """True when a discipline counts only for a violation related to performing duties (NĐ 233 Điều 12.4.c):
        the caller then says whether it is (`Assessment.discipline_job_related`)."""
        return any(rule.job_related_only for rule in self.disqualifiers)

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
            if level.reached_by(total):
                return level
        return self.levels[-1]

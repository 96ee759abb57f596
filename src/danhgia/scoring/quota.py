"""apply_quota(): the share cap on the top level inside one unit / task group.

Order: candidates are ranked by total, highest first; the lowest totals are demoted first.
People tied on the cut line are never separated by guess: all of them are provisionally
demoted and reported as a TieGroup (needs_human_decision) until `tie_winners` names who keeps it.

The results are those of one period (EvaluationResult) or of one year (RollupResult: its `year` counts). The caller
applies a quota of scope "year" (NĐ 233: on the yearly level only, `QuotaRule.scope`) to the year's results only,
never at a period's closing; apply_quota applies the rule to whatever results it is given.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from danhgia.scoring.engine import resolve_regime
from danhgia.scoring.errors import InvalidAssessmentError
from danhgia.scoring.model import (
    EvaluationResult,
    ExplanationLine,
    QuotaDecision,
    QuotaResult,
    RollupResult,
    TieGroup,
)
from danhgia.scoring.numbers import format_percent, format_points, to_fraction
from danhgia.scoring.regime import Level, QuotaRule, Regime


@dataclass(frozen=True, slots=True)
class _YearEntry:
    """The year of a roll-up, as the quota reads a result."""

    regime_id: str
    person_id: str
    rated: bool
    total: Decimal | None
    level: Level | None


def _entries(results: Sequence[EvaluationResult | RollupResult]) -> list[EvaluationResult | _YearEntry]:
    """The results as the quota reads them (all of one kind: periods or years)."""
    years = [isinstance(result, RollupResult) for result in results]
    if any(years) and not all(years):
        index = years.index(not years[0])
        raise InvalidAssessmentError(f"results[{index}]", "không trộn kết quả của kỳ với kết quả của năm")
    entries: list[EvaluationResult | _YearEntry] = []
    for result in results:
        if isinstance(result, RollupResult):
            year = result.year
            entries.append(_YearEntry(result.regime_id, result.person_id, year.rated, year.total, year.level))
        else:
            entries.append(result)
    return entries


__all__ = ["allowed_count", "apply_quota"]


def _subject(person_ids: Sequence[str]) -> str | None:
    """The subject of a line about these people: one person's code, or their codes joined by ", " — which is no one
    person's code (staff codes have no comma or space), so that none of them reads it as their own."""
    return ", ".join(person_ids) or None


def allowed_count(rule: QuotaRule, ratio: Fraction, candidates: int, basis_others: int) -> int:
    """How many candidates may keep the level.

    basis "rated": floor(ratio × all rated people). Basis = a level (NĐ 335: HTT): the count is
    taken AFTER demotion, so demoted people count in it when they are demoted into that level:
    the largest k with k ≤ ratio × (others + candidates − k).
    """
    if rule.basis == "rated":
        limit = ratio * (basis_others + candidates)
    elif rule.basis == rule.demote_to:
        limit = ratio * (basis_others + candidates) / (1 + ratio)
    else:
        limit = ratio * basis_others
    return min(candidates, limit.numerator // limit.denominator)


def apply_quota(
    regime: Regime | str,
    results: Sequence[EvaluationResult | RollupResult],
    *,
    exceptional: bool = False,
    tie_winners: Collection[str] = (),
) -> QuotaResult:
    """Final levels of one unit / task group after the regime's quota (see module docstring); `results` are the
    period results (EvaluationResult) or the year roll-ups (RollupResult) of the group."""
    reg = resolve_regime(regime)
    entries = _entries(results)
    seen: set[str] = set()
    for index, result in enumerate(entries):
        if result.regime_id != reg.id:
            raise InvalidAssessmentError(
                f"results[{index}]", f"kết quả thuộc chế độ «{result.regime_id}», không phải «{reg.id}»"
            )
        if result.rated and not result.person_id:
            raise InvalidAssessmentError(f"results[{index}].person_id", "cần mã cán bộ để áp dụng tỷ lệ")
        if result.person_id in seen and result.person_id:
            raise InvalidAssessmentError(f"results[{index}].person_id", f"mã «{result.person_id}» bị trùng")
        seen.add(result.person_id)
    lines: list[ExplanationLine] = []
    rule = reg.quota
    if rule is None:
        if exceptional or tie_winners:
            raise InvalidAssessmentError("exceptional", f"chế độ {reg.id} không giới hạn tỷ lệ")
        assert reg.quota_absent_cite is not None
        lines.append(
            ExplanationLine(None, "Không áp dụng giới hạn tỷ lệ xếp loại", reg.quota_absent_cite, kind="quota_none")
        )
        unchanged = tuple(QuotaDecision(r.person_id, r.total, r.level, r.level) for r in entries)
        return QuotaResult(reg.id, False, len(unchanged), 0, unchanged, None, tuple(lines))

    if exceptional:
        if rule.exceptional_ratio is None or rule.exceptional_cite is None:
            raise InvalidAssessmentError("exceptional", f"chế độ {reg.id} không có tỷ lệ ngoại lệ")
        ratio, ratio_cite = rule.exceptional_ratio, rule.exceptional_cite
    else:
        ratio, ratio_cite = rule.ratio, rule.cite
    top, lower = reg.level(rule.level), reg.level(rule.demote_to)
    rated = [r for r in entries if r.rated and r.level is not None]
    candidates = sorted(
        (r for r in rated if r.level is not None and r.level.code == rule.level),
        key=lambda r: (-(r.total or 0), r.person_id),
    )
    if rule.basis == "rated":
        others = len(rated) - len(candidates)
        basis_name, cap_kind, basis_level = "tổng số người được xếp loại", "quota_cap_rated", ""
    else:
        others = sum(1 for r in rated if r.level is not None and r.level.code == rule.basis)
        basis_level = reg.level(rule.basis).name
        basis_name, cap_kind = f"số người xếp loại «{basis_level}»", "quota_cap_level"
    allowed = allowed_count(rule, to_fraction(ratio), len(candidates), others)

    keep: set[str] = {r.person_id for r in candidates[:allowed]}
    tie: TieGroup | None = None
    pending: set[str] = set()
    winners = set(tie_winners)
    if 0 < allowed < len(candidates) and candidates[allowed - 1].total == candidates[allowed].total:
        cut = candidates[allowed].total
        assert cut is not None
        tied = [r.person_id for r in candidates if r.total == cut]
        above = [r.person_id for r in candidates if (r.total or 0) > cut]
        slots = allowed - len(above)
        keep = set(above)
        if winners:
            unknown = winners - set(tied)
            if unknown:
                raise InvalidAssessmentError("tie_winners", f"{', '.join(sorted(unknown))} không thuộc nhóm bằng điểm")
            if len(winners) > slots:
                raise InvalidAssessmentError("tie_winners", f"chỉ còn {slots} suất cho nhóm bằng điểm")
            keep |= winners
            chosen = sorted(winners)
            lines.append(
                ExplanationLine(
                    None,
                    f"Nhóm bằng {format_points(cut)} điểm: người có thẩm quyền đã chọn {', '.join(chosen)}",
                    ratio_cite,
                    kind="quota_tie_chosen",
                    params=("total", cut, "chosen", ", ".join(chosen)),
                    subject=_subject(chosen),
                )
            )
        else:
            tie = TieGroup(tuple(tied), cut, slots)
            pending = set(tied)
            lines.append(
                ExplanationLine(
                    None,
                    f"{len(tied)} người bằng {format_points(cut)} điểm tại ngưỡng cắt, còn {slots} suất: "
                    f"cần người có thẩm quyền quyết định ({', '.join(tied)}); tạm xếp «{lower.name}»",
                    ratio_cite,
                    kind="quota_tie_pending",
                    params=(
                        "count",
                        len(tied),
                        "total",
                        cut,
                        "slots",
                        slots,
                        "people",
                        ", ".join(tied),
                        "level",
                        lower.name,
                    ),
                    subject=_subject(tied),
                )
            )
    elif winners:
        raise InvalidAssessmentError("tie_winners", "không có trường hợp bằng điểm tại ngưỡng cắt")

    if rule.basis == "rated":
        final_basis = len(rated)
    elif rule.basis == rule.demote_to:
        final_basis = others + len(candidates) - len(keep)
    else:
        final_basis = others
    lines.insert(
        0,
        ExplanationLine(
            None,
            f"«{top.name}» không quá {format_percent(ratio * 100)} {basis_name}: "
            f"{len(candidates)} người đạt, được giữ tối đa {allowed}",
            ratio_cite,
            kind=cap_kind,
            params=(
                "level",
                top.name,
                "percent",
                ratio * 100,
                "basis_level",
                basis_level,
                "count",
                len(candidates),
                "allowed",
                allowed,
            ),
        ),
    )
    lines.insert(1, ExplanationLine(None, "Cách đếm và làm tròn tỷ lệ", rule.basis_cite, kind="quota_counting"))
    decisions: list[QuotaDecision] = []
    for result in entries:
        is_candidate = result.rated and result.level is not None and result.level.code == rule.level
        if not is_candidate or result.person_id in keep:
            decisions.append(QuotaDecision(result.person_id, result.total, result.level, result.level))
            continue
        decisions.append(
            QuotaDecision(result.person_id, result.total, result.level, lower, True, result.person_id in pending)
        )
        if result.person_id not in pending:
            assert result.total is not None
            lines.append(
                ExplanationLine(
                    None,
                    f"{result.person_id} ({format_points(result.total)} điểm): hạ từ «{top.name}» "
                    f"xuống «{lower.name}» do vượt tỷ lệ",
                    ratio_cite,
                    kind="quota_demoted",
                    params=("person", result.person_id, "total", result.total, "level", top.name, "lower", lower.name),
                    subject=result.person_id or None,
                )
            )
    return QuotaResult(reg.id, True, allowed, final_basis, tuple(decisions), tie, tuple(lines))

"""A regime per person: each person's category (loại cán bộ) chooses the regime their records are scored under.

A Sở employs công chức (NĐ 335/2025) and viên chức (NĐ 233/2026) side by side, and contract staff under the
rule its head decides (NĐ 233 Điều 20.2). The choice for a category is made by a unit (it holds for the units
below it, unless one of them chooses otherwise), else by the organisation (`REGIME_BY_CATEGORY`), else it is
the period's regime (`REGIME`) — which is also what a person without a category, and every record made before
categories existed, is scored under. A record keeps the regime and category it was made with.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from danhgia.scoring import Regime, ScoringError, load_regime
from danhgia.storage.models import Assessment, Period, Person
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow.calendar import span_from_key
from danhgia.workflow.clock import Clock
from danhgia.workflow.common import Actor, Change, audit
from danhgia.workflow.refusal import Refusal

#: The categories of staff (Luật Cán bộ, công chức; Luật Viên chức; contract workers), code → Vietnamese name.
CATEGORIES: dict[str, str] = {
    "can_bo": "Cán bộ",
    "cong_chuc": "Công chức",
    "vien_chuc": "Viên chức",
    "nguoi_lao_dong": "Người lao động (hợp đồng)",
}


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.strip().lower().replace("đ", "d").replace("Đ", "d"))
    letters = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return "_".join(letters.replace("-", " ").replace("_", " ").split())


_BY_PLAIN = {code: code for code in CATEGORIES} | {_plain(name): code for code, name in CATEGORIES.items()}
_BY_PLAIN |= {"nguoi_lao_dong_hop_dong": "nguoi_lao_dong", "hop_dong": "nguoi_lao_dong", "nld": "nguoi_lao_dong"}


def parse_category(text: str) -> str:
    """The category code of what a roster or HR typed ("viên chức", "Vien chuc", "vien_chuc"); "" when empty.

    Raises Refusal("unknown_category") for anything else."""
    if not text.strip():
        return ""
    code = _BY_PLAIN.get(_plain(text))
    if code is None:
        raise Refusal("unknown_category", value=text.strip()[:40], allowed=", ".join(CATEGORIES))
    return code


def category_name(code: str) -> str:
    """The Vietnamese name of a category ("" → "chưa khai báo")."""
    return CATEGORIES.get(code, code) if code else "chưa khai báo"


def check_choice(regime_id: str, default_regime_id: str) -> Regime:
    """The regime a category may be given: a known regime whose periods are as long as the default's (a unit's
    periods are shared by everyone in it). Raises Refusal otherwise."""
    try:
        regime = load_regime(regime_id)
    except ScoringError:
        raise Refusal("unknown_regime", regime=regime_id[:64]) from None
    default = load_regime(default_regime_id)
    if regime.period != default.period:
        raise Refusal("regime_period_mismatch", regime=regime.id, period=regime.period, default=default.period)
    return regime


def parse_category_map(text: str) -> dict[str, str]:
    """`vien_chuc=nd233-2026; nguoi_lao_dong=nd335-2025` → {category: regime id} (ValueError when malformed)."""
    found: dict[str, str] = {}
    for part in text.replace(",", ";").split(";"):
        if not part.strip():
            continue
        category, sep, regime_id = part.partition("=")
        if not sep or not regime_id.strip():
            raise ValueError(f"expected category=regime, got {part.strip()!r}")
        try:
            code = parse_category(category)
        except Refusal:
            raise ValueError(f"unknown category {category.strip()!r}; known: {', '.join(CATEGORIES)}") from None
        if not code:
            raise ValueError(f"empty category in {part.strip()!r}")
        found[code] = regime_id.strip()
    return found


@dataclass(frozen=True)
class Choice:
    """Who decides a category's regime for a unit: the unit itself, a unit above it, the organisation, or the
    period's default."""

    regime_id: str
    source: str  # "unit", "organisation" or "default"
    unit_code: str = ""


class RegimeChoices:
    """The regime each person is scored under, and the units' choices per category."""

    def __init__(self, db: Database, clock: Clock, by_category: Mapping[str, str], default_regime_id: str) -> None:
        self.db = db
        self.clock = clock
        self.by_category = dict(by_category)
        self.default_regime_id = default_regime_id

    def choice(self, uow: UnitOfWork, unit_id: int, category: str, default_regime_id: str) -> Choice:
        """The regime of a category in a unit: its own choice or its nearest parent's, the organisation's, or the
        default."""
        if category:
            current = uow.units.get(unit_id)
            seen: set[int] = set()
            while current is not None and current.id is not None and current.id not in seen:
                seen.add(current.id)
                own = uow.unit_regimes.of(current.id, category)
                if own is not None:
                    return Choice(own.regime_id, "unit", current.code)
                current = uow.units.get(current.parent_id) if current.parent_id is not None else None
            if category in self.by_category:
                return Choice(self.by_category[category], "organisation")
        return Choice(default_regime_id, "default")

    def regime_for(self, uow: UnitOfWork, person: Person, period: Period) -> str:
        """The regime a new record of this person in this period is scored under: the category's choice if that
        regime is in force on the period's first day and has the period's length, else the period's regime."""
        chosen = self.choice(uow, person.unit_id, person.category, period.regime_id).regime_id
        if chosen == period.regime_id:
            return chosen
        try:
            regime, default = load_regime(chosen), load_regime(period.regime_id)
        except ScoringError:
            return period.regime_id
        if regime.period != default.period or not _in_force(regime, period.starts_on):
            return period.regime_id
        return regime.id

    def set(self, actor: Actor, unit_code: str, category: str, regime_id: str) -> Choice:
        """HR records a unit's regime for a category (it holds for the units below it too)."""
        now = self.clock.now()
        code = parse_category(category)
        if not code:
            raise Refusal("unknown_category", value="", allowed=", ".join(CATEGORIES))
        regime = check_choice(regime_id, self.default_regime_id)
        with self.db.uow() as uow:
            unit = uow.units.get_by_code(unit_code)
            if unit is None or unit.id is None:
                raise Refusal("not_found")
            before = uow.unit_regimes.of(unit.id, code)
            old = {"regime_id": before.regime_id} if before is not None else None
            uow.unit_regimes.set(unit.id, code, regime.id, now)
            audit(
                uow,
                actor,
                Change("unit.regime", "unit", str(unit.id), old, {"category": code, "regime_id": regime.id}),
                now,
            )
            uow.commit()
        return Choice(regime.id, "unit", unit_code)

    def clear(self, actor: Actor, unit_code: str, category: str) -> bool:
        """HR removes a unit's choice (its parent's, the organisation's or the default applies again)."""
        now = self.clock.now()
        code = parse_category(category)
        with self.db.uow() as uow:
            unit = uow.units.get_by_code(unit_code)
            if unit is None or unit.id is None:
                raise Refusal("not_found")
            before = uow.unit_regimes.of(unit.id, code)
            if before is None:
                return False
            uow.unit_regimes.clear(unit.id, code)
            audit(
                uow,
                actor,
                Change("unit.regime", "unit", str(unit.id), {"category": code, "regime_id": before.regime_id}, None),
                now,
            )
            uow.commit()
        return True

    def set_unit_level(self, actor: Actor, unit_code: str, period_key: str, level: str) -> None:
        """HR records the level a unit itself was rated for a period: its head's record is scored not above it
        (regimes with a leader cap), from the next evaluation of that record — at the latest at closing."""
        now = self.clock.now()
        try:
            if not (len(period_key) == 4 and period_key.isdigit()):  # a year ("2026"), or a period's key
                span_from_key(period_key)
        except ValueError:
            raise Refusal("unknown_period_key", key=period_key[:16]) from None
        levels = load_regime(self.default_regime_id).level_by_code
        if level not in levels:
            raise Refusal("unknown_level", level=level[:16], allowed=", ".join(levels))
        with self.db.uow() as uow:
            unit = uow.units.get_by_code(unit_code)
            if unit is None or unit.id is None:
                raise Refusal("not_found")
            before = uow.unit_levels.of(unit.id, period_key)
            old = {"period": period_key, "level": before.level} if before is not None else None
            uow.unit_levels.set(unit.id, period_key, level, now)
            audit(
                uow, actor, Change("unit.level", "unit", str(unit.id), old, {"period": period_key, "level": level}), now
            )
            uow.commit()

    def table(self) -> list[tuple[str, str, str, Choice]]:
        """For each unit and category: (unit code, unit name, category, the choice that applies)."""
        with self.db.reader() as uow:
            rows = []
            for unit in uow.units.all():
                assert unit.id is not None
                for category in CATEGORIES:
                    rows.append(
                        (unit.code, unit.name, category, self.choice(uow, unit.id, category, self.default_regime_id))
                    )
            return rows


def record_regime(record: Assessment, period: Period) -> Regime:
    """The regime a record is scored under: its own (chosen when it was made), else its period's (older records)."""
    return load_regime(record.regime_id or period.regime_id)


def _in_force(regime: Regime, day: date) -> bool:
    starts = date.fromisoformat(regime.in_force_from) if regime.in_force_from else date.min
    ends = date.fromisoformat(regime.in_force_until) if regime.in_force_until else date.max
    return starts <= day <= ends

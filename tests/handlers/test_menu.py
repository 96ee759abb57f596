"""The command menu offers what the regime has: the 360° round (/danhgiacheo) under the Đà Nẵng model, the
disclosure board (/congkhai) where the regime publishes each period's results; roles add their own commands."""

from __future__ import annotations

import pytest

from danhgia.handlers.menu import BOARD, RATINGS, commands_for, default_signature, features_of, menu_signature
from danhgia.workflow import evaluation as ev
from danhgia.workflow.common import ROLE_COUNCIL, ROLE_LEADER


@pytest.mark.parametrize(
    ("regime", "features"),
    [
        ("nd335-2025", frozenset()),
        ("hanoi-1841-2021", frozenset({BOARD})),  # Hà Nội publishes results inside the unit
        ("nd233-2026", frozenset()),  # NĐ 233 publishes the year's levels, not a monthly board
        ("danang-lienchieu-2013", frozenset({RATINGS, BOARD})),
    ],
)
def test_each_regime_offers_its_own_commands(regime: str, features: frozenset[str]) -> None:
    offered = features_of(ev.regime_of(regime))
    assert offered == features
    names = [c.name for c in commands_for((), offered)]
    assert ("danhgiacheo" in names) == (RATINGS in features)
    assert ("congkhai" in names) == (BOARD in features)
    assert names[:3] == ["tuannay", "baocaotuan", "tudanhgia"]


def test_roles_add_their_commands_and_the_signature_follows_the_menu() -> None:
    none: frozenset[str] = frozenset()
    leader = [c.name for c in commands_for({ROLE_LEADER}, none)]
    assert "duyet" in leader and "uyquyen" in leader and "hoidong" not in leader
    assert "hoidong" in [c.name for c in commands_for({ROLE_COUNCIL}, none)]
    assert menu_signature((), none) == default_signature(none)
    assert default_signature(none) != default_signature(frozenset({RATINGS, BOARD}))

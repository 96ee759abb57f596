"""Typed callback data: every action packs to at most 64 bytes and unpacks to itself; anything else a client may
send (forged, truncated, from an older version) unpacks to None, never to an error."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from danhgia.chat.callbacks import Callback, as_int, flag, unpack, unpack_as
from danhgia.chat.panel import Choice, Panel, keyboard
from danhgia.texts import Html


@dataclass(frozen=True)
class Open(Callback, feature="zz", code="o"):
    record: int
    from_list: bool = flag("q")


@dataclass(frozen=True)
class Pick(Callback, feature="zz", code="p"):
    record: int
    mark: str
    page: int | None = None


@dataclass(frozen=True)
class Bare(Callback, feature="zy"):
    task: int
    status: str


def test_actions_pack_in_the_wire_format_and_back() -> None:
    assert Open(7).pack() == "v1:zz:o:7"
    assert Open(7, from_list=True).pack() == "v1:zz:o:7:q"
    assert Pick(3, "0a1b").pack() == "v1:zz:p:3:0a1b"
    assert Pick(3, "0a1b", 2).pack() == "v1:zz:p:3:0a1b:2"
    assert Bare(5, "ok").pack() == "v1:zy:5:ok"
    for action in (Open(7), Open(7, True), Pick(3, "x"), Pick(3, "x", 0), Bare(5, "ok")):
        assert unpack(action.pack()) == action
    assert unpack_as("v1:zz:o:7:q", Open) == Open(7, True)
    assert unpack_as("v1:zz:o:7", Pick) is None
    assert Open(7).choice("Mở") == Choice("Mở", "v1:zz:o:7")


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "v1",
        "v1:zz",
        "v1:zz:o",
        "v1:zz:o:abc",
        "v1:zz:o:7:x",
        "v1:zz:o:7:q:extra",
        "v1:zz:p:3",
        "v1:zz:zz:3",
        "v2:zz:o:7",
        "v1:zz:o:" + "9" * 30,
        "v1:zz:o:٣",
        "v1:zz:o: 7",
        "v1:zz:o:+7",
    ],
)
def test_data_not_well_formed_unpacks_to_nothing(data: str | None) -> None:
    assert unpack(data) is None


def test_a_field_that_cannot_be_written_is_refused_when_packed() -> None:
    with pytest.raises(ValueError):
        Pick(1, "a:b").pack()
    with pytest.raises(ValueError):
        Pick(1, "x" * 60).pack()
    with pytest.raises(ValueError):

        @dataclass(frozen=True)
        class Twice(Callback, feature="zz", code="o"):
            record: int


@given(st.integers(-(2**61), 2**61), st.text(st.characters(blacklist_characters=":"), max_size=20), st.booleans())
def test_any_action_comes_back_as_itself(record: int, mark: str, listed: bool) -> None:
    for action in (Open(record, listed), Pick(record, mark) if mark else Pick(record, "m", 1)):
        try:
            data = action.pack()
        except ValueError:  # over 64 bytes
            continue
        assert unpack(data) == action


@given(st.text(max_size=80))
def test_any_text_unpacks_without_an_error(data: str) -> None:
    unpack(data)
    unpack("v1:zz:" + data)
    as_int(data)


def test_a_panel_keeps_its_choices_in_order() -> None:
    panel = Panel(Html("x"), keyboard([[Open(1).choice("a"), Open(2).choice("b")], [], [Bare(3, "ok").choice("c")]]))
    assert [choice.label for choice in panel.choices()] == ["a", "b", "c"]
    assert panel.under(Html("note")).text == "note\n\nx"
    with pytest.raises(ValueError):
        Choice("neither")

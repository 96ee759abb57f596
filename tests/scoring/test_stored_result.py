"""A result stored with its lines as data reads back against its regime as the very result that was stored, so a
decided record is read, not evaluated again; a result that cannot be read back (another regime, an older form,
a level or citation the regime lacks) says so."""

from __future__ import annotations

import json

import pytest

from danhgia.scoring import Regime, load_regime
from danhgia.scoring.serialize import StoredResultError, result_from_dict, result_to_dict
from tests.scoring.lines import results_of_every_kind


def _regime_of(regime_id: str) -> Regime:
    return load_regime(regime_id)


def test_every_result_reads_back_as_it_was_stored() -> None:
    results = results_of_every_kind()
    read = set()
    for result in results:
        stored = json.loads(json.dumps(result_to_dict(result, line_data=True)))  # as the database keeps it
        try:
            regime = _regime_of(result.regime_id)
            back = result_from_dict(stored, regime)
        except StoredResultError:
            continue  # a test variant of a regime (its own levels or citations): not a bundled regime's result
        assert result_to_dict(back, line_data=True) == stored
        assert (back.total, back.level, back.parts, back.task_stats) == (
            result.total,
            result.level,
            result.parts,
            result.task_stats,
        )
        assert [line.text for line in back.explanation] == [line.text for line in result.explanation]
        assert [line.kind for line in back.explanation] == [line.kind for line in result.explanation]
        read.add(result.regime_id)
    assert len(read) >= 3  # results of at least three bundled regimes were read back


def test_what_cannot_be_read_back_is_refused() -> None:
    result = results_of_every_kind()[0]
    regime = _regime_of(result.regime_id)
    stored = result_to_dict(result, line_data=True)
    with pytest.raises(StoredResultError):
        result_from_dict(result_to_dict(result), regime)  # an older form: lines without their kind
    with pytest.raises(StoredResultError):
        result_from_dict({**stored, "regime": "hanoi-1841-2021"}, regime)
    with pytest.raises(StoredResultError):
        result_from_dict({**stored, "level": {"code": "ZZZ"}}, regime)
    with pytest.raises(StoredResultError):
        result_from_dict({**stored, "total": "abc"}, regime)
    with pytest.raises(StoredResultError):
        result_from_dict({k: v for k, v in stored.items() if k != "person_id"}, regime)

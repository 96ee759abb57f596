"""docs/scoring.md: its examples run, its printed outputs are what the command prints, its settings are complete.

Fenced blocks tagged ```json example=NAME are inputs of `danhgia score` (`--unit` when they have "people",
`--rollup` when they have "periods"); ```text output=NAME is the exact `--explain` output of that example and
```json output=NAME a part of its JSON output (objects: the keys shown; lists: every item, in order).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from danhgia.bot.cli import app
from danhgia.scoring import list_regimes
from tests.scoring.builders import REGIME_IDS

DOC = Path(__file__).resolve().parents[2] / "docs" / "scoring.md"
BLOCK = re.compile(r"^```(\w+)(?: (example|output)=([\w-]+))?\n(.*?)^```$", re.MULTILINE | re.DOTALL)
runner = CliRunner()


def blocks() -> list[tuple[str, str, str, str]]:
    """(language, role, name, body) of every fenced block of the document."""
    return [(m[1], m[2] or "", m[3] or "", m[4]) for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))]


def examples() -> dict[str, str]:
    found = {name: body for lang, role, name, body in blocks() if role == "example"}
    assert found, "docs/scoring.md has no example"
    return found


def outputs(kind: str) -> list[tuple[str, str]]:
    return [(name, body) for lang, role, name, body in blocks() if role == "output" and lang == kind]


def run(name: str, tmp_path: Path, *extra: str) -> str:
    body = examples()[name]
    data = json.loads(body)
    path = tmp_path / f"{name}.json"
    path.write_text(body, encoding="utf-8")
    mode = ["--unit"] if "people" in data else ["--rollup"] if "periods" in data else []
    result = runner.invoke(app, ["score", *mode, *extra, str(path)])
    assert result.exit_code == 0, result.output
    return result.stdout


def contains(actual: Any, expected: Any, where: str = "") -> None:
    """`expected` is a part of `actual`: the keys shown for objects, every item for lists."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing"
            contains(actual[key], value, f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r}"
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            contains(a, e, f"{where}[{index}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


@pytest.mark.parametrize("name", sorted(examples()))
def test_every_example_runs(name: str, tmp_path: Path) -> None:
    data = json.loads(run(name, tmp_path))
    assert data["regime"] in REGIME_IDS


@pytest.mark.parametrize(("name", "text"), outputs("text"))
def test_printed_explanations_match(name: str, text: str, tmp_path: Path) -> None:
    assert run(name, tmp_path, "--explain") == text


@pytest.mark.parametrize(("name", "body"), outputs("json"))
def test_json_outputs_match(name: str, body: str, tmp_path: Path) -> None:
    contains(json.loads(run(name, tmp_path)), json.loads(body))


def test_every_output_belongs_to_an_example() -> None:
    names = set(examples())
    assert {name for _, role, name, _ in blocks() if role == "output"} <= names


def test_the_error_shown_is_the_real_one(tmp_path: Path) -> None:
    unit = json.loads(examples()["unit"])
    unit["people"][1]["criteria"]["y_thuc_ky_luat"] = 12
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(unit), encoding="utf-8")
    result = runner.invoke(app, ["score", "--unit", str(path)])
    assert result.exit_code == 2
    assert (
        result.stderr
        == "Lỗi: Dữ liệu không hợp lệ — people[1].criteria.y_thuc_ky_luat.points: 12 vượt điểm tối đa 10\n"
    )
    assert "Lỗi: Dữ liệu không hợp lệ — people[1].criteria.pham_chat.points: 12 vượt điểm tối đa 10" in DOC.read_text(
        encoding="utf-8"
    )


def test_the_rounding_example_of_the_doc() -> None:
    from danhgia.scoring import PeriodRecord, rollup

    records = [PeriodRecord(f"2026-0{i}", Decimal(t)) for i, t in enumerate(("89.99", "90", "90"), start=1)]
    quarter = rollup("nd335-2025", records).quarters[0]
    assert quarter.total == Decimal("90.00") and quarter.level is not None and quarter.level.code == "HTXS"


@pytest.mark.parametrize("regime_id", REGIME_IDS)
def test_every_setting_of_every_regime_is_documented(regime_id: str) -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"### `{regime_id}`", 1)[1].split("\n### ", 1)[0]
    regime = next(r for r in list_regimes() if r.id == regime_id)
    for setting in regime.settings:
        assert f"`{setting.key}`" in section, f"{regime_id}: setting {setting.key} is not in docs/scoring.md"


def test_readme_links_to_the_doc() -> None:
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "(docs/scoring.md)" in readme

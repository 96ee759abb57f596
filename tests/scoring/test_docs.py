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


# --------------------------------------------------------------------------- danhgia regimes --json

REGIMES_SECTION = "## Regime data (`danhgia regimes --json`)"
ROW = re.compile(r"^\| `([^`]+)` \| ([^|]+?) \| .+\|$", re.MULTILINE)
DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


def regimes_tables() -> tuple[dict[str, str], dict[str, str]]:
    """The documented keys of a regime object (path → type) and of a citation object."""
    section = DOC.read_text(encoding="utf-8").split(REGIMES_SECTION, 1)[1].split("\n## ", 1)[0]
    regime_table, citation_table = section.split("A **citation** is an object", 1)
    return dict(ROW.findall(regime_table)), dict(ROW.findall(citation_table))


def has_type(value: Any, documented: str, citation_keys: set[str]) -> bool:
    """`value` is of the documented type ("string", "decimal string or null", "list of citations", …)."""
    kind, _, nullable = documented.partition(" or ")
    if value is None:
        return nullable == "null"
    checks = {
        "string": lambda v: isinstance(v, str),
        "decimal string": lambda v: isinstance(v, str) and DECIMAL.match(v) is not None,
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "object": lambda v: isinstance(v, dict),
        "citation": lambda v: isinstance(v, dict) and set(v) == citation_keys,
        "list of objects": lambda v: isinstance(v, list) and all(isinstance(i, dict) for i in v),
        "list of strings": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
        "list of citations": lambda v: (
            isinstance(v, list) and all(isinstance(i, dict) and set(i) == citation_keys for i in v)
        ),
    }
    assert kind in checks, f"unknown documented type {documented!r}"
    return bool(checks[kind](value))


def printed_paths(value: Any, types: dict[str, str], citation_keys: set[str], path: str = "") -> set[str]:
    """Every key path of a printed regime object, each value checked against its documented type."""
    found: set[str] = set()
    if isinstance(value, dict) and not types.get(path, "").startswith("citation"):
        for key, item in value.items():
            child = f"{path}.{key}" if path else key
            found.add(child)
            assert child in types, f"{child} is printed but not documented"
            assert has_type(item, types[child], citation_keys), f"{child}: {item!r} is not a {types[child]}"
            found |= printed_paths(item, types, citation_keys, child)
    elif isinstance(value, list) and types.get(path) == "list of objects":
        for item in value:
            found |= printed_paths(item, types, citation_keys, f"{path}[]")
    return found


def test_the_regimes_json_keys_are_documented() -> None:
    types, citation = regimes_tables()
    assert types and set(citation) == {"key", "label", "source", "doc", "article", "rule", "url", "note"}
    result = runner.invoke(app, ["regimes", "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert [r["id"] for r in printed] == [r.id for r in list_regimes()]
    paths: set[str] = set()
    for regime in printed:
        paths |= printed_paths(regime, types, set(citation))
    assert paths == set(types), f"documented, never printed: {sorted(set(types) - paths)}"
    for regime_id in REGIME_IDS:
        one = json.loads(runner.invoke(app, ["regimes", regime_id, "--json"]).stdout)
        assert one == next(r for r in printed if r["id"] == regime_id)


def test_the_regimes_json_citations_are_what_the_doc_says() -> None:
    types, citation = regimes_tables()
    assert all(kind == "string" for kind in citation.values())
    cited = {path for path, kind in types.items() if "citation" in kind}
    assert cited >= {"disclosure", "leader_cap", "settings", "groups[].citation", "quota.citation"}
    printed = json.loads(runner.invoke(app, ["regimes", "--json"]).stdout)
    caps = {r["id"]: r["leader_cap"] for r in printed}
    assert [k for k, v in caps.items() if v is not None] == ["hanoi-1841-2021", "nd233-2026"]
    assert caps["hanoi-1841-2021"]["key"] == "lanh_dao"
    assert caps["nd233-2026"]["key"] == "nguoi_dung_dau"  # NĐ 233 Điều 12.7 (docs/scoring-nd233.md)


# --------------------------------------------------------------------------- the leader cap


def test_the_leader_cap_errors_shown_are_the_real_ones(tmp_path: Path) -> None:
    text = DOC.read_text(encoding="utf-8")
    shown = next(line for line in text.splitlines() if line.startswith("Lỗi: Dữ liệu không hợp lệ — leader.unit_level"))
    leaders: list[dict[str, Any]] = [{}, {"subordinate_levels": []}]
    for leader in leaders:
        assessment = {**json.loads(examples()["leader-cap"]), "leader": leader}
        path = tmp_path / "cap.json"
        path.write_text(json.dumps(assessment, ensure_ascii=False), encoding="utf-8")
        result = runner.invoke(app, ["score", str(path)])
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr == shown + "\n"
        rollup_file = tmp_path / "rollup.json"
        rollup_file.write_text(
            json.dumps({"regime": "hanoi-1841-2021", "periods": [{"period": "2026-01", "assessment": assessment}]}),
            encoding="utf-8",
        )
        assert (
            "— periods[0].assessment.leader.unit_level: cần mức"
            in runner.invoke(app, ["score", "--rollup", str(rollup_file)]).stderr
        )
        unit_file = tmp_path / "unit.json"
        unit_file.write_text(json.dumps({"regime": "hanoi-1841-2021", "people": [assessment]}), encoding="utf-8")
        assert (
            "— people[0].leader.unit_level: cần mức" in runner.invoke(app, ["score", "--unit", str(unit_file)]).stderr
        )
    wrong = {**json.loads(examples()["leader-cap"]), "leader": {"unit_level": "A"}}
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps(wrong, ensure_ascii=False), encoding="utf-8")
    message = runner.invoke(app, ["score", str(path)]).stderr.removeprefix("Lỗi: Dữ liệu không hợp lệ — ").strip()
    assert f"(`{message}`" in " ".join(text.split())

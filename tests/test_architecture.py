"""The shape of the code: no module imports another module's private names (the layers and the absence of import
circles are import-linter's contracts in pyproject.toml, run by scripts/test.sh), and no handler or workflow file
grows past about 600 lines."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "danhgia"
MAX_LINES = 620


def _module_of(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_module_imports_a_private_name_of_another() -> None:
    found = []
    for path in SRC.rglob("*.py"):
        here = _module_of(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("danhgia"):
                private = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                if private and node.module != here:
                    found.append(f"{here} imports {private} from {node.module}")
    assert found == []


def test_no_handler_or_workflow_file_is_over_about_600_lines() -> None:
    long = [
        f"{path.relative_to(SRC)}: {lines}"
        for folder in ("handlers", "workflow", "chat", "scheduler")
        for path in (SRC / folder).rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert long == []

"""The roster file: a CSV/XLSX staff list read and checked row by row into a table of rows and problems (codes
with parameters and the file's row number; the header is row 1). Nothing here touches the database."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from danhgia.workflow.common import ROLES
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.regimes import parse_category

REQUIRED_COLUMNS = ("ma_can_bo", "ho_ten", "ma_don_vi", "ten_don_vi", "chuc_vu", "vai_tro", "ma_cap_tren")
OPTIONAL_COLUMNS = ("ma_don_vi_cha", "email", "so_dien_thoai", "loai_can_bo")
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

MAX_LENGTHS = {"ma_can_bo": 64, "ma_don_vi": 64, "ho_ten": 255, "ten_don_vi": 255, "chuc_vu": 255}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 .\-()]{8,20}$")
_CODE = re.compile(r"^[^\s,;]+$")


@dataclass(frozen=True)
class RosterProblem:
    """One thing wrong with the file: a catalog code, the row it is on (0 = the file as a whole)."""

    row: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RosterRow:
    """One person as the file describes them (cells stripped and Unicode-normalised)."""

    row: int
    staff_code: str
    full_name: str
    unit_code: str
    unit_name: str
    position: str
    roles: tuple[str, ...]
    supervisor_code: str
    parent_unit_code: str | None
    email: str | None
    phone: str | None
    category: str | None = None  # loai_can_bo as typed (None: the file has no such column)


@dataclass
class RosterTable:
    """What was read from a file: its rows, the optional columns it has, and any problems reading it."""

    source: str
    rows: list[RosterRow] = field(default_factory=list)
    columns: tuple[str, ...] = ()
    problems: list[RosterProblem] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import changed (or would change, in a dry run)."""

    units_created: list[str] = field(default_factory=list)
    units_updated: list[str] = field(default_factory=list)
    people_created: list[str] = field(default_factory=list)
    people_updated: list[str] = field(default_factory=list)
    people_unchanged: int = 0
    reporting_changed: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        """Whether anything was (or would be) written."""
        return bool(
            self.units_created
            or self.units_updated
            or self.people_created
            or self.people_updated
            or self.reporting_changed
            or self.deactivated
        )


class RosterRejected(Exception):
    """The file was refused; `problems` lists every reason, by row."""

    def __init__(self, problems: list[RosterProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the roster")
        self.problems = sorted(problems, key=lambda p: (p.row, p.code))


def normalise_header(name: str) -> str:
    """`Mã cán bộ` / ` MA_CAN_BO ` / `ma can bo` → `ma_can_bo`."""
    text = unicodedata.normalize("NFD", name.replace("\ufeff", "").strip().lower())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").replace("đ", "d")
    return re.sub(r"[\s\-]+", "_", text)


def _clean(value: Any) -> str:
    """A cell as trimmed NFC text; whole-number floats from Excel lose their `.0`."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def read_roster(path: Path) -> RosterTable:
    """Read a roster from CSV (UTF-8, with or without BOM; `,` `;` or tab) or XLSX (first sheet)."""
    table = RosterTable(source=path.name)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            raw_rows = _read_csv(path.read_bytes(), table)
        elif suffix in (".xlsx", ".xlsm"):
            raw_rows = _read_xlsx(path, table)
        else:
            table.problems.append(RosterProblem(0, "unsupported_format", {"suffix": suffix or "?"}))
            return table
    except FileNotFoundError:
        table.problems.append(RosterProblem(0, "file_not_found", {"path": str(path)}))
        return table
    if raw_rows is None:
        return table
    return parse_rows(raw_rows, table)


def _read_csv(data: bytes, table: RosterTable) -> list[list[str]] | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        table.problems.append(RosterProblem(0, "not_utf8"))
        return None
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


def _read_xlsx(path: Path, table: RosterTable) -> list[list[str]] | None:
    from openpyxl import load_workbook  # imported here: only XLSX imports pay for it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        table.problems.append(RosterProblem(0, "unreadable_xlsx"))
        return None
    try:
        sheet = workbook.worksheets[0]
        return [[_clean(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def parse_rows(raw_rows: list[list[Any]], table: RosterTable) -> RosterTable:
    """Turn raw rows (the first is the header) into roster rows, noting problems of shape."""
    if not raw_rows or not any(_clean(c) for c in raw_rows[0]):
        table.problems.append(RosterProblem(0, "empty_file"))
        return table
    header = [normalise_header(_clean(c)) for c in raw_rows[0]]
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        if not name:
            continue
        if name in positions and name in KNOWN_COLUMNS:
            table.problems.append(RosterProblem(1, "duplicate_column", {"column": name}))
        positions.setdefault(name, index)
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        table.problems.append(RosterProblem(1, "missing_columns", {"columns": ", ".join(missing)}))
        return table
    table.columns = tuple(c for c in OPTIONAL_COLUMNS if c in positions)

    def cell(values: list[Any], column: str) -> str:
        index = positions.get(column)
        if index is None or index >= len(values):
            return ""
        return _clean(values[index])

    for number, values in enumerate(raw_rows[1:], start=2):
        if not any(_clean(v) for v in values):
            continue
        roles = tuple(dict.fromkeys(r.strip().lower() for r in re.split(r"[,;]", cell(values, "vai_tro")) if r.strip()))
        table.rows.append(
            RosterRow(
                row=number,
                staff_code=cell(values, "ma_can_bo"),
                full_name=re.sub(r"\s+", " ", cell(values, "ho_ten")),
                unit_code=cell(values, "ma_don_vi"),
                unit_name=cell(values, "ten_don_vi"),
                position=cell(values, "chuc_vu"),
                roles=roles,
                supervisor_code=cell(values, "ma_cap_tren"),
                parent_unit_code=cell(values, "ma_don_vi_cha") if "ma_don_vi_cha" in positions else None,
                email=cell(values, "email") if "email" in positions else None,
                phone=cell(values, "so_dien_thoai") if "so_dien_thoai" in positions else None,
                category=cell(values, "loai_can_bo") if "loai_can_bo" in positions else None,
            )
        )
    if not table.rows:
        table.problems.append(RosterProblem(0, "no_rows"))
    return table


def row_problems(r: RosterRow) -> list[RosterProblem]:
    """What is wrong with one row on its own: empty or too long cells, malformed codes, roles, email and phone."""
    problems: list[RosterProblem] = []
    for column, value in (
        ("ma_can_bo", r.staff_code),
        ("ho_ten", r.full_name),
        ("ma_don_vi", r.unit_code),
        ("vai_tro", ",".join(r.roles)),
    ):
        if not value:
            problems.append(RosterProblem(r.row, f"empty_{column}"))
    for column, value in (
        ("ma_can_bo", r.staff_code),
        ("ho_ten", r.full_name),
        ("ma_don_vi", r.unit_code),
        ("ten_don_vi", r.unit_name),
        ("chuc_vu", r.position),
    ):
        if len(value) > MAX_LENGTHS[column]:
            problems.append(RosterProblem(r.row, "too_long", {"column": column, "max": MAX_LENGTHS[column]}))
    for column, value in (("ma_can_bo", r.staff_code), ("ma_don_vi", r.unit_code)):
        if value and not _CODE.match(value):
            problems.append(RosterProblem(r.row, "bad_code", {"column": column, "value": value}))
    for role in r.roles:
        if role not in ROLES:
            problems.append(RosterProblem(r.row, "unknown_role", {"role": role, "allowed": ", ".join(ROLES)}))
    if r.email and not _EMAIL.match(r.email):
        problems.append(RosterProblem(r.row, "bad_email", {"value": r.email}))
    if r.phone and not _PHONE.match(r.phone):
        problems.append(RosterProblem(r.row, "bad_phone", {"value": r.phone}))
    if r.category:
        try:
            parse_category(r.category)
        except Refusal as refusal:
            problems.append(RosterProblem(r.row, "unknown_category", dict(refusal.params)))
    return problems

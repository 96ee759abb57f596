"""The archive as files: CSV (UTF-8, optionally with a BOM for Excel) or one Excel workbook with a sheet per table
(openpyxl's write-only mode, so a large archive streams)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook

Value = str | int | Decimal | None
FIXED = datetime(2000, 1, 1)  # the workbook's creation date: not the moment of the export


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Value]], *, bom: bool = False) -> bytes:
    """A CSV table with a header row; decimals written as they are stored ("87.50")."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def to_xlsx(tables: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Value]]]]) -> bytes:
    """An Excel workbook: one sheet per (name, columns, rows), header frozen."""
    book = Workbook(write_only=True)
    book.properties.created = book.properties.modified = FIXED
    for name, columns, rows in tables:
        sheet = book.create_sheet(name[:31])
        sheet.freeze_panes = "A2"
        sheet.append(list(columns))
        for row in rows:
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

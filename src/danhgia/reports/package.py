"""The year-end file of a unit as one zip: each person's yearly form, the unit's year summary, the minutes of the
meeting pre-filled with the proposed results, and the results notice (the documents NĐ 233 Điều 15, 17 lists)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from danhgia.reports.forms import year_form_docx
from danhgia.reports.summary import summary_xlsx
from danhgia.reports.year_documents import minutes_docx, notice_docx
from danhgia.workflow.report_data import SummaryData, YearFormData


def year_package(summary: SummaryData, forms: Sequence[YearFormData]) -> bytes:
    """The zip of a unit's year: `tong-hop-<năm>.xlsx`, `bien-ban-hop.docx`, `thong-bao-ket-qua.docx` and one
    `phieu/<mã>-<năm>.docx` per person; entries dated 31/12 of the year, so the same records give the same bytes."""
    year = int(summary.period_key)
    moment = (year, 12, 31, 0, 0, 0)
    files: list[tuple[str, bytes]] = [
        (f"tong-hop-{year}.xlsx", summary_xlsx(summary, sheets_by_unit=True)),
        ("bien-ban-hop.docx", minutes_docx(summary)),
        ("thong-bao-ket-qua.docx", notice_docx(summary)),
    ]
    files += [(f"phieu/{form.staff_code}-{year}.docx", year_form_docx(form)) for form in forms]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            entry = zipfile.ZipInfo(f"{summary.unit_code}-{year}/{name}", moment)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, content)
    return out.getvalue()

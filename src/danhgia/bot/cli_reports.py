"""CLI commands for HR's scripts: the official paperwork as files (`danhgia report form|summary|chart`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from danhgia.bot.cli_common import fail, load_settings
from danhgia.texts import t
from danhgia.workflow.common import Actor
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.services import Services

report_app = typer.Typer(help="Biểu mẫu và báo cáo chính thức: phiếu đánh giá (.docx), bảng tổng hợp (.xlsx), biểu đồ.")
ACTOR = Actor.cli("report")


def register(app: typer.Typer) -> None:
    """Add `report` and `export` to the `danhgia` CLI."""
    app.add_typer(report_app, name="report", no_args_is_help=True)
    app.command("export")(export)


def export(
    out: Annotated[Path, typer.Option(help="Thư mục sẽ ghi các tệp lưu trữ.")] = Path("luu-tru"),
    xlsx: Annotated[bool, typer.Option("--xlsx", help="Một tệp Excel (hai trang tính) thay vì hai tệp CSV.")] = False,
    bom: Annotated[bool, typer.Option("--bom", help="CSV có BOM để Excel đọc đúng tiếng Việt.")] = False,
) -> None:
    """Every evaluation record and the whole audit log, for the archive and the national database."""
    from danhgia.reports.exports import to_csv, to_xlsx
    from danhgia.workflow.exports import AUDIT_COLUMNS, RECORD_COLUMNS

    services = _services()
    records, audit = services.exports.records(), services.exports.audit()
    if xlsx:
        _write(
            out / "danhgia.xlsx",
            to_xlsx([("Phieu danh gia", RECORD_COLUMNS, records), ("Nhat ky", AUDIT_COLUMNS, audit)]),
        )
    else:
        _write(out / "phieu-danh-gia.csv", to_csv(RECORD_COLUMNS, records, bom=bom))
        _write(out / "nhat-ky.csv", to_csv(AUDIT_COLUMNS, audit, bom=bom))
    typer.echo(f"{len(records)} phiếu đánh giá, {len(audit)} dòng nhật ký.")


def _services() -> Services:
    from danhgia.bot.app import build_services, open_database

    settings = load_settings()
    return build_services(settings, open_database(settings))


def _refused(refusal: Refusal) -> str:
    return t(f"error.{refusal.code}", **{k: str(v) for k, v in refusal.params.items()})


def _write(out: Path, content: bytes) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    typer.echo(f"Đã ghi {out} ({len(content):,} byte).".replace(",", "."))


@report_app.command("form")
def report_form(
    staff_code: Annotated[str, typer.Argument(help="Mã cán bộ (ma_can_bo).")],
    period: Annotated[str, typer.Argument(help="Kỳ đánh giá: 2026-11 (hoặc 2026-Q4 với chế độ theo quý).")],
    out: Annotated[Path | None, typer.Option(help="Tệp .docx sẽ ghi (mặc định phieu-<mã>-<kỳ>.docx).")] = None,
) -> None:
    """A person's monitoring form for a period (Word), as the records hold it."""
    from danhgia.reports.forms import form_docx

    try:
        data = _services().reports.form_of(ACTOR, staff_code, period)
    except Refusal as refusal:
        fail(
            _refused(refusal)
            if refusal.code != "not_found"
            else f"Không có phiếu đã nộp của {staff_code} kỳ {period}.",
            2,
        )
    _write(out or Path(f"phieu-{staff_code}-{period}.docx"), form_docx(data))


@report_app.command("summary")
def report_summary(
    unit: Annotated[str, typer.Argument(help="Mã đơn vị (ma_don_vi); gồm cả các đơn vị trực thuộc.")],
    period: Annotated[str, typer.Argument(help="Kỳ đánh giá: 2026-11.")],
    out: Annotated[Path | None, typer.Option(help="Tệp .xlsx sẽ ghi (mặc định tonghop-<đơn vị>-<kỳ>.xlsx).")] = None,
    sheets_by_unit: Annotated[bool, typer.Option(help="Mỗi đơn vị trực thuộc một trang tính.")] = False,
) -> None:
    """A unit's summary for a period (Excel): one row per person, the count of each level, the quota's check."""
    from danhgia.reports.summary import summary_xlsx

    try:
        data = _services().reports.summary(ACTOR, unit, period)
    except Refusal as refusal:
        fail(_refused(refusal) if refusal.code != "not_found" else t("cli.unknown_unit", code=unit), 2)
    _write(out or Path(f"tonghop-{unit}-{period}.xlsx"), summary_xlsx(data, sheets_by_unit=sheets_by_unit))


@report_app.command("year-form")
def report_year_form(
    staff_code: Annotated[str, typer.Argument(help="Mã cán bộ (ma_can_bo).")],
    year: Annotated[int, typer.Option(help="Năm đánh giá.", min=2000, max=2100)],
    out: Annotated[Path | None, typer.Option(help="Tệp .docx sẽ ghi (mặc định phieu-nam-<mã>-<năm>.docx).")] = None,
) -> None:
    """A person's yearly form (Word; NĐ 233 Phụ lục II for a viên chức)."""
    from danhgia.reports.forms import year_form_docx

    try:
        data = _services().reports.year_form(ACTOR, staff_code, year)
    except Refusal as refusal:
        fail(_refused(refusal) if refusal.code != "not_found" else f"Không có cán bộ mã {staff_code}.", 2)
    _write(out or Path(f"phieu-nam-{staff_code}-{year}.docx"), year_form_docx(data))


@report_app.command("year")
def report_year(
    unit: Annotated[str, typer.Argument(help="Mã đơn vị (ma_don_vi); gồm cả các đơn vị trực thuộc.")],
    year: Annotated[int, typer.Option(help="Năm đánh giá.", min=2000, max=2100)],
    out: Annotated[Path | None, typer.Option(help="Tệp .xlsx sẽ ghi (mặc định nam-<đơn vị>-<năm>.xlsx).")] = None,
) -> None:
    """A unit's year (Excel): each person's year average and level under their own regime, after the yearly quota."""
    from danhgia.reports.summary import summary_xlsx

    try:
        data = _services().reports.year_summary(ACTOR, unit, year)
    except Refusal as refusal:
        fail(_refused(refusal) if refusal.code != "not_found" else t("cli.unknown_unit", code=unit), 2)
    _write(out or Path(f"nam-{unit}-{year}.xlsx"), summary_xlsx(data))


@report_app.command("year-package")
def report_year_package(
    unit: Annotated[str, typer.Argument(help="Mã đơn vị (ma_don_vi); gồm cả các đơn vị trực thuộc.")],
    year: Annotated[int, typer.Option(help="Năm đánh giá.", min=2000, max=2100)],
    out: Annotated[Path | None, typer.Option(help="Tệp .zip sẽ ghi (mặc định ho-so-<đơn vị>-<năm>.zip).")] = None,
) -> None:
    """The year-end file of a unit (zip): yearly forms, the year summary, the minutes template, the results notice."""
    from danhgia.reports.package import year_package

    services = _services()
    try:
        summary = services.reports.year_summary(ACTOR, unit, year)
        forms = services.reports.year_forms(ACTOR, unit, year)
    except Refusal as refusal:
        fail(_refused(refusal) if refusal.code != "not_found" else t("cli.unknown_unit", code=unit), 2)
    _write(out or Path(f"ho-so-{unit}-{year}.zip"), year_package(summary, forms))
    typer.echo(f"{len(forms)} phiếu xếp loại năm, bảng tổng hợp, biên bản họp và thông báo kết quả.")


@report_app.command("chart")
def report_chart(
    unit: Annotated[str, typer.Argument(help="Mã đơn vị (ma_don_vi); gồm cả các đơn vị trực thuộc.")],
    period: Annotated[str, typer.Argument(help="Kỳ đánh giá: 2026-11.")],
    out: Annotated[Path | None, typer.Option(help="Tệp .png sẽ ghi (mặc định xeploai-<đơn vị>-<kỳ>.png).")] = None,
) -> None:
    """The level distribution of a unit for a period, with the quota's limit (PNG)."""
    from danhgia.reports.charts import level_chart

    try:
        data = _services().reports.summary(ACTOR, unit, period)
    except Refusal as refusal:
        fail(_refused(refusal) if refusal.code != "not_found" else t("cli.unknown_unit", code=unit), 2)
    _write(out or Path(f"xeploai-{unit}-{period}.png"), level_chart(data))

"""CLI commands for HR: which regime each category of staff is evaluated under, per unit (`regime-map`), and the
year of a unit with each person under their own regime and the yearly quota (`year-report`)."""

from __future__ import annotations

from typing import Annotated

import typer

from danhgia.bot.cli_common import fail, load_settings
from danhgia.texts import t
from danhgia.workflow.common import Actor
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.regimes import CATEGORIES, category_name, parse_category
from danhgia.workflow.services import Services
from danhgia.workflow.years import describe

regime_map_app = typer.Typer(
    help="Chế độ đánh giá theo loại cán bộ (công chức, viên chức, người lao động) của từng đơn vị.",
    no_args_is_help=True,
)
SOURCES = {"unit": "đơn vị {unit} chọn", "organisation": "REGIME_BY_CATEGORY", "default": "REGIME (mặc định)"}


def register(app: typer.Typer) -> None:
    """Add `regime-map` and `year-report` to the `danhgia` CLI."""
    app.add_typer(regime_map_app, name="regime-map")
    app.command("year-report")(year_report)
    app.command("unit-level")(unit_level)


def unit_level(
    unit: Annotated[str, typer.Argument(help="Mã đơn vị (ma_don_vi).")],
    period: Annotated[str, typer.Argument(help="Kỳ: 2026-11, 2026-Q4, hoặc năm 2026.")],
    level: Annotated[str, typer.Argument(help="Mức xếp loại của đơn vị: HTXS, HTT, HT, KHT.")],
) -> None:
    """The level a unit itself was rated for a period: its head is not rated above it (regimes with that rule)."""
    services = _services()
    try:
        services.regimes.set_unit_level(Actor.cli("unit-level"), unit, period, level.strip().upper())
    except Refusal as refusal:
        fail(_refused(refusal) if refusal.code != "not_found" else t("cli.unknown_unit", code=unit), 2)
    typer.echo(
        f"Đơn vị {unit}, kỳ {period}: {level.strip().upper()}. Người đứng đầu đơn vị không được xếp cao hơn mức này "
        "(chế độ có quy định đó); phiếu chưa chốt được tính lại, chậm nhất khi chốt kỳ."
    )


def year_report(
    unit: Annotated[str, typer.Argument(help="Mã đơn vị (ma_don_vi); gồm cả các đơn vị trực thuộc.")],
    year: Annotated[int, typer.Option(help="Năm đánh giá.", min=2000, max=2100)],
) -> None:
    """The year of a unit: each person's average and level under their own regime, after the yearly quota."""
    services = _services()
    try:
        rows = services.years.unit_year(Actor.cli("year-report"), unit, year)
    except Refusal as refusal:
        fail(_refused(refusal) if refusal.code != "not_found" else t("cli.unknown_unit", code=unit), 2)
    if not rows:
        typer.echo(f"Năm {year}: đơn vị {unit} chưa có kỳ nào đã chốt.")
        return
    typer.echo(f"Năm {year} — đơn vị {unit} (mã\thọ tên\tloại\tchế độ\tđiểm năm\txếp loại):")
    for row in rows:
        typer.echo(describe(row))


def _services() -> Services:
    from danhgia.bot.app import build_services, open_database

    settings = load_settings()
    return build_services(settings, open_database(settings))


def _refused(refusal: Refusal) -> str:
    return t(f"error.{refusal.code}", **{k: str(v) for k, v in refusal.params.items()})


@regime_map_app.command("show")
def regime_map_show() -> None:
    """The regime each category of staff uses in each unit, and who chose it."""
    services = _services()
    for code, name, category, choice in services.regimes.table():
        source = SOURCES[choice.source].format(unit=choice.unit_code)
        typer.echo(f"{code}\t{name}\t{category_name(category)}\t{choice.regime_id}\t({source})")


@regime_map_app.command("set")
def regime_map_set(
    unit: Annotated[str, typer.Argument(help="Mã đơn vị (ma_don_vi); áp dụng cả cho các đơn vị trực thuộc.")],
    category: Annotated[str, typer.Argument(help=f"Loại cán bộ: {', '.join(CATEGORIES)}.")],
    regime: Annotated[str, typer.Argument(help="Mã chế độ (danhgia regimes).")],
) -> None:
    """A unit chooses the regime of one category of its staff (from the next record made)."""
    services = _services()
    try:
        choice = services.regimes.set(Actor.cli("regime-map"), unit, category, regime)
        code = parse_category(category)
    except Refusal as refusal:
        fail(_refused(refusal) if refusal.code != "not_found" else t("cli.unknown_unit", code=unit), 2)
    typer.echo(
        f"Đơn vị {unit}: {category_name(code)} đánh giá theo {choice.regime_id} "
        "(áp dụng cho các phiếu lập từ nay; phiếu đã lập giữ chế độ của mình)."
    )


@regime_map_app.command("clear")
def regime_map_clear(
    unit: Annotated[str, typer.Argument(help="Mã đơn vị (ma_don_vi).")],
    category: Annotated[str, typer.Argument(help=f"Loại cán bộ: {', '.join(CATEGORIES)}.")],
) -> None:
    """Forget a unit's choice: its parent's, the organisation's or REGIME applies again."""
    services = _services()
    try:
        removed = services.regimes.clear(Actor.cli("regime-map"), unit, category)
    except Refusal as refusal:
        fail(_refused(refusal) if refusal.code != "not_found" else t("cli.unknown_unit", code=unit), 2)
    typer.echo("Đã bỏ lựa chọn của đơn vị." if removed else "Đơn vị không có lựa chọn riêng; không có gì thay đổi.")

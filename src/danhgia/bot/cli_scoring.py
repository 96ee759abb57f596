"""CLI commands of the scoring module: `danhgia score` (JSON in, JSON or text out) and `danhgia regimes`."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from danhgia.scoring import (
    DEFAULT_REGIME_ID,
    EvaluationResult,
    ExplanationLine,
    InvalidAssessmentError,
    PeriodSummary,
    QuotaResult,
    Regime,
    RollupResult,
    ScoringError,
    apply_quota,
    evaluate,
    format_points,
    list_regimes,
    load_regime,
    load_regime_file,
    parse_assessment,
    parse_rollup_input,
    parse_unit_input,
    regime_to_dict,
    result_to_dict,
    rollup,
    rollup_to_dict,
)
from danhgia.scoring.serialize import unit_to_dict

__all__ = ["register"]


#: the messages of the json module, in Vietnamese
_JSON_ERRORS = (
    ("Expecting property name enclosed in double quotes", "tên trường phải đặt trong dấu nháy kép"),
    ("Expecting value", "thiếu giá trị (hoặc giá trị không hợp lệ)"),
    ("Expecting ',' delimiter", "thiếu dấu phẩy"),
    ("Expecting ':' delimiter", "thiếu dấu hai chấm"),
    ("Unterminated string", "chuỗi chưa có dấu nháy đóng"),
    ("Invalid control character", "ký tự điều khiển trong chuỗi (xuống dòng, tab) phải được viết dạng \\n, \\t"),
    ("Invalid \\escape", "ký tự thoát «\\» không hợp lệ"),
    ("Extra data", "còn dữ liệu thừa sau đối tượng JSON"),
)


def _fail(message: str) -> NoReturn:
    typer.echo(f"Lỗi: {message}", err=True)
    raise typer.Exit(code=2)


def _read_json(file: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        _fail(f"không tìm thấy tệp «{file}»")
    except IsADirectoryError:
        _fail(f"«{file}» là một thư mục, không phải tệp JSON")
    except PermissionError:
        _fail(f"không có quyền đọc tệp «{file}»")
    except UnicodeDecodeError:
        _fail(f"tệp «{file}» phải được lưu với bảng mã UTF-8")
    except OSError as exc:
        _fail(f"không đọc được tệp «{file}» ({exc.strerror or exc})")
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        what = next((vi for en, vi in _JSON_ERRORS if exc.msg.startswith(en)), "sai cú pháp JSON")
        _fail(f"tệp «{file}» không phải JSON hợp lệ (dòng {exc.lineno}, cột {exc.colno}): {what}")
    if not isinstance(data, dict):
        _fail(f"tệp «{file}» phải chứa một đối tượng JSON ({{…}})")
    return data


def _regime(option: str | None, regime_file: Path | None, data: dict[str, Any]) -> Regime:
    if regime_file is not None:
        if option:
            _fail("chỉ dùng một trong hai: --regime hoặc --regime-file")
        return load_regime_file(regime_file)
    in_file = data.get("regime")
    if in_file is not None and not isinstance(in_file, str):
        _fail("trường «regime» trong tệp phải là chuỗi ký tự")
    if option and in_file and option != in_file:
        _fail(f"--regime {option} khác với «regime» trong tệp ({in_file})")
    return load_regime(option or in_file or DEFAULT_REGIME_ID)


def _dump(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _explain_lines(lines: tuple[ExplanationLine, ...], indent: str = "  ") -> list[str]:
    return [f"{indent}{line.text}" for line in lines]


def _explain_result(result: EvaluationResult, regime: Regime) -> list[str]:
    who = f" — {result.person_id}" if result.person_id else ""
    out = [f"Chế độ: {regime.name}{who}"]
    if not result.rated or result.total is None or result.level is None:
        out.append("Không đánh giá, xếp loại kỳ này")
    else:
        level = result.level.display
        if regime.yearly_levels:  # the period gives points only; the level is decided yearly
            level = f"chỉ chấm điểm (mức tương ứng: {level}; xếp loại theo năm)"
        out.append(f"Tổng điểm: {format_points(result.total)}/{format_points(result.max_total)} — {level}")
        for part in result.parts:
            top = f"/{format_points(part.max_points)}" if part.max_points is not None else ""
            out.append(f"  {part.name}: {format_points(part.points)}{top}")
    for flag in result.flags:
        out.append(f"  ⚑ {flag.message}")
    out.append("Giải trình điểm:")
    out.extend(_explain_lines(result.explanation))
    return out


def _explain_quota(quota: QuotaResult) -> list[str]:
    out = ["Tỷ lệ xếp loại:"]
    out.extend(_explain_lines(quota.explanation))
    for decision in quota.decisions:
        if decision.level_after is not None:
            mark = " (chờ quyết định)" if decision.pending_tie else (" (bị hạ)" if decision.demoted else "")
            out.append(f"  {decision.person_id}: {decision.level_after.display}{mark}")
    return out


def _explain_summary(title: str, summary: PeriodSummary, points_only: bool = False) -> list[str]:
    if summary.rated and summary.total is not None and summary.level is not None and points_only:
        head = f"{title}: {format_points(summary.total)} điểm — chỉ chấm điểm (mức tương ứng: {summary.level.display})"
    elif summary.rated and summary.total is not None and summary.level is not None:
        head = f"{title}: {format_points(summary.total)} điểm — {summary.level.display}"
    elif summary.merged_into_year and summary.total is not None:
        head = f"{title}: {format_points(summary.total)} điểm — gộp vào đánh giá năm"
    else:
        head = f"{title}: không xếp loại"
    return [head, *_explain_lines(summary.explanation)]


def _explain_rollup(result: RollupResult) -> list[str]:
    out: list[str] = []
    points_only = load_regime(result.regime_id).yearly_levels  # NĐ 233: quarters give points, the year the level
    for quarter in result.quarters:
        out.extend(_explain_summary(f"Quý {quarter.key[-1]}/{quarter.key[:4]}", quarter, points_only))
    out.extend(_explain_summary(f"Năm {result.year.key}", result.year))
    return out


def score(
    file: Annotated[str, typer.Argument(help="Tệp JSON đầu vào (docs/scoring.md); «-» để đọc từ stdin.")],
    regime: Annotated[
        str | None, typer.Option("--regime", help=f"Mã chế độ đánh giá (mặc định {DEFAULT_REGIME_ID}).")
    ] = None,
    regime_file: Annotated[
        Path | None, typer.Option("--regime-file", help="Tệp TOML của một chế độ tự định nghĩa.")
    ] = None,
    unit: Annotated[bool, typer.Option("--unit", help="Tệp là một đơn vị/nhóm: chấm từng người rồi áp tỷ lệ.")] = False,
    rollup_: Annotated[bool, typer.Option("--rollup", help="Tệp là các kỳ của một người: tổng hợp quý, năm.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="In lời giải thích dạng văn bản thay vì JSON.")] = False,
) -> None:
    """Chấm điểm, xếp loại từ tệp JSON và in kết quả dạng JSON."""
    if unit and rollup_:
        _fail("chỉ dùng một trong hai: --unit hoặc --rollup")
    data = _read_json(file)
    try:
        reg = _regime(regime, regime_file, data)
        if unit:
            unit_input = parse_unit_input(data)
            results = []
            for index, person in enumerate(unit_input.people):
                try:
                    results.append(evaluate(reg, person))
                except InvalidAssessmentError as exc:
                    raise exc.within(f"people[{index}]") from None
            try:
                quota = apply_quota(
                    reg, results, exceptional=unit_input.exceptional, tie_winners=unit_input.tie_winners
                )
            except InvalidAssessmentError as exc:
                if exc.field.startswith("results["):  # apply_quota numbers the results as the file numbers people
                    raise InvalidAssessmentError("people" + exc.field[len("results") :], exc.reason) from None
                raise
            if explain:
                lines: list[str] = []
                for result in results:
                    lines.extend([*_explain_result(result, reg), ""])
                lines.extend(_explain_quota(quota))
                typer.echo("\n".join(lines))
            else:
                _dump(unit_to_dict(reg, unit_input, results, quota))
        elif rollup_:
            rollup_input = parse_rollup_input(reg, data)
            summary = rollup(
                reg,
                rollup_input.periods,
                person_id=rollup_input.person_id,
                cap_level=rollup_input.cap_level,
                previous_year_level=rollup_input.previous_year_level,
            )
            if explain:
                typer.echo("\n".join(_explain_rollup(summary)))
            else:
                _dump(rollup_to_dict(summary))
        else:
            assessment = parse_assessment(data)
            result = evaluate(reg, assessment)
            period = data.get("period") if isinstance(data, dict) else None
            if explain:
                header = [f"Kỳ: {period}"] if period else []
                typer.echo("\n".join([*header, *_explain_result(result, reg)]))
            else:
                out = result_to_dict(result, assessment=assessment, regime=reg)
                _dump({**out, **({"period": period} if period else {})})
    except ScoringError as exc:
        _fail(exc.message)


def regimes(
    regime_id: Annotated[str | None, typer.Argument(help="Mã một chế độ để xem chi tiết.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="In dạng JSON.")] = False,
) -> None:
    """Liệt kê các chế độ đánh giá và nguồn văn bản (hoặc chi tiết một chế độ)."""
    try:
        selected = (load_regime(regime_id),) if regime_id else list_regimes()
    except ScoringError as exc:
        _fail(exc.message)
    if as_json:
        data = [regime_to_dict(r) for r in selected]
        _dump(data[0] if regime_id else data)
        return
    lines: list[str] = []
    for reg in selected:
        default = " (mặc định)" if reg.id == DEFAULT_REGIME_ID else ""
        period = "theo quý" if reg.period == "quarter" else "theo tháng"
        until = f" đến {reg.in_force_until}" if reg.in_force_until else ""
        lines.append(f"{reg.id}{default} — {reg.title}")
        lines.append(
            f"  hiệu lực từ {reg.in_force_from or '?'}{until}; {period}; 360°: {'có' if reg.uses_360 else 'không'}; "
            f"{len(reg.settings)} thiết lập không có trong văn bản gốc"
        )
        for source in reg.sources:
            lines.append(f"  Nguồn: {source.doc} — {source.title}")
        if regime_id:
            lines.extend(_regime_details(reg))
        lines.append("")
    typer.echo("\n".join(lines).rstrip())


def _regime_details(reg: Regime) -> list[str]:
    lines = ["Cấu trúc điểm:"]
    for group in reg.groups:
        top = f" (tối đa {format_points(group.max_points)})" if group.max_points is not None else ""
        lines.append(f"  [{group.code}] {group.name}{top} — {group.cite.label} [{group.cite.source}]")
        for criterion in group.criteria:
            lines.append(f"    {criterion.code}: {criterion.name} — tối đa {format_points(criterion.max_points)}")
            for item in criterion.deductions:
                lines.append(f"      − {format_points(item.points)}: {item.label} ({item.code})")
        for bonus in group.items:
            amount = format_points(bonus.points) if bonus.points is not None else f"≤ {format_points(bonus.max_points)}"
            lines.append(f"    {bonus.code}: {bonus.label} — {amount}")
    lines.append("Mức xếp loại:")
    for level in reg.levels:
        lines.append(f"  {level.code}: {level.display} — từ {format_points(level.min_score)} điểm")
        for condition in level.conditions:
            lines.append(f"    và {condition.label}")
    if reg.settings:
        lines.append("Thiết lập (không có trong văn bản gốc):")
        for setting in reg.settings:
            lines.append(f"  {setting.key}: {setting.rule} — {setting.note}")
    return lines


def register(app: typer.Typer) -> None:
    """Add the scoring commands to the `danhgia` CLI."""
    app.command("score")(score)
    app.command("regimes")(regimes)

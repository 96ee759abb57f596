"""CLI commands of the cycle for HR and operators: `reminders preview`, `leave add|import|list`,
`calendar set|list`."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from danhgia.bot.cli_common import day, fail, load_settings
from danhgia.scoring import LEAVE_TYPES
from danhgia.texts import t
from danhgia.workflow import inputs
from danhgia.workflow.absence import LEAVE_KINDS, LeaveImportRejected, LeaveRow
from danhgia.workflow.common import Actor
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.reminders import Planned
from danhgia.workflow.services import Services

reminders_app = typer.Typer(help="Nhắc nhở (reminders).", no_args_is_help=True)
leave_app = typer.Typer(help="Nghỉ phép, nghỉ ốm, thai sản, đi học (leave).", no_args_is_help=True)
calendar_app = typer.Typer(help="Lịch ngày làm việc: ngày nghỉ, ngày làm bù (calendar).", no_args_is_help=True)

KIND_ALIASES = {
    "phep_nam": "annual",
    "nghi_phep": "annual",
    "om": "sick",
    "nghi_om": "sick",
    "thai_san": "maternity",
    "dao_tao": "training",
    "di_hoc": "training",
    "khong_luong": "unpaid",
    "khac": "other",
}
KIND_NAMES = {
    "remind_plan": "Nhắc lập kế hoạch tuần",
    "remind_checkin": "Nhắc báo cáo tuần",
    "remind_self": "Nhắc tự đánh giá",
    "remind_review": "Nhắc lãnh đạo duyệt",
    "escalate_review": "Báo cấp trên: quá hạn duyệt",
    "hr_digest": "Bản tin cho Tổ chức cán bộ",
    "review_card": "Thẻ duyệt cho người được ủy quyền (ngày đầu ủy quyền)",
}
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
LEAVE_COLUMNS = ("ma_can_bo", "loai_nghi", "tu_ngay", "den_ngay")


def register(app: typer.Typer) -> None:
    """Add the cycle's commands to the `danhgia` CLI."""
    app.add_typer(reminders_app, name="reminders")
    app.add_typer(leave_app, name="leave")
    app.add_typer(calendar_app, name="calendar")


def _services() -> tuple[Services, object]:
    from danhgia.bot.app import build_services, open_database

    settings = load_settings()
    db = open_database(settings)
    return build_services(settings, db), db


def _day(value: str) -> date:
    return day(value)


def _kind(value: str) -> str | None:
    key = value.strip().lower().replace(" ", "_").replace("-", "_")
    key = KIND_ALIASES.get(key, key)
    return key if key in LEAVE_KINDS else None


# -- reminders preview -----------------------------------------------------------------------------------------


@reminders_app.command("preview")
def reminders_preview(
    on: Annotated[str, typer.Option("--date", help="Ngày cần xem (dd/mm/yyyy).")],
) -> None:
    """Xem những nhắc nhở sẽ được gửi trong một ngày và gửi cho ai (không gửi gì)."""
    day = _day(on)
    services, db = _services()
    try:
        calendar = services.absence.calendar()
        header = f"Nhắc nhở dự kiến ngày {day:%d/%m/%Y} ({WEEKDAYS[day.weekday()]}), theo dữ liệu hiện tại:"
        if not calendar.is_working_day(day):
            reason = calendar.holiday_name(day) or ("cuối tuần" if day.weekday() >= 5 else "ngày nghỉ do cơ quan đặt")
            typer.echo(f"{day:%d/%m/%Y} là ngày nghỉ ({reason}): không gửi nhắc nhở nào.")
            return
        planned = services.reminders.preview(day)
        names = services.reminders.names({p.person_id for p in planned})
    finally:
        db.dispose()  # type: ignore[attr-defined]
    typer.echo(header)
    if not planned:
        typer.echo("  (không có nhắc nhở nào)")
    typer.echo("  Chỉ người đã liên kết Telegram, không nghỉ phép và không tạm dừng nhắc mới được nhắc.")
    if not planned:
        return
    groups: dict[tuple[datetime, str, str], list[Planned]] = defaultdict(list)
    for item in planned:
        groups[(item.at, item.kind, _detail(item))].append(item)
    for (at, kind, detail), items in groups.items():
        people = ", ".join(f"{names[i.person_id][0]} ({names[i.person_id][1]})" for i in items if i.person_id in names)
        local = at.astimezone(services.config.timezone)
        typer.echo(f"  {local:%H:%M}  {KIND_NAMES.get(kind, kind)}{detail} → {len(items)} người: {people}")


def _detail(item: Planned) -> str:
    payload = item.payload
    if item.kind == "remind_self":
        step = {"open": "mở cửa sổ", "d0": "sáng ngày hết hạn"}.get(str(payload.get("step")), "")
        step = step or f"còn {str(payload.get('step', '')).lstrip('d')} ngày làm việc"
        return f" kỳ {payload.get('label')} ({step}, hạn {_dmy(payload.get('deadline'))})"
    if item.kind in ("remind_review", "escalate_review"):
        return f" kỳ {payload.get('label')} (hạn duyệt {_dmy(payload.get('deadline'))})"
    if item.kind == "hr_digest":
        return f" kỳ {payload.get('label')}"
    return ""


def _dmy(value: object) -> str:
    try:
        return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


# -- leave ---------------------------------------------------------------------------------------------------------


@leave_app.command("add")
def leave_add(
    staff_code: Annotated[str, typer.Argument(help="Mã cán bộ (ma_can_bo).")],
    kind: Annotated[str, typer.Argument(help=f"Loại nghỉ: {', '.join(LEAVE_KINDS)}.")],
    start: Annotated[str, typer.Argument(help="Từ ngày (dd/mm/yyyy).")],
    end: Annotated[str, typer.Argument(help="Đến ngày (dd/mm/yyyy), tính cả ngày này.")],
    note: Annotated[str, typer.Option(help="Ghi chú.")] = "",
) -> None:
    """Ghi một kỳ nghỉ của một cán bộ (không nhắc nhở trong những ngày nghỉ; tính vào thời gian làm việc)."""
    code = _kind(kind)
    if code is None:
        fail(f"Loại nghỉ «{kind}» không hợp lệ; dùng một trong: {', '.join(LEAVE_KINDS)}.", 2)
    first, last = _day(start), _day(end)
    services, db = _services()
    try:
        person = services.linking.find_person(staff_code)
        if person is None:
            fail(f"Không tìm thấy cán bộ có mã {staff_code}.", 2)
        view = services.absence.add_leave(Actor.cli("leave add"), person.person_id, code, first, last, note)
    except Refusal as error:
        fail(_error(error), 1)
    finally:
        db.dispose()  # type: ignore[attr-defined]
    typer.echo(
        f"Đã ghi {LEAVE_TYPES[view.kind]} của {view.person_name} ({staff_code}) "
        f"từ {view.starts_on:%d/%m/%Y} đến {view.ends_on:%d/%m/%Y}."
    )


@leave_app.command("import")
def leave_import(
    file: Annotated[Path, typer.Argument(help="Tệp CSV UTF-8: ma_can_bo, loai_nghi, tu_ngay, den_ngay[, ghi_chu].")],
) -> None:
    """Nhập nhiều kỳ nghỉ từ tệp CSV; có lỗi ở bất kỳ dòng nào thì không ghi gì và liệt kê từng lỗi."""
    rows, problems = read_leave_file(file)
    services, db = _services()
    try:
        try:
            views = services.absence.import_leave(Actor.cli("leave import"), rows, dry_run=bool(problems))
        except LeaveImportRejected as rejected:
            problems += [(row, _problem(code, params)) for row, code, params in rejected.problems]
        if problems:
            fail(_rejected(file, sorted(problems)), 1)
    finally:
        db.dispose()  # type: ignore[attr-defined]
    typer.echo(f"Đã ghi {len(views)} kỳ nghỉ từ tệp {file.name}.")


def read_leave_file(path: Path) -> tuple[list[LeaveRow], list[tuple[int, str]]]:
    """The rows of a leave file and its problems (row number, Vietnamese message)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return [], [(0, f"Không tìm thấy tệp {path}.")]
    except UnicodeDecodeError:
        return [], [(0, "Tệp CSV không ở bảng mã UTF-8.")]
    sample = text[:2048]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in LEAVE_COLUMNS if c not in header]
    if missing:
        return [], [(1, f"Thiếu cột bắt buộc: {', '.join(missing)}.")]
    rows: list[LeaveRow] = []
    problems: list[tuple[int, str]] = []
    for number, raw in enumerate(reader, start=2):
        cells = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(cells.values()):
            continue
        kind = _kind(cells.get("loai_nghi", ""))
        try:
            first = inputs.day(cells.get("tu_ngay", ""), date.today())
            last = inputs.day(cells.get("den_ngay", ""), date.today())
        except Refusal as refusal:
            problems.append((number, f"tu_ngay, den_ngay: {t(f'error.{refusal.code}', **refusal.params)}"))
            continue
        if not cells.get("ma_can_bo"):
            problems.append((number, "Mã cán bộ (ma_can_bo) để trống."))
            continue
        if kind is None:
            problems.append((number, f"Loại nghỉ «{cells.get('loai_nghi', '')}» không hợp lệ."))
            continue
        rows.append(LeaveRow(number, cells["ma_can_bo"], kind, first, last, cells.get("ghi_chu", "")))
    if not rows and not problems:
        problems.append((0, "Tệp không có dòng nào."))
    return rows, problems


def _problem(code: str, params: dict[str, object]) -> str:
    return {
        "leave_unknown_person": f"Mã cán bộ «{params.get('code')}» không có trong hệ thống.",
        "leave_kind": f"Loại nghỉ «{params.get('kind')}» không hợp lệ.",
        "range_reversed": "Ngày kết thúc trước ngày bắt đầu.",
        "leave_overlap_row": f"Kỳ nghỉ của «{params.get('code')}» trùng với một kỳ nghỉ đã có.",
    }.get(code, code)


def _rejected(file: Path, problems: list[tuple[int, str]]) -> str:
    lines = [f"Tệp {file.name} bị từ chối, không ghi gì. Có {len(problems)} lỗi cần sửa:"]
    lines += [f"  • Dòng {row}: {message}" if row else f"  • {message}" for row, message in problems]
    return "\n".join(lines)


def _error(error: Refusal) -> str:
    from danhgia.texts import t

    try:
        return t(f"error.{error.code}", **{k: _plain(v) for k, v in error.params.items()})
    except KeyError:
        return error.code


def _plain(value: object) -> object:
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else value


@leave_app.command("list")
def leave_list(
    start: Annotated[str, typer.Option("--from", help="Từ ngày (dd/mm/yyyy).")],
    end: Annotated[str, typer.Option("--to", help="Đến ngày (dd/mm/yyyy).")],
) -> None:
    """Liệt kê các kỳ nghỉ trong một khoảng ngày."""
    first, last = _day(start), _day(end)
    services, db = _services()
    try:
        views = services.absence.leaves(None, first, last)
    finally:
        db.dispose()  # type: ignore[attr-defined]
    if not views:
        typer.echo("Không có kỳ nghỉ nào trong khoảng này.")
    for view in views:
        typer.echo(
            f"{view.person_name}: {LEAVE_TYPES.get(view.kind, view.kind)} "
            f"{view.starts_on:%d/%m/%Y} – {view.ends_on:%d/%m/%Y}{' — ' + view.note if view.note else ''}"
        )


# -- calendar ------------------------------------------------------------------------------------------------------


@calendar_app.command("set")
def calendar_set(
    day: Annotated[str, typer.Argument(help="Ngày (dd/mm/yyyy).")],
    what: Annotated[str, typer.Argument(help="nghi (ngày nghỉ), lam (ngày làm việc bù) hoặc xoa (theo lịch chung).")],
    note: Annotated[str, typer.Option(help="Ghi chú, ví dụ «Nghỉ bù Quốc khánh».")] = "",
) -> None:
    """Đặt một ngày nghỉ riêng của cơ quan, một ngày làm bù, hoặc trả về lịch chung."""
    choice = {"nghi": False, "off": False, "lam": True, "work": True, "xoa": None, "reset": None}
    key = what.strip().lower()
    if key not in choice:
        fail("Chọn một trong: nghi, lam, xoa.", 2)
    when = _day(day)
    services, db = _services()
    try:
        services.absence.set_day(Actor.cli("calendar set"), when, choice[key], note)
        working = services.absence.calendar().is_working_day(when)
    finally:
        db.dispose()  # type: ignore[attr-defined]
    typer.echo(f"{when:%d/%m/%Y} từ nay là {'ngày làm việc' if working else 'ngày nghỉ'}.")


@calendar_app.command("list")
def calendar_list(
    year: Annotated[int | None, typer.Option(help="Năm (mặc định năm nay).")] = None,
) -> None:
    """Ngày nghỉ lễ, Tết theo lịch chung và các ngày cơ quan đặt riêng trong một năm."""
    services, db = _services()
    try:
        year = year or services.absence.today().year
        calendar = services.absence.calendar()
        entries = {d: (w, n) for d, w, n in services.absence.day_entries() if d.year == year}
    finally:
        db.dispose()  # type: ignore[attr-defined]
    day = date(year, 1, 1)
    while day.year == year:
        name = calendar.holiday_name(day)
        if day in entries:
            working, note = entries[day]
            typer.echo(
                f"{day:%d/%m/%Y}  {'làm việc' if working else 'nghỉ'} (cơ quan đặt){' — ' + note if note else ''}"
            )
        elif name:
            state = "làm việc" if calendar.is_working_day(day) else "nghỉ"
            typer.echo(f"{day:%d/%m/%Y}  {state} — {name}")
        elif day.weekday() >= 5 and calendar.is_working_day(day):
            typer.echo(f"{day:%d/%m/%Y}  làm việc bù (lịch chung)")
        day = date.fromordinal(day.toordinal() + 1)

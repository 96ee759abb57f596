"""The `danhgia` command line as an HR officer or operator uses it."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from danhgia.bot.cli import app
from danhgia.sandbox.server import SandboxServer
from tests.conftest import ROSTER_ROWS, write_roster

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A clean working folder and environment: no stray .env, an SQLite database of its own."""
    monkeypatch.chdir(tmp_path)
    for name in ("BOT_TOKEN", "TELEGRAM_API_URL", "BOT_USERNAME", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    values = {"DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'danhgia.db'}", "BOT_USERNAME": "danhgia_test_bot"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def test_roster_import_reports_what_changed_and_reimport_changes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    path = write_roster(tmp_path / "staff.csv", ROSTER_ROWS, bom=True)
    first = runner.invoke(app, ["roster", "import", str(path)])
    assert first.exit_code == 0, first.output
    assert "Đã nhập tệp staff.csv." in first.output
    assert "Đơn vị: 3 mới, 0 cập nhật. Cán bộ: 8 mới, 0 cập nhật, 0 giữ nguyên." in first.output
    second = runner.invoke(app, ["roster", "import", str(path)])
    assert "Không có thay đổi nào" in second.output and "8 giữ nguyên" in second.output


def test_roster_import_rejection_lists_problems_in_vietnamese(env: dict[str, str], tmp_path: Path) -> None:
    rows = [list(r) for r in ROSTER_ROWS]
    rows[2][1] = ""
    rows[3][5] = "sep"
    rows[4][6] = "XX"
    result = runner.invoke(app, ["roster", "import", str(write_roster(tmp_path / "bad.csv", rows))])
    assert result.exit_code == 1
    assert "Tệp bad.csv bị từ chối, cơ sở dữ liệu giữ nguyên. Có 3 lỗi cần sửa:" in result.output
    assert "Dòng 4: Họ tên (ho_ten) để trống." in result.output
    assert "Dòng 5: Vai trò «sep» không hợp lệ; chỉ được dùng: nhan_vien, lanh_dao, to_chuc, quan_tri, hoi_dong." in (
        result.output
    )
    assert "Dòng 6: Mã cấp trên «XX» không có trong tệp cũng như trong hệ thống." in result.output
    dry = runner.invoke(app, ["roster", "import", "--dry-run", str(write_roster(tmp_path / "ok.csv", ROSTER_ROWS))])
    assert "Chạy thử tệp ok.csv" in dry.output
    invite = runner.invoke(app, ["invite"])
    assert "Không còn ai chưa liên kết" in invite.output  # nothing was written by the rejection or the dry run


def test_invite_writes_one_link_per_unlinked_person(env: dict[str, str], tmp_path: Path) -> None:
    runner.invoke(app, ["roster", "import", str(write_roster(tmp_path / "staff.csv", ROSTER_ROWS))])
    out = tmp_path / "links.csv"
    result = runner.invoke(app, ["invite", "--unit", "CC", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert re.search(r"Đã tạo 3 đường liên kết \(hiệu lực đến \d\d/\d\d/\d{4}\)", result.output)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["ma_can_bo"] for r in rows] == ["CV03", "TC01", "TP02"]
    assert rows[0]["ho_ten"] == "Đỗ Thị Dung"
    for row in rows:
        assert re.fullmatch(r"https://t\.me/danhgia_test_bot\?start=[A-Za-z0-9_-]{1,64}", row["lien_ket"])
        assert re.fullmatch(r"LIENKET [A-HJKMNP-Z2-9]{8}", row["zalo"])  # typed on Zalo: no 0/O, 1/I/L
    everyone = runner.invoke(app, ["invite"])
    assert len(list(csv.DictReader(io.StringIO(everyone.stdout)))) == 8
    assert runner.invoke(app, ["invite", "--unit", "KHONGCO"]).exit_code == 2


def test_invite_for_one_platform(env: dict[str, str], tmp_path: Path) -> None:
    runner.invoke(app, ["roster", "import", str(write_roster(tmp_path / "staff.csv", ROSTER_ROWS))])
    zalo = runner.invoke(app, ["invite", "--unit", "CC", "--channel", "zalo"])
    assert zalo.exit_code == 0, zalo.output
    rows = list(csv.DictReader(io.StringIO(zalo.stdout)))
    assert [r["lien_ket"] for r in rows] == ["", "", ""]
    assert all(re.fullmatch(r"LIENKET [A-HJKMNP-Z2-9]{8}", r["zalo"]) for r in rows)
    wrong = runner.invoke(app, ["invite", "--channel", "viber"])
    assert wrong.exit_code == 2 and "chọn telegram hoặc zalo" in wrong.output


def test_invite_with_bom_for_excel(env: dict[str, str], tmp_path: Path) -> None:
    runner.invoke(app, ["roster", "import", str(write_roster(tmp_path / "staff.csv", ROSTER_ROWS))])
    out = tmp_path / "links.csv"
    runner.invoke(app, ["invite", "--out", str(out), "--bom"])
    assert out.read_bytes().startswith("\ufeffma_can_bo,ho_ten,lien_ket,zalo".encode())


def test_link_reset_of_unknown_or_unlinked_person(env: dict[str, str], tmp_path: Path) -> None:
    runner.invoke(app, ["roster", "import", str(write_roster(tmp_path / "staff.csv", ROSTER_ROWS))])
    assert "chưa liên kết tài khoản Telegram nào" in runner.invoke(app, ["link", "reset", "CV01"]).output
    unknown = runner.invoke(app, ["link", "reset", "ZZ"])
    assert unknown.exit_code == 2 and "Không tìm thấy cán bộ có mã ZZ" in unknown.output


def test_run_without_token_explains_what_to_do(env: dict[str, str]) -> None:
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 2 and "Chưa đặt BOT_TOKEN" in result.output


def test_invalid_setting_is_reported_readably(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMEZONE", "Mars/Olympus")
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 2 and "Cấu hình không hợp lệ" in result.output and "TIMEZONE" in result.output


def test_settings_come_from_a_dotenv_file(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL")
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'from-dotenv.db'}\n", encoding="utf-8")
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert (tmp_path / "from-dotenv.db").exists()


async def test_invite_asks_the_bot_api_for_the_username(server: SandboxServer, tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "BOT_TOKEN": server.sandbox.token,
        "TELEGRAM_API_URL": server.url,
        "BOT_USERNAME": "",
    }
    roster = write_roster(tmp_path / "staff.csv", ROSTER_ROWS[:2])
    for args in (["roster", "import", str(roster)], ["invite"]):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "danhgia",
            *args,
            cwd=tmp_path,
            env=environment,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await process.communicate()
        assert process.returncode == 0, stderr.decode()
    assert stdout.decode().count(f"https://t.me/{server.sandbox.bot_username}?start=") == 2


@pytest.mark.parametrize("command", [["demo"], ["sandbox"]])
def test_the_local_bot_api_server_without_its_extra_says_how_to_add_it(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "aiohttp" else real(name, *a))
    result = runner.invoke(app, command)
    assert result.exit_code == 2
    assert "pip install -e '.[sandbox]'" in result.output


def test_hr_chooses_a_units_regime_for_a_category_and_reads_it_back(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGIME_BY_CATEGORY", "vien_chuc=nd233-2026")
    header = ["ma_can_bo", "ho_ten", "ma_don_vi", "ten_don_vi", "chuc_vu", "vai_tro", "ma_cap_tren", "ma_don_vi_cha"]
    rows = [[*row, "viên chức" if row[0] == "CV01" else ""] for row in ROSTER_ROWS]
    path = write_roster(tmp_path / "staff.csv", rows, [*header, "loai_can_bo"])
    assert runner.invoke(app, ["roster", "import", str(path)]).exit_code == 0
    shown = runner.invoke(app, ["regime-map", "show"])
    assert shown.exit_code == 0, shown.output
    assert "TH\tPhòng Tổng hợp\tViên chức\tnd233-2026\t(REGIME_BY_CATEGORY)" in shown.output
    assert "TH\tPhòng Tổng hợp\tCông chức\tnd335-2025\t(REGIME (mặc định))" in shown.output
    done = runner.invoke(app, ["regime-map", "set", "SO", "hợp đồng", "hanoi-1841-2021"])
    assert done.exit_code == 0, done.output
    assert "Người lao động (hợp đồng) đánh giá theo hanoi-1841-2021" in done.output
    shown = runner.invoke(app, ["regime-map", "show"])
    assert "TH\tPhòng Tổng hợp\tNgười lao động (hợp đồng)\thanoi-1841-2021\t(đơn vị SO chọn)" in shown.output
    refused = runner.invoke(app, ["regime-map", "set", "SO", "vien_chuc", "qd366-2025"])
    assert refused.exit_code == 2 and "theo kỳ «quarter»" in refused.output
    unknown = runner.invoke(app, ["regime-map", "set", "XX", "vien_chuc", "nd233-2026"])
    assert unknown.exit_code == 2 and "Không có đơn vị mã XX." in unknown.output
    assert runner.invoke(app, ["regime-map", "clear", "SO", "nguoi_lao_dong"]).exit_code == 0
    assert "(REGIME (mặc định))" in runner.invoke(app, ["regime-map", "show"]).output
    empty = runner.invoke(app, ["year-report", "SO", "--year", "2026"])
    assert empty.exit_code == 0 and "chưa có kỳ nào đã chốt" in empty.output


def test_hr_writes_the_forms_the_summary_and_the_chart_of_a_closed_month(env: dict[str, str], tmp_path: Path) -> None:
    """`danhgia report form|summary|chart` on a month closed by the workflow (its own test clock: the reports read
    the records only, never today's date)."""
    from datetime import date
    from decimal import Decimal

    from docx import Document
    from openpyxl import load_workbook

    from danhgia.workflow.clock import ManualClock
    from danhgia.workflow.common import Actor
    from danhgia.workflow.roster_file import read_roster
    from danhgia.workflow.tasks import CheckinOutcome
    from tests.conftest import START, make_services

    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    services = make_services(env["DATABASE_URL"], ManualClock(START))
    table = read_roster(write_roster(tmp_path / "staff.csv", ROSTER_ROWS))
    services.roster.import_table(table, Actor.cli("test"))  # on the test's clock: reporting lines from 20/11/2026
    with services.db.uow() as uow:
        ids = {p.staff_code: p.id or 0 for p in uow.people.all()}
        unit = uow.units.get_by_code("TH")
        assert unit is not None and unit.id is not None
        unit_id = unit.id
    (period,) = services.periods.open(Actor.cli("t"), unit_id, "2026-11", subtree=False)
    pid = ids["CV01"]
    task = services.tasks.add(Actor.person(pid), pid, "Báo cáo", date(2026, 11, 20), Decimal(1))
    services.tasks.checkin(Actor.person(pid), pid, task.id, CheckinOutcome.ON_TIME)
    view = services.self_assessment.open_self(pid)
    view = services.self_assessment.submit(pid, view.id, view.version)
    services.review.approve(Actor.person(ids["TP01"]), view.id)
    assert services.periods.close(Actor.cli("t"), period.id).closed
    services.db.dispose()
    form = runner.invoke(app, ["report", "form", "CV01", "2026-11", "--out", str(tmp_path / "phieu.docx")])
    assert form.exit_code == 0, form.output
    text = "\n".join(p.text for p in Document(str(tmp_path / "phieu.docx")).paragraphs)
    assert "Lê Văn An" in text and "PHIẾU THEO DÕI, ĐÁNH GIÁ CÔNG CHỨC" in text
    summary = runner.invoke(app, ["report", "summary", "TH", "2026-11", "--out", str(tmp_path / "th.xlsx")])
    assert summary.exit_code == 0, summary.output
    cells = {c.value for row in load_workbook(tmp_path / "th.xlsx").active.iter_rows() for c in row}  # type: ignore[union-attr]
    assert "Lê Văn An" in cells and "Phạm Thị Bình" in cells
    chart = runner.invoke(app, ["report", "chart", "TH", "2026-11", "--out", str(tmp_path / "th.png")])
    assert chart.exit_code == 0 and (tmp_path / "th.png").read_bytes().startswith(b"\x89PNG")
    missing = runner.invoke(app, ["report", "form", "CV02", "2026-11"])
    assert missing.exit_code == 2 and "Không có phiếu đã nộp của CV02 kỳ 2026-11." in missing.output
    unknown = runner.invoke(app, ["report", "summary", "XX", "2026-11"])
    assert unknown.exit_code == 2 and "Không có đơn vị mã XX." in unknown.output
    # The year so far: the person's yearly form and the unit's year (one month worked: not rated yet).
    year_form = runner.invoke(app, ["report", "year-form", "CV01", "--year", "2026", "--out", str(tmp_path / "n.docx")])
    assert year_form.exit_code == 0, year_form.output
    assert "Năm 2026" in "\n".join(p.text for p in Document(str(tmp_path / "n.docx")).paragraphs)
    year = runner.invoke(app, ["report", "year", "TH", "--year", "2026", "--out", str(tmp_path / "n.xlsx")])
    assert year.exit_code == 0, year.output
    cells = {c.value for row in load_workbook(tmp_path / "n.xlsx").active.iter_rows() for c in row}  # type: ignore[union-attr]
    assert "Lê Văn An" in cells
    package = runner.invoke(app, ["report", "year-package", "TH", "--year", "2026", "--out", str(tmp_path / "hs.zip")])
    assert package.exit_code == 0, package.output
    with zipfile.ZipFile(tmp_path / "hs.zip") as archive:
        names = set(archive.namelist())
    assert {"TH-2026/tong-hop-2026.xlsx", "TH-2026/bien-ban-hop.docx", "TH-2026/thong-bao-ket-qua.docx"} <= names
    assert "TH-2026/phieu/CV01-2026.docx" in names
    again = runner.invoke(app, ["report", "year-package", "TH", "--year", "2026", "--out", str(tmp_path / "hs2.zip")])
    assert again.exit_code == 0 and (tmp_path / "hs.zip").read_bytes() == (tmp_path / "hs2.zip").read_bytes()
    # The archive: every record and the audit log, as CSV (with a BOM for Excel) or one workbook.
    archive = runner.invoke(app, ["export", "--out", str(tmp_path / "luu-tru"), "--bom"])
    assert archive.exit_code == 0, archive.output
    assert "1 phiếu đánh giá" in archive.output
    text = (tmp_path / "luu-tru" / "phieu-danh-gia.csv").read_text(encoding="utf-8")
    assert text.startswith("\ufeffky,tu_ngay,den_ngay,ma_don_vi")
    (row,) = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert (row["ma_can_bo"], row["che_do"], row["trang_thai"], row["diem"]) == (
        "CV01",
        "nd335-2025",
        "locked",
        "100.00",
    )
    assert row["nguoi_quyet_dinh"] == "TP01" and row["muc_chinh_thuc"] in ("HTXS", "HTT")
    log = list(csv.DictReader(io.StringIO((tmp_path / "luu-tru" / "nhat-ky.csv").read_text(encoding="utf-8-sig"))))
    assert {"period.open", "assessment.lock", "period.close"} <= {line["hanh_dong"] for line in log}
    book = runner.invoke(app, ["export", "--out", str(tmp_path / "x"), "--xlsx"])
    assert book.exit_code == 0 and load_workbook(tmp_path / "x" / "danhgia.xlsx").sheetnames == [
        "Phieu danh gia",
        "Nhat ky",
    ]

"""The cycle's command line for HR: reminders preview, leave records and files, the calendar of days off."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from danhgia.bot.cli import app
from danhgia.bot.settings import Settings
from danhgia.storage.db import make_engine
from danhgia.storage.models import TelegramLink
from danhgia.storage.uow import Database
from tests.conftest import ROSTER_ROWS, write_roster
from tests.test_cli import env  # noqa: F401  (the fixture)

runner = CliRunner()


def setup_org(tmp_path: Path) -> None:
    result = runner.invoke(app, ["roster", "import", str(write_roster(tmp_path / "staff.csv", ROSTER_ROWS))])
    assert result.exit_code == 0, result.output
    db = Database(make_engine(Settings(_env_file=None).database_url))  # type: ignore[call-arg]
    with db.uow() as uow:
        for person in uow.people.all():
            if person.staff_code in ("CV01", "CV02", "TC01"):
                assert person.id is not None
                uow.links.add(TelegramLink(person_id=person.id, telegram_user_id=person.id, chat_id=person.id))
        uow.commit()
    db.dispose()


def test_preview_says_who_would_be_reminded_on_a_day(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    setup_org(tmp_path)
    friday = runner.invoke(app, ["reminders", "preview", "--date", "27/11/2026"])
    assert friday.exit_code == 0, friday.output
    assert "Nhắc nhở dự kiến ngày 27/11/2026 (Thứ Sáu)" in friday.output
    assert "15:00  Nhắc báo cáo tuần → 3 người: Lê Văn An (CV01), Phạm Thị Bình (CV02), Vũ Thị Giang (TC01)" in (
        friday.output
    )
    holiday = runner.invoke(app, ["reminders", "preview", "--date", "24/11/2026"])
    assert "24/11/2026 là ngày nghỉ (Ngày Văn hóa Việt Nam): không gửi nhắc nhở nào." in holiday.output
    bad = runner.invoke(app, ["reminders", "preview", "--date", "31/02/2026"])
    assert bad.exit_code == 2 and "Ngày «31/02/2026» không có trên lịch" in bad.output


def test_leave_silences_the_reminders_and_a_bad_file_changes_nothing(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    setup_org(tmp_path)
    added = runner.invoke(app, ["leave", "add", "CV01", "phep_nam", "23/11/2026", "27/11/2026", "--note", "Gia đình"])
    assert added.exit_code == 0, added.output
    assert "Đã ghi nghỉ phép năm của Lê Văn An (CV01) từ 23/11/2026 đến 27/11/2026." in added.output
    friday = runner.invoke(app, ["reminders", "preview", "--date", "27/11/2026"])
    assert "2 người: Phạm Thị Bình (CV02), Vũ Thị Giang (TC01)" in friday.output
    bad = tmp_path / "leave.csv"
    bad.write_text(
        "ma_can_bo,loai_nghi,tu_ngay,den_ngay,ghi_chu\n"
        "CV01,om,26/11/2026,30/11/2026,\n"
        "XX9,om,01/12/2026,02/12/2026,\n"
        "CV02,bay,01/12/2026,02/12/2026,\n"
        "CV02,om,31/02/2026,02/03/2026,\n",
        encoding="utf-8",
    )
    rejected = runner.invoke(app, ["leave", "import", str(bad)])
    assert rejected.exit_code == 1
    assert "Tệp leave.csv bị từ chối, không ghi gì. Có 4 lỗi cần sửa:" in rejected.output
    assert "Dòng 2: Kỳ nghỉ của «CV01» trùng với một kỳ nghỉ đã có." in rejected.output
    assert "Dòng 3: Mã cán bộ «XX9» không có trong hệ thống." in rejected.output
    assert "Dòng 4: Loại nghỉ «bay» không hợp lệ." in rejected.output
    assert "Dòng 5: tu_ngay, den_ngay: Ngày «31/02/2026» không có trên lịch" in rejected.output
    good = tmp_path / "ok.csv"
    good.write_text("\ufeffma_can_bo;loai_nghi;tu_ngay;den_ngay\nCV02;thai_san;01/12/2026;31/05/2027\n", "utf-8")
    accepted = runner.invoke(app, ["leave", "import", str(good)])
    assert accepted.exit_code == 0, accepted.output
    listed = runner.invoke(app, ["leave", "list", "--from", "01/11/2026", "--to", "31/12/2026"])
    assert "Lê Văn An: nghỉ phép năm 23/11/2026 – 27/11/2026 — Gia đình" in listed.output
    assert "Phạm Thị Bình: nghỉ thai sản 01/12/2026 – 31/05/2027" in listed.output


def test_hr_days_off_and_make_up_days(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    setup_org(tmp_path)
    off = runner.invoke(app, ["calendar", "set", "27/11/2026", "nghi", "--note", "Nghỉ theo quyết định của Sở"])
    assert "27/11/2026 từ nay là ngày nghỉ." in off.output
    assert "không gửi nhắc nhở nào" in runner.invoke(app, ["reminders", "preview", "--date", "27/11/2026"]).output
    # The check-in prompt moves to Thursday.
    assert "15:00  Nhắc báo cáo tuần" in runner.invoke(app, ["reminders", "preview", "--date", "26/11/2026"]).output
    work = runner.invoke(app, ["calendar", "set", "28/11/2026", "lam", "--note", "Làm bù"])
    assert "28/11/2026 từ nay là ngày làm việc." in work.output
    listed = runner.invoke(app, ["calendar", "list", "--year", "2026"])
    assert "24/11/2026  nghỉ — Ngày Văn hóa Việt Nam" in listed.output
    assert "27/11/2026  nghỉ (cơ quan đặt) — Nghỉ theo quyết định của Sở" in listed.output
    assert "28/11/2026  làm việc (cơ quan đặt) — Làm bù" in listed.output
    reset = runner.invoke(app, ["calendar", "set", "27/11/2026", "xoa"])
    assert "27/11/2026 từ nay là ngày làm việc." in reset.output

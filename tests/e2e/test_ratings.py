"""End to end: the 360° round (/danhgiacheo) in a ward of eight on the Liên Chiểu regime — each person sees only
whom they must rate, a rating walked on one panel and submitted (then locked), stale and forged buttons, hostile
input in the typed points, the notice that a period asks for ratings, and the polite answers when there is none."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from danhgia.sandbox.state import Message
from danhgia.sandbox.users import SimUser
from danhgia.workflow.common import Actor
from tests.conftest import BotWorld
from tests.e2e.ward import NAMES, POSITIONS, STAFF, Ward, add_ward

# Lists of people read in Vietnamese order, by given name: Ba, Bốn, Hai, Một, Năm, Sáu.
STAFF_IN_ORDER = ("CC03", "CC04", "CC02", "CC01", "CC05", "VP01")

pytestmark = pytest.mark.e2e


async def alert_of(user: SimUser, message: Message, callback_data: str) -> str:
    """Press a button carrying this data (an old panel's, or a forged one) and read the bot's answer."""
    query = user.press_forged(message, callback_data)
    answered = await user.answer_to(query)
    return answered.answer_text or ""


async def opened(world: BotWorld, tmp_path: Path, *linked: str) -> Ward:
    """The ward with these people linked, November open, every notice delivered and read."""
    ward = await add_ward(world, tmp_path, *linked)
    ward.open()
    await ward.settle()
    return ward


def rating_of(ward: Ward, rater: str, ratee: str) -> tuple[int, int, str, dict[str, object]]:
    """(id, version, state, criteria) of one rating, read through the workflow."""
    task = next(t for t in ward.world.services.ratings.todo(ward.ids[rater]) if t.ratee_name == NAMES[ratee])
    return task.id, task.version, task.state, task.criteria


def lines_under(text: str, heading: str) -> list[str]:
    """The lines of a list panel between a group heading and the next blank line."""
    lines = text.split("\n")
    start = lines.index(heading) + 1
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start:end]


# -- who rates whom ----------------------------------------------------------------------------------------------


async def test_each_person_sees_only_the_colleagues_they_must_rate(world: BotWorld, tmp_path: Path) -> None:
    ward = await add_ward(world, tmp_path)
    ward.open()
    one = ward.users["CC01"]
    first, second = await one.next_message(), await one.next_message()
    assert "Kỳ đánh giá 11/2026 của UBND phường Hòa Phát đã mở" in (first.text or "")
    notice = second
    text = notice.text or ""
    assert text.startswith("🔒 Đánh giá chéo kỳ 11/2026 — UBND phường Hòa Phát")
    assert "Bạn được mời chấm điểm 6 người" in text
    assert "Chấm kín: không ai biết ai đã chấm ai bao nhiêu điểm; chỉ điểm trung bình của ít nhất 3 người" in text
    assert notice.button("Mở danh sách chấm điểm")["callback_data"] == "v1:dc:ls"

    # The notice's button opens the list in place: five peers and the leader, in secret.
    panel = await one.tap(notice, "Mở danh sách chấm điểm")
    assert panel.message_id == notice.message_id
    text = panel.text or ""
    assert text.startswith("🔒 Đánh giá chéo kỳ 11/2026\nBạn cần chấm 6 người; đã gửi 0.")
    peers = [c for c in STAFF if c != "CC01"]
    in_order = [c for c in STAFF_IN_ORDER if c != "CC01"]
    assert lines_under(text, "Đồng nghiệp (chấm kín)") == [f"⬜ {NAMES[c]} — {POSITIONS[c]}" for c in in_order]
    assert lines_under(text, "Cấp trên (chấm kín)") == ["⬜ Trần Thị Phó — Phó Chủ tịch"]
    assert "🔒 Chấm kín: không ai biết ai đã chấm ai bao nhiêu điểm." in text
    assert "chỉ hiện dưới dạng điểm trung bình của ít nhất 3 người" in text
    assert "Lê Văn Một" not in text and "Nguyễn Văn Chủ" not in text
    assert "Phần bạn chấm với tư cách lãnh đạo" not in text  # staff give no leader's score
    assert sorted(panel.button_texts()) == sorted(["⬜ Trần Thị Phó", *(f"⬜ {NAMES[c]}" for c in peers)])
    await ward.settle()

    # The deputy chair rates their six staff as direct leader, and the chair in secret.
    deputy = await ward.users["PCT01"].say("/danhgiacheo")
    text = deputy.text or ""
    assert "Bạn cần chấm 7 người" in text
    heading = "Cán bộ thuộc quyền (bạn là lãnh đạo trực tiếp)"
    assert lines_under(text, heading) == [f"⬜ {NAMES[c]} — {POSITIONS[c]}" for c in STAFF_IN_ORDER]
    assert lines_under(text, "Cấp trên (chấm kín)") == ["⬜ Nguyễn Văn Chủ — Chủ tịch"]
    assert "👤 Phần bạn chấm với tư cách lãnh đạo trực tiếp là điểm của lãnh đạo" in text
    assert "Đồng nghiệp" not in text

    # The chair rates the staff below the deputy as higher leader, and the deputy as direct leader.
    chair = await ward.users["CT01"].say("/danhgiacheo")
    text = chair.text or ""
    assert lines_under(text, "Cán bộ thuộc quyền (bạn là lãnh đạo cấp trên)") == [
        f"⬜ {NAMES[c]} — {POSITIONS[c]}" for c in STAFF_IN_ORDER
    ]
    assert lines_under(text, "Cán bộ thuộc quyền (bạn là lãnh đạo trực tiếp)") == ["⬜ Trần Thị Phó — Phó Chủ tịch"]
    assert "Chấm kín" not in text and "Cấp trên" not in text  # nothing the chair gives is secret
    assert len(chair.button_texts()) == 7

    # In a group, nothing: a button to the private chat.
    group = world.sandbox.add_group("Phường Hòa Phát", [one.id, ward.users["CC02"].id])
    one.send("/danhgiacheo", chat=group)
    answer = await one.next_message(chat=group)
    assert "chỉ làm việc trong cuộc trò chuyện riêng" in (answer.text or "")
    assert "Phạm Thị Hai" not in (answer.text or "")


# -- a rating walked and submitted -------------------------------------------------------------------------------


async def test_a_rating_is_walked_on_one_panel_submitted_and_then_locked(world: BotWorld, tmp_path: Path) -> None:
    ward = await opened(world, tmp_path, "CC01")
    one = ward.users["CC01"]
    listed = await one.say("/danhgiacheo")
    panel = await one.tap(listed, "Phạm Thị Hai")
    assert panel.message_id == listed.message_id
    text = panel.text or ""
    assert text.startswith(
        "🔒 Chấm điểm: Phạm Thị Hai · bước 1/4\nCông chức Tư pháp - Hộ tịch · Đồng nghiệp (chấm kín)"
    )
    assert "Tiêu chí 1/3: Kết quả thực hiện công việc" in text
    assert "Tối đa 60 điểm · bạn chấm: 60 điểm" in text
    assert "✅ Đủ điểm (60) ✓" in panel.button_texts()
    assert not any("Ghi chú" in label or "📝" in label for label in panel.button_texts())  # no notes at all

    # Deductions, taps counted; full points clears them.
    panel = await one.tap(panel, "Công việc được giao chậm tiến độ")
    assert "bạn chấm: 57 điểm" in (panel.text or "")
    panel = await one.tap(panel, "Công việc được giao chậm tiến độ")
    assert "bạn chấm: 54 điểm" in (panel.text or "")
    assert "• Công việc được giao chậm tiến độ ×2: −6 điểm" in (panel.text or "")
    panel = await one.tap(panel, "Đủ điểm")
    assert "bạn chấm: 60 điểm" in (panel.text or "") and "×2" not in (panel.text or "")
    panel = await one.tap(panel, "Công việc được giao không hoàn thành")
    assert "bạn chấm: 55 điểm" in (panel.text or "")

    # The second criterion typed by hand.
    panel = await one.tap(panel, "Tiếp ▶")
    assert "bước 2/4" in (panel.text or "") and "Tiêu chí 2/3: Chấp hành chính sách pháp luật" in (panel.text or "")
    question = await one.tap(panel, "Gõ điểm")
    assert "Gõ số điểm bạn chấm cho tiêu chí" in (question.text or "") and "từ 0 đến 15" in (question.text or "")
    panel = await one.say("12,5")
    assert question.deleted
    assert (panel.text or "").startswith("✅ Đã lưu.")
    assert "bạn chấm: 12,5 điểm (điểm bạn gõ)" in (panel.text or "")
    panel = await one.tap(panel, "Tiếp ▶")
    assert "Tiêu chí 3/3: Thái độ, trách nhiệm" in (panel.text or "")

    # The summary: each criterion, the total, the promise of secrecy; Submit.
    summary = await one.tap(panel, "Tiếp ▶")
    text = summary.text or ""
    assert "📊 Tổng hợp phần chấm cho Phạm Thị Hai (kỳ 11/2026)" in text
    assert "• Kết quả thực hiện công việc: 55/60" in text
    assert "• Chấp hành chính sách pháp luật, đạo đức, lối sống, tinh thần kỷ luật: 12,5/15" in text
    assert "Tổng: 92,5/100 điểm" in text
    assert (
        "🔒 Không ai biết bạn đã chấm bao nhiêu: điểm này chỉ được tính vào điểm trung bình của ít nhất 3 người."
        in text
    )
    assert "Sau khi gửi, phần chấm được khóa" in text
    assert summary.button_texts()[0] == "📤 Gửi phần chấm"
    submit_data = summary.button("Gửi phần chấm")["callback_data"]
    # Jump back to a criterion from the summary, then return.
    first = await one.tap(summary, "1. Kết quả thực hiện công việc")
    assert "bước 1/4" in (first.text or "") and "bạn chấm: 55 điểm" in (first.text or "")
    summary = await one.tap(first, "Xem tổng hợp")
    assert "Nút này đã cũ" in await alert_of(one, summary, submit_data)  # the summary's old Submit

    done = await one.tap(summary, "Gửi phần chấm")
    text = done.text or ""
    assert text.startswith("✅ Đã gửi phần chấm cho Phạm Thị Hai. Phần chấm đã khóa, không sửa được nữa.")
    assert "Còn 5 người cần chấm." in text and "92,5" not in text
    assert done.button_texts() == ["▶ Chấm tiếp: Hoàng Văn Ba", "📋 Danh sách cần chấm"]
    _, _, state, criteria = rating_of(ward, "CC01", "CC02")
    assert state == "submitted"
    assert criteria == {
        "ket_qua_cong_viec": {"deductions": [{"code": "khong_hoan_thanh", "count": 1}]},
        "chap_hanh_phap_luat": {"points": "12.5"},
        "thai_do_trach_nhiem": {},
    }
    with world.services.db.uow() as uow:  # the log keeps that a rating was given, never its content
        (entry,) = [e for e in uow.audit.entries("rating") if e.action == "rating.submit"]
        assert "12.5" not in str(entry.__dict__) and "khong_hoan_thanh" not in str(entry.__dict__)
    # Locked: the old panel's buttons are refused and the rating shows read-only, without its points.
    assert "đã gửi và đã khóa" in await alert_of(one, done, submit_data)
    listed = await one.tap(done, "Danh sách cần chấm")
    assert "Bạn cần chấm 6 người; đã gửi 1." in (listed.text or "")
    assert "✅ Phạm Thị Hai — Công chức Tư pháp - Hộ tịch" in (listed.text or "")
    again = await one.tap(listed, "✅ Phạm Thị Hai")
    assert (again.text or "").startswith("✅ Bạn đã gửi phần chấm cho Phạm Thị Hai (kỳ 11/2026). Phần chấm đã khóa")
    assert "92,5" not in (again.text or "") and again.button_texts() == ["📋 Danh sách cần chấm"]
    rid, version, _, _ = rating_of(ward, "CC01", "CC02")
    for data in (f"v1:dc:d:{rid}:{version}:0:0", f"v1:dc:p:{rid}:{version}:1", f"v1:dc:s:{rid}:{version}"):
        assert "đã gửi và đã khóa" in await alert_of(one, again, data), data
    assert rating_of(ward, "CC01", "CC02")[1] == version

    # "Rate next" walks on; once everyone is rated, the list says so.
    for code in ("CC03", "CC04", "CC05", "VP01", "PCT01"):
        ward.rate("CC01", code, "50")
    listed = await one.say("/danhgiacheo")
    assert "✅ Bạn đã chấm xong cả 6 người. Cảm ơn bạn!" in (listed.text or "")
    assert all(label.startswith("✅ ") for label in listed.button_texts())


async def test_double_taps_and_old_panels_change_nothing(world: BotWorld, tmp_path: Path) -> None:
    ward = await opened(world, tmp_path, "CC01")
    one = ward.users["CC01"]
    panel = await one.tap(await one.say("/danhgiacheo"), "Hoàng Văn Ba")
    old_next = panel.button("Tiếp ▶")["callback_data"]
    first = one.press(panel, "Công việc được giao chưa đạt chất lượng")
    second = one.press(panel, "Công việc được giao chưa đạt chất lượng")
    assert (await one.answer_to(first)).answer_text == "Đã lưu."
    assert "Nút này đã cũ" in ((await one.answer_to(second)).answer_text or "")
    panel = await one.next_message()
    assert "bạn chấm: 57 điểm" in (panel.text or "") and "×1: −3 điểm" in (panel.text or "")
    assert "Nút này đã cũ" in await alert_of(one, panel, old_next)
    _, version, state, criteria = rating_of(ward, "CC01", "CC03")
    assert state == "pending"
    assert criteria["ket_qua_cong_viec"] == {"deductions": [{"code": "chua_dat_chat_luong", "count": 1}]}
    # Opened again later, the panel continues where it was, at the current version.
    again = await one.tap(await one.say("/danhgiacheo"), "Hoàng Văn Ba")
    assert "bạn chấm: 57 điểm" in (again.text or "")
    assert again.button("Tiếp ▶")["callback_data"] == f"v1:dc:go:{rating_of(ward, 'CC01', 'CC03')[0]}:{version}:1"


async def test_forged_buttons_cannot_open_or_touch_someone_elses_rating(world: BotWorld, tmp_path: Path) -> None:
    ward = await opened(world, tmp_path, "CC01", "CC02")
    one = ward.users["CC01"]
    own = await one.say("/danhgiacheo")
    theirs, version, _, _ = rating_of(ward, "CC02", "CC03")  # Hai's rating of Ba: not Một's
    for data in (
        f"v1:dc:o:{theirs}",
        f"v1:dc:sh:{theirs}",
        f"v1:dc:go:{theirs}:{version}:3",
        f"v1:dc:f:{theirs}:{version}:0",
        f"v1:dc:d:{theirs}:{version}:0:0",
        f"v1:dc:p:{theirs}:{version}:0",
        f"v1:dc:s:{theirs}:{version}",
    ):
        assert "không thuộc về bạn" in await alert_of(one, own, data), data
    mine, my_version, _, _ = rating_of(ward, "CC01", "CC03")
    for data in (
        "v1:dc:zz",
        "v1:dc:o:abc",
        f"v1:dc:o:{mine}:1",
        f"v1:dc:d:{mine}:{my_version}:0:7",
        f"v1:dc:d:{mine}:{my_version}:5:0",
        f"v1:dc:go:{mine}:{my_version}:99",
        f"v1:dc:f:{mine}:x:0",
        f"v1:dc:s:{mine}:{my_version}:{'9' * 40}",
    ):
        assert "Nút này không còn hiệu lực" in await alert_of(one, own, data), data
    assert rating_of(ward, "CC02", "CC03")[1:3] == (version, "pending")
    assert rating_of(ward, "CC01", "CC03")[1:3] == (my_version, "pending")
    assert (own.text or "").startswith("🔒 Đánh giá chéo kỳ 11/2026")  # the panel was never replaced


async def test_hostile_input_in_the_typed_points_changes_nothing(world: BotWorld, tmp_path: Path) -> None:
    ward = await opened(world, tmp_path, "CC01")
    one = ward.users["CC01"]
    panel = await one.tap(await one.say("/danhgiacheo"), "Trần Thị Phó")
    assert "Phó Chủ tịch · Cấp trên (chấm kín)" in (panel.text or "")
    await one.tap(panel, "Gõ điểm")
    assert "Điểm phải là một số từ 0 đến 60" in ((await one.say("năm mươi")).text or "")
    assert "Điểm phải từ 0 đến 60" in ((await one.say("75")).text or "")
    assert "Điểm phải là một số từ 0 đến 60" in ((await one.say("-3")).text or "")
    assert "Điểm phải là một số từ 0 đến 60" in ((await one.say("47,125")).text or "")
    assert "Điểm phải là một số từ 0 đến 60" in ((await one.say("NaN")).text or "")
    assert "quá giới hạn 2000 ký tự" in ((await one.say("5" * 5000)).text or "")
    one.send_sticker()
    assert "chờ bạn gõ câu trả lời bằng chữ" in ((await one.next_message()).text or "")
    assert "Không có lệnh /lamgi. Bước đang làm vẫn chờ" in ((await one.say("/lamgi")).text or "")
    cancelled = await one.say("/huy")
    assert "Đã thôi bước đang làm" in (cancelled.text or "")
    panel = await one.next_message()
    assert "Chấm điểm: Trần Thị Phó · bước 1/4" in (panel.text or "") and "bạn chấm: 60 điểm" in (panel.text or "")
    _, version, state, criteria = rating_of(ward, "CC01", "PCT01")
    assert state == "pending" and criteria["ket_qua_cong_viec"] == {}
    assert "chưa hiểu" in ((await one.say("48")).text or "")  # the step is closed: nothing saved

    # Asked again, then a restart: the step waits in the database and the answer lands.
    await one.tap(panel, "Gõ điểm")
    await world.restart()
    saved = await one.say("48")
    assert "bạn chấm: 48 điểm (điểm bạn gõ)" in (saved.text or "")
    assert rating_of(ward, "CC01", "PCT01")[3]["ket_qua_cong_viec"] == {"points": "48"}
    # Another bot command in the middle of the step closes it and does its own job.
    await one.tap(saved, "Gõ điểm")
    listed = await one.say("/danhgiacheo")
    assert "Bạn cần chấm 6 người" in (listed.text or "")
    assert "chưa hiểu" in ((await one.say("30")).text or "")
    assert rating_of(ward, "CC01", "PCT01")[3]["ket_qua_cong_viec"] == {"points": "48"}
    assert rating_of(ward, "CC01", "PCT01")[1] == version + 1


# -- nothing to rate ---------------------------------------------------------------------------------------------


async def test_without_an_open_360_period_the_answer_is_polite(world: BotWorld, tmp_path: Path) -> None:
    an = await world.linked_user("CV01", "An")
    answer = await an.say("/danhgiacheo")
    assert "Hiện chưa có kỳ đánh giá nào đang mở cho đơn vị của bạn" in (answer.text or "")
    assert answer.button_texts() == []
    # The demo department's regime has no 360° round: the period opens without any rating request.
    with world.services.db.uow() as uow:
        hr = uow.people.get_by_code("TC01")
        so = uow.units.get_by_code("SO")
        assert hr is not None and hr.id is not None and so is not None and so.id is not None
        hr_id, so_id = hr.id, so.id
    world.services.periods.open(Actor.person(hr_id), so_id, "2026-11")
    notice = await an.next_message()
    assert "Kỳ đánh giá 11/2026" in (notice.text or "")
    answer = await an.say("/danhgiacheo")
    assert "không có phần chấm điểm chéo (360°)" in (answer.text or "") and "/tudanhgia" in (answer.text or "")
    with world.services.db.uow() as uow:
        assert uow.outbox.of_kind("rating_request") == []


async def test_raters_are_reminded_and_hr_sees_the_round_as_counts_only(world: BotWorld, tmp_path: Path) -> None:
    ward = await opened(world, tmp_path, "CC01", "CC02", "VP01")
    for ratee in (*(c for c in STAFF if c != "CC01"), "PCT01"):
        ward.rate("CC01", ratee, "55")
    # The self-assessment window opens on Friday 27/11: whoever still owes ratings is reminded, with a count.
    world.services.clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))  # type: ignore[attr-defined]
    await world.tick()
    hai = ward.users["CC02"]
    reminder = next(m for m in hai.bot_messages() if "phần chấm chéo" in (m.text or ""))
    assert "Bạn còn 6 phần chấm chéo kỳ 11/2026 chưa gửi" in (reminder.text or "")
    assert "Vòng chấm kín đóng khi chốt kỳ (dự kiến 09/12/2026)" in (reminder.text or "")
    assert reminder.button_texts() == ["🔒 Mở danh sách chấm điểm"]
    assert not any("phần chấm chéo" in (m.text or "") for m in ward.users["CC01"].bot_messages())
    # HR's panel of the unit: how many ratings are in and who has not finished — never whom or how.
    sau = ward.users["VP01"]
    overview = await sau.say("/kydanhgia")
    unit = await sau.tap(overview, "UBND phường Hòa Phát")
    text = unit.text or ""
    assert "🔒 Đánh giá chéo: 6/50 phần chấm đã gửi" in text
    behind = next(line for line in text.split("\n") if line.startswith("Chưa chấm xong"))
    assert behind.startswith("Chưa chấm xong (7): ") and "Lê Văn Một" not in behind
    assert "Phạm Thị Hai (còn 6)" in behind and "Trần Thị Phó (còn 7)" in behind

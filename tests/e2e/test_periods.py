"""End to end: HR opens and closes periods with /kydanhgia — blockers, the quota, ties, reopening — and each
person receives their final result (or the news that they have none) privately."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from danhgia.sandbox.state import Message
from danhgia.sandbox.users import SimUser
from danhgia.workflow.assessments import AssessmentView
from danhgia.workflow.common import Actor
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.tasks import CheckinOutcome
from tests.conftest import BotWorld, write_roster

pytestmark = pytest.mark.e2e

NOVEMBER = date(2026, 11, 20)


# -- setting the scene through the workflow -------------------------------------------------------------------


def person(world: BotWorld, code: str) -> int:
    with world.services.db.uow() as uow:
        found = uow.people.get_by_code(code)
        assert found is not None and found.id is not None
        return found.id


def unit(world: BotWorld, code: str) -> int:
    with world.services.db.uow() as uow:
        found = uow.units.get_by_code(code)
        assert found is not None and found.id is not None
        return found.id


def open_period(world: BotWorld, unit_code: str = "SO", key: str = "2026-11") -> None:
    world.services.periods.open(Actor.person(person(world, "TC01")), unit(world, unit_code), key)


def period_of(world: BotWorld, unit_code: str, key: str = "2026-11") -> int:
    with world.services.db.uow() as uow:
        period = uow.periods.of_unit(unit(world, unit_code), key)
        assert period is not None and period.id is not None
        return period.id


def submit(world: BotWorld, code: str, *, good: bool = False, due: date = NOVEMBER) -> AssessmentView:
    """A month of work and a submitted self-assessment: 100 points, or 80 ("Hoàn thành tốt") when `good`."""
    services = world.services
    pid = person(world, code)
    task = services.tasks.add(Actor.person(pid), pid, "Nhiệm vụ tháng", due, Decimal(1))
    services.tasks.checkin(Actor.person(pid), pid, task.id, CheckinOutcome.ON_TIME)
    view = services.self_assessment.open_self(pid)
    if good:
        view = services.self_assessment.set_points(pid, view.id, view.version, "doi_moi", "0")
        view = services.self_assessment.set_points(pid, view.id, view.version, "trach_nhiem", "0")
    return services.self_assessment.submit(pid, view.id, view.version)


def approve(world: BotWorld, reviewer: str, view: AssessmentView) -> None:
    decided = world.services.review.approve(Actor.person(person(world, reviewer)), view.id)
    assert decided.done


async def settle(world: BotWorld) -> None:
    """Wait until every message already queued for delivery is out (other features' notices included)."""
    from sqlmodel import col, func, select

    from danhgia.storage.models import Outbox

    def done() -> bool:
        now = world.services.clock.now()
        with world.services.db.uow() as uow:
            query = select(func.count()).select_from(Outbox).where(col(Outbox.status).in_(["pending", "sending"]))
            query = query.where(col(Outbox.next_attempt_at) <= now)
            return not uow.session.exec(query).one()

    await world.sandbox.wait_for(done, 10, "the outbox to drain")


async def tap(user: SimUser, panel: Message, label: str) -> Message:
    """Press a button and wait for that panel to be edited in place (notices from elsewhere may arrive too)."""
    seen = panel.seq
    await user.answer_to(user.press(panel, label))
    return await user.sandbox.wait_for(lambda: panel if panel.seq > seen else None, 10, f"the panel after {label!r}")


async def forge(user: SimUser, panel: Message, data: str) -> str:
    """Press a button that no panel carries; returns the answer (toast or alert) the bot gave."""
    query = await user.answer_to(user.press_forged(panel, data))
    return query.answer_text or ""


async def said(user: SimUser, text: str, fragment: str) -> Message:
    """Send text and wait for the bot's new message containing `fragment`."""
    sent = user.send(text)
    return await fresh(user, fragment, sent.seq)


async def fresh(user: SimUser, fragment: str, after: int) -> Message:
    """The first bot message after `after` (a sequence number) that contains `fragment`."""

    def found() -> Message | None:
        return next((m for m in user.bot_messages() if m.seq > after and fragment in (m.text or "")), None)

    return await user.sandbox.wait_for(found, 10, f"a message with {fragment!r} to {user.user.display_name}")


async def received(user: SimUser, fragment: str, timeout: float = 10.0) -> Message:
    """The bot's private message to this person containing `fragment` (whatever else arrived meanwhile)."""

    def found() -> Message | None:
        return next((m for m in user.bot_messages() if fragment in (m.text or "")), None)

    return await user.sandbox.wait_for(found, timeout, f"a message with {fragment!r} to {user.user.display_name}")


async def closed_th(world: BotWorld, giang: SimUser) -> Message:
    """Close November for Phòng Tổng hợp through the panels; returns the summary."""
    panel = await said(giang, "/kydanhgia", "📋 Kỳ đánh giá")
    th = await tap(giang, panel, "Phòng Tổng hợp")
    confirm = await tap(giang, th, "Chốt kỳ")
    return await tap(giang, confirm, "✅ Chốt kỳ")


# -- opening --------------------------------------------------------------------------------------------------------


async def test_hr_opens_november_for_the_department_and_its_sub_units(world: BotWorld) -> None:
    giang = await world.linked_user("TC01", "Giang")
    panel = await said(giang, "/kydanhgia", "📋 Kỳ đánh giá")
    assert "Kỳ đánh giá 11/2026" in panel.text
    assert "Sở Nội vụ (SO): chưa mở" in panel.text
    assert "└ Phòng Tổng hợp (TH): chưa mở" in panel.text and "└ Phòng Công chức (CC): chưa mở" in panel.text
    so = await tap(giang, panel, "Sở Nội vụ")
    assert so.message_id == panel.message_id  # one panel, edited in place
    assert "Sở Nội vụ (SO) · kỳ 11/2026" in so.text and "Trạng thái: chưa mở · 1 người" in so.text
    opened = await tap(giang, so, "Mở kỳ 11/2026")
    assert "Đã mở kỳ 11/2026 cho 3 đơn vị: Sở Nội vụ, Phòng Tổng hợp, Phòng Công chức" in opened.text
    assert "Trạng thái: đang mở · 1 người" in opened.text and "Chưa bắt đầu: 1" in opened.text
    assert "🔒 Chốt kỳ" in opened.button_texts()
    # A second tap on the same (old) button changes nothing and says so.
    seen = opened.seq
    await forge(giang, opened, f"v1:pd:o:{unit(world, 'SO')}:0")
    await world.sandbox.wait_for(lambda: opened.seq > seen)
    assert "đã được mở từ trước" in opened.text
    units = await tap(giang, opened, "Danh sách đơn vị")
    assert "Phòng Tổng hợp (TH): đang mở · 4 chưa bắt đầu" in units.text
    assert "Sở Nội vụ (SO): đang mở · 1 chưa bắt đầu" in units.text
    october = await tap(giang, units, "Kỳ trước (10/2026)")
    assert "Kỳ đánh giá 10/2026" in october.text and "Phòng Tổng hợp (TH): chưa mở" in october.text
    back = await tap(giang, october, "Kỳ này (11/2026)")
    assert "Kỳ đánh giá 11/2026" in back.text
    ids = [unit(world, u) for u in ("SO", "TH", "CC")]
    with world.services.db.uow() as uow:
        keys = {(p.unit_id, p.key, p.status) for u in ids for p in uow.periods.by_unit(u)}
    assert keys == {(u, "2026-11", "open") for u in ids}


async def test_someone_outside_hr_is_refused_politely_and_forged_buttons_change_nothing(world: BotWorld) -> None:
    open_period(world)
    an = await world.linked_user("CV01", "An")
    refused = await said(an, "/kydanhgia", "Tổ chức cán bộ")
    assert "Lệnh /kydanhgia dành cho bộ phận Tổ chức cán bộ" in refused.text and "/ketqua" in refused.text
    th = period_of(world, "TH")
    for data in (
        "v1:pd:ov:0",
        f"v1:pd:C:{th}:0123456789ab",
        f"v1:pd:c:{th}",
        f"v1:pd:o:{unit(world, 'TH')}:1",
        f"v1:pd:r:{th}:0",
    ):
        assert "Chỉ bộ phận Tổ chức cán bộ" in await forge(an, refused, data), data
    assert world.services.periods.info(th).status == "open"
    with world.services.db.uow() as uow:
        assert uow.periods.of_unit(unit(world, "TH"), "2026-10") is None
    # The system administrator (quan_tri) may oversee the periods too.
    hai = await world.linked_user("QT01", "Hải")
    overview = await said(hai, "/kydanhgia", "📋 Kỳ đánh giá")
    assert "Phòng Tổng hợp (TH): đang mở · 4 chưa bắt đầu" in overview.text


# -- closing --------------------------------------------------------------------------------------------------------


async def test_closing_is_refused_while_a_record_waits_for_review(world: BotWorld) -> None:
    open_period(world)
    submit(world, "CV01")  # An waits for Hoa's review
    approve(world, "TP01", submit(world, "CV02", good=True))
    giang = await world.linked_user("TC01", "Giang")
    panel = await said(giang, "/kydanhgia", "📋 Kỳ đánh giá")
    th = await tap(giang, panel, "Phòng Tổng hợp")
    assert "Chờ duyệt: 1" in th.text and "Đã duyệt: 1" in th.text and "Chưa bắt đầu: 2" in th.text
    confirm = await tap(giang, th, "Chốt kỳ")
    assert "Chốt kỳ 11/2026 — Phòng Tổng hợp" in confirm.text
    assert "Chưa nộp tự đánh giá (2)" in confirm.text
    assert "Nguyễn Thị Hoa" in confirm.text and "Bùi Văn Hải" in confirm.text
    assert "Còn chờ xử lý (1): Lê Văn An (đã nộp, chờ duyệt)" in confirm.text
    # No button that could only be refused: while a record waits there is no "close", only "check again".
    assert "✅ Chốt kỳ" not in confirm.button_texts() and "🔄 Xem lại" in confirm.button_texts()
    looked = await giang.answer_to(giang.press(confirm, "🔄 Xem lại"))
    assert looked.answer_text == "Vẫn còn 1 bản chờ xử lý: chưa chốt được."  # nothing changed: no edit, a word
    again = confirm
    # A close pressed anyway (an old client, a forged button) closes nothing: the confirmation comes back.
    period = period_of(world, "TH")
    seq = again.seq
    await giang.answer_to(giang.press_forged(again, f"v1:pd:C:{period}:x"))
    refused = await world.sandbox.wait_for(lambda: again if again.seq > seq else None, 10, "the confirmation")
    assert "nên kỳ chưa được chốt" in refused.text and "Còn chờ xử lý (1): Lê Văn An" in refused.text
    assert "✅ Chốt kỳ" not in refused.button_texts()
    assert world.services.periods.info(period_of(world, "TH")).status == "open"


async def test_closing_applies_the_quota_and_everyone_hears_privately(world: BotWorld) -> None:
    open_period(world)
    an, binh = await world.linked_user("CV01", "An"), await world.linked_user("CV02", "Bình")
    hai, hoa = await world.linked_user("QT01", "Hải"), await world.linked_user("TP01", "Hoa")
    approve(world, "TP01", submit(world, "CV01"))  # 100 points: Hoàn thành xuất sắc
    approve(world, "TP01", submit(world, "CV02", good=True))  # 80 points: Hoàn thành tốt
    giang = await world.linked_user("TC01", "Giang")
    panel = await said(giang, "/kydanhgia", "📋 Kỳ đánh giá")
    confirm = await tap(giang, await tap(giang, panel, "Phòng Tổng hợp"), "Chốt kỳ")
    # NĐ 335: Hoàn thành xuất sắc ≤ 20 % of those rated Hoàn thành tốt — in a unit this small, nobody keeps it.
    assert "Dự kiến hạ mức do giới hạn tỷ lệ (1): Lê Văn An" in confirm.text
    assert "Tỷ lệ «Hoàn thành xuất sắc nhiệm vụ» tối đa: 20 % (đơn vị thường)" in confirm.text
    marked = await tap(giang, confirm, "Đánh dấu đơn vị xuất sắc")
    assert "tối đa: 25 % (đơn vị có thành tích xuất sắc)" in marked.text
    assert "Dự kiến hạ mức do giới hạn tỷ lệ (1): Lê Văn An" in marked.text  # 25 % of one is still nobody
    unmarked = await tap(giang, marked, "Bỏ đánh dấu đơn vị xuất sắc")
    assert "20 % (đơn vị thường)" in unmarked.text
    summary = await tap(giang, unmarked, "✅ Chốt kỳ")
    assert summary.message_id == panel.message_id
    assert "Đã chốt kỳ 11/2026 — Phòng Tổng hợp" in summary.text
    assert "Đã khóa 2 bản đánh giá" in summary.text
    assert "Hạ mức do giới hạn tỷ lệ (1): Lê Văn An" in summary.text
    assert "Không nộp tự đánh giá (2)" in summary.text and "Bùi Văn Hải" in summary.text
    # Each person privately: the demoted one with the reason, the other without, the rest told they have none.
    final = await received(an, "Kết quả chính thức kỳ 11/2026")
    assert "Tổng điểm: 100/100" in final.text and "Xếp loại: Hoàn thành tốt nhiệm vụ" in final.text
    assert "Điểm của bạn đạt mức «Hoàn thành xuất sắc nhiệm vụ»" in final.text
    assert "không quá 20 % số người xếp loại «Hoàn thành tốt nhiệm vụ»" in final.text
    assert "CV01 (100 điểm): hạ từ «Hoàn thành xuất sắc nhiệm vụ» xuống «Hoàn thành tốt nhiệm vụ»" in final.text
    assert "• Tiêu chí chung: 30/30" in final.text and "• Kết quả thực hiện nhiệm vụ: 70/70" in final.text
    assert final.button_texts() == ["📊 Xem chi tiết"]
    theirs = await received(binh, "Kết quả chính thức kỳ 11/2026")
    assert "Tổng điểm: 80/100" in theirs.text and "Xếp loại: Hoàn thành tốt nhiệm vụ" in theirs.text
    assert "giới hạn tỷ lệ" not in theirs.text and "CV01" not in theirs.text and "Lê Văn An" not in theirs.text
    for someone in (hai, hoa):
        none = await received(someone, "Kỳ đánh giá 11/2026 của Phòng Tổng hợp đã chốt")
        assert "không gửi bản tự đánh giá" in none.text
    an.press(final, "Xem chi tiết")
    details = await fresh(an, "Kết quả đánh giá kỳ 11/2026", final.seq)
    assert details.message_id != final.message_id  # the notice stays; details come as a new panel
    assert "Giải trình điểm:" in details.text and "Xếp loại: Hoàn thành tốt nhiệm vụ" in final.text
    with world.services.db.uow() as uow:
        actions = [e.action for e in uow.audit.entries("period", str(period_of(world, "TH")))]
    assert actions == ["period.open", "period.exceptional", "period.exceptional", "period.close"]


async def test_people_tied_on_the_quota_line_are_left_to_hr_with_buttons(world: BotWorld, tmp_path: Path) -> None:
    rows = [["TP09", "Trưởng phòng Chín", "P9", "Phòng Chín", "Trưởng phòng", "lanh_dao", "GD01", "SO"]]
    rows += [
        [f"N{i}", f"Chuyên viên {i}", "P9", "Phòng Chín", "Chuyên viên", "nhan_vien", "TP09", "SO"] for i in range(8)
    ]
    world.services.roster.import_table(read_roster(write_roster(tmp_path / "p9.csv", rows)), Actor.cli("test"))
    open_period(world, "P9")
    for i in range(8):  # two at 100 points (Hoàn thành xuất sắc), six at 80 (Hoàn thành tốt): one place left
        approve(world, "TP09", submit(world, f"N{i}", good=i >= 2))
    p9 = period_of(world, "P9")
    giang = await world.linked_user("TC01", "Giang")
    panel = await said(giang, "/kydanhgia", "📋 Kỳ đánh giá")
    confirm = await tap(giang, await tap(giang, panel, "Phòng Chín"), "Chốt kỳ")
    assert "Có người bằng điểm ở ngưỡng tỷ lệ" in confirm.text
    tie = await tap(giang, confirm, "✅ Chốt kỳ")
    assert "Cần bạn chọn — kỳ 11/2026, Phòng Chín" in tie.text
    assert "2 người (nhóm công chức, viên chức) cùng 100 điểm" in tie.text and "chỉ còn 1 suất" in tie.text
    assert "Đã chọn: 0/1" in tie.text
    assert tie.button_texts()[:2] == ["⬜ Chuyên viên 0", "⬜ Chuyên viên 1"]
    assert not any("Xác nhận" in label for label in tie.button_texts())
    chosen = await tap(giang, tie, "Chuyên viên 1")
    assert "☑️ Chuyên viên 1" in chosen.button_texts() and "Đã chọn: 1/1" in chosen.text
    switched = await tap(giang, chosen, "Chuyên viên 0")  # one place: choosing another moves the choice
    assert "☑️ Chuyên viên 0" in switched.button_texts() and "⬜ Chuyên viên 1" in switched.button_texts()
    assert world.services.periods.info(p9).status == "open"  # nothing closes before the confirmation
    # A button made for other tied people (a forged fingerprint) is refused and the closing step shown again.
    seen = switched.seq
    assert "chưa chốt kỳ" in await forge(giang, switched, f"v1:pd:T:{p9}:00000000:1")
    again = await world.sandbox.wait_for(lambda: switched if switched.seq > seen else None)
    assert "Chốt kỳ 11/2026 — Phòng Chín" in again.text
    assert world.services.periods.info(p9).status == "open"
    tie = await tap(giang, again, "✅ Chốt kỳ")
    chosen = await tap(giang, tie, "Chuyên viên 1")
    summary = await tap(giang, chosen, "Xác nhận và chốt kỳ")
    assert "Đã chốt kỳ 11/2026 — Phòng Chín" in summary.text
    assert "Hạ mức do giới hạn tỷ lệ (1): Chuyên viên 0" in summary.text
    with world.services.db.uow() as uow:
        codes = {p.id: p.staff_code for p in uow.people.all()}
        finals = {codes[r.person_id]: r.final_level for r in uow.assessments.in_period(p9)}
    assert finals["N1"] == "HTXS" and finals["N0"] == "HTT"
    assert {finals[f"N{i}"] for i in range(2, 8)} == {"HTT"}


# -- reopening -------------------------------------------------------------------------------------------------------


async def test_reopening_a_locked_record_needs_a_reason_and_is_audited(world: BotWorld) -> None:
    open_period(world)
    an_view = submit(world, "CV01")
    approve(world, "TP01", an_view)
    approve(world, "TP01", submit(world, "CV02", good=True))
    giang = await world.linked_user("TC01", "Giang")
    summary = await closed_th(world, giang)
    th = await tap(giang, summary, "Quay lại đơn vị")
    assert "Trạng thái: đã chốt · 4 người" in th.text and "Đã chốt kết quả: 2" in th.text
    chooser = await tap(giang, th, "Mở lại một bản đã chốt")
    assert "Lê Văn An: Hoàn thành tốt nhiệm vụ (100 điểm)" in chooser.text
    assert "Phạm Thị Bình: Hoàn thành tốt nhiệm vụ (80 điểm)" in chooser.text
    ask = await tap(giang, chooser, "Lê Văn An")
    assert "Mở lại bản đánh giá kỳ 11/2026 của Lê Văn An" in ask.text and "Gõ lý do" in ask.text
    await settle(world)
    # Hostile input: the step keeps waiting and nothing is reopened.
    assert "quá giới hạn 2000 ký tự" in (await giang.say("x" * 5000)).text
    assert "Lý do dài 1500 ký tự; tối đa 1000 ký tự" in (await giang.say("y" * 1500)).text
    assert "Cần ghi lý do" in (await giang.say("   ")).text
    giang.send_sticker()
    assert "chờ bạn gõ câu trả lời bằng chữ" in (await giang.next_message()).text
    assert "Đã thôi bước đang làm" in (await giang.say("/huy")).text
    back = await giang.next_message()
    assert "Mở lại bản đã chốt — Phòng Tổng hợp, kỳ 11/2026" in back.text
    assert world.services.results.entry(person(world, "CV01"), an_view.id).state == "locked"
    # Again, with a restart in the middle: the step is kept in the database.
    ask = await tap(giang, back, "Lê Văn An")
    await world.restart()
    done = await giang.say("Khiếu nại về tỷ lệ xếp loại, cần xem xét lại")
    assert "Đã mở lại bản đánh giá kỳ 11/2026 của Lê Văn An" in done.text
    assert "Lý do: Khiếu nại về tỷ lệ xếp loại, cần xem xét lại" in done.text
    assert "về Nguyễn Thị Hoa (người duyệt)" in done.text
    assert ask.deleted
    with world.services.db.uow() as uow:
        entry = uow.audit.entries("assessment", str(an_view.id))[-1]
    assert entry.action == "assessment.reopen" and entry.reason == "Khiếu nại về tỷ lệ xếp loại, cần xem xét lại"
    assert entry.actor_person_id == person(world, "TC01")
    assert entry.old == {"state": "locked", "total": "100.00", "level": "HTXS", "final_level": "HTT"}
    assert entry.new == {"state": "reopened"}
    chooser = await tap(giang, done, "Danh sách bản đã chốt")
    assert "Đang xem xét lại: Lê Văn An" in chooser.text and "Lê Văn An:" not in chooser.text
    # A stale button for the record that is no longer locked is answered and changes nothing more.
    stale = await forge(giang, chooser, f"v1:pd:R:{period_of(world, 'TH')}:{an_view.id}")
    assert "không còn ở trạng thái đã chốt" in stale


async def test_next_month_hr_meets_november_first_while_it_is_open_and_can_switch_to_december(
    world: BotWorld,
) -> None:
    open_period(world)
    approve(world, "TP01", submit(world, "CV01"))
    giang = await world.linked_user("TC01", "Giang")
    await closed_th(world, giang)
    world.services.clock.advance(timedelta(days=28))  # type: ignore[attr-defined]
    # Early December, November is still open in Sở Nội vụ: closing it is the work at hand, so it comes first.
    november = await said(giang, "/kydanhgia", "📋 Kỳ đánh giá")
    assert "Kỳ đánh giá 11/2026" in november.text
    assert "Phòng Tổng hợp (TH): đã chốt · 1 bản đã chốt" in november.text
    assert "Sở Nội vụ (SO): đang mở" in november.text
    december = await tap(giang, november, "Kỳ này (12/2026)")
    assert "Kỳ đánh giá 12/2026" in december.text and "Phòng Tổng hợp (TH): chưa mở" in december.text
    back = await tap(giang, december, "Kỳ trước (11/2026)")
    assert "Kỳ đánh giá 11/2026" in back.text


async def test_closing_applies_only_to_what_its_confirmation_summarised(world: BotWorld) -> None:
    open_period(world)
    giang = await world.linked_user("TC01", "Giang")
    approve(world, "TP01", submit(world, "CV01"))
    panel = await said(giang, "/kydanhgia", "📋 Kỳ đánh giá")
    th = await tap(giang, panel, "Phòng Tổng hợp")
    confirm = await tap(giang, th, "Chốt kỳ")
    assert "Đã duyệt, sẵn sàng chốt: 1 bản" in confirm.text
    # Meanwhile Bình submits and is approved: the confirmation on Giang's screen did not count her.
    approve(world, "TP01", submit(world, "CV02"))
    seen = confirm.seq
    query = giang.press(confirm, "✅ Chốt kỳ")
    assert (await giang.answer_to(query)).answer_text == "Tình hình kỳ đánh giá đã thay đổi: chưa chốt kỳ."
    again = await world.sandbox.wait_for(lambda: confirm if confirm.seq > seen else None)
    assert "đã thay đổi từ lúc bạn xem" in again.text and "Đã duyệt, sẵn sàng chốt: 2 bản" in again.text
    assert world.services.periods.info(period_of(world, "TH")).status == "open"
    summary = await tap(giang, again, "✅ Chốt kỳ")
    assert "Đã chốt kỳ 11/2026 — Phòng Tổng hợp" in summary.text and "Đã khóa 2 bản" in summary.text


async def test_hr_closes_the_whole_department_at_once_bound_to_what_the_confirmation_showed(world: BotWorld) -> None:
    open_period(world)  # Sở Nội vụ with Phòng Tổng hợp and Phòng Công chức
    an, dung = await world.linked_user("CV01", "An"), await world.linked_user("CV03", "Dung")
    approve(world, "TP01", submit(world, "CV01"))
    approve(world, "TP01", submit(world, "CV02", good=True))
    waiting = submit(world, "CV03")  # Dung waits for Cường's review
    giang = await world.linked_user("TC01", "Giang")
    panel = await said(giang, "/kydanhgia", "📋 Kỳ đánh giá")
    so = await tap(giang, panel, "Sở Nội vụ")
    confirm = await tap(giang, so, "Chốt kỳ toàn khối (3 đơn vị)")
    assert "Chốt kỳ 11/2026 — Sở Nội vụ và các đơn vị trực thuộc" in confirm.text
    assert "Sẵn sàng chốt: 2 đơn vị, 2 bản đã duyệt." in confirm.text
    assert "Còn bản chờ xử lý — chưa chốt lần này (1 đơn vị): Phòng Công chức (1)" in confirm.text
    # Cường decides meanwhile: the old confirmation closes nothing and shows the new count.
    approve(world, "TP02", waiting)
    changed = await tap(giang, confirm, "✅ Chốt 2 đơn vị")
    assert "chưa đơn vị nào được chốt" in changed.text and "Sẵn sàng chốt: 3 đơn vị, 3 bản đã duyệt." in changed.text
    statuses = {code: world.services.periods.info(period_of(world, code)).status for code in ("SO", "TH", "CC")}
    assert set(statuses.values()) == {"open"}
    summary = await tap(giang, changed, "✅ Chốt 3 đơn vị")
    assert summary.message_id == panel.message_id
    assert "Đã chốt kỳ 11/2026 — Sở Nội vụ và các đơn vị trực thuộc" in summary.text
    assert "Đã chốt: 3 đơn vị, khóa 3 bản đánh giá." in summary.text
    assert "Hạ mức do giới hạn tỷ lệ: 2 người." in summary.text  # An and Dung, as each unit closed on its own
    statuses = {code: world.services.periods.info(period_of(world, code)).status for code in ("SO", "TH", "CC")}
    assert set(statuses.values()) == {"closed"}
    final = await received(an, "Kết quả chính thức kỳ 11/2026")
    assert "Xếp loại: Hoàn thành tốt nhiệm vụ" in final.text and "hạ từ «Hoàn thành xuất sắc nhiệm vụ»" in final.text
    assert "Kết quả chính thức kỳ 11/2026" in (await received(dung, "Kết quả chính thức kỳ 11/2026")).text
    # Nothing is left open below Sở Nội vụ: no branch closing to offer any more.
    assert "Chốt kỳ toàn khối" not in " ".join((await tap(giang, summary, "Quay lại đơn vị")).button_texts())

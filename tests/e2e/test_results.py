"""End to end: /ketqua — each person's own result, privately: the latest period with its parts and explanation,
earlier months, the quarter and the year; nothing in a group chat; nothing of anyone else by a forged button."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from danhgia.workflow.common import Actor
from tests.conftest import BotWorld
from tests.e2e.test_periods import approve, forge, open_period, period_of, person, said, settle, submit, tap

pytestmark = pytest.mark.e2e
OWN = ("📄 Phiếu đánh giá (Word)", "📈 Xu hướng")  # the person's own form and trend, on every result


def close(world: BotWorld, unit_code: str = "TH", key: str = "2026-11") -> None:
    outcome = world.services.periods.close(Actor.person(person(world, "TC01")), period_of(world, unit_code, key))
    assert outcome.closed


async def test_each_person_reads_their_own_result_after_closing(world: BotWorld) -> None:
    open_period(world)
    approve(world, "TP01", submit(world, "CV01"))  # 100 points, lowered by the quota at closing
    approve(world, "TP01", submit(world, "CV02", good=True))  # 80 points
    close(world)
    an, binh = await world.linked_user("CV01", "An"), await world.linked_user("CV02", "Bình")
    hai, hoa = await world.linked_user("QT01", "Hải"), await world.linked_user("TP01", "Hoa")
    await settle(world)
    mine = await said(an, "/ketqua", "Kết quả đánh giá kỳ")
    assert "Kết quả đánh giá kỳ 11/2026\nPhòng Tổng hợp" in mine.text
    assert "Kết quả chính thức (kỳ đã chốt)" in mine.text
    assert "Tổng điểm: 100/100" in mine.text and "Xếp loại: Hoàn thành tốt nhiệm vụ" in mine.text
    assert "Điểm của bạn đạt mức «Hoàn thành xuất sắc nhiệm vụ»" in mine.text
    assert "CV01 (100 điểm): hạ từ «Hoàn thành xuất sắc nhiệm vụ» xuống «Hoàn thành tốt nhiệm vụ»" in mine.text
    assert "• Tiêu chí chung: 30/30" in mine.text and "• Kết quả thực hiện nhiệm vụ: 70/70" in mine.text
    assert "Giải trình điểm:\n• Tổng 100 điểm: đạt ngưỡng «Hoàn thành xuất sắc nhiệm vụ» (từ 90 điểm)" in mine.text
    assert mine.button_texts() == ["Quý IV/2026", "Cả năm 2026", *OWN]  # no earlier month yet
    # No council in this department: no contest button, but a word on whom to ask.
    assert "bạn có thể khiếu nại với bộ phận Tổ chức cán bộ" in mine.text
    theirs = await said(binh, "/ketqua", "Kết quả đánh giá kỳ")
    assert "Tổng điểm: 80/100" in theirs.text and "Xếp loại: Hoàn thành tốt nhiệm vụ" in theirs.text
    assert "• Tiêu chí chung: 10/30" in theirs.text
    assert "−10 điểm" in theirs.text  # each lost point explained with its rule
    assert "giới hạn tỷ lệ" not in theirs.text and "CV01" not in theirs.text
    for someone in (hai, hoa):
        nothing = await said(someone, "/ketqua", "chưa có kết quả")
        assert "Bạn chưa có kết quả đánh giá nào" in nothing.text and "/tudanhgia" in nothing.text


async def test_the_result_follows_the_record_through_review(world: BotWorld) -> None:
    open_period(world)
    an = await world.linked_user("CV01", "An")
    view = submit(world, "CV01")
    await settle(world)
    pending = await said(an, "/ketqua", "Kết quả đánh giá kỳ")
    assert "Đã nộp, đang chờ lãnh đạo duyệt" in pending.text
    assert "Xếp loại dự kiến: Hoàn thành xuất sắc nhiệm vụ (chờ duyệt)" in pending.text
    hoa = Actor.person(person(world, "TP01"))
    world.services.review.return_(hoa, view.id, "Bổ sung minh chứng cho nhiệm vụ tháng")
    await settle(world)
    returned = await said(an, "/ketqua", "Kết quả đánh giá kỳ")
    assert "bị trả lại để sửa" in returned.text
    assert "Lý do trả lại: Bổ sung minh chứng cho nhiệm vụ tháng" in returned.text and "/tudanhgia" in returned.text
    draft = world.services.self_assessment.open_self(person(world, "CV01"))
    world.services.self_assessment.submit(person(world, "CV01"), draft.id, draft.version)
    world.services.review.adjust_start(hoa, view.id)
    world.services.review.adjust_points(hoa, view.id, "doi_moi", "7")
    world.services.review.adjust_reason(hoa, view.id, "Chưa có đề xuất cải tiến trong tháng")
    assert world.services.review.adjust_confirm(hoa, view.id).done
    await settle(world)
    adjusted = await said(an, "/ketqua", "Kết quả đánh giá kỳ")
    assert "Đã được duyệt" in adjusted.text and "Tổng điểm: 97/100" in adjusted.text
    assert "Xếp loại: Hoàn thành xuất sắc nhiệm vụ (đã duyệt, chờ chốt kỳ)" in adjusted.text
    assert "Người duyệt đã điều chỉnh điểm. Lý do: Chưa có đề xuất cải tiến trong tháng" in adjusted.text
    assert "• Tiêu chí chung: 27/30" in adjusted.text


async def test_earlier_months_the_quarter_and_the_year(world: BotWorld) -> None:
    open_period(world)
    approve(world, "TP01", submit(world, "CV01"))
    close(world)
    world.services.clock.advance(timedelta(days=28))  # type: ignore[attr-defined]  # Friday 18/12/2026
    open_period(world, key="2026-12")
    approve(world, "TP01", submit(world, "CV01", good=True, due=date(2026, 12, 18)))
    close(world, key="2026-12")
    an = await world.linked_user("CV01", "An")
    await settle(world)
    latest = await said(an, "/ketqua", "Kết quả đánh giá kỳ")
    assert "Kết quả đánh giá kỳ 12/2026" in latest.text and "Tổng điểm: 80/100" in latest.text
    assert latest.button_texts() == ["11/2026", "· 12/2026 ·", "Quý IV/2026", "Cả năm 2026", *OWN]
    november = await tap(an, latest, "11/2026")
    assert november.message_id == latest.message_id  # the same panel, edited in place
    assert "Kết quả đánh giá kỳ 11/2026" in november.text and "Tổng điểm: 100/100" in november.text
    assert november.button_texts()[:2] == ["· 11/2026 ·", "12/2026"]
    quarter = await tap(an, november, "Quý IV/2026")
    assert "Quý IV/2026" in quarter.text and "Điểm trung bình: 90" in quarter.text
    assert "Tính từ 2 kỳ đã chốt: 11/2026, 12/2026" in quarter.text
    assert "Quý chưa khép lại: kết quả quý là tạm tính" in quarter.text
    assert "Điểm quý = trung bình 2 tháng có điểm: 90" in quarter.text
    year = await tap(an, quarter, "Cả năm 2026")
    assert "Cả năm 2026" in year.text and "Xếp loại: chưa xếp loại" in year.text
    assert "Năm 2026 chưa khép lại: kết quả năm là tạm tính" in year.text
    assert "• Quý IV/2026: 90 điểm" in year.text
    assert "dưới 6 tháng trong năm: không xếp loại chất lượng năm" in year.text
    back = await tap(an, year, "Kết quả mới nhất")
    assert "Kết quả đánh giá kỳ 12/2026" in back.text
    # In January, with every month of 2026 closed, the year is no longer provisional.
    world.services.clock.advance(timedelta(days=30))  # type: ignore[attr-defined]
    final_year = await tap(an, back, "Cả năm 2026")
    assert "Cả năm 2026" in final_year.text and "tạm tính" not in final_year.text


async def test_in_a_group_chat_no_score_is_shown_only_a_button_to_the_private_chat(world: BotWorld) -> None:
    open_period(world)
    approve(world, "TP01", submit(world, "CV01"))
    close(world)
    an, binh = await world.linked_user("CV01", "An"), await world.linked_user("CV02", "Bình")
    group = world.sandbox.add_group("Phòng Tổng hợp", [an.id, binh.id])
    an.send("/ketqua", chat=group)
    answer = await an.next_message(chat=group)
    assert "trò chuyện riêng" in answer.text
    assert answer.buttons()[0]["url"] == f"https://t.me/{world.sandbox.bot_username}"
    for secret in ("100", "Hoàn thành", "Lê Văn An", "11/2026"):
        assert secret not in answer.text
    assert len(an.bot_messages(group)) == 1


async def test_a_forged_button_shows_nothing_of_someone_elses_result(world: BotWorld) -> None:
    open_period(world)
    an_view = submit(world, "CV01")
    approve(world, "TP01", an_view)
    approve(world, "TP01", submit(world, "CV02", good=True))
    close(world)
    binh = await world.linked_user("CV02", "Bình")
    await settle(world)
    own = await said(binh, "/ketqua", "Kết quả đánh giá kỳ")
    before = (own.seq, own.text)
    for data in (f"v1:kq:e:{an_view.id}", f"v1:kq:d:{an_view.id}"):
        assert "Không tìm thấy mục này, hoặc nó không thuộc về bạn" in await forge(binh, own, data)
    for data in ("v1:kq:e:abc", "v1:kq:y:99999", "v1:kq:q:2026:9", "v1:kq:zz"):
        assert "Nút này không còn hiệu lực" in await forge(binh, own, data)
    assert (own.seq, own.text) == before  # the panel was not touched
    assert not any("100/100" in (m.text or "") for m in binh.bot_messages())

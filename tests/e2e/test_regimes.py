"""End to end: a viên chức and a công chức of one unit, each under their own regime — the viên chức's month gives
points only (NĐ 233/2026), said on the leader's card and in /ketqua, and the monthly quota leaves them out of the
công chức's group."""

from __future__ import annotations

import pytest

from danhgia.workflow.regimes import parse_category_map
from tests.conftest import BotWorld
from tests.e2e.test_periods import approve, open_period, person, said, settle, submit
from tests.e2e.test_results import close

pytestmark = pytest.mark.e2e


async def test_a_viên_chức_reads_points_and_the_colleague_a_month_level(world: BotWorld) -> None:
    world.services.regimes.by_category = parse_category_map("vien_chuc=nd233-2026")
    with world.services.db.uow() as uow:
        found = uow.people.get(person(world, "CV01"))
        assert found is not None
        found.category = "vien_chuc"
        uow.session.add(found)
        uow.commit()
    open_period(world)
    hoa = await world.linked_user("TP01", "Hoa")
    an, binh = await world.linked_user("CV01", "An"), await world.linked_user("CV02", "Bình")
    an_view = submit(world, "CV01")  # 100 points
    assert an_view.regime.id == "nd233-2026"
    await settle(world)
    (card,) = [m for m in hoa.bot_messages() if "Lê Văn An" in (m.text or "")]  # the review card the leader got
    assert "Theo NĐ 233/2026, theo dõi hằng tháng chỉ chấm điểm" in card.text
    approve(world, "TP01", an_view)
    approve(world, "TP01", submit(world, "CV02"))  # 100 points, NĐ 335, alone in the công chức's group
    close(world)
    await settle(world)
    mine = await said(an, "/ketqua", "Kết quả đánh giá kỳ")
    assert "Tổng điểm: 100/100" in mine.text
    assert "Mức tương ứng với điểm tháng: Hoàn thành xuất sắc nhiệm vụ — chỉ để tham khảo" in mine.text
    assert "giới hạn tỷ lệ" not in mine.text  # NĐ 233's quota is counted on the year
    theirs = await said(binh, "/ketqua", "Kết quả đánh giá kỳ")
    assert "Xếp loại: Hoàn thành tốt nhiệm vụ" in theirs.text and "giới hạn tỷ lệ" in theirs.text
    assert "tham khảo" not in theirs.text

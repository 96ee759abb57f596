"""A ward of eight people on the Liên Chiểu regime (the Đà Nẵng model), added to the e2e world: the roster, the
linked Telegram users, opening November, the assessments of the month, and a scan of everything the bot said."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from danhgia.handlers.notifier import deliver_round
from danhgia.sandbox.users import SimUser
from danhgia.workflow.common import Actor
from danhgia.workflow.roster_file import read_roster
from tests.conftest import BotWorld, write_roster

REGIME = "danang-lienchieu-2013"
HEADER = ["ma_can_bo", "ho_ten", "ma_don_vi", "ten_don_vi", "chuc_vu", "vai_tro", "ma_cap_tren"]
UNIT = "UBND phường Hòa Phát"
WARD = [
    ["CT01", "Nguyễn Văn Chủ", "HP", UNIT, "Chủ tịch", "lanh_dao,hoi_dong", ""],
    ["PCT01", "Trần Thị Phó", "HP", UNIT, "Phó Chủ tịch", "lanh_dao", "CT01"],
    ["CC01", "Lê Văn Một", "HP", UNIT, "Công chức Văn phòng - Thống kê", "nhan_vien", "PCT01"],
    ["CC02", "Phạm Thị Hai", "HP", UNIT, "Công chức Tư pháp - Hộ tịch", "nhan_vien", "PCT01"],
    ["CC03", "Hoàng Văn Ba", "HP", UNIT, "Công chức Địa chính - Xây dựng", "nhan_vien", "PCT01"],
    ["CC04", "Đỗ Thị Bốn", "HP", UNIT, "Công chức Tài chính - Kế toán", "nhan_vien", "PCT01"],
    ["CC05", "Vũ Văn Năm", "HP", UNIT, "Công chức Văn hóa - Xã hội", "nhan_vien,hoi_dong", "PCT01"],
    ["VP01", "Bùi Thị Sáu", "HP", UNIT, "Công chức Nội vụ", "nhan_vien,to_chuc,hoi_dong", "PCT01"],
]
CODES = tuple(row[0] for row in WARD)
STAFF = ("CC01", "CC02", "CC03", "CC04", "CC05", "VP01")
NAMES = {row[0]: row[1] for row in WARD}
POSITIONS = {row[0]: row[4] for row in WARD}


@dataclass
class Ward:
    """The ward in the running world: person ids, their Telegram users, the unit."""

    world: BotWorld
    ids: dict[str, int]
    unit_id: int
    users: dict[str, SimUser] = field(default_factory=dict)

    @property
    def hr(self) -> Actor:
        return Actor.person(self.ids["VP01"])

    def open(self, key: str = "2026-11") -> int:
        """HR opens a period of the ward on the Liên Chiểu regime; returns its id."""
        self.world.services.periods.regime_id = REGIME
        (info,) = self.world.services.periods.open(self.hr, self.unit_id, key)
        return info.id

    async def settle(self) -> None:
        """Deliver everything queued, then count every message so far as read by every linked person."""
        await deliver_round(self.world.app, wait=True)
        for user in self.users.values():
            user._mark_read(None)

    def self_assess(self, code: str, results: str) -> int:
        """The person's self-assessment with these points for the results criterion, submitted; returns its id."""
        pid = self.ids[code]
        view = self.world.services.self_assessment.open_self(pid)
        view = self.world.services.self_assessment.set_points(pid, view.id, view.version, "ket_qua_cong_viec", results)
        return self.world.services.self_assessment.submit(pid, view.id, view.version).id

    def approve(self, leader: str, assessment_id: int) -> None:
        self.world.services.review.approve(Actor.person(self.ids[leader]), assessment_id)

    def rate(self, rater: str, ratee: str, results: str) -> None:
        """A rating given through the workflow: these points for the results criterion, full points elsewhere."""
        services = self.world.services
        task = next(t for t in services.ratings.todo(self.ids[rater]) if t.ratee_name == NAMES[ratee])
        view = services.ratings.points(self.ids[rater], task.id, task.version, "ket_qua_cong_viec", results)
        services.ratings.submit(self.ids[rater], view.id, view.version)


async def add_ward(world: BotWorld, tmp_path: Path, *linked: str) -> Ward:
    """Import the ward next to the demo roster and link these people (all eight when none is named)."""
    world.services.roster.import_table(read_roster(write_roster(tmp_path / "ward.csv", WARD, HEADER)), Actor.cli("t"))
    with world.services.db.uow() as uow:
        ids = {code: person.id or 0 for code in CODES if (person := uow.people.get_by_code(code)) is not None}
        unit = uow.units.get_by_code("HP")
        assert unit is not None and unit.id is not None
        unit_id = unit.id
    ward = Ward(world, ids, unit_id)
    for code in linked or CODES:
        ward.users[code] = await world.linked_user(code, NAMES[code].split()[-1])
    return ward


def everything_said(world: BotWorld) -> Iterator[tuple[int, str]]:
    """(chat id, text) of every message the bot ever sent, each earlier version of an edited one, deleted ones,
    and every answer to a button press, in every chat."""
    sandbox = world.sandbox
    for chat in sandbox.chats.values():
        for message in chat.messages:
            if not message.from_bot:
                continue
            for text in (message.text, message.caption, *(edit.text for edit in message.history)):
                if text:
                    yield chat.id, text
            for row in (message.reply_markup or {}).get("inline_keyboard", []):
                for button in row:
                    yield chat.id, str(button.get("text", ""))
    for query in sandbox.callbacks.values():
        if query.answer_text:
            yield query.chat_id, query.answer_text

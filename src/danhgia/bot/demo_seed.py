"""The demo organisation: a department (Sở Nội vụ) with its director, two units with their heads and staff,
and an HR officer — Vietnamese names — with three weeks of tasks and check-ins already recorded, and the
current month's period open. The director, a head of unit and the HR officer sit on the evaluation council
(quorum 2), so a contested result can be heard. Everything goes through the workflow, as if people had used the bot."""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from danhgia.workflow.calendar import end_of_month, friday_of, week_bounds
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.common import Actor
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services
from danhgia.workflow.tasks import CheckinOutcome

HEADER = ["ma_can_bo", "ho_ten", "ma_don_vi", "ten_don_vi", "chuc_vu", "vai_tro", "ma_cap_tren", "ma_don_vi_cha"]
ROSTER = [
    ["GD01", "Nguyễn Văn Thành", "SNV", "Sở Nội vụ", "Giám đốc Sở", "lanh_dao,hoi_dong", "", ""],
    ["TP01", "Trần Thị Mai", "CCVC", "Phòng Công chức, viên chức", "Trưởng phòng", "lanh_dao", "GD01", "SNV"],
    ["CV01", "Lê Minh Tuấn", "CCVC", "Phòng Công chức, viên chức", "Chuyên viên", "nhan_vien", "TP01", "SNV"],
    ["CV02", "Phạm Thu Hà", "CCVC", "Phòng Công chức, viên chức", "Chuyên viên", "nhan_vien", "TP01", "SNV"],
    [
        "TC01",
        "Đặng Thị Thu",
        "CCVC",
        "Phòng Công chức, viên chức",
        "Chuyên viên tổ chức cán bộ",
        "nhan_vien,to_chuc,hoi_dong",
        "TP01",
        "SNV",
    ],
    ["TP02", "Đỗ Quang Huy", "CCHC", "Phòng Cải cách hành chính", "Trưởng phòng", "lanh_dao,hoi_dong", "GD01", "SNV"],
    ["CV03", "Vũ Thị Lan", "CCHC", "Phòng Cải cách hành chính", "Chuyên viên", "nhan_vien", "TP02", "SNV"],
    ["CV04", "Bùi Thanh Sơn", "CCHC", "Phòng Cải cách hành chính", "Chuyên viên", "nhan_vien", "TP02", "SNV"],
    ["CV05", "Ngô Thị Hương", "CCHC", "Phòng Cải cách hành chính", "Chuyên viên", "nhan_vien", "TP02", "SNV"],
]
TASK_POOL = {
    "CV01": [
        "Thẩm định hồ sơ nâng lương trước hạn",
        "Tổng hợp báo cáo biên chế quý",
        "Cập nhật cơ sở dữ liệu công chức",
        "Rà soát hồ sơ bổ nhiệm lại",
        "Soạn tờ trình tuyển dụng công chức",
        "Trả lời đơn thư về chế độ",
        "Báo cáo số lượng viên chức ngành giáo dục",
        "Thẩm định đề án vị trí việc làm",
    ],
    "CV02": [
        "Soạn kế hoạch đào tạo, bồi dưỡng năm sau",
        "Trả lời kiến nghị của UBND huyện",
        "Rà soát vị trí việc làm khối sự nghiệp",
        "Tổng hợp nhu cầu bồi dưỡng",
        "Báo cáo kết quả thi nâng ngạch",
        "Chuẩn bị hội nghị tập huấn",
        "Lập danh sách cử đi học",
        "Soạn công văn đôn đốc báo cáo",
    ],
    "TC01": [
        "Theo dõi nghỉ phép, nghỉ ốm",
        "Chuẩn bị hồ sơ thi đua, khen thưởng",
        "Tổng hợp kết quả đánh giá tháng",
        "Cập nhật hồ sơ cán bộ",
        "Rà soát quy hoạch cán bộ",
        "Báo cáo chất lượng đội ngũ",
        "Chuẩn bị hồ sơ nâng lương",
        "Lập bảng chấm công",
    ],
    "CV03": [
        "Kiểm tra cải cách hành chính tại xã",
        "Báo cáo chỉ số PAR INDEX",
        "Rà soát thủ tục hành chính",
        "Tổng hợp ý kiến khảo sát SIPAS",
        "Soạn kế hoạch kiểm tra quý",
        "Hướng dẫn niêm yết thủ tục",
        "Báo cáo tiến độ số hóa",
        "Tham mưu chuyên đề cải cách",
    ],
    "CV04": [
        "Cập nhật Cổng dịch vụ công",
        "Hướng dẫn số hóa hồ sơ",
        "Tổng hợp phản ánh, kiến nghị",
        "Kiểm tra bộ phận một cửa",
        "Báo cáo hồ sơ trễ hạn",
        "Soạn quy trình nội bộ",
        "Đôn đốc giải quyết hồ sơ",
        "Rà soát tài khoản dịch vụ công",
    ],
    "CV05": [
        "Soạn văn bản hướng dẫn nghiệp vụ",
        "Tham mưu kế hoạch tuyên truyền",
        "Theo dõi một cửa liên thông",
        "Tổng hợp báo cáo tháng",
        "Chuẩn bị tài liệu họp giao ban",
        "Cập nhật trang thông tin điện tử",
        "Rà soát văn bản quy phạm",
        "Báo cáo sáng kiến cải cách",
    ],
    "TP01": ["Chỉ đạo rà soát biên chế quý IV", "Duyệt kế hoạch đào tạo", "Họp giao ban phòng", "Báo cáo Giám đốc"],
    "TP02": ["Chỉ đạo kiểm tra cải cách", "Duyệt báo cáo PAR INDEX", "Họp giao ban phòng", "Báo cáo Giám đốc"],
}
PER_WEEK = {code: (1 if code.startswith("TP") else 2) for code in TASK_POOL}
# How each person's week tends to go: the outcome of each task, cycled over the weeks.
HABITS = {
    "CV01": [CheckinOutcome.ON_TIME, CheckinOutcome.ON_TIME, CheckinOutcome.IN_PROGRESS],
    "CV02": [CheckinOutcome.ON_TIME, CheckinOutcome.LATE, CheckinOutcome.ON_TIME],
    "TC01": [CheckinOutcome.ON_TIME, CheckinOutcome.ON_TIME, CheckinOutcome.ON_TIME],
    "CV03": [CheckinOutcome.LATE, CheckinOutcome.ON_TIME, CheckinOutcome.IN_PROGRESS],
    "CV04": [CheckinOutcome.ON_TIME, CheckinOutcome.NOT_DONE, CheckinOutcome.ON_TIME],
    "CV05": [CheckinOutcome.ON_TIME, CheckinOutcome.ON_TIME, CheckinOutcome.LATE],
    "TP01": [CheckinOutcome.ON_TIME],
    "TP02": [CheckinOutcome.ON_TIME, CheckinOutcome.IN_PROGRESS],
}


@dataclass(frozen=True)
class DemoPerson:
    """A person of the demo organisation (their Telegram and Zalo accounts are the demo's)."""

    staff_code: str
    full_name: str
    position: str
    unit: str
    roles: tuple[str, ...]


PEOPLE = tuple(DemoPerson(r[0], r[1], r[4], r[3], tuple(r[5].split(","))) for r in ROSTER)


def seed(
    services: Services,
    clock: ManualClock,
    start: datetime,
    accounts: dict[str, int],
    zalo_accounts: dict[str, int] | None = None,
) -> None:
    """Fill an empty, migrated database; the clock must stand three weeks before `start` and ends at it. Each person
    is linked to their Telegram account (`accounts`) and, when given, first to their Zalo account (`zalo_accounts`:
    the number `DbChatIds` gives it): linked at the same moment, the later link is where notices go until the person
    writes on the other platform, so Telegram stays the default."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(ROSTER)
        services.roster.import_table(read_roster(path), Actor.cli("demo"))
    with services.db.reader() as uow:
        ids = {p.staff_code: p.id or 0 for p in uow.people.all()}
        so = uow.units.get_by_code("SNV")
        assert so is not None and so.id is not None
        department = so.id
    for code, number in (zalo_accounts or {}).items():
        services.linking.link_directly(Actor.cli("demo"), ids[code], number, number)
    for code, user_id in accounts.items():
        services.linking.link_directly(Actor.cli("demo"), ids[code], user_id, user_id)
    tz = services.config.timezone
    today = start.astimezone(tz).date()
    this_monday = week_bounds(today)[0]
    used = dict.fromkeys(TASK_POOL, 0)
    carried: dict[str, list[int]] = {code: [] for code in TASK_POOL}
    for weeks_ago in (3, 2, 1, 0):
        monday = this_monday - timedelta(weeks=weeks_ago)
        friday = friday_of(monday)
        planning = datetime.combine(monday, time(8, 40), tz)
        if planning > start:
            break
        _move(clock, planning, start)
        created: dict[str, list[int]] = {}
        for code, pool in TASK_POOL.items():
            actor = Actor.person(ids[code])
            for index in range(PER_WEEK[code]):
                title = pool[used[code] % len(pool)]
                used[code] += 1
                due = friday if index == 0 else min(end_of_month(friday), friday + timedelta(days=7))
                weight = Decimal(2) if index == 0 and not code.startswith("TP") else Decimal(1)
                created.setdefault(code, []).append(services.tasks.add(actor, ids[code], title, due, weight).id)
        report = datetime.combine(friday, time(16, 10), tz)
        if report > start:
            break
        _move(clock, report, start)
        for code, task_ids in created.items():
            actor = Actor.person(ids[code])
            for task_id in carried[code]:  # last week's unfinished work, done this week (late)
                services.tasks.checkin(actor, ids[code], task_id, CheckinOutcome.LATE)
            carried[code] = []
            habits = HABITS[code]
            for index, task_id in enumerate(task_ids):
                outcome = habits[(index + weeks_ago) % len(habits)]
                if code == "CV03" and weeks_ago == 2 and index == 0:
                    services.tasks.toggle_quality(actor, ids[code], task_id)
                due_now = index == 0
                if not due_now and outcome in (CheckinOutcome.ON_TIME, CheckinOutcome.LATE):
                    outcome = CheckinOutcome.IN_PROGRESS  # due next week: still in progress on Friday
                services.tasks.checkin(actor, ids[code], task_id, outcome)
                if outcome is CheckinOutcome.IN_PROGRESS:
                    carried[code].append(task_id)
    _move(clock, start, start)
    span = services.periods.span(today)
    services.periods.open(Actor.person(ids["TC01"]), department, span.key)


def _move(clock: ManualClock, when: datetime, limit: datetime) -> None:
    """Move the seeding clock forward, never past the demo's start."""
    target = min(when, limit)
    if target > clock.now():
        clock.set(target)

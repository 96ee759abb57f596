"""Telegram's ceiling, planned for: a reminder batch starts early enough for its last message to go out by its time
(never in quiet hours), the nearest deadline first; HR's digest says when the day's last reminder went out."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from danhgia.handlers.reminders.panels import digest_notice
from danhgia.workflow.broadcast import SEND_RATE, lead_time, sending_time, spread
from danhgia.workflow.reminders import Planned
from danhgia.workflow.services import Services
from tests.workflow.test_regimes import build_mixed

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = date(2026, 11, 27)
AT = datetime.combine(DAY, time(8, 0), VN)
UNTIL = datetime.combine(DAY, time(21, 0), VN)


def batch(kind: str, count: int, deadline: str, first: int = 0) -> list[Planned]:
    payload = {"deadline": deadline, "period_id": 1}
    return [Planned(kind, first + i, AT, UNTIL, f"{kind}:{deadline}", payload) for i in range(count)]


def earliest(day: date) -> datetime:
    return datetime.combine(day, time(7, 0), VN)  # the end of the quiet hours


def test_a_batch_starts_as_early_as_its_sending_takes_but_not_in_quiet_hours() -> None:
    assert sending_time(100_000) == timedelta(seconds=4000) and SEND_RATE == 25
    assert lead_time(1_400) == timedelta(0) and lead_time(1_500) == timedelta(minutes=1)
    small = spread(batch("remind_self", 40, "2026-12-03"), earliest)
    assert {p.at for p in small} == {AT}  # sent within the minute: at its time
    middle = spread(batch("remind_self", 3_000, "2026-12-03"), earliest)
    assert {p.at for p in middle} == {AT - timedelta(minutes=2)}  # 120 s at 25 a second: done by 08:00
    city = spread(batch("remind_self", 100_000, "2026-12-03"), earliest)
    assert {p.at for p in city} == {earliest(DAY)}  # 67 minutes would start at 06:53, inside the quiet hours


def test_the_nearest_deadline_goes_first() -> None:
    later = batch("remind_review", 3, "2026-12-07", first=100)
    sooner = batch("remind_self", 3, "2026-12-03")
    digest = [Planned("hr_digest", 500, AT + timedelta(minutes=30), UNTIL, "hr_digest:x", {"deadline": "2026-12-03"})]
    ordered = spread(later + digest + sooner, earliest)
    assert [p.person_id for p in ordered] == [0, 1, 2, 500, 100, 101, 102]


def test_hrs_digest_says_when_the_last_reminder_went_out() -> None:
    units = [{"unit": "Phòng Một", "people": 3, "submitted": 1, "pending_review": 0, "not_submitted": 2, "overdue": 0}]
    args = ("11/2026", DAY, date(2026, 12, 3), date(2026, 12, 9), units, False, "vi")
    done = digest_notice(*args, sending=(1234, 1234, "07:58")).text
    assert "đã gửi đủ 1234 tin, tin cuối lúc 07:58" in done
    going = digest_notice(*args, sending=(1234, 900, "")).text
    assert "đã gửi 900/1234 tin" in going
    assert "Lời nhắc hôm nay" not in digest_notice(*args, sending=(0, 0, "")).text


def test_the_days_broadcast_status_counts_what_was_queued_and_sent(services: Services, tmp_path: Path) -> None:
    """Read from the outbox on SQLite and PostgreSQL: the day's reminders, how many went out, the last one's time."""
    services, ids, _ = build_mixed(services, tmp_path)
    queued_at = datetime.combine(DAY, time(7, 50), VN)
    with services.db.uow() as uow:
        rows = [
            {"kind": "remind_self", "person_id": pid, "payload": {}, "dedupe_key": f"t:{pid}", "status": "pending",
             "attempts": 0, "created_at": queued_at, "next_attempt_at": queued_at}
            for pid in (ids["C0"], ids["C1"], ids["C2"])
        ]  # fmt: skip
        uow.outbox.add_many(rows)
        uow.commit()
    with services.db.uow() as uow:
        for minute, message in zip(
            (55, 58), uow.outbox.due(queued_at + timedelta(hours=1), [], queued_at, 2), strict=True
        ):
            message.status, message.sent_at = "sent", datetime.combine(DAY, time(7, minute), VN)
            uow.session.add(message)
        uow.commit()
    found = services.reminders.broadcast_status(DAY)
    assert (found.queued, found.sent, found.done) == (3, 2, False)
    assert found.last_sent_at is not None and found.last_sent_at.astimezone(VN).time() == time(7, 58)
    assert services.reminders.broadcast_status(DAY + timedelta(days=1)).queued == 0

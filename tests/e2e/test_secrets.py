"""End to end: a secret stays secret across time. In a ward of eight on the Liên Chiểu regime the 360° round is
open while people self-assess, submit and are reviewed; raters rate one at a time, and after each rating
everything every other person can read — what the bot pushed to them (each version of an edited message, button
labels, toasts) and what they see when they look (their self-assessment, /ketqua, /danhgiacheo, a leader's
queue, each card and its details) — is exactly what it was before. Only once the period is closed does the
result include the round, and then only as the regime allows (an average of at least three for a secret role).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from danhgia.chat.format import points
from danhgia.sandbox.state import Message
from danhgia.sandbox.users import SimUser
from danhgia.workflow import evaluation as ev
from tests.conftest import BotWorld
from tests.e2e.ward import CODES, NAMES, Ward, add_ward, everything_said

pytestmark = pytest.mark.e2e

LEADERS = ("PCT01", "CT01")
PROGRESS = ("🔒 Đánh giá chéo:", "Chưa chấm xong")  # HR's counts of the round (who has rated, not whom or how)


def texts_of(message: Message) -> list[str]:
    """What a person reads of one message: its text and its button labels."""
    return [message.text or "", *message.button_texts()]


async def looks(user: SimUser, command: str) -> list[str]:
    """Send a command and read the answer."""
    return texts_of(await user.say(command))


async def queue_and_cards(user: SimUser) -> list[str]:
    """A leader's /duyet, then each card in it and each card's details (with the toasts of the presses)."""
    queue = await user.say("/duyet")
    seen = texts_of(queue)
    names = [label for label in queue.button_texts() if label[:1].isdigit()]
    for label in names:
        listed = await user.say("/duyet")
        card = await user.tap(listed, label)
        seen += texts_of(card)
        details = await user.tap(card, "Chi tiết")
        seen += texts_of(details)
    return seen


async def what_each_reads(ward: Ward, skip: str | None = None) -> dict[str, list[str]]:
    """Everything each person (but `skip`) sees when they look: the same commands, in the same order."""
    seen: dict[str, list[str]] = {}
    for code in CODES:
        if code == skip:
            continue
        user = ward.users[code]
        earlier = set(ward.world.sandbox.callbacks)
        texts = await looks(user, "/tudanhgia")
        texts += await looks(user, "/ketqua")
        texts += await looks(user, "/danhgiacheo")
        if code in LEADERS:
            texts += await queue_and_cards(user)
        if code == "VP01":  # HR: the unit's panel; the round's progress is counts by design, compared apart
            overview = await user.say("/kydanhgia")
            unit = await user.tap(overview, "UBND phường Hòa Phát")
            shown = "\n".join(line for line in (unit.text or "").split("\n") if not line.startswith(PROGRESS))
            texts += [shown, *unit.button_texts()]
        toasts = [q.answer_text or "" for key, q in ward.world.sandbox.callbacks.items() if key not in earlier]
        seen[code] = texts + toasts
    return seen


def pushed(world: BotWorld, chats: set[int]) -> Counter[tuple[int, str]]:
    """Everything the bot ever said in these chats (every version, every button, every toast)."""
    return Counter((chat, text) for chat, text in everything_said(world) if chat in chats)


def draft_at_summary(ward: Ward, code: str, results: str) -> None:
    """A self-assessment filled in and left unsubmitted on its summary step."""
    services = ward.world.services
    pid = ward.ids[code]
    view = services.self_assessment.open_self(pid)
    view = services.self_assessment.set_points(pid, view.id, view.version, "ket_qua_cong_viec", results)
    services.self_assessment.go_to(pid, view.id, view.version, ev.STEP_SUMMARY)


def with_bonus(ward: Ward, code: str, results: str, bonus: str) -> int:
    """A self-assessment with a bonus claimed, submitted; returns its id."""
    services = ward.world.services
    pid = ward.ids[code]
    view = services.self_assessment.open_self(pid)
    view = services.self_assessment.set_points(pid, view.id, view.version, "ket_qua_cong_viec", results)
    view = services.self_assessment.set_bonus_points(pid, view.id, view.version, "thanh_tich", bonus)
    return services.self_assessment.submit(pid, view.id, view.version).id


# Who rates whom, one at a time: peers of a person with a draft, of one waiting for review and of one already
# approved; staff rating their leader (a secret role); the higher leader; the direct leader before deciding.
ROUND = [
    *(("CC01", rater, "41.5") for rater in ("CC02", "CC03", "CC04", "CC05", "VP01")),
    *(("CC02", rater, "37.25") for rater in ("CC01", "CC03", "CC04")),
    *(("CC03", rater, "44") for rater in ("CC01", "CC02", "CC04")),
    *(("PCT01", rater, "39") for rater in ("CC01", "CC02", "CC03")),
    ("CC01", "CT01", "52"),
    ("CC02", "PCT01", "50"),
]


async def test_no_rating_changes_what_anyone_else_can_read_until_the_round_closes(
    world: BotWorld, tmp_path: Path
) -> None:
    ward = await add_ward(world, tmp_path)
    period = ward.open()
    await ward.settle()
    draft_at_summary(ward, "CC01", "58")
    pending = ward.self_assess("CC02", "60")
    decided = ward.self_assess("CC03", "57")
    ward.approve("PCT01", decided)
    leader = ward.self_assess("PCT01", "54")
    claimed = with_bonus(ward, "CC04", "57", "3")
    await ward.settle()
    chats = {code: ward.users[code].chat.id for code in CODES}

    before = await what_each_reads(ward)
    # Each card says "Tự chấm" with the person's own score, whatever the round holds.
    deputy = " ".join(before["PCT01"])
    assert "Tự chấm: <b>100</b>" not in deputy  # (HTML is rendered: the text shows plain numbers)
    assert "Tự chấm: 100/100 điểm" in deputy
    assert "Tự chấm: 94/100 điểm" in " ".join(before["CT01"])
    # The bonus claimed is shown apart from the person's own score.
    assert "Tự chấm: 97/100 điểm, đề nghị thưởng 3 → 100 điểm" in deputy
    for ratee, rater, value in ROUND:
        others = {chat for code, chat in chats.items() if code != rater}
        heard = pushed(world, others)
        ward.rate(rater, ratee, value)
        await ward.settle()
        assert pushed(world, others) == heard, (ratee, rater)
        after = await what_each_reads(ward, skip=rater)
        for code, texts in after.items():
            assert texts == before[code], (ratee, rater, code)
        before = await what_each_reads(ward)

    # Nothing anyone read while the round was open mentions a secret role or how many have rated.
    for _chat, text in everything_said(world):
        assert "người, chấm kín)" not in text and "chưa đủ 3 người" not in text, text

    # The leader decides (their own rating is the leader's part, now accountable); the period closes.
    ward.approve("PCT01", pending)
    ward.approve("CT01", leader)
    draft = ward.world.services.self_assessment.open_self(ward.ids["CC01"])
    ward.world.services.self_assessment.submit(ward.ids["CC01"], draft.id, draft.version)
    ward.approve("PCT01", draft.id)
    ward.approve("PCT01", claimed)
    for code in ("CC05", "VP01"):
        ward.approve("PCT01", ward.self_assess(code, "55"))
    await ward.settle()
    outcome = world.services.periods.close(ward.hr, period)
    assert outcome.closed, outcome
    await ward.settle()

    # Afterwards: the peers' average of CC01 (five raters) counts and is explained as an average only.
    one = (await ward.users["CC01"].say("/ketqua")).text or ""
    assert "Đồng nghiệp (5 người, chấm kín) cho trung bình 81,5 điểm" in one
    # CC02 had only three peers: counted; the direct leader's rating is named as the leader's.
    two = (await ward.users["CC02"].say("/ketqua")).text or ""
    assert "Đồng nghiệp (3 người, chấm kín) cho trung bình 77,25 điểm" in two
    assert "Lãnh đạo trực tiếp chấm 90 điểm" in two
    final = world.services.assessments.view(pending).result
    assert final is not None
    # self 100, peers 77.25, direct leader 90 (their rating of 50 + 40); the rest did not rate CC02
    assert final.total == Decimal("89.08")
    assert points(final.total) in two
    # The board: "Tự chấm" is each person's own score, the bonus apart (CC04: 97 and 3, not 100 and 3).
    board = (await ward.users["CC01"].say("/congkhai")).text or ""
    assert "Tự chấm 97 · Thưởng 3 · Cuối" in board
    assert "Tự chấm 100 · Thưởng 0 · Cuối" in board  # CC02, who claimed no bonus


async def test_the_leaders_decision_is_their_part_of_the_round(world: BotWorld, tmp_path: Path) -> None:
    ward = await add_ward(world, tmp_path, "PCT01", "CC01")
    ward.open()
    await ward.settle()
    record = ward.self_assess("CC01", "58")
    ward.approve("PCT01", record)
    await ward.settle()
    deputy = ward.users["PCT01"]
    listed = await deputy.say("/danhgiacheo")
    lines = (listed.text or "").split("\n")
    line = next(line for line in lines if NAMES["CC01"] in line)
    assert line.startswith("✅"), line
    # Staff not yet decided are still to rate.
    assert any(line.startswith("⬜") and NAMES["CC02"] in line for line in lines)
    # The decision filled the deputy's rating of CC01: it is sent, and cannot be given again.
    task = next(t for t in world.services.ratings.todo(ward.ids["PCT01"]) if t.ratee_name == NAMES["CC01"])
    assert task.done
    panel = await deputy.tap(listed, NAMES["CC01"])
    assert "Bạn đã gửi phần chấm cho Lê Văn Một" in (panel.text or "")
    assert "Duyệt hoặc điều chỉnh bản tự đánh giá mà chưa chấm thì quyết định đó là phần chấm của bạn" in "\n".join(
        lines
    )

"""A Bot API that fails: 5xx answers, answers lost after Telegram did the work (a dropped connection, a timeout),
429s for one chat. Replies and edits are retried; a send whose fate is unknown is not repeated; a person is never
told "not done" about something that was saved; each button press is answered exactly once; a 429 for one chat
holds that chat only, without counting an attempt."""

from __future__ import annotations

from datetime import timedelta

import pytest

from danhgia.bot.app import READ_TIMEOUT
from danhgia.handlers.notifier import deliver_round
from danhgia.sandbox.state import Message
from danhgia.sandbox.users import SimUser
from danhgia.workflow.outbox import queue
from tests.conftest import BotWorld

pytestmark = pytest.mark.e2e
NOT_DONE = "chưa được thực hiện"
SAVED = "đã được ghi nhận, nhưng bot chưa hiển thị được kết quả"


def answers_of(world: BotWorld, query_id: str) -> int:
    """How many times the bot answered one button press (successful calls)."""
    return sum(
        1
        for call in world.sandbox.calls
        if call.method == "answerCallbackQuery" and call.ok and str(call.params.get("callback_query_id")) == query_id
    )


# Waits for what comes after retries with backoff (seconds on a quiet machine): generous, because a loaded CI
# machine once stalled this process for 18 s in the middle of one (a wait is not what these tests measure).
SLOW = 60


async def tap_and_wait(world: BotWorld, user: SimUser, message: Message, label: str) -> Message:
    seen = message.seq
    await user.answer_to(user.press(message, label), 15)
    return await world.sandbox.wait_for(lambda: message if message.seq > seen else None, 15, f"the panel after {label}")


async def test_an_edit_answered_with_a_server_error_is_retried(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    week = await an.say("/tuannay")
    world.sandbox.inject_error(502, "Bad Gateway", method="editMessageText", count=2, chat_id=an.chat.id)
    question = await tap_and_wait(world, an, week, "Thêm việc")
    assert "Gõ tên công việc" in question.text
    assert not any(NOT_DONE in (m.text or "") for m in an.bot_messages())


async def test_an_edit_whose_answer_was_lost_is_retried_without_a_refused_call(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    week = await an.say("/tuannay")
    # Telegram edits the panel, then the connection drops before the answer: the bot retries, finds it done.
    world.sandbox.inject_fault("drop", method="editMessageText", apply=True, chat_id=an.chat.id)
    query = an.press(week, "Thêm việc")
    await an.answer_to(query, 15)
    await world.sandbox.wait_for(lambda: "Gõ tên công việc" in (week.text or ""), 15)
    assert answers_of(world, query.id) == 1
    # (the `server` fixture checks that no call Telegram would refuse was made — the retry's "not modified" is
    # recognised as the retry of a call whose answer was lost)


async def test_saved_but_not_shown_is_never_reported_as_not_done(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    question = await tap_and_wait(world, an, await an.say("/tuannay"), "Thêm việc")
    assert "Gõ tên công việc" in question.text
    # The title is typed and saved; every try to show the next question fails (a 5xx four times).
    world.sandbox.inject_error(500, "Internal Server Error", method="sendMessage", count=4, chat_id=an.chat.id)
    typed = an.send("Soạn công văn trả lời Sở Tài chính")
    answer = await world.sandbox.wait_for(
        lambda: next((m for m in an.bot_messages() if m.seq > typed.seq), None), SLOW, "a report of the failure"
    )
    assert SAVED in (answer.text or "") and NOT_DONE not in (answer.text or "")
    dialog = world.services.dialogs.get(world.services.linking.whois(an.id).person_id)  # type: ignore[union-attr]
    assert dialog is not None and dialog.kind == "task.due"  # the step moved on: the title was saved
    assert dialog.data["title"] == "Soạn công văn trả lời Sở Tài chính"


async def test_a_press_is_answered_once_even_when_its_panel_fails(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    week = await an.say("/tuannay")
    # The press is answered, then every edit of the panel fails: the failure is said in the chat, not as a
    # second answer to the press.
    world.sandbox.inject_error(500, "Internal Server Error", method="editMessageText", count=8, chat_id=an.chat.id)
    query = an.press(week, "Thêm việc")
    await an.answer_to(query, 15)
    report = await world.sandbox.wait_for(
        lambda: next((m for m in an.bot_messages() if m.seq > week.seq and m is not week), None), SLOW, "a report"
    )
    assert answers_of(world, query.id) == 1
    assert "Xin lỗi" in (report.text or "") or SAVED in (report.text or "")
    # The question was stored before it was to be shown: the typed answer still lands.
    world.sandbox.injected.clear()
    answered = await an.say("Soạn công văn")
    assert "Hạn hoàn thành" in (answered.text or "")


async def test_a_timeout_on_a_send_is_not_repeated(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    # Telegram sends the reply, but its answer never comes within the bot's time: the send is not repeated.
    delay = READ_TIMEOUT + 1
    world.sandbox.inject_fault("timeout", method="sendMessage", apply=True, delay=delay, chat_id=an.chat.id)
    sent = an.send("/help")
    await world.sandbox.wait_for(
        lambda: any("Các lệnh" in (m.text or "") for m in an.bot_messages() if m.seq > sent.seq), delay + 15, "the help"
    )
    await world.sandbox.wait_for(lambda: len([c for c in world.sandbox.calls if c.injected]) == 1, delay + 15)
    helps = [m for m in an.bot_messages() if m.seq > sent.seq and "Các lệnh" in (m.text or "")]
    assert len(helps) == 1


async def test_a_429_for_one_chat_holds_that_chat_only_and_counts_no_attempt(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    binh = await world.linked_user("CV02", "Bình")
    services = world.services
    ids = {code: services.linking.whois(user.id).person_id for code, user in (("an", an), ("binh", binh))}  # type: ignore[union-attr]
    world.sandbox.inject_error(
        429, "Too Many Requests: retry after 3", method="sendMessage", retry_after=3, count=6, chat_id=an.chat.id
    )
    with services.db.uow() as uow:
        for person in ids.values():
            queue(uow, "unreachable", person, {"person_id": ids["binh"]}, services.clock.now())
        uow.commit()
    await deliver_round(world.app, wait=True)
    # Bình's message went at once; An's waits in the outbox (no attempt counted), then goes.
    assert any("đã chặn bot" in (m.text or "") for m in binh.bot_messages())
    with services.db.uow() as uow:
        mine = [m for m in uow.outbox.of_kind("unreachable") if m.person_id == ids["an"]]
    assert mine and all(m.attempts == 0 for m in mine)
    services.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    world.sandbox.injected.clear()
    await deliver_round(world.app, wait=True)
    await world.sandbox.wait_for(lambda: any("đã chặn bot" in (m.text or "") for m in an.bot_messages()), 10)

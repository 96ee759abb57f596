"""The Zalo bridge: a real python-telegram-bot `Bot` built with `ZaloRequest`, against the local Zalo server over
HTTP, and what the simulated person receives: numbered choices, long texts split, edits as new messages, an
identical edit refused as Telegram refuses it, files as signed links, unsupported methods refused cleanly; and
`choice_update` turning a typed answer into the press of a choice of the latest panel."""

from __future__ import annotations

import asyncio
import html
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    MenuButtonCommands,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, ExtBot, MessageHandler
from telegram.ext import filters as tg_filters

from danhgia.zalo.bridge import ZaloRequest, choice_update
from danhgia.zalo.client import ZaloBot
from danhgia.zalo.events import ChatRef, Sender, TextEvent, parse_event
from danhgia.zalo.files import SignedFileLinks, token_of, verify_token
from danhgia.zalo.ids import InMemoryChatIds, InMemoryMessageIds
from danhgia.zalo.panels import InMemoryPanelStore, ShownPanel, render
from danhgia.zalo.sandbox import ZaloSandbox, ZaloUser
from danhgia.zalo.text import MAX_MESSAGE, zalo_length
from tests.zalo.conftest import ZaloWorld

SECRET = b"a-test-secret-of-32-bytes-length"
FILES_URL = "https://danhgia.example/zalo/files"
REVIEW = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("✅ Duyệt", callback_data="v1:rv:a:7"),
            InlineKeyboardButton("✏️ Điều chỉnh", callback_data="v1:rv:j:7"),
        ],
        [InlineKeyboardButton("Trả lại", callback_data="v1:rv:r:7")],
        [InlineKeyboardButton("Hướng dẫn", url="https://danhgia.example/huong-dan")],
        [InlineKeyboardButton("◀ Quay lại", callback_data="v1:rv:q")],
    ]
)
REVIEW_LINES = "1 · ✅ Duyệt\n2 · ✏️ Điều chỉnh\n3 · Trả lại\n0 · Quay lại\nHướng dẫn: https://danhgia.example/huong-dan"


@dataclass
class Bridge:
    """The sandbox, the stores shared by the bridge, and a python-telegram-bot `Bot` speaking through it."""

    sandbox: ZaloSandbox
    chats: InMemoryChatIds
    panels: InMemoryPanelStore
    message_ids: InMemoryMessageIds
    files: SignedFileLinks
    bot: Bot

    def person(self, name: str = "Nguyễn Thị Lan") -> tuple[ZaloUser, int]:
        """A person who wrote to the bot (Zalo lets a bot write only to them), and their chat's integer id."""
        user = self.sandbox.add_user(name)
        self.sandbox.send_text(user.id, "Xin chào")
        self.sandbox.pending.clear()  # what they wrote is not the subject here
        return user, self.chats.number(user.chat_id)

    def received(self, user: ZaloUser) -> list[str]:
        return self.sandbox.received_texts(user.id)

    def answer(self, user: ZaloUser, text: str, update_id: int = 1) -> dict[str, Any]:
        """The person types `text`; the update the bridge makes of Zalo's event."""
        self.sandbox.send_text(user.id, text)
        event = parse_event(self.sandbox.pending.popleft())
        assert isinstance(event, TextEvent)
        return choice_update(
            event, panels=self.panels, chats=self.chats, message_ids=self.message_ids, update_id=update_id
        )


def make_bridge(sandbox: ZaloSandbox, zalo: ZaloBot, bot_class: type[Bot] = Bot) -> Bridge:
    chats, panels, message_ids = InMemoryChatIds(), InMemoryPanelStore(), InMemoryMessageIds()
    files = SignedFileLinks(SECRET, FILES_URL, lifetime=timedelta(hours=24))

    def request() -> ZaloRequest:
        return ZaloRequest(zalo, chats=chats, panels=panels, files=files, message_ids=message_ids)

    bot = bot_class("zalo-bridge", request=request(), get_updates_request=request())
    return Bridge(sandbox, chats, panels, message_ids, files, bot)


@pytest.fixture
async def bridge(zalo: ZaloWorld) -> AsyncIterator[Bridge]:
    built = make_bridge(zalo.sandbox, zalo.bot)
    async with built.bot:
        yield built
    assert zalo.sandbox.violations == []  # nothing was asked of Zalo that Zalo does not do


# -- out: messages and panels ------------------------------------------------------------------------------


async def test_get_me_is_a_telegram_user_made_from_zalos_account(bridge: Bridge) -> None:
    me = await bridge.bot.get_me()
    assert me.is_bot and me.id == int(bridge.sandbox.bot_id)
    assert me.first_name == me.username == bridge.sandbox.account_name
    assert bridge.bot.username == bridge.sandbox.account_name  # what `initialize` read


async def test_a_panel_arrives_as_plain_text_with_numbered_choices(bridge: Bridge) -> None:
    lan, chat = bridge.person()
    text = (
        "<b>Đánh giá tháng 11/2026</b>\n<i>Lê Văn An</i>: 87,5 điểm &lt;tạm tính&gt; — mã <code>AN-11</code>\n"
        'Xem <a href="https://danhgia.example/quy-che">quy chế</a> &amp; '
        '<a href="https://danhgia.example/">https://danhgia.example/</a>'
    )
    message = await bridge.bot.send_message(chat, text, parse_mode=ParseMode.HTML, reply_markup=REVIEW)
    assert bridge.received(lan) == [
        "Đánh giá tháng 11/2026\nLê Văn An: 87,5 điểm <tạm tính> — mã AN-11\n"
        "Xem quy chế (https://danhgia.example/quy-che) & https://danhgia.example/\n\n" + REVIEW_LINES
    ]
    assert message.chat.id == chat and message.chat.type == "private"
    assert message.text is not None and message.text.startswith("Đánh giá tháng 11/2026\nLê Văn An")
    assert message.reply_markup == REVIEW  # as Telegram would hand it back
    latest = bridge.panels.get(chat)
    assert latest is not None and latest.message_id == message.message_id
    assert [(c.number, c.data) for c in latest.choices] == [
        (1, "v1:rv:a:7"),
        (2, "v1:rv:j:7"),
        (3, "v1:rv:r:7"),
        (0, "v1:rv:q"),
    ]


async def test_message_ids_grow_and_texts_without_markup_go_as_they_are(bridge: Bridge) -> None:
    lan, chat = bridge.person()
    first = await bridge.bot.send_message(chat, "a < b & c")
    second = await bridge.bot.send_message(chat, "Hai")
    assert second.message_id > first.message_id
    assert bridge.received(lan) == ["a < b & c", "Hai"]


async def test_a_long_text_is_split_into_messages_of_at_most_2000_characters(bridge: Bridge) -> None:
    lan, chat = bridge.person()
    lines = [f"{n:03d}. Công việc thứ {n}: hoàn thành báo cáo tổng hợp của phòng" for n in range(1, 81)]
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Đồng ý", callback_data="ok")]])
    await bridge.bot.send_message(chat, html.escape("\n".join(lines)), parse_mode=ParseMode.HTML, reply_markup=markup)
    received = bridge.received(lan)
    assert len(received) >= 2
    assert all(zalo_length(text) <= MAX_MESSAGE for text in received)
    shown = [line for line in "\n".join(received).split("\n") if line]
    assert shown == [*lines, "1 · Đồng ý"]  # cut between lines, the choices last


async def test_an_edit_sends_a_new_message_that_stands_for_the_edited_one(bridge: Bridge) -> None:
    lan, chat = bridge.person()
    sent = await bridge.bot.send_message(chat, "Chọn thao tác:", reply_markup=REVIEW)
    edited = await bridge.bot.edit_message_text(
        "<b>Đã duyệt</b> bản tự đánh giá.", chat_id=chat, message_id=sent.message_id, parse_mode=ParseMode.HTML
    )
    assert bridge.received(lan) == [f"Chọn thao tác:\n\n{REVIEW_LINES}", "Đã duyệt bản tự đánh giá."]
    assert not isinstance(edited, bool) and edited.message_id == sent.message_id
    latest = bridge.panels.get(chat)
    assert latest is not None and latest.choices == () and latest.message_id == sent.message_id


async def test_an_identical_edit_sends_nothing_and_is_not_modified_as_on_telegram(bridge: Bridge) -> None:
    lan, chat = bridge.person()
    sent = await bridge.bot.send_message(chat, "<b>Chọn</b>:", parse_mode=ParseMode.HTML, reply_markup=REVIEW)
    with pytest.raises(BadRequest, match=r"^Message is not modified"):
        await bridge.bot.edit_message_text(
            "<i>Chọn</i>:", chat_id=chat, message_id=sent.message_id, parse_mode=ParseMode.HTML, reply_markup=REVIEW
        )
    assert len(bridge.received(lan)) == 1
    assert [c.method for c in bridge.sandbox.calls].count("sendMessage") == 1


async def test_same_words_other_callback_data_send_nothing_but_answers_then_mean_the_new_choices(
    bridge: Bridge,
) -> None:
    lan, chat = bridge.person()
    sent = await bridge.bot.send_message(chat, "Chọn:", reply_markup=REVIEW)
    moved = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.text, callback_data=f"{b.callback_data}:x") for b in row]
            for row in REVIEW.inline_keyboard[:2]
        ]
        + [list(REVIEW.inline_keyboard[2]), list(REVIEW.inline_keyboard[3])]
    )
    await bridge.bot.edit_message_text("Chọn:", chat_id=chat, message_id=sent.message_id, reply_markup=moved)
    assert len(bridge.received(lan)) == 1
    update = bridge.answer(lan, "2")
    assert update["callback_query"]["data"] == "v1:rv:j:7:x"


async def test_other_buttons_under_the_latest_panel_show_it_again_and_under_an_older_one_nothing(
    bridge: Bridge,
) -> None:
    lan, chat = bridge.person()
    old = await bridge.bot.send_message(chat, "Cũ", reply_markup=REVIEW)
    latest = await bridge.bot.send_message(chat, "<b>Mới</b>", parse_mode=ParseMode.HTML, reply_markup=REVIEW)
    assert await bridge.bot.edit_message_reply_markup(chat, old.message_id, reply_markup=None) is not None
    assert len(bridge.received(lan)) == 2
    keep = InlineKeyboardMarkup([[InlineKeyboardButton("Trả lại", callback_data="v1:rv:r:7")]])
    await bridge.bot.edit_message_reply_markup(chat, latest.message_id, reply_markup=keep)
    assert bridge.received(lan)[-1] == "Mới\n\n1 · Trả lại"
    with pytest.raises(BadRequest, match="not modified"):
        await bridge.bot.edit_message_reply_markup(chat, latest.message_id, reply_markup=keep)


async def test_a_press_answered_with_a_text_sends_it_and_without_one_nothing(bridge: Bridge) -> None:
    lan, chat = bridge.person()
    assert await bridge.bot.answer_callback_query(f"{chat}:abc", text="Đã lưu.")
    assert await bridge.bot.answer_callback_query(f"{chat}:abd")
    assert bridge.received(lan) == ["Đã lưu."]
    with pytest.raises(BadRequest, match="Query is too old"):
        await bridge.bot.answer_callback_query("not-ours", text="?")


async def test_menu_commands_descriptions_and_deletions_succeed_without_calling_zalo(bridge: Bridge) -> None:
    lan, chat = bridge.person()
    sent = await bridge.bot.send_message(chat, "Tạm thời")
    calls = len(bridge.sandbox.calls)
    assert await bridge.bot.delete_message(chat, sent.message_id)
    assert await bridge.bot.set_my_commands([("huy", "Hủy thao tác đang làm")])
    assert await bridge.bot.get_my_commands() == ()
    assert await bridge.bot.delete_my_commands()
    assert await bridge.bot.set_chat_menu_button(chat_id=chat, menu_button=MenuButtonCommands())
    assert await bridge.bot.set_my_description("Đánh giá, xếp loại hằng tháng")
    assert await bridge.bot.set_my_short_description("Đánh giá hằng tháng")
    assert len(bridge.sandbox.calls) == calls
    assert await bridge.bot.send_chat_action(chat, "typing")
    assert lan.chat_id in bridge.sandbox.typing
    assert bridge.sandbox.calls[-1].method == "sendChatAction"


async def test_unsupported_methods_and_unknown_chats_are_refused_cleanly(bridge: Bridge) -> None:
    _lan, chat = bridge.person()
    calls = len(bridge.sandbox.calls)
    for attempt in (
        bridge.bot.send_poll(chat, "Bạn chọn?", ["A", "B"]),
        bridge.bot.get_chat(chat),
        bridge.bot.forward_message(chat, chat, 1),
        bridge.bot.pin_chat_message(chat, 1),
        bridge.bot.get_updates(timeout=0),
        bridge.bot.do_api_request("sendSomethingNew", {"chat_id": chat}),
    ):
        with pytest.raises(BadRequest, match="Method not supported on zalo"):
            await attempt
    with pytest.raises(BadRequest, match="Chat not found"):
        await bridge.bot.send_message(424242, "Ai?")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bridge.bot.send_message(chat, "<b></b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bridge.bot.send_message(chat, "<b>chưa đóng", parse_mode=ParseMode.HTML)
    assert len(bridge.sandbox.calls) == calls  # none of it reached Zalo


async def test_zalos_refusal_comes_back_as_a_bad_request(bridge: Bridge) -> None:
    stranger = bridge.sandbox.add_user("Chưa nhắn")  # never wrote to the bot: Zalo refuses to deliver
    chat = bridge.chats.number(stranger.chat_id)
    with pytest.raises(BadRequest, match="invalid chat_id"):
        await bridge.bot.send_message(chat, "Xin chào")
    assert bridge.panels.get(chat) is None


# -- out: files ----------------------------------------------------------------------------------------------


async def test_a_document_arrives_as_a_signed_link_that_verifies_then_expires(bridge: Bridge) -> None:
    lan, chat = bridge.person()
    content = b"PK\x03\x04 bang tong hop"
    await bridge.bot.send_document(
        chat,
        InputFile(content, filename="bao-cao-11-2026.xlsx"),
        caption="<b>Báo cáo</b> tháng 11/2026",
        parse_mode=ParseMode.HTML,
    )
    await bridge.bot.send_document(chat, InputFile(b"x", filename="phieu.docx"))
    first, second = bridge.received(lan)
    assert first.startswith(f"📎 Báo cáo tháng 11/2026: {FILES_URL}/") and first.endswith("/bao-cao-11-2026.xlsx")
    assert second.startswith(f"📎 phieu.docx: {FILES_URL}/")
    token = token_of(first.split(": ", 1)[1])
    now = datetime.now(UTC)
    grant = bridge.files.verify(token, now)
    assert grant is not None and grant.chat_key == lan.chat_id
    assert timedelta(hours=23) < grant.expires_at - now <= timedelta(hours=24)
    stored = bridge.files.open(token, now)
    assert stored is not None and stored.content == content and stored.filename == "bao-cao-11-2026.xlsx"
    assert bridge.files.verify(token, grant.expires_at) is None  # expired
    assert bridge.files.verify(token, now + timedelta(days=2)) is None
    assert verify_token(b"another-secret-of-enough-bytes!!", token, now) is None
    file_id, chat_key, expires, mac = token.split(".")
    assert verify_token(SECRET, ".".join([file_id, chat_key, str(int(expires) + 86_400), mac]), now) is None
    assert verify_token(SECRET, "garbage", now) is None


async def test_a_photo_is_sent_by_link_uploaded_or_given(bridge: Bridge) -> None:
    lan, chat = bridge.person()
    sent = await bridge.bot.send_photo(chat, InputFile(b"\x89PNG chart", filename="bieu-do.png"), caption="Biểu đồ")
    await bridge.bot.send_photo(chat, "https://danhgia.example/static/logo.png")
    chart, logo = bridge.sandbox.bot_messages(lan.id)
    assert chart.kind == "image" and chart.caption == "Biểu đồ"
    assert chart.photo is not None and chart.photo.startswith(FILES_URL + "/")
    assert bridge.files.verify(token_of(chart.photo), datetime.now(UTC)) is not None
    assert sent.photo and sent.caption == "Biểu đồ"
    assert (logo.photo, logo.caption) == ("https://danhgia.example/static/logo.png", None)
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bridge.bot.send_photo(chat, "AgACAgIAAxkBAAIB")  # a Telegram file id means nothing to Zalo


# -- out: any text, any keyboard ------------------------------------------------------------------------------


def in_process(sandbox: ZaloSandbox) -> httpx.MockTransport:
    """The sandbox's bot API without a socket (for many Hypothesis examples)."""

    async def handle(request: httpx.Request) -> httpx.Response:
        token, method = request.url.path.removeprefix("/bot").split("/")
        status, body = await sandbox.call(token, method, json.loads(request.content or b"{}"))
        return httpx.Response(status, json=body)

    return httpx.MockTransport(handle)


labels = st.text(min_size=1, max_size=40)
keyboards = st.lists(st.lists(labels, min_size=1, max_size=3), max_size=4)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=5000), keyboards, st.booleans())
def test_whatever_is_sent_no_zalo_message_is_over_2000_characters_and_nothing_is_lost(
    text: str, rows: list[list[str]], html_mode: bool
) -> None:
    async def scenario() -> None:
        sandbox = ZaloSandbox()
        async with ZaloBot(sandbox.token, base_url="http://zalo.test", transport=in_process(sandbox)) as zalo:
            bridge = make_bridge(sandbox, zalo)
            lan, chat = bridge.person()
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(label, callback_data=f"c{i}") for i, label in enumerate(row)] for row in rows]
            )
            body = html.escape(text, quote=False) if html_mode else text
            mode = ParseMode.HTML if html_mode else None
            expected = render(body, mode, markup.to_dict()).content
            if not expected.strip():
                with pytest.raises(BadRequest):
                    await bridge.bot.send_message(chat, body, parse_mode=mode, reply_markup=markup)
                return
            await bridge.bot.send_message(chat, body, parse_mode=mode, reply_markup=markup)
            received = bridge.received(lan)
            assert all(0 < zalo_length(part) <= MAX_MESSAGE for part in received)
            assert "".join("".join(received).split()) == "".join(expected.split())
            assert sandbox.violations == []

    asyncio.run(scenario())


# -- in: typed answers ----------------------------------------------------------------------------------------


async def test_a_number_a_label_or_back_becomes_the_press_of_that_choice(bridge: Bridge) -> None:
    lan, chat = bridge.person()
    panel = await bridge.bot.send_message(chat, "<b>Chọn</b>:", parse_mode=ParseMode.HTML, reply_markup=REVIEW)
    for answer, data in [
        ("2", "v1:rv:j:7"),
        ("điều chỉnh", "v1:rv:j:7"),
        ("DIEU CHINH", "v1:rv:j:7"),
        ("3 · Trả lại", "v1:rv:r:7"),
        ("duyet", "v1:rv:a:7"),
        ("0", "v1:rv:q"),
        ("Quay lại", "v1:rv:q"),
        ("quay lai", "v1:rv:q"),
    ]:
        raw = bridge.answer(lan, answer, update_id=7)
        update = Update.de_json(raw, bridge.bot)
        query = update.callback_query
        assert query is not None and query.data == data, answer
        assert isinstance(query.message, Message) and query.message.message_id == panel.message_id
        assert query.from_user.id == chat and update.effective_chat is not None and update.effective_chat.id == chat
        assert query.message.reply_markup == REVIEW  # what a handler reads of the pressed message
        assert update.update_id == 7


async def test_commands_other_texts_and_stale_numbers_stay_plain_messages(bridge: Bridge) -> None:
    lan, chat = bridge.person()
    assert "message" in bridge.answer(lan, "1")  # no panel yet: an answer to nothing
    await bridge.bot.send_message(chat, "Cũ", reply_markup=REVIEW)  # three numbered choices
    two = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Có", callback_data="y"), InlineKeyboardButton("Không", callback_data="n")]]
    )
    await bridge.bot.send_message(chat, "Mới", reply_markup=two)
    for answer in ["3", "Trả lại", "4", "0", "quay lại", "/huy", "Có lý do riêng", "1 2"]:
        update = Update.de_json(bridge.answer(lan, answer), bridge.bot)
        assert update.callback_query is None and update.message is not None, answer
        assert update.message.text == answer and update.message.chat.id == chat
    command = Update.de_json(bridge.answer(lan, "/huy ngay"), bridge.bot)
    assert command.message is not None and command.message.parse_entities() != {}
    assert [e.type for e in command.message.entities] == ["bot_command"] and command.message.entities[0].length == 4
    await bridge.bot.send_message(chat, "Đã xong.")  # a message without choices: nothing left to answer
    assert "message" in bridge.answer(lan, "1")


async def test_labels_a_person_could_not_tell_apart_answer_by_number_only(bridge: Bridge) -> None:
    lan, chat = bridge.person()
    months = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("1 tháng", callback_data="m1"), InlineKeyboardButton("3 tháng", callback_data="m3")],
            [InlineKeyboardButton("Khác", callback_data="k"), InlineKeyboardButton("khác", callback_data="k2")],
        ]
    )
    await bridge.bot.send_message(chat, "Tạm dừng nhắc trong:", reply_markup=months)
    assert bridge.received(lan)[-1] == "Tạm dừng nhắc trong:\n\n1 · 1 tháng\n2 · 3 tháng\n3 · Khác\n4 · khác"
    assert bridge.answer(lan, "2")["callback_query"]["data"] == "m3"
    assert bridge.answer(lan, "khac")["callback_query"]["data"] == "k"
    assert bridge.answer(lan, "4")["callback_query"]["data"] == "k2"
    assert "message" in bridge.answer(lan, "3 tháng")


def test_a_shown_panel_survives_a_round_trip_through_json() -> None:
    rendered = render("<b>Chọn</b>", "HTML", REVIEW.to_dict())
    panel = ShownPanel(
        12, 1_800_000_000, rendered.content, rendered.text, rendered.entities, rendered.keyboard, rendered.choices
    )
    again = ShownPanel.from_dict(json.loads(json.dumps(panel.as_dict())))
    assert again == panel and again.choose("2") == panel.choose("2")


async def test_an_application_handles_a_typed_answer_as_a_button_press_end_to_end(zalo: ZaloWorld) -> None:
    built = make_bridge(zalo.sandbox, zalo.bot, ExtBot)
    assert isinstance(built.bot, ExtBot)
    app = Application.builder().bot(built.bot).updater(None).build()
    seen: list[str] = []

    async def pressed(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        seen.append(query.data)
        await query.answer("Đã ghi nhận.")
        await query.edit_message_text(f"Bạn đã chọn <b>{html.escape(query.data)}</b>.", parse_mode=ParseMode.HTML)

    async def cancel(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        seen.append("/huy")
        await update.effective_message.reply_text("Đã hủy thao tác.")

    async def text(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text is not None
        seen.append(update.effective_message.text)

    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(CommandHandler("huy", cancel))
    app.add_handler(MessageHandler(tg_filters.TEXT & ~tg_filters.COMMAND, text))
    async with app:
        lan, chat = built.person()
        await app.bot.send_message(chat, "Chọn:", reply_markup=REVIEW)
        for number, typed in enumerate(["điều chỉnh", "/huy", "ghi chú"], start=1):
            await app.process_update(Update.de_json(built.answer(lan, typed, update_id=number), app.bot))
    assert seen == ["v1:rv:j:7", "/huy", "ghi chú"]
    assert built.received(lan) == [
        f"Chọn:\n\n{REVIEW_LINES}",
        "Đã ghi nhận.",
        "Bạn đã chọn v1:rv:j:7.",
        "Đã hủy thao tác.",
    ]
    assert zalo.sandbox.violations == []


@given(st.text(max_size=200))
def test_any_typed_text_becomes_a_press_of_a_shown_choice_or_that_very_text(typed: str) -> None:
    chats, panels, message_ids = InMemoryChatIds(), InMemoryPanelStore(), InMemoryMessageIds()
    chat = chats.number("0123456789abcdef0123")
    rendered = render("<b>Chọn</b>", "HTML", REVIEW.to_dict())
    panels.put(
        chat, ShownPanel(5, 1_800_000_000, rendered.content, rendered.text, (), rendered.keyboard, rendered.choices)
    )
    event = TextEvent(
        event_name="message.text.received",
        message_id="fedcba9876543210fedc",
        sender=Sender("0123456789abcdef0123", "Lan"),
        chat=ChatRef("0123456789abcdef0123"),
        date_ms=1_800_000_000_000,
        text=typed,
    )
    update = Update.de_json(
        choice_update(event, panels=panels, chats=chats, message_ids=message_ids, update_id=3), None
    )
    if update.callback_query is not None:
        assert not typed.startswith("/")
        assert update.callback_query.data in {c.data for c in rendered.choices}
    else:
        assert update.message is not None and update.message.text == typed
        assert update.message.chat.id == chat and update.message.from_user is not None

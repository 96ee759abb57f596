"""End to end: staff link their Telegram accounts through invite deep links; every refusal links nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from danhgia.workflow.common import Actor
from tests.conftest import BotWorld

pytestmark = pytest.mark.e2e


def linked_person(world: BotWorld, telegram_user_id: int) -> str | None:
    identity = world.services.linking.whois(telegram_user_id)
    return identity.staff_code if identity else None


async def test_staff_member_links_with_invite_and_is_greeted_by_name_and_role(world: BotWorld) -> None:
    an = world.user("An", "Lê Văn")
    an.open_link(world.invite_link("CV01"))
    reply = await an.next_message()
    assert "Liên kết thành công" in reply.text
    assert "Lê Văn An" in reply.text
    assert "Cán bộ, công chức" in reply.text
    assert "Chuyên viên — Phòng Tổng hợp" in reply.text
    assert "/help" in reply.text
    assert linked_person(world, an.id) == "CV01"
    # The greeting is formatted (bold name), not raw tags.
    assert "<b>" not in reply.text and any(e["type"] == "bold" for e in reply.entities)


async def test_leader_sees_leader_role_and_admin_sees_unlink_command(world: BotWorld) -> None:
    hoa = await world.linked_user("TP01", "Hoa")
    greeting = hoa.last()
    assert "Nguyễn Thị Hoa" in greeting.text and "Lãnh đạo" in greeting.text
    assert "/golienket" not in greeting.text
    hai = await world.linked_user("QT01", "Hải")
    text = hai.last().text
    assert "Quản trị hệ thống" in text and "/golienket" in text


async def test_reused_link_is_refused_and_links_nothing(world: BotWorld) -> None:
    link = world.invite_link("CV02")
    binh = world.user("Bình")
    binh.open_link(link)
    assert "Liên kết thành công" in (await binh.next_message()).text
    stranger = world.user("Kẻ", "Lạ")
    stranger.open_link(link)
    refusal = await stranger.next_message()
    assert "đã được dùng" in refusal.text
    assert linked_person(world, stranger.id) is None
    assert linked_person(world, binh.id) == "CV02"


async def test_same_person_tapping_their_used_link_again_is_told_they_are_linked(world: BotWorld) -> None:
    link = world.invite_link("CV02")
    binh = world.user("Bình")
    binh.open_link(link)
    await binh.next_message()
    binh.open_link(link)
    again = await binh.next_message()
    assert "đã được liên kết từ trước" in again.text
    assert "Phạm Thị Bình" in again.text


async def test_expired_link_is_refused(world: BotWorld) -> None:
    link = world.invite_link("CV03")
    world.services.clock.advance(timedelta(days=15))  # type: ignore[attr-defined]
    dung = world.user("Dung")
    dung.open_link(link)
    refusal = await dung.next_message()
    assert "hết hạn" in refusal.text
    assert linked_person(world, dung.id) is None


@pytest.mark.parametrize(
    "payload",
    ["abc", "A" * 43, "x" * 64, "../../etc", "%00"],
    ids=["short", "right-length", "max-length", "path", "nul"],
)
async def test_forged_code_is_refused(world: BotWorld, payload: str) -> None:
    world.invite_link("CV01")  # a real invite exists, but the payload is not it
    mallory = world.user("Mallory")
    mallory.send(f"/start {payload}")
    refusal = await mallory.next_message()
    assert "không hợp lệ" in refusal.text
    assert linked_person(world, mallory.id) is None


async def test_account_linked_to_someone_cannot_take_a_second_person(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    an.open_link(world.invite_link("CV02"))  # Bình's link, used by An's account
    refusal = await an.next_message()
    assert "đã được liên kết với một hồ sơ khác" in refusal.text
    assert linked_person(world, an.id) == "CV01"
    # Bình can still use a link of her own afterwards.
    binh = world.user("Bình")
    binh.open_link(world.invite_link("CV02"))
    assert "Liên kết thành công" in (await binh.next_message()).text


async def test_person_already_linked_cannot_be_linked_to_a_second_account(world: BotWorld) -> None:
    await world.linked_user("CV01", "An")
    # HR issues invites again (An is linked, so gets none); a leftover code of An's cannot exist, so forge
    # the situation through the workflow: a code issued before An linked, used by a second phone.
    from danhgia.storage.models import InviteCode
    from danhgia.workflow.linking import hash_code

    with world.services.db.uow() as uow:
        person = uow.people.get_by_code("CV01")
        assert person is not None and person.id is not None
        now = world.services.clock.now()
        uow.invites.add(
            InviteCode(
                person_id=person.id, code_hash=hash_code("second-phone-code"), expires_at=now + timedelta(days=1)
            )
        )
        uow.commit()
    second_phone = world.user("An", "(máy 2)")
    second_phone.send("/start second-phone-code")
    refusal = await second_phone.next_message()
    assert "đã được liên kết với một tài khoản khác" in refusal.text
    assert linked_person(world, second_phone.id) is None


async def test_newer_invite_replaces_the_older_one(world: BotWorld) -> None:
    old_link = world.invite_link("CV03")
    new_link = world.invite_link("CV03")
    dung = world.user("Dung")
    dung.open_link(old_link)
    assert "thay bằng một đường liên kết mới hơn" in (await dung.next_message()).text
    dung.open_link(new_link)
    assert "Liên kết thành công" in (await dung.next_message()).text


async def test_unlinked_person_gets_only_the_explanation(world: BotWorld) -> None:
    stranger = world.user("Khách")
    for text in ["/start", "xin chào", "/help", "/ngonngu", "/golienket CV01", "/khongco"]:
        reply = await stranger.say(text)
        assert "chưa được liên kết" in reply.text, text
        assert "Tổ chức cán bộ" in reply.text
        assert reply.buttons() == []
    assert linked_person(world, stranger.id) is None


async def test_help_lists_the_commands_of_the_role(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    help_text = (await an.say("/help")).text
    assert "/help" in help_text and "/ngonngu" in help_text
    assert "/golienket" not in help_text
    hai = await world.linked_user("QT01", "Hải")
    assert "/golienket" in (await hai.say("/help")).text


async def test_command_menus_are_registered_in_vietnamese_and_english(world: BotWorld) -> None:
    sandbox = world.sandbox
    private = {"type": "all_private_chats"}
    everyone = [  # NĐ 335 has no 360° round and no disclosure board: /danhgiacheo and /congkhai are not offered
        "tuannay",
        "baocaotuan",
        "tudanhgia",
        "ketqua",
        "tamdung",
        "huy",
        "help",
        "start",
        "ngonngu",
    ]
    assert sandbox.commands_for(private, "") == everyone
    assert sandbox.commands_for(private, "en") == everyone
    vi = {c["command"]: c["description"] for c in sandbox.commands[(sandbox._scope_key(private), "")]}
    en = {c["command"]: c["description"] for c in sandbox.commands[(sandbox._scope_key(private), "en")]}
    assert vi["help"] == "Các lệnh bạn dùng được"
    assert en["help"] == "The commands you can use"
    assert sandbox.commands_for({"type": "all_group_chats"}, "") == ["ketqua", "help"]
    # An administrator's own chat gets the unlink command in the menu when they link.
    hai = await world.linked_user("QT01", "Hải")
    chat_scope = {"type": "chat", "chat_id": hai.id}
    await sandbox.wait_for(lambda: sandbox.commands_for(chat_scope, "en"), what="the admin's chat menus")
    assert "golienket" in sandbox.commands_for(chat_scope, "")
    assert "golienket" in sandbox.commands_for(chat_scope, "en")


async def test_linked_person_free_text_and_unknown_command_get_guidance(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    assert "chưa hiểu" in (await an.say("cho hỏi chút")).text
    assert "Không có lệnh /abc" in (await an.say("/abc")).text


async def test_language_switch_to_english(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    chooser = await an.say("/ngonngu")
    assert chooser.button_texts() == ["🇻🇳 Tiếng Việt", "🇬🇧 English"]
    confirmation = await an.tap(chooser, "English")
    assert confirmation.message_id == chooser.message_id  # edited in place
    assert confirmation.text == "Switched to English."
    assert "Your commands" in (await an.say("/help")).text


async def test_group_chat_gets_no_personal_data_only_a_button_to_the_private_chat(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    binh = world.user("Bình")
    group = world.sandbox.add_group("Phòng Tổng hợp", [an.id, binh.id])
    an.send("/help", chat=group)
    reply = await an.next_message(chat=group)
    assert "trò chuyện riêng" in reply.text
    assert reply.buttons()[0]["url"] == f"https://t.me/{world.sandbox.bot_username}"
    assert "Lê Văn An" not in reply.text
    # Ordinary group chatter is not even delivered to the bot (privacy mode): no answer.
    binh.send("chào cả phòng", chat=group)
    an.send("/start", chat=group)
    second = await an.next_message(chat=group)
    assert "trò chuyện riêng" in second.text
    assert len(an.bot_messages(group)) == 2


async def test_admin_unlinks_a_person_who_is_told_and_can_relink(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    hai = await world.linked_user("QT01", "Hải")
    ask = await hai.say("/golienket CV01")
    assert "Lê Văn An" in ask.text and ask.button_texts() == ["Gỡ liên kết", "Thôi"]
    done = await hai.tap(ask, "Gỡ liên kết")
    assert done.message_id == ask.message_id
    assert "Đã gỡ liên kết" in done.text and "CV01" in done.text
    notice = await an.next_message()
    assert "đã được gỡ khỏi hồ sơ" in notice.text
    assert linked_person(world, an.id) is None
    assert "chưa được liên kết" in (await an.say("/help")).text
    an.open_link(world.invite_link("CV01"))
    assert "Liên kết thành công" in (await an.next_message()).text
    entries = world.services.db.uow()
    with entries as uow:
        actions = [e.action for e in uow.audit.entries("person")]
    assert "link.reset" in actions


async def test_staff_cannot_unlink_and_a_forged_button_press_is_refused(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    assert "không có quyền" in (await an.say("/golienket CV02")).text
    hai = await world.linked_user("QT01", "Hải")
    ask = await hai.say("/golienket CV01")
    # An gets hold of the admin's button data and presses it in her own chat: the server re-checks her role.
    world.sandbox.private_chat(an.id)
    fake = world.sandbox._new_message(world.sandbox.private_chat(an.id), world.sandbox.bot_id, True)
    fake.text, fake.reply_markup = "copy", ask.reply_markup
    query = an.press(fake, "Gỡ liên kết")
    answer = await an.answer_to(query)
    assert answer.show_alert and "không có quyền" in (answer.answer_text or "")
    assert linked_person(world, an.id) == "CV01"


async def test_cancel_unlink_changes_nothing(world: BotWorld) -> None:
    an = await world.linked_user("CV01", "An")
    hai = await world.linked_user("QT01", "Hải")
    ask = await hai.say("/golienket CV01")
    cancelled = await hai.tap(ask, "Thôi")
    assert "không có gì thay đổi" in cancelled.text
    assert linked_person(world, an.id) == "CV01"


async def test_refused_attempts_are_in_the_audit_log(world: BotWorld) -> None:
    mallory = world.user("Mallory")
    mallory.send("/start nothing-real")
    await mallory.next_message()
    with world.services.db.uow() as uow:
        refusals = [e for e in uow.audit.entries("telegram_user") if e.action == "link.refuse"]
    assert refusals and refusals[-1].new == {"outcome": "invalid", "invite_id": None}
    assert refusals[-1].actor_label == f"telegram:{mallory.id}"


async def test_issue_invites_skips_linked_people(world: BotWorld) -> None:
    await world.linked_user("CV01", "An")
    issued = world.services.linking.issue_invites(Actor.cli("test"))
    assert "CV01" not in {i.staff_code for i in issued}
    assert len(issued) == 7

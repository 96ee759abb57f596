"""The Zalo channel's database side (zalo/store.py, storage/zalo.py), on SQLite and PostgreSQL: numbers are stable
across restarts and never meet Telegram's ids, a collision takes the next free number, panels and message ids
survive a restart, and an event is deduped, given the next Zalo update id and recorded in the inbox in one
transaction — once, even when two instances record it at once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from danhgia.storage.db import make_engine
from danhgia.storage.uow import Database
from danhgia.storage.zalo import ZaloRepository
from danhgia.workflow.clock import ManualClock
from danhgia.workflow.inbox import InboxService
from danhgia.zalo.bridge import choice_update
from danhgia.zalo.events import ChatRef, Sender, TextEvent
from danhgia.zalo.ids import ZALO_ID_LIMIT, ZALO_ID_LOWEST, ZALO_UPDATE_BASE, derived_number, next_number
from danhgia.zalo.panels import ShownPanel, render
from danhgia.zalo.store import DbChatIds, DbMessageIds, DbPanelStore, ZaloInbox, zalo_database

LAN = "0123456789abcdef0123"
MAI = "fedcba9876543210fedc"
KEYBOARD = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Duyệt", callback_data="v1:rv:a:7"), InlineKeyboardButton("Trả lại", callback_data="r")],
        [InlineKeyboardButton("◀ Quay lại", callback_data="v1:rv:q")],
    ]
)


class Site:
    """A database URL; each `open()` is a new process's `Database` on it (closed at the end of the test)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opened: list[Database] = []

    def open(self) -> Database:
        """A new `Database` on the URL and the Zalo stores' database over it."""
        db = Database(make_engine(self.url))
        self.opened.append(db)
        return zalo_database(db)

    def close(self) -> None:
        for db in self.opened:
            db.dispose()


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    opened = Site(database_url)
    yield opened
    opened.close()


def panel(message_id: int = 5) -> ShownPanel:
    """A panel offering "1 · Duyệt", "2 · Trả lại" and "0 · Quay lại"."""
    rendered = render("<b>Chọn</b>", "HTML", KEYBOARD.to_dict())
    parts = (rendered.content, rendered.text, rendered.entities, rendered.keyboard, rendered.choices)
    return ShownPanel(message_id, 1_800_000_000, *parts)


def text_event(text: str, message_id: str, who: str = LAN) -> TextEvent:
    return TextEvent(
        event_name="message.text.received",
        message_id=message_id,
        sender=Sender(who, "Lan"),
        chat=ChatRef(who),
        date_ms=1_800_000_000_000,
        text=text,
    )


def bridge_build(
    event: TextEvent, chats: DbChatIds, panels: DbPanelStore, message_ids: DbMessageIds
) -> Callable[[int, ShownPanel | None, Callable[[], int]], dict[str, Any]]:
    """What the poller hands the recorder: the event's update made by `choice_update` over the stores."""

    def build(update_id: int, _panel: ShownPanel | None, _next_message_id: Callable[[], int]) -> dict[str, Any]:
        return choice_update(event, panels=panels, chats=chats, message_ids=message_ids, update_id=update_id)

    return build


# -- ids -------------------------------------------------------------------------------------------------


def test_numbers_are_stable_across_restarts_and_far_above_telegram_ids(site: Site) -> None:
    first = DbChatIds(site.open())
    lan, mai = first.number(LAN), first.number(MAI)
    assert lan != mai and first.number(LAN) == lan
    assert all(ZALO_ID_LOWEST <= n < ZALO_ID_LIMIT for n in (lan, mai)) and ZALO_ID_LIMIT < 2**53
    assert lan == derived_number(LAN) and first.zalo_id(lan) == LAN and first.zalo_id(12345) is None
    restarted = DbChatIds(site.open())
    assert restarted.zalo_id(mai) == MAI  # read from the database, not assigned again
    assert restarted.number(LAN) == lan and restarted.number(MAI) == mai
    with pytest.raises(ValueError, match="never empty"):
        restarted.number("")


def test_a_collision_takes_the_next_free_number(site: Site) -> None:
    db = site.open()
    taken = derived_number(LAN)
    with db.uow() as uow:  # another id holds LAN's number already (and the one after is free)
        assert ZaloRepository(uow.session).assign("someone-else", iter([taken])) == taken
        uow.commit()
    chats = DbChatIds(db)
    assert chats.number(LAN) == next_number(taken) and chats.number("someone-else") == taken
    assert DbChatIds(site.open()).number(LAN) == next_number(taken)
    assert next_number(ZALO_ID_LIMIT - 1) == ZALO_ID_LOWEST


def test_two_instances_assigning_one_id_at_once_agree(site: Site) -> None:
    stores = [DbChatIds(site.open()) for _ in range(4)]
    start = threading.Barrier(len(stores))
    numbers: list[int] = []

    def assign(store: DbChatIds) -> None:
        start.wait()
        numbers.append(store.number(MAI))

    threads = [threading.Thread(target=assign, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(numbers) == len(stores) and set(numbers) == {derived_number(MAI)}


# -- panels and message ids -------------------------------------------------------------------------------


def test_panels_survive_a_restart(site: Site) -> None:
    chat = DbChatIds(site.open()).number(LAN)
    panels = DbPanelStore(site.open())
    assert panels.get(chat) is None
    panels.put(chat, panel(5))
    panels.put(chat, panel(6))
    assert panels.get(chat) == panel(6)
    restarted = DbPanelStore(site.open())
    assert restarted.get(chat) == panel(6) and restarted.get(chat + 1) is None
    assert restarted.get(chat) is not None and restarted.get(chat).choose("1").data == "v1:rv:a:7"  # type: ignore[union-attr]


def test_message_ids_increase_across_restarts_and_panels_keep_them(site: Site) -> None:
    ids = DbMessageIds(site.open())
    assert [ids.allocate(7), ids.allocate(7), ids.allocate(8)] == [1, 2, 1]
    DbPanelStore(site.open()).put(7, panel(2))  # a panel written leaves the counter alone
    assert DbMessageIds(site.open()).allocate(7) == 3 and ids.allocate(7) == 4


# -- the recorder -----------------------------------------------------------------------------------------


def test_an_event_is_recorded_once_with_increasing_update_ids(site: Site, clock: ManualClock) -> None:
    db = site.open()
    chats, panels, message_ids = DbChatIds(db), DbPanelStore(db), DbMessageIds(db)
    inbox = ZaloInbox(db, clock)
    hello = text_event("xin chào", "m1")
    first = inbox.record("m1", LAN, bridge_build(hello, chats, panels, message_ids))
    assert first is not None
    update_id, payload = first
    assert update_id == ZALO_UPDATE_BASE and payload["message"]["text"] == "xin chào"
    assert payload["message"]["chat"]["id"] == chats.number(LAN) and payload["message"]["message_id"] == 1
    assert inbox.record("m1", LAN, bridge_build(hello, chats, panels, message_ids)) is None  # a redelivery
    restarted = ZaloInbox(site.open(), clock)
    assert restarted.record("m1", LAN, bridge_build(hello, chats, panels, message_ids)) is None
    second = restarted.record("m2", MAI, bridge_build(text_event("chào", "m2", MAI), chats, panels, message_ids))
    assert second is not None and second[0] == ZALO_UPDATE_BASE + 1
    pending = InboxService(db, clock).pending()  # where the bot's inbox reads (Database.inbox())
    assert [(r.update_id, r.payload) for r in pending] == [first, second]
    with db.reader() as uow:
        keys = {u.update_id: u.chat_key for u in uow.inbox.pending(10)}
    assert keys == {ZALO_UPDATE_BASE: chats.number(LAN), ZALO_UPDATE_BASE + 1: chats.number(MAI)}


def test_the_recorder_reads_the_latest_panel_and_allocates_in_its_transaction(site: Site, clock: ManualClock) -> None:
    db = site.open()
    chats, panels, message_ids = DbChatIds(db), DbPanelStore(db), DbMessageIds(db)
    chat = chats.number(LAN)
    assert message_ids.allocate(chat) == 1
    panels.put(chat, panel(1))
    seen: list[ShownPanel | None] = []

    def build(update_id: int, shown: ShownPanel | None, next_message_id: Callable[[], int]) -> dict[str, Any]:
        seen.append(shown)
        return {"update_id": update_id, "ids": [next_message_id(), message_ids.allocate(chat)]}

    recorded = ZaloInbox(db, clock).record("m1", LAN, build)
    assert recorded is not None and recorded[1]["ids"] == [2, 3] and seen == [panel(1)]
    assert message_ids.allocate(chat) == 4 and DbMessageIds(site.open()).allocate(chat) == 5
    press = ZaloInbox(db, clock).record("m2", LAN, bridge_build(text_event("1", "m2"), chats, panels, message_ids))
    assert press is not None and press[1]["callback_query"]["data"] == "v1:rv:a:7"
    assert press[1]["callback_query"]["message"]["message_id"] == 1


def test_a_failed_build_records_nothing_and_the_event_can_be_recorded_again(site: Site, clock: ManualClock) -> None:
    db = site.open()
    chats, panels, message_ids = DbChatIds(db), DbPanelStore(db), DbMessageIds(db)
    stranger = "0000000000aaaaaaaaaa"

    def broken(update_id: int, shown: ShownPanel | None, next_message_id: Callable[[], int]) -> dict[str, Any]:
        chats.number(stranger)  # joins the recording, which then fails: no number is kept
        panels.put(chats.number(LAN), panel(9))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        ZaloInbox(db, clock).record("m1", LAN, broken)
    assert DbChatIds(site.open()).zalo_id(derived_number(stranger)) is None
    assert DbPanelStore(site.open()).get(derived_number(LAN)) is None
    assert panels.get(derived_number(LAN)) is None  # the cache kept nothing that was not saved
    assert InboxService(db, clock).pending() == []
    again = ZaloInbox(db, clock).record("m1", LAN, bridge_build(text_event("lại", "m1"), chats, panels, message_ids))
    assert again is not None and again[0] == ZALO_UPDATE_BASE
    with pytest.raises(ValueError, match="message id"):
        ZaloInbox(db, clock).record("", LAN, broken)


def test_stores_called_inside_a_recording_cache_what_it_saved(site: Site, clock: ManualClock) -> None:
    db = site.open()
    chats, panels = DbChatIds(db), DbPanelStore(db)

    def build(update_id: int, shown: ShownPanel | None, next_message_id: Callable[[], int]) -> dict[str, Any]:
        panels.put(chats.number(MAI), panel(next_message_id()))
        return {"update_id": update_id}

    assert ZaloInbox(db, clock).record("m1", MAI, build) is not None
    assert panels.get(chats.number(MAI)) == panel(1) == DbPanelStore(site.open()).get(derived_number(MAI))


def test_two_instances_recording_one_event_at_once_record_it_once(site: Site, clock: ManualClock) -> None:
    inboxes = [ZaloInbox(site.open(), clock) for _ in range(3)]
    start = threading.Barrier(len(inboxes) * 2)
    results: list[tuple[int, dict[str, Any]] | None] = []

    def build(update_id: int, shown: ShownPanel | None, next_message_id: Callable[[], int]) -> dict[str, Any]:
        threading.Event().wait(0.05)  # a slow build: the others arrive meanwhile (no time.sleep under faketime)
        return {"update_id": update_id, "message_id": next_message_id()}

    def record(inbox: ZaloInbox, message_id: str) -> None:
        start.wait()
        results.append(inbox.record(message_id, LAN, build))

    threads = [threading.Thread(target=record, args=(i, m)) for i in inboxes for m in ("same", f"own-{id(i)}")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorded = [r for r in results if r is not None]
    assert len(results) == 6 and len(recorded) == 4  # "same" once, each instance's own event once
    assert sorted(r[0] for r in recorded) == [ZALO_UPDATE_BASE + i for i in range(4)]
    assert sorted(r[1]["message_id"] for r in recorded) == [1, 2, 3, 4]
    pending = InboxService(inboxes[0].db, clock).pending()
    assert sorted(r.update_id for r in pending) == sorted(r[0] for r in recorded)


def test_stores_given_the_main_or_the_inbox_database_all_work_in_the_inbox(
    database_url: str, clock: ManualClock
) -> None:
    main = Database(make_engine(database_url))
    try:
        inbox_db = main.inbox()  # SQLite in a file: the companion `<name>.inbox.db`; PostgreSQL: the same
        assert zalo_database(main) is inbox_db and zalo_database(inbox_db) is inbox_db
        chats, panels, message_ids = DbChatIds(main), DbPanelStore(main), DbMessageIds(main)
        chat = chats.number(LAN)
        panels.put(chat, panel(message_ids.allocate(chat)))
        build = bridge_build(text_event("Duyệt", "m1"), chats, panels, message_ids)
        recorded = ZaloInbox(inbox_db, clock).record("m1", LAN, build)
        assert recorded is not None and recorded[1]["callback_query"]["data"] == "v1:rv:a:7"
        assert [r.update_id for r in InboxService(main.inbox(), clock).pending()] == [ZALO_UPDATE_BASE]
        assert DbPanelStore(inbox_db).get(chat) == panel(1) and DbMessageIds(inbox_db).allocate(chat) == 2
    finally:
        main.dispose()

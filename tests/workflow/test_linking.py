"""Invites and links in the workflow: codes, every refusal, resets, races; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from danhgia.workflow.common import Actor
from danhgia.workflow.linking import RedeemOutcome, ResetOutcome, UnknownUnitError, hash_code
from danhgia.workflow.roster_file import read_roster
from danhgia.workflow.services import Services
from tests.conftest import ROSTER_ROWS, write_roster

ACTOR = Actor.cli("test")


@pytest.fixture
def org(services: Services, tmp_path: Path) -> Services:
    services.roster.import_table(read_roster(write_roster(tmp_path / "r.csv", ROSTER_ROWS)), ACTOR)
    return services


def codes(services: Services, unit: str | None = None) -> dict[str, str]:
    return {i.staff_code: i.code for i in services.linking.issue_invites(ACTOR, unit)}


def test_invite_codes_are_random_url_safe_and_only_hashes_are_stored(org: Services) -> None:
    invites = org.linking.issue_invites(ACTOR)
    issued = {i.code for i in invites} | {i.zalo_code for i in invites}
    assert len(invites) == 8 and len(issued) == 16
    for invite in invites:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", invite.code)  # in the Telegram deep link
        assert re.fullmatch(r"[A-HJKMNP-Z2-9]{8}", invite.zalo_code)  # typed on Zalo: no 0/O, 1/I/L
    with org.db.uow() as uow:
        stored = {i.code_hash for p in uow.people.all() for i in uow.invites.usable_for(p.id or 0, org.clock.now())}
    assert stored == {hash_code(c) for c in issued}
    assert not issued & stored


ZALO_AN, ZALO_BINH = 2**51 + 7, 2**51 + 9  # Zalo accounts' numbers (danhgia.zalo.ids)


def test_a_person_links_one_account_on_each_platform(org: Services) -> None:
    invites = {i.staff_code: i for i in org.linking.issue_invites(ACTOR)}
    an, binh = invites["CV01"], invites["CV02"]
    # Each code is for its own platform: a Zalo code opened on Telegram (or the reverse) links nothing.
    assert org.linking.redeem(an.zalo_code, 111, 111, None).outcome is RedeemOutcome.INVALID
    assert org.linking.redeem(an.code, ZALO_AN, ZALO_AN, None).outcome is RedeemOutcome.INVALID
    assert org.linking.redeem(an.zalo_code, ZALO_AN, ZALO_AN, None).outcome is RedeemOutcome.LINKED
    assert org.linking.redeem(an.code, 111, 111, None).outcome is RedeemOutcome.LINKED  # his Telegram too
    with org.db.uow() as uow:
        assert {link.channel for link in uow.links.of_person(org.linking.find_person("CV01").person_id)} == {  # type: ignore[union-attr]
            "telegram",
            "zalo",
        }
    # A second Zalo account for the same person is refused; Bình's Zalo code cannot serve An's account.
    assert org.linking.redeem(binh.zalo_code, ZALO_AN, ZALO_AN, None).outcome is RedeemOutcome.ACCOUNT_TAKEN
    assert org.linking.redeem(binh.zalo_code, ZALO_BINH, ZALO_BINH, None).outcome is RedeemOutcome.LINKED
    # Both of An's accounts are An; a new round of invites leaves the linked people out.
    for account in (111, ZALO_AN):
        identity = org.linking.whois(account)
        assert identity is not None and identity.staff_code == "CV01"
    assert "CV01" not in {i.staff_code for i in org.linking.issue_invites(ACTOR)}


def test_notices_go_to_the_platform_used_last(org: Services) -> None:
    invites = {i.staff_code: i for i in org.linking.issue_invites(ACTOR)}
    org.linking.redeem(invites["CV01"].code, 111, 111, None)
    org.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    org.linking.redeem(invites["CV01"].zalo_code, ZALO_AN, ZALO_AN, None)
    person = org.linking.find_person("CV01")
    assert person is not None

    def preferred() -> int:
        with org.db.reader() as uow:
            link = uow.links.chats_of([person.person_id])[person.person_id]
            assert uow.links.by_person(person.person_id) == link
            return link.chat_id

    assert preferred() == ZALO_AN  # linked last
    org.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    org.linking.whois(111)  # An writes on Telegram
    assert preferred() == 111
    org.clock.advance(timedelta(hours=1))  # type: ignore[attr-defined]
    org.linking.whois(ZALO_AN)  # and back on Zalo
    assert preferred() == ZALO_AN
    reset = org.linking.reset(person.person_id, ACTOR)  # HR unlinks him: every platform's account
    assert reset.old_chat_id == ZALO_AN and org.linking.whois(111) is None and org.linking.whois(ZALO_AN) is None


def test_invites_for_one_unit_include_its_sub_units(org: Services) -> None:
    assert set(codes(org, "TH")) == {"TP01", "CV01", "CV02", "QT01"}
    assert set(codes(org, "SO")) == {c for c, *_ in ROSTER_ROWS}
    with pytest.raises(UnknownUnitError):
        org.linking.issue_invites(ACTOR, "KHONGCO")


def test_redeem_links_once_and_records_it(org: Services) -> None:
    code = codes(org)["CV01"]
    result = org.linking.redeem(code, 111, 111, "an_le")
    assert result.outcome is RedeemOutcome.LINKED
    assert result.identity is not None and result.identity.full_name == "Lê Văn An"
    assert result.identity.roles == {"nhan_vien"} and result.identity.unit_name == "Phòng Tổng hợp"
    assert org.linking.whois(111) == result.identity
    assert org.linking.redeem(code, 222, 222, None).outcome is RedeemOutcome.USED
    assert org.linking.redeem(code, 111, 111, None).outcome is RedeemOutcome.ALREADY_LINKED
    assert org.linking.whois(222) is None
    with org.db.uow() as uow:
        actions = [e.action for e in uow.audit.entries()]
    assert "link.create" in actions and actions.count("link.refuse") == 1


@pytest.mark.parametrize("code", ["", "a b", "x" * 65, "ký-tự-lạ", "A" * 43])
def test_malformed_or_forged_codes_are_invalid(org: Services, code: str) -> None:
    codes(org)
    assert org.linking.redeem(code, 1, 1, None).outcome is RedeemOutcome.INVALID


def test_expiry_is_exact(org: Services) -> None:
    code = codes(org)["CV01"]
    org.clock.advance(timedelta(days=14) - timedelta(seconds=1))  # type: ignore[attr-defined]
    other = codes(org)  # re-issuing revokes: use a fresh pair to test the boundary
    assert org.linking.redeem(code, 1, 1, None).outcome is RedeemOutcome.REPLACED
    org.clock.advance(timedelta(days=14))  # type: ignore[attr-defined]
    assert org.linking.redeem(other["CV01"], 1, 1, None).outcome is RedeemOutcome.EXPIRED


def test_code_still_valid_just_before_expiry(org: Services) -> None:
    code = codes(org)["CV01"]
    org.clock.advance(timedelta(days=14) - timedelta(seconds=1))  # type: ignore[attr-defined]
    assert org.linking.redeem(code, 1, 1, None).outcome is RedeemOutcome.LINKED


def test_account_and_person_are_linked_one_to_one(org: Services) -> None:
    issued = codes(org)
    assert org.linking.redeem(issued["CV01"], 1, 1, None).outcome is RedeemOutcome.LINKED
    assert org.linking.redeem(issued["CV02"], 1, 1, None).outcome is RedeemOutcome.ACCOUNT_TAKEN
    assert org.linking.whois(1).staff_code == "CV01"  # type: ignore[union-attr]


def test_deactivated_person_cannot_link_and_is_not_recognised(org: Services, tmp_path: Path) -> None:
    issued = codes(org)
    assert org.linking.redeem(issued["CV01"], 1, 1, None).outcome is RedeemOutcome.LINKED
    rows = [r for r in ROSTER_ROWS if r[0] not in ("CV01", "CV02")]
    org.roster.import_table(read_roster(write_roster(tmp_path / "r2.csv", rows)), ACTOR, deactivate_missing=True)
    assert org.linking.whois(1) is None
    assert org.linking.redeem(issued["CV02"], 2, 2, None).outcome is RedeemOutcome.INACTIVE


def test_reset_allows_a_new_account(org: Services) -> None:
    assert org.linking.redeem(codes(org)["CV01"], 1, 1, None).outcome is RedeemOutcome.LINKED
    person = org.linking.find_person("CV01")
    assert person is not None and person.linked
    result = org.linking.reset(person.person_id, ACTOR, "đổi điện thoại")
    assert result.outcome is ResetOutcome.RESET and result.old_chat_id == 1
    assert org.linking.reset(person.person_id, ACTOR).outcome is ResetOutcome.NOT_LINKED
    assert org.linking.whois(1) is None
    assert org.linking.redeem(codes(org)["CV01"], 2, 2, None).outcome is RedeemOutcome.LINKED
    with org.db.uow() as uow:
        reset = next(e for e in uow.audit.entries() if e.action == "link.reset")
    assert reset.old == {"telegram_user_id": 1, "chat_id": 1} and reset.reason == "đổi điện thoại"


def test_two_phones_racing_for_one_code_link_exactly_one(org: Services) -> None:
    code = codes(org)["CV01"]
    outcomes: list[RedeemOutcome] = []
    barrier = threading.Barrier(2)

    def attempt(user_id: int) -> None:
        barrier.wait()
        outcomes.append(org.linking.redeem(code, user_id, user_id, None).outcome)

    threads = [threading.Thread(target=attempt, args=(uid,)) for uid in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted([RedeemOutcome.LINKED, RedeemOutcome.USED])
    assert [org.linking.whois(uid) is not None for uid in (1, 2)].count(True) == 1


def test_language_preference_is_kept_and_audited(org: Services) -> None:
    assert org.linking.redeem(codes(org)["CV01"], 1, 1, None).outcome is RedeemOutcome.LINKED
    identity = org.linking.whois(1)
    assert identity is not None and identity.language == "vi"
    org.linking.set_language(identity.person_id, "en", Actor.person(identity.person_id, 1))
    assert org.linking.whois(1).language == "en"  # type: ignore[union-attr]

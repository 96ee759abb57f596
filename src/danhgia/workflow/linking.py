"""Linking Telegram accounts to people: one-time invite codes, redeeming them, resetting a link."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.exc import IntegrityError

from danhgia.storage.models import InviteCode, Person, TelegramLink
from danhgia.storage.uow import Database, UnitOfWork
from danhgia.workflow.channels import CHANNELS, TELEGRAM, ZALO, channel_of
from danhgia.workflow.clock import Clock
from danhgia.workflow.common import Actor, Change, Identity, audit, identity_of

CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CODE_BYTES = 32  # 256 random bits → 43 URL-safe characters
# Zalo links carry no start parameter: the person types "LIENKET" and a short code. 8 characters of 31 unambiguous
# ones (no 0/O, 1/I/L) are 39 bits: guessing one of a thousand live codes takes ~10⁸ tries, at one try a second.
ZALO_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ZALO_CODE_LENGTH = 8


def zalo_code() -> str:
    """A new short invite code to type on Zalo ("LIENKET 4K7Q2PXM")."""
    return "".join(secrets.choice(ZALO_ALPHABET) for _ in range(ZALO_CODE_LENGTH))


def hash_code(code: str) -> str:
    """The stored form of an invite code (codes themselves are never stored)."""
    return hashlib.sha256(code.encode("ascii", "replace")).hexdigest()


class RedeemOutcome(StrEnum):
    """What happened when someone opened an invite link."""

    LINKED = "linked"
    ALREADY_LINKED = "already_linked"
    INVALID = "invalid"
    USED = "used"
    EXPIRED = "expired"
    REPLACED = "replaced"
    INACTIVE = "inactive"
    ACCOUNT_TAKEN = "account_taken"
    PERSON_TAKEN = "person_taken"


@dataclass(frozen=True)
class RedeemResult:
    """The outcome and, when the account is (now) linked, who it belongs to."""

    outcome: RedeemOutcome
    identity: Identity | None = None


@dataclass(frozen=True)
class IssuedInvite:
    """A fresh invite for one person: the code to put in the Telegram deep link, and the one to type on Zalo."""

    staff_code: str
    full_name: str
    code: str
    zalo_code: str = ""


class ResetOutcome(StrEnum):
    """What happened when an administrator reset a link."""

    RESET = "reset"
    NOT_LINKED = "not_linked"
    UNKNOWN_PERSON = "unknown_person"


@dataclass(frozen=True)
class ResetResult:
    """The outcome and the chat of the account that was unlinked."""

    outcome: ResetOutcome
    full_name: str = ""
    staff_code: str = ""
    old_chat_id: int | None = None


@dataclass(frozen=True)
class PersonSummary:
    """Who a staff code belongs to, and whether they are linked."""

    person_id: int
    staff_code: str
    full_name: str
    linked: bool


@dataclass(frozen=True)
class MenuTarget:
    """A linked person's chat, roles and the command menu last given to it."""

    person_id: int
    chat_id: int
    roles: frozenset[str]
    menu_signature: str | None


class UnknownUnitError(LookupError):
    """No unit has the given code."""


class LinkingService:
    """Issues invites, redeems them and answers "who is this Telegram user?"."""

    def __init__(self, db: Database, clock: Clock, invite_ttl: timedelta) -> None:
        self.db = db
        self.clock = clock
        self.invite_ttl = invite_ttl

    def issue_invites(
        self, actor: Actor, unit_code: str | None = None, channel: str | None = None
    ) -> list[IssuedInvite]:
        """New codes for every active person with no account linked (in a unit and its sub-units, if given): a
        Telegram deep-link code and a Zalo code; with `channel`, only that platform's code, for everyone with no
        account linked there. A person's earlier unused codes of the same platform are revoked: only the newest works.
        """
        now = self.clock.now()
        issued: list[IssuedInvite] = []
        with self.db.uow() as uow:
            unit_ids: set[int] | None = None
            if unit_code is not None:
                unit = uow.units.get_by_code(unit_code)
                if unit is None or unit.id is None:
                    raise UnknownUnitError(unit_code)
                unit_ids = uow.units.subtree_ids(unit.id)
            for person in uow.people.unlinked(unit_ids, channel):
                assert person.id is not None
                wanted = (channel,) if channel is not None else CHANNELS
                for old in uow.invites.usable_for(person.id, now):
                    if old.channel in wanted:
                        old.revoked_at = now
                        uow.session.add(old)
                code = secrets.token_urlsafe(CODE_BYTES) if TELEGRAM in wanted else ""
                short = zalo_code() if ZALO in wanted else ""
                invite, *_ = [  # one code per platform: each links the person's account there
                    uow.invites.add(
                        InviteCode(
                            person_id=person.id,
                            code_hash=hash_code(one),
                            channel=platform,
                            created_at=now,
                            expires_at=now + self.invite_ttl,
                        )
                    )
                    for platform, one in ((TELEGRAM, code), (ZALO, short))
                    if one
                ]
                audit(
                    uow,
                    actor,
                    Change(
                        "invite.issue",
                        "person",
                        str(person.id),
                        None,
                        {"invite_id": invite.id, "expires_at": invite.expires_at.isoformat()},
                    ),
                    now,
                )
                issued.append(IssuedInvite(person.staff_code, person.full_name, code, short))
            uow.commit()
        return issued

    def redeem(self, code: str, telegram_user_id: int, chat_id: int, username: str | None) -> RedeemResult:
        """Link the Telegram account to the invite's person, or say precisely why not."""
        now = self.clock.now()
        actor = Actor(label=f"telegram:{telegram_user_id}")
        with self.db.uow() as uow:
            channel = channel_of(telegram_user_id)
            invite = uow.invites.by_hash(hash_code(code)) if CODE_PATTERN.match(code) else None
            if invite is not None and invite.channel != channel:
                invite = None  # a Zalo code links a Zalo account, a Telegram link a Telegram account
            account_link = uow.links.by_telegram_user(telegram_user_id)
            outcome: RedeemOutcome | None = None
            if invite is None:
                outcome = RedeemOutcome.INVALID
            elif account_link is not None:
                if account_link.person_id == invite.person_id:
                    person = uow.people.get(account_link.person_id)
                    assert person is not None
                    return RedeemResult(
                        RedeemOutcome.ALREADY_LINKED,
                        identity_of(uow, person, telegram_user_id, account_link.chat_id),
                    )
                outcome = RedeemOutcome.ACCOUNT_TAKEN
            elif invite.used_at is not None:
                outcome = RedeemOutcome.USED
            elif invite.revoked_at is not None:
                outcome = RedeemOutcome.REPLACED
            elif invite.expires_at <= now:
                outcome = RedeemOutcome.EXPIRED
            person = uow.people.get(invite.person_id) if invite is not None else None
            if outcome is None and (person is None or not person.active):
                outcome = RedeemOutcome.INACTIVE
            if (
                outcome is None
                and person is not None
                and person.id is not None
                and uow.links.on_channel(person.id, channel) is not None
            ):
                outcome = RedeemOutcome.PERSON_TAKEN
            if outcome is not None or person is None or invite is None:
                refused = outcome or RedeemOutcome.INVALID
                audit(
                    uow,
                    actor,
                    Change(
                        "link.refuse",
                        "telegram_user",
                        str(telegram_user_id),
                        None,
                        {"outcome": refused.value, "invite_id": invite.id if invite else None},
                    ),
                    now,
                )
                uow.commit()
                return RedeemResult(refused)
            assert person.id is not None
            try:
                identity = self._link(uow, person, invite, telegram_user_id, chat_id, username, actor, now)
            except IntegrityError:
                # Another account won a race for this person or this code: nothing of ours was saved.
                return RedeemResult(RedeemOutcome.USED)
            return RedeemResult(RedeemOutcome.LINKED, identity)

    @staticmethod
    def _link(
        uow: UnitOfWork,
        person: Person,
        invite: InviteCode,
        telegram_user_id: int,
        chat_id: int,
        username: str | None,
        actor: Actor,
        now: datetime,
    ) -> Identity:
        assert person.id is not None
        uow.links.add(
            TelegramLink(
                person_id=person.id,
                channel=invite.channel,
                telegram_user_id=telegram_user_id,
                chat_id=chat_id,
                username=username,
                linked_at=now,
                active_at=now,
            )
        )
        invite.used_at = now
        invite.used_by_telegram_id = telegram_user_id
        uow.session.add(invite)
        for other in uow.invites.usable_for(person.id, now):
            if other.id != invite.id and other.channel == invite.channel:
                other.revoked_at = now
                uow.session.add(other)
        audit(
            uow,
            Actor(label=actor.label, person_id=person.id),
            Change(
                "link.create",
                "person",
                str(person.id),
                None,
                {"telegram_user_id": telegram_user_id, "invite_id": invite.id},
            ),
            now,
        )
        identity = identity_of(uow, person, telegram_user_id, chat_id)
        uow.commit()
        return identity

    def link_directly(self, actor: Actor, person_id: int, telegram_user_id: int, chat_id: int) -> None:
        """Link an account without an invite (operator tools such as the demo); audited like any link."""
        now = self.clock.now()
        with self.db.uow() as uow:
            channel = channel_of(telegram_user_id)
            uow.links.add(
                TelegramLink(
                    person_id=person_id,
                    channel=channel,
                    telegram_user_id=telegram_user_id,
                    chat_id=chat_id,
                    linked_at=now,
                )
            )
            audit(
                uow,
                actor,
                Change("link.create", "person", str(person_id), None, {"telegram_user_id": telegram_user_id}),
                now,
            )
            uow.commit()

    def whois(self, telegram_user_id: int) -> Identity | None:
        """The active person linked to this Telegram account, if any."""
        with self.db.reader() as uow:
            rows = uow.links.identity_rows(telegram_user_id)
        if not rows or not rows[0].active:
            return None
        first = rows[0]
        if first.newer:  # back on this platform after using the other: notices follow the person here
            with self.db.uow() as uow:
                uow.links.touch(first.link_id, self.clock.now())
                uow.commit()
        return Identity(
            person_id=first.person_id,
            staff_code=first.staff_code,
            full_name=first.full_name,
            position=first.position,
            unit_code=first.unit_code,
            unit_name=first.unit_name,
            roles=frozenset(row.role for row in rows if row.role is not None),
            language=first.language,
            telegram_user_id=telegram_user_id,
            chat_id=first.chat_id,
            open_dialog=first.dialog_kind,
        )

    def find_person(self, staff_code: str) -> PersonSummary | None:
        """The person with this staff code, if any."""
        with self.db.reader() as uow:
            person = uow.people.get_by_code(staff_code.strip())
            if person is None or person.id is None:
                return None
            linked = uow.links.by_person(person.id) is not None
            return PersonSummary(person.id, person.staff_code, person.full_name, linked)

    def reset(self, person_id: int, actor: Actor, reason: str | None = None) -> ResetResult:
        """Remove a person's link so they can be invited again with a new account."""
        now = self.clock.now()
        with self.db.uow() as uow:
            person = uow.people.get(person_id)
            if person is None or person.id is None:
                return ResetResult(ResetOutcome.UNKNOWN_PERSON)
            links = uow.links.of_person(person.id)
            if not links:
                return ResetResult(ResetOutcome.NOT_LINKED, person.full_name, person.staff_code)
            link = links[-1]  # the one they used last is told
            old: dict[str, object] = {"telegram_user_id": link.telegram_user_id, "chat_id": link.chat_id}
            if len(links) > 1:
                old["accounts"] = [one.telegram_user_id for one in links]
            for one in links:  # every platform's: the person is invited again
                uow.links.delete(one)
            audit(uow, actor, Change("link.reset", "person", str(person.id), old, None, reason), now)
            uow.commit()
            return ResetResult(ResetOutcome.RESET, person.full_name, person.staff_code, link.chat_id)

    def set_language(self, person_id: int, language: str, actor: Actor) -> None:
        """Remember the language a person reads the bot in."""
        now = self.clock.now()
        with self.db.uow() as uow:
            person = uow.people.get(person_id)
            if person is None or person.language == language:
                return
            old = {"language": person.language}
            person.language = language
            uow.session.add(person)
            audit(
                uow,
                actor,
                Change("person.language", "person", str(person_id), old, {"language": language}),
                now,
            )
            uow.commit()

    def menu_targets(self) -> list[MenuTarget]:
        """Every active linked person with their roles and the menu signature stored for them."""
        with self.db.reader() as uow:
            roles = uow.people.roles_by_person()
            targets: list[MenuTarget] = []
            for link in uow.links.all():
                person = uow.people.get(link.person_id)
                if person is None or not person.active or link.channel != TELEGRAM:  # Zalo has no menus
                    continue
                targets.append(
                    MenuTarget(
                        link.person_id,
                        link.chat_id,
                        frozenset(roles.get(link.person_id, ())),
                        link.menu_signature,
                    )
                )
            return targets

    def record_menu(self, person_id: int, signature: str | None) -> None:
        """Remember which command menu a person's chat was given."""
        with self.db.uow() as uow:
            link = uow.links.on_channel(person_id, TELEGRAM)
            if link is not None and link.menu_signature != signature:
                link.menu_signature = signature
                uow.session.add(link)
                uow.commit()

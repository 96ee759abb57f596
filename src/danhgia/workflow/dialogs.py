"""What a private chat is waiting for, kept in the database so that a restart or a second process continues
exactly where the person was: the kind of typed answer expected, its context, and the panel message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from danhgia.storage.models import Dialog
from danhgia.storage.uow import Database
from danhgia.workflow.clock import Clock


@dataclass(frozen=True)
class DialogState:
    """An open dialog: `kind` names the handler of the next typed message; `data` its context."""

    person_id: int
    kind: str
    data: dict[str, Any]
    chat_id: int | None
    message_id: int | None


class DialogService:
    """Read, set and clear the one open dialog of each person."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def get(self, person_id: int) -> DialogState | None:
        """The open dialog of a person, if any."""
        with self.db.reader() as uow:
            row = uow.dialogs.get(person_id)
            if row is None:
                return None
            return DialogState(row.person_id, row.kind, dict(row.data), row.chat_id, row.message_id)

    def expect(
        self,
        person_id: int,
        kind: str,
        data: dict[str, Any] | None = None,
        chat_id: int | None = None,
        message_id: int | None = None,
    ) -> DialogState:
        """Wait for typed text of this kind (replacing any other open dialog)."""
        with self.db.uow() as uow:
            uow.dialogs.put(
                Dialog(
                    person_id=person_id,
                    kind=kind,
                    data=dict(data or {}),
                    chat_id=chat_id,
                    message_id=message_id,
                    updated_at=self.clock.now(),
                )
            )
            uow.commit()
        return DialogState(person_id, kind, dict(data or {}), chat_id, message_id)

    def placed(self, person_id: int, kind: str, message_id: int) -> None:
        """The question of the open dialog (still of `kind`) was sent as this message."""
        with self.db.uow() as uow:
            row = uow.dialogs.get(person_id)
            if row is not None and row.kind == kind and row.message_id != message_id:
                row.message_id = message_id
                uow.session.add(row)
                uow.commit()

    def clear(self, person_id: int, kind: str | None = None) -> DialogState | None:
        """Close the open dialog (only if it is of `kind`, when given); returns what was closed."""
        if self.get(person_id) is None:
            return None  # nothing open: no write transaction at all (the common case)
        with self.db.uow() as uow:
            row = uow.dialogs.get(person_id)
            if row is None or (kind is not None and row.kind != kind):
                return None
            closed = DialogState(row.person_id, row.kind, dict(row.data), row.chat_id, row.message_id)
            uow.dialogs.clear(person_id)
            uow.commit()
            return closed

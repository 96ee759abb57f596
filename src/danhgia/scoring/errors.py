"""Exceptions of the scoring module; every message is Vietnamese and names the offending field."""

from __future__ import annotations


class ScoringError(Exception):
    """Base class of every error raised by danhgia.scoring."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UnknownRegimeError(ScoringError):
    """The requested regime id is not bundled (or a regime file cannot be found)."""

    def __init__(self, regime_id: str, known: tuple[str, ...] = ()) -> None:
        hint = f" Các chế độ có sẵn: {', '.join(known)}." if known else ""
        super().__init__(f"Không có chế độ đánh giá «{regime_id}».{hint}")
        self.regime_id = regime_id


class InvalidRegimeError(ScoringError):
    """A regime data file breaks a rule checked at load time."""

    def __init__(self, regime_id: str, field: str, message: str) -> None:
        super().__init__(f"Tệp chế độ đánh giá «{regime_id}» không hợp lệ — {field}: {message}")
        self.regime_id = regime_id
        self.field = field
        self.reason = message


class InvalidAssessmentError(ScoringError):
    """An input (assessment, quota or roll-up data) is invalid; `field` is its path (`tasks[2].delays`)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"Dữ liệu không hợp lệ — {field}: {message}" if field else f"Dữ liệu không hợp lệ: {message}")
        self.field = field
        self.reason = message

    def within(self, prefix: str) -> InvalidAssessmentError:
        """The same error with its field placed under `prefix` (`people[2]` + `tasks[0].delays`)."""
        if not prefix:
            return self
        if not self.field:
            return InvalidAssessmentError(prefix, self.reason)
        joined = f"{prefix}{self.field}" if self.field.startswith("[") else f"{prefix}.{self.field}"
        return InvalidAssessmentError(joined, self.reason)

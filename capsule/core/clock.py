"""The one source of time: injected everywhere, so tests can move it.

Nothing else in the project reads the wall clock. Every value is an aware UTC datetime.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that only moves when told to (tests, the demo's past and future capsules)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = check_aware(start) if start is not None else datetime(2026, 3, 5, 5, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = check_aware(when)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by `delta` (or `timedelta(**kwargs)`) and return the new time."""
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"


def check_aware(when: datetime) -> datetime:
    """Return `when` in UTC; naive datetimes are a bug, never a guess.

    Raises:
        ValueError: `when` has no timezone.
    """
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"naive datetime {when.isoformat()} given where an aware one is required")
    return when.astimezone(UTC)


def utc_text(when: datetime) -> str:
    """RFC 3339 UTC text at second precision (`2026-03-05T10:00:00Z`), as every format uses."""
    return check_aware(when).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_utc_text(text: str) -> datetime:
    """Parse the output of `utc_text` (strictly: second precision, `Z` suffix).

    Raises:
        ValueError: the text is not of that form.
    """
    try:
        when = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")  # noqa: DTZ007 - the Z is checked here; UTC set below
    except (TypeError, ValueError):
        raise ValueError(f"expected UTC time like 2026-03-05T10:00:00Z, got {text!r}") from None
    return when.replace(tzinfo=UTC)


def truncate(when: datetime) -> datetime:
    """Drop sub-second precision, so stored times equal what the formats record."""
    return check_aware(when).replace(microsecond=0)

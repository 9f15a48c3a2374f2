"""Time: stored in UTC, shown and counted in Asia/Shanghai (SPEC: cross-cutting requirements, Time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock for tests: stands still until ``advance`` is called."""

    at: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 1, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.at

    def advance(self, **kwargs: float) -> None:
        self.at = self.at + timedelta(**kwargs)


def local(dt: datetime, zone: ZoneInfo = SHANGHAI) -> datetime:
    """``dt`` shown in ``zone``; naive datetimes (as SQLite returns them) are taken as UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(zone)


def local_date(clock: Clock, zone: ZoneInfo = SHANGHAI) -> date:
    """Today's date in ``zone``: the day a Shanghai desk sees, which differs from UTC before 08:00."""
    return local(clock.now(), zone).date()


def format_local(dt: datetime | None, zone: ZoneInfo = SHANGHAI) -> str:
    """``YYYY-MM-DD HH:MM`` in ``zone``, or an empty string."""
    return "" if dt is None else local(dt, zone).strftime("%Y-%m-%d %H:%M")

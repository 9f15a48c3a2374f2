"""Chinese working-day (工作日) arithmetic for statutory deadlines.

Administrative-procedure deadlines expressed in 工作日 skip statutory holidays
and count the make-up working days (调休) that the State Council's General
Office announces each year. The official data come from the
``chinese_calendar`` package; years it does not yet cover can be supplied
through an extra :class:`HolidayTable` from configuration, whose dates also
override the package date by date.

For a year covered by neither, weekends-only counting is used and
:meth:`WorkdayCalendar.deadline` reports it (``UncoveredYearWarning`` plus a
bilingual warning on the result) so nobody silently trusts such a date.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import chinese_calendar

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TABLE_KEYS = ("holidays", "workdays")
_ONE_DAY = timedelta(days=1)


class UncoveredYearWarning(UserWarning):
    """A deadline was computed across a year without holiday data."""


@dataclass(frozen=True)
class HolidayTable:
    """Extra holiday data: ``holidays`` are days off (even on weekdays),
    ``workdays`` are make-up working days (even on weekends).

    Invariant (enforced by :meth:`from_mapping`): the two sets are disjoint.
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    @classmethod
    def from_mapping(cls, d: dict[str, list[str]]) -> HolidayTable:
        """Build from ``{"holidays": ["2027-01-01", ...], "workdays": [...]}``.

        Both keys are optional. Raises ValueError naming the offending entry
        for unknown keys, non-list values, dates not in YYYY-MM-DD form or
        not existing, and dates listed as both holiday and workday.
        """
        unknown = sorted(set(d) - set(_TABLE_KEYS))
        if unknown:
            raise ValueError(f"holiday table: unknown key(s) {unknown}; allowed {list(_TABLE_KEYS)}")
        holidays = _parse_dates("holidays", d.get("holidays", []))
        workdays = _parse_dates("workdays", d.get("workdays", []))
        both = sorted(holidays & workdays)
        if both:
            raise ValueError(f"holiday table: {both[0].isoformat()} is both a holiday and a workday")
        return cls(holidays, workdays)

    def years(self) -> frozenset[int]:
        """Years that have at least one entry in the table."""
        return frozenset(day.year for day in self.holidays | self.workdays)


def _parse_dates(key: str, entries: object) -> frozenset[date]:
    if not isinstance(entries, list):
        raise ValueError(f"holiday table: {key!r} must be a list of YYYY-MM-DD strings")
    return frozenset(_parse_date(key, i, entry) for i, entry in enumerate(entries))


def _parse_date(key: str, index: int, entry: object) -> date:
    bad = f"holiday table: {key}[{index}] = {entry!r} is not a valid YYYY-MM-DD date"
    if not isinstance(entry, str) or not _ISO_DATE.fullmatch(entry):
        raise ValueError(bad)
    try:
        return date.fromisoformat(entry)
    except ValueError:
        raise ValueError(bad) from None


@cache
def package_covers(year: int) -> bool:
    """True if ``chinese_calendar`` has official data for ``year``.

    Detected by probing the package, which raises NotImplementedError for
    years outside its data, so upgrading the package extends coverage.
    """
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class Deadline:
    """A computed deadline. ``uncovered_years`` lists years counted with
    weekends only; ``warnings`` holds one bilingual message per such year."""

    due: date
    uncovered_years: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()


def uncovered_message(year: int) -> str:
    """Bilingual warning text for a year without holiday data."""
    return (
        f"{year} 年的法定节假日尚未配置,期限仅按周末计算;请在配置的节假日表中补充。"
        f" / Holidays for {year} are not configured: the deadline counts weekends only;"
        " add them to the holiday table in configuration."
    )


class WorkdayCalendar:
    """Working-day calendar: extra table, then chinese_calendar, then weekends."""

    def __init__(self, extra: HolidayTable | None = None) -> None:
        self.extra = extra or HolidayTable()
        self._extra_years = self.extra.years()

    def covered(self, year: int) -> bool:
        """True if the package covers ``year`` or the extra table has entries for it."""
        return package_covers(year) or year in self._extra_years

    def is_workday(self, d: date) -> bool:
        """True if ``d`` is a working day.

        Precedence: extra table (make-up workday, then holiday), then the
        package if it covers the year, else Monday–Friday.
        """
        if d in self.extra.workdays:
            return True
        if d in self.extra.holidays:
            return False
        if package_covers(d.year):
            return chinese_calendar.is_workday(d)
        return d.weekday() < 5

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` itself not counted).

        ``n == 0`` returns ``start`` if it is a working day, else the next
        working day (a deadline never falls on a day off). Raises ValueError
        if ``n < 0``. Does not warn; use :meth:`deadline` for that.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day = start
        if n == 0:
            while not self.is_workday(day):
                day += _ONE_DAY
            return day
        while n > 0:
            day += _ONE_DAY
            n -= self.is_workday(day)
        return day

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in the half-open interval (a, b]; negative if b < a.

        Invariant: ``workdays_between(d, add_workdays(d, n)) == n`` for n ≥ 1.
        """
        if b < a:
            return -self.workdays_between(b, a)
        count, day = 0, a
        while day < b:
            day += _ONE_DAY
            count += self.is_workday(day)
        return count

    def deadline(self, start: date, n: int) -> Deadline:
        """Like :meth:`add_workdays`, but reports years without holiday data.

        For each uncovered year among the days examined (start+1 … due, or
        start … due when n == 0) the result carries a bilingual warning and
        an ``UncoveredYearWarning`` is emitted. Raises ValueError if n < 0.
        """
        due = self.add_workdays(start, n)
        first = start if n == 0 else start + _ONE_DAY
        years = range(first.year, due.year + 1) if first <= due else range(0)
        uncovered = tuple(y for y in years if not self.covered(y))
        messages = tuple(uncovered_message(y) for y in uncovered)
        for message in messages:
            warnings.warn(message, UncoveredYearWarning, stacklevel=2)
        return Deadline(due, uncovered, messages)

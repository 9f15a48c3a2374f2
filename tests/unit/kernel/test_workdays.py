"""Tests for zhiliang.kernel.workdays (工作日 arithmetic)."""

import warnings
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zhiliang.kernel.workdays import (
    Deadline,
    HolidayTable,
    UncoveredYearWarning,
    WorkdayCalendar,
    package_covers,
)


def _first_uncovered_year() -> int:
    year = 2004  # chinese_calendar's data start
    while package_covers(year):
        year += 1
    return year


FIRST_UNCOVERED = _first_uncovered_year()
LAST_COVERED = FIRST_UNCOVERED - 1
CAL = WorkdayCalendar()
D = date.fromisoformat


def _first_weekday_in_january(year: int) -> date:
    day = date(year, 1, 1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_first_uncovered_year_is_after_2025():
    assert FIRST_UNCOVERED > 2025
    assert CAL.covered(2024) and CAL.covered(2025)
    assert not CAL.covered(FIRST_UNCOVERED)


@pytest.mark.parametrize(("day", "expected"), [
    ("2024-02-04", True),   # Sunday make-up day
    ("2024-02-09", True),   # Friday before the holiday
    ("2024-02-10", False),
    ("2024-02-14", False),  # Wednesday inside the holiday
    ("2024-02-17", False),
    ("2024-02-18", True),   # Sunday make-up day
    ("2025-01-26", True),   # Sunday make-up day
    ("2025-01-28", False),
    ("2025-02-04", False),
    ("2025-02-08", True),   # Saturday make-up day
    ("2024-10-01", False),
    ("2024-10-07", False),
    ("2024-09-29", True),   # Sunday make-up day for National Day
    ("2024-10-12", True),   # Saturday make-up day for National Day
])
def test_is_workday_official_data(day, expected):
    assert CAL.is_workday(D(day)) is expected


@pytest.mark.parametrize(("start", "n", "expected"), [
    ("2024-02-08", 1, "2024-02-09"),
    ("2024-02-09", 1, "2024-02-18"),  # skips the holiday to the make-up Sunday
    ("2024-02-09", 2, "2024-02-19"),
    ("2024-02-02", 1, "2024-02-04"),  # Friday -> make-up Sunday
    ("2025-01-27", 1, "2025-02-05"),
    ("2025-02-07", 1, "2025-02-08"),  # make-up Saturday
    ("2024-09-30", 1, "2024-10-08"),
    ("2024-09-27", 1, "2024-09-29"),
])
def test_add_workdays_across_holidays(start, n, expected):
    assert CAL.add_workdays(D(start), n) == D(expected)


def test_add_workdays_zero():
    assert CAL.add_workdays(D("2024-02-09"), 0) == D("2024-02-09")
    assert CAL.add_workdays(D("2024-02-12"), 0) == D("2024-02-18")


def test_add_workdays_rejects_negative():
    with pytest.raises(ValueError):
        CAL.add_workdays(D("2024-02-09"), -1)


def test_workdays_between():
    # Feb 2024: 9th workday, 10th–17th off, 18th make-up, 19th–23rd five workdays.
    assert CAL.workdays_between(D("2024-02-08"), D("2024-02-23")) == 7
    assert CAL.workdays_between(D("2024-02-23"), D("2024-02-08")) == -7
    assert CAL.workdays_between(D("2024-02-10"), D("2024-02-17")) == 0
    assert CAL.workdays_between(D("2025-01-27"), D("2025-02-08")) == 4  # 27th excluded
    assert CAL.workdays_between(D("2024-09-30"), D("2024-10-08")) == 1


def test_deadline_in_covered_years_has_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = CAL.deadline(D("2024-02-09"), 1)
    assert result == Deadline(D("2024-02-18"), (), ())


def test_uncovered_year_warns():
    start = D(f"{LAST_COVERED}-12-20")
    with pytest.warns(UncoveredYearWarning, match=f"Holidays for {FIRST_UNCOVERED} are not configured"):
        result = CAL.deadline(start, 30)
    assert result.uncovered_years == (FIRST_UNCOVERED,)
    assert f"{FIRST_UNCOVERED} 年的法定节假日尚未配置" in result.warnings[0]
    assert "counts weekends only" in result.warnings[0]


def test_configured_table_changes_result_and_removes_warning():
    holiday = _first_weekday_in_january(FIRST_UNCOVERED)
    start = holiday - timedelta(days=1)
    with pytest.warns(UncoveredYearWarning):
        bare = CAL.deadline(start, 1)
    assert bare.due == holiday  # weekends-only counting

    table = HolidayTable.from_mapping({"holidays": [holiday.isoformat()]})
    cal = WorkdayCalendar(table)
    assert cal.covered(FIRST_UNCOVERED)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        configured = cal.deadline(start, 1)
    assert configured.due > holiday
    assert configured.uncovered_years == () and configured.warnings == ()


def test_extra_table_overrides_package():
    table = HolidayTable.from_mapping({"holidays": ["2024-02-09"], "workdays": ["2024-02-10"]})
    cal = WorkdayCalendar(table)
    assert not cal.is_workday(D("2024-02-09"))
    assert cal.is_workday(D("2024-02-10"))
    assert cal.add_workdays(D("2024-02-08"), 1) == D("2024-02-10")


def test_uncovered_year_weekend_fallback():
    monday = date(FIRST_UNCOVERED, 6, 1)
    monday -= timedelta(days=monday.weekday())
    assert CAL.is_workday(monday)
    assert not CAL.is_workday(monday + timedelta(days=5))


@pytest.mark.parametrize(("mapping", "needle"), [
    ({"holidays": ["2027-02-30"]}, "holidays[0]"),
    ({"holidays": ["2027-01-01", "2027/01/02"]}, "holidays[1]"),
    ({"workdays": [20270101]}, "workdays[0]"),
    ({"holidays": "2027-01-01"}, "'holidays'"),
    ({"holiday": []}, "holiday"),
    ({"holidays": ["2027-01-01"], "workdays": ["2027-01-01"]}, "2027-01-01"),
])
def test_from_mapping_rejects_bad_entries(mapping, needle):
    with pytest.raises(ValueError, match=needle.replace("[", r"\[").replace("]", r"\]")):
        HolidayTable.from_mapping(mapping)


def test_from_mapping_parses():
    table = HolidayTable.from_mapping({"holidays": ["2027-01-01"], "workdays": ["2027-01-09"]})
    assert table.holidays == frozenset({D("2027-01-01")})
    assert table.workdays == frozenset({D("2027-01-09")})
    assert table.years() == frozenset({2027})


covered_dates = st.dates(min_value=date(2004, 1, 1), max_value=date(LAST_COVERED, 9, 30))


@given(covered_dates, st.integers(min_value=1, max_value=60))
def test_add_workdays_roundtrip(start, n):
    due = CAL.add_workdays(start, n)
    assert CAL.is_workday(due)
    assert CAL.workdays_between(start, due) == n


@given(covered_dates)
def test_add_zero_is_workday_not_before_start(start):
    due = CAL.add_workdays(start, 0)
    assert CAL.is_workday(due) and due >= start
    assert CAL.workdays_between(start, due) == (0 if due == start else 1)

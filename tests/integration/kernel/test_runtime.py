"""Configuration reaches the working-day calendar: a holiday table for a year chinese-calendar lacks."""

from __future__ import annotations

import json
from datetime import date

import pytest

from zhiliang.kernel.config import Settings
from zhiliang.kernel.runtime import Runtime
from zhiliang.kernel.workdays import UncoveredYearWarning, package_covers


def test_holiday_table_from_settings(tmp_path, db):
    year = next(y for y in range(2024, 2100) if not package_covers(y))
    table = tmp_path / "holidays.json"
    new_year = date(year, 1, 1)
    while new_year.weekday() >= 5:  # a weekday, so the table visibly changes the count
        new_year = new_year.replace(day=new_year.day + 1)
    table.write_text(json.dumps({"holidays": [new_year.isoformat()], "workdays": []}))
    with pytest.warns(UncoveredYearWarning):
        plain = Runtime.build(Settings(_env_file=None), db).calendar.deadline(new_year, 1)
    configured = Runtime.build(Settings(holiday_table=table, _env_file=None), db).calendar
    assert configured.covered(year) and not configured.is_workday(new_year)
    assert plain.warnings  # without the table the deadline says it counted weekends only

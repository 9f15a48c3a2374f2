"""The running platform's shared parts, built once by the composition root and handed to services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from zhiliang.kernel.clock import Clock, SystemClock, local_date
from zhiliang.kernel.config import Settings
from zhiliang.kernel.db import Database
from zhiliang.kernel.workdays import HolidayTable, WorkdayCalendar


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    calendar: WorkdayCalendar = field(default_factory=WorkdayCalendar)

    @classmethod
    def build(cls, settings: Settings, db: Database, clock: Clock | None = None) -> Runtime:
        """Wire settings into a runtime: the holiday table from configuration feeds the working-day calendar."""
        mapping = settings.holiday_mapping()
        calendar = WorkdayCalendar(HolidayTable.from_mapping(mapping) if mapping else None)
        return cls(settings, db, clock or SystemClock(), calendar)

    def today(self) -> date:
        return local_date(self.clock)

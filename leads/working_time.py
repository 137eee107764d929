"""Working time: the hours an SLA clock counts, in one person's time zone.

A `Calendar` is the working days and hours of one region (Monday to Friday, 09:00 to
17:00) in one time zone, less dated public holidays; "around the clock" counts every
hour. It turns a working duration into the wall-clock moment it ends (`add`), measures
the working time between two moments (`between`), and says when a paused clock resumes
(`resumes_at`). Pure arithmetic on aware datetimes, no database: the SLA service builds
calendars from its policy, and stores the wall-clock due times it computes, so the sweep
stays an index scan. Days are walked in local time, so a daylight-saving change moves
the opening hour with the clock on the wall, as people expect.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
ALL_WEEK = frozenset(range(7))
# A calendar with working days always has an opening within this many days, unless its
# holidays cover them all: then the clock is taken to stay paused (see `_periods`).
HORIZON_DAYS = 3 * 366


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    days: frozenset[int] = ALL_WEEK  # Monday is 0, as date.weekday()
    opens: time | None = None  # None: the whole day
    closes: time | None = None
    holidays: frozenset[date] = field(default_factory=frozenset)

    @property
    def around_the_clock(self) -> bool:
        return self.days == ALL_WEEK and self.opens is None and not self.holidays

    def _day(self, day: date) -> tuple[datetime, datetime] | None:
        if day.weekday() not in self.days or day in self.holidays:
            return None
        if self.opens is None or self.closes is None:
            opens, closes, closing_day = time(0), time(0), day + timedelta(days=1)
        else:
            opens, closes, closing_day = self.opens, self.closes, day
        # In UTC: arithmetic on datetimes sharing a ZoneInfo ignores a daylight-saving change.
        return (
            datetime.combine(day, opens, self.zone).astimezone(UTC),
            datetime.combine(closing_day, closes, self.zone).astimezone(UTC),
        )

    def _periods(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods that end after `start`, the first one clipped to start there."""
        start = start.astimezone(UTC)
        day = start.astimezone(self.zone).date() - timedelta(days=1)  # a period may cross midnight
        for _ in range(HORIZON_DAYS):
            period = self._day(day)
            day += timedelta(days=1)
            if period is None or period[1] <= start:
                continue
            yield max(period[0], start), period[1]

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment `duration` of working time after `start` is used up."""
        if self.around_the_clock:
            return start + duration
        left = duration
        end = start
        for opens, closes in self._periods(start):
            if opens + left <= closes:
                return opens + left
            left -= closes - opens
            end = closes
        return end + left  # no working day within the horizon: fall back to wall time

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end` (negative when `end` comes first)."""
        if end < start:
            return -self.between(end, start)
        if self.around_the_clock:
            return end - start
        total = timedelta(0)
        for opens, closes in self._periods(start):
            if opens >= end:
                break
            total += min(closes, end) - opens
        return total

    def running_until(self, moment: datetime) -> datetime | None:
        """When the working period `moment` falls in ends; None if it is outside hours."""
        if self.around_the_clock:
            return None
        for opens, closes in self._periods(moment):
            return closes if opens <= moment else None
        return None

    def resumes_at(self, moment: datetime) -> datetime | None:
        """The next opening when `moment` is outside working hours; None while the clock runs."""
        if self.around_the_clock:
            return None
        for opens, _ in self._periods(moment):
            return opens if opens > moment else None
        return None


def when_text(moment: datetime, now: datetime) -> str:
    """'Mon 09:00' within the coming week, else 'Mon 4 Jan 09:00' (in the active time zone)."""
    local = timezone.localtime(moment)
    if moment - now < timedelta(days=6):
        return f"{WEEKDAYS[local.weekday()]} {local:%H:%M}"
    return f"{WEEKDAYS[local.weekday()]} {local.day} {local:%b %H:%M}"

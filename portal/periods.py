"""Periods: quarters and date ranges, the one place that knows what a quarter is.

The dashboard, the shared targets and their forms, and the lead metrics all read these.
Dates are written "3 Dec 2026" on every platform (no glibc-only `%-d`).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone


def day_label(day: date, *, year: bool = True) -> str:
    """'3 Dec 2026' (or '3 Dec')."""
    return f"{day.day} {day:%b %Y}" if year else f"{day.day} {day:%b}"


@dataclass(frozen=True)
class Span:
    """A half-open range of aware datetimes, for filtering timestamps in SQL."""

    start: datetime
    end: datetime  # exclusive

    def q(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})


@dataclass(frozen=True)
class Period:
    """A range of whole days, `end` included; often a calendar quarter."""

    start: date
    end: date

    @classmethod
    def quarter_of(cls, day: date) -> "Period":
        """The calendar quarter containing `day`."""
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, first_month, 1)
        next_start = date(day.year + (first_month == 10), (first_month + 2) % 12 + 1, 1)
        return cls(start, next_start - timedelta(days=1))

    @classmethod
    def this_quarter(cls) -> "Period":
        return cls.quarter_of(timezone.localdate())

    @classmethod
    def from_key(cls, key: str) -> "Period":
        """'2026-Q4' -> that quarter. Raises ValueError for anything else."""
        year, _, quarter = key.partition("-Q")
        if not (year.isdigit() and len(year) == 4 and quarter in {"1", "2", "3", "4"}):
            raise ValueError(key)
        return cls.quarter_of(date(int(year), 3 * int(quarter) - 2, 1))

    @property
    def is_quarter(self) -> bool:
        return Period.quarter_of(self.start) == self

    @property
    def quarter_number(self) -> int:
        return (self.start.month + 2) // 3

    @property
    def key(self) -> str:
        """'2026-Q4' when the period is exactly a quarter, else ''."""
        return f"{self.start.year}-Q{self.quarter_number}" if self.is_quarter else ""

    @property
    def label(self) -> str:
        """'Q4 2026', or '3 Nov 2026 to 2 Dec 2026'."""
        if self.is_quarter:
            return f"Q{self.quarter_number} {self.start.year}"
        return f"{day_label(self.start)} to {day_label(self.end)}"

    @property
    def long_label(self) -> str:
        """'Q4 2026 (1 Oct to 31 Dec)' for a quarter; else the label."""
        if self.is_quarter:
            return f"{self.label} ({day_label(self.start, year=False)} to {day_label(self.end, year=False)})"
        return self.label

    def previous(self) -> "Period":
        return Period.quarter_of(self.start - timedelta(days=1))

    def next(self) -> "Period":
        return Period.quarter_of(self.end + timedelta(days=1))

    def span(self) -> Span:
        """The period as aware datetimes in the current timezone (the viewer's)."""
        zone = timezone.get_current_timezone()
        return Span(
            datetime.combine(self.start, time.min, zone),
            datetime.combine(self.end + timedelta(days=1), time.min, zone),
        )


def quarters(first: Period, count: int, *, backwards: bool = False) -> list[Period]:
    """`count` quarters starting at `first`, going forward (or backwards) in time."""
    found = [first]
    while len(found) < count:
        found.append(found[-1].previous() if backwards else found[-1].next())
    return found

"""Working-time arithmetic: business days, holidays, time zones, daylight saving."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from leads.working_time import ALL_WEEK, Calendar

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = Calendar(BERLIN, frozenset(range(5)), time(9), time(17))


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_friday_evening_hours_wait_for_monday_morning():
    friday_evening = berlin(2026, 12, 4, 18, 0)
    assert OFFICE.add(friday_evening, timedelta(hours=4)) == berlin(2026, 12, 7, 13, 0)
    assert OFFICE.resumes_at(friday_evening) == berlin(2026, 12, 7, 9, 0)
    assert OFFICE.running_until(friday_evening) is None
    assert OFFICE.between(friday_evening, berlin(2026, 12, 7, 13, 0)) == timedelta(hours=4)


def test_within_hours_the_clock_runs_to_the_end_of_the_day_then_carries_over():
    thursday = berlin(2026, 12, 3, 15, 0)
    assert OFFICE.resumes_at(thursday) is None
    assert OFFICE.running_until(thursday) == berlin(2026, 12, 3, 17, 0)
    assert OFFICE.add(thursday, timedelta(hours=3)) == berlin(2026, 12, 4, 10, 0)
    assert OFFICE.add(thursday, timedelta(hours=2)) == berlin(2026, 12, 3, 17, 0)


def test_a_public_holiday_counts_no_time():
    with_holiday = Calendar(
        BERLIN, frozenset(range(5)), time(9), time(17), frozenset({date(2026, 12, 7)})
    )
    friday_evening = berlin(2026, 12, 4, 18, 0)
    assert with_holiday.add(friday_evening, timedelta(hours=4)) == berlin(2026, 12, 8, 13, 0)
    assert with_holiday.resumes_at(friday_evening) == berlin(2026, 12, 8, 9, 0)


def test_the_same_instant_is_working_time_in_one_zone_and_night_in_another():
    instant = datetime(2026, 12, 4, 0, 30, tzinfo=UTC)  # Fri 09:30 in Tokyo, 01:30 in Berlin
    tokyo = Calendar(ZoneInfo("Asia/Tokyo"), frozenset(range(5)), time(9), time(17))
    assert tokyo.resumes_at(instant) is None
    assert OFFICE.resumes_at(instant) == berlin(2026, 12, 4, 9, 0)


def test_daylight_saving_moves_opening_with_the_wall_clock():
    # Berlin springs forward on Sunday 28 March 2027: Monday opens at 09:00 CEST (07:00 UTC).
    friday = berlin(2027, 3, 26, 16, 0)
    assert OFFICE.add(friday, timedelta(hours=2)) == berlin(2027, 3, 29, 10, 0)
    assert OFFICE.add(friday, timedelta(hours=2)).astimezone(UTC).hour == 8
    whole_days = Calendar(BERLIN, ALL_WEEK, holidays=frozenset({date(2027, 1, 1)}))
    # Saturday noon to Monday midnight is 36 hours on the wall but 35 real hours.
    assert whole_days.between(berlin(2027, 3, 27, 12), berlin(2027, 3, 29, 0)) == timedelta(
        hours=35
    )


def test_around_the_clock_is_wall_time():
    always = Calendar(BERLIN)
    start = berlin(2026, 12, 4, 18, 0)
    assert always.around_the_clock
    assert always.add(start, timedelta(hours=4)) == start + timedelta(hours=4)
    assert always.resumes_at(start) is None and always.running_until(start) is None


moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
)


@given(start=moments, minutes=st.integers(min_value=0, max_value=60 * 24 * 20))
def test_adding_working_time_then_measuring_it_gives_it_back(start, minutes):
    holidays = frozenset({date(2026, 12, 25), date(2027, 1, 1), date(2027, 4, 5)})
    calendar = Calendar(BERLIN, frozenset({0, 1, 2, 3, 4}), time(8, 30), time(17, 15), holidays)
    end = calendar.add(start, timedelta(minutes=minutes))
    assert end >= start
    assert calendar.between(start, end) == timedelta(minutes=minutes)
    assert calendar.between(end, start) == -timedelta(minutes=minutes)

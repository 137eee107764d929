"""Quarters and date ranges, written the same way on every page."""

from datetime import date

import pytest

from portal.periods import Period, day_label, quarters


def test_a_quarter_knows_its_key_and_labels():
    q4 = Period.quarter_of(date(2026, 11, 24))
    assert (q4.start, q4.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert (q4.key, q4.label, q4.long_label) == ("2026-Q4", "Q4 2026", "Q4 2026 (1 Oct to 31 Dec)")
    assert Period.from_key("2026-Q4") == q4
    assert q4.next() == Period(date(2027, 1, 1), date(2027, 3, 31))
    assert q4.previous() == Period(date(2026, 7, 1), date(2026, 9, 30))


def test_other_ranges_are_written_out_without_platform_specific_formats():
    period = Period(date(2026, 11, 3), date(2026, 12, 2))
    assert (period.key, period.label) == ("", "3 Nov 2026 to 2 Dec 2026")
    assert day_label(date(2026, 3, 7), year=False) == "7 Mar"


@pytest.mark.parametrize("key", ["2026-Q5", "2026", "Q1-2026", "26-Q1", "", "2026-Q1x", "20x6-Q1"])
def test_a_malformed_quarter_key_is_refused(key):
    with pytest.raises(ValueError):
        Period.from_key(key)


def test_quarters_walk_forward_and_backward():
    q1 = Period.from_key("2027-Q1")
    assert [p.key for p in quarters(q1, 3)] == ["2027-Q1", "2027-Q2", "2027-Q3"]
    assert [p.key for p in quarters(q1, 3, backwards=True)] == ["2027-Q1", "2026-Q4", "2026-Q3"]

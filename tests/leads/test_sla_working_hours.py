"""Business-hours SLA clocks: the agreed working hours, due times in the owner's time zone,
one clock reading for the queue, lead page, API and report, versions that never move a
running clock, and the sweep escalating only after working time ran out."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from leads import metrics
from leads.models import Lead
from leads.services import handoff, sla
from portal.models import Notification
from portal.periods import Span
from tests.factories import make_lead, make_user

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = [
    {"region": "", "days": ["Mon", "Tue", "Wed", "Thu", "Fri"], "start": "09:00", "end": "17:00"}
]
FRIDAY_EVENING = datetime(2026, 12, 4, 18, 0, tzinfo=BERLIN)


def agree(marketing_lead, sales_lead, **fields):
    fields = {"accept_within_hours": 4, "contact_within_hours": 16, **fields}
    policy = sla.propose_sla(by=sales_lead, **fields)
    return sla.approve_sla(policy, by=marketing_lead)


def hand_over(**lead_fields):
    lead = make_lead(**{"score": 100, "country": "DE", **lead_fields})
    handoff.hand_off([lead.pk])
    return Lead.objects.select_related("owner", "sla_policy").get(pk=lead.pk)


@pytest.fixture
def berlin_rep():
    return make_user("sales_rep", region="EMEA", timezone="Europe/Berlin", first_name="Bea")


def test_a_friday_evening_lead_is_due_monday_and_its_clock_says_paused(
    marketing_lead, sales_lead, berlin_rep
):
    agree(marketing_lead, sales_lead, working_hours=OFFICE)
    with time_machine.travel(FRIDAY_EVENING, tick=False):
        lead = hand_over()
        assert lead.owner == berlin_rep
        assert lead.accept_due_at == datetime(2026, 12, 7, 13, 0, tzinfo=BERLIN)
        assert lead.accept_warn_at == datetime(2026, 12, 7, 12, 0, tzinfo=BERLIN)
        assert lead.contact_due_at == datetime(2026, 12, 8, 17, 0, tzinfo=BERLIN)
        with timezone.override(BERLIN):
            reading = sla.clock(lead)
            assert reading.left == timedelta(hours=4) and reading.paused
            assert reading.text == "due in 4h 0m · paused until Mon 09:00"
    note = Notification.objects.get(recipient=berlin_rep, kind="lead_assigned")
    assert "within 4 working hours" in note.body


def test_the_sweep_escalates_only_when_working_time_ran_out(marketing_lead, sales_lead, berlin_rep):
    agree(marketing_lead, sales_lead, working_hours=OFFICE)
    with time_machine.travel(FRIDAY_EVENING, tick=False):
        hand_over()
    saturday_night = datetime(2026, 12, 5, 23, 0, tzinfo=BERLIN)
    assert sla.sweep(saturday_night) == {
        "accept_warning": 0, "accept_breach": 0, "contact_warning": 0, "contact_breach": 0
    }  # fmt: skip
    assert sla.sweep(datetime(2026, 12, 7, 12, 1, tzinfo=BERLIN))["accept_warning"] == 1
    assert sla.sweep(datetime(2026, 12, 7, 13, 1, tzinfo=BERLIN))["accept_breach"] == 1
    assert Notification.objects.filter(kind="sla_breach", recipient=sales_lead).count() == 1


def test_holidays_and_region_hours_apply_to_the_owners_region_and_time_zone(
    marketing_lead, sales_lead
):
    apac = {
        "region": "APAC",
        "days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
        "start": "08:00",
        "end": "16:00",
    }
    hours = [*OFFICE, apac]
    holidays = [
        {"date": "2026-12-07", "region": "EMEA", "name": "Company day"},
        {"date": "2026-12-08", "region": "", "name": "Everyone off"},
    ]  # fmt: skip
    agree(marketing_lead, sales_lead, working_hours=hours, holidays=holidays)
    tokyo_rep = make_user("sales_rep", region="APAC", timezone="Asia/Tokyo")
    berlin_rep = make_user("sales_rep", region="EMEA", timezone="Europe/Berlin")
    with time_machine.travel(FRIDAY_EVENING, tick=False):
        apac = hand_over(country="JP")
        emea = hand_over(country="DE")
    assert apac.owner == tokyo_rep and emea.owner == berlin_rep
    tokyo = ZoneInfo("Asia/Tokyo")
    # Tokyo: Monday 08:00-12:00 (the EMEA day off is not theirs; the 8th is everyone's).
    assert apac.accept_due_at == datetime(2026, 12, 7, 12, 0, tzinfo=tokyo)
    # Berlin: Monday is their holiday, Tuesday everyone's: Wednesday 13:00.
    assert emea.accept_due_at == datetime(2026, 12, 9, 13, 0, tzinfo=BERLIN)


def test_a_new_version_never_moves_a_clock_already_running(marketing_lead, sales_lead, berlin_rep):
    office = agree(marketing_lead, sales_lead, working_hours=OFFICE)
    with time_machine.travel(FRIDAY_EVENING, tick=False):
        before = hand_over()
        agree(marketing_lead, sales_lead, accept_within_hours=1)  # around the clock
        after = hand_over()
        assert before.sla_policy == office and after.sla_policy.version == office.version + 1
        before.refresh_from_db()
        assert before.accept_due_at == datetime(2026, 12, 7, 13, 0, tzinfo=BERLIN)
        assert sla.clock(before).paused and not sla.clock(after).paused
        assert after.accept_due_at == FRIDAY_EVENING + timedelta(hours=1)


def test_leads_handed_over_before_working_hours_keep_wall_time(sales_rep):
    lead = hand_over()
    assert lead.sla_policy.working_hours == []
    lead.sla_policy = None  # as a lead from before the migration
    reading = sla.clock(lead)
    assert not reading.paused and timedelta(hours=3, minutes=59) < reading.left <= timedelta(
        hours=4
    )


def test_reassigning_restarts_the_clock_in_the_new_owners_hours(
    marketing_lead, sales_lead, berlin_rep
):
    agree(marketing_lead, sales_lead, working_hours=OFFICE)
    new_york = make_user("sales_rep", region="North America", timezone="America/New_York")
    with time_machine.travel(FRIDAY_EVENING, tick=False):  # 12:00 in New York
        lead = hand_over()
        handoff.reassign(lead, owner=new_york, by=sales_lead)
    lead.refresh_from_db()
    assert lead.accept_due_at == datetime(2026, 12, 4, 16, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.parametrize(
    "hours, holidays, message",
    [
        ([{"days": ["Mon"], "start": "9", "end": "17:00"}], [], "times as HH:MM"),
        ([{"days": ["Mon"], "start": "17:00", "end": "09:00"}], [], "must end after it starts"),
        ([{"days": ["Funday"], "start": "09:00", "end": "17:00"}], [], "working days are some of"),
        ([{"region": "APAC", "days": ["Mon"], "start": "09:00", "end": "17:00"}], [], "every other region"),
        ([*OFFICE, *OFFICE], [], "two sets of hours"),
        ("Mon-Fri", [], "Each entry has"),
        (OFFICE, [{"date": "25.12.2026"}], "write it as 2026-12-25"),
        (OFFICE, [{"date": "2026-12-25"}, {"date": "2026-12-25"}], "listed twice"),
    ],
)  # fmt: skip
def test_bad_working_hours_are_refused_with_what_to_write(sales_lead, hours, holidays, message):
    with pytest.raises(ValidationError) as refused:
        sla.propose_sla(
            by=sales_lead, accept_within_hours=4, contact_within_hours=8, working_hours=hours,
            holidays=holidays,
        )  # fmt: skip
    assert message in " ".join(refused.value.messages)


def test_the_api_takes_and_shows_working_hours_and_each_leads_clock(
    api_as, marketing_lead, sales_lead, berlin_rep
):
    put = api_as(sales_lead).put(
        "/api/sla-policy/",
        {"accept_within_hours": 4, "contact_within_hours": 16, "working_hours": OFFICE,
         "holidays": [{"date": "2026-12-25", "name": "Christmas Day"}]},
        format="json",
    )  # fmt: skip
    assert put.status_code == 202
    proposed = put.json()["proposed"]
    assert proposed["working_hours"] == OFFICE
    assert proposed["holidays"] == [{"date": "2026-12-25", "region": "", "name": "Christmas Day"}]
    assert api_as(marketing_lead).post("/api/sla-policy/approve/").status_code == 200
    bad = api_as(sales_lead).put(
        "/api/sla-policy/",
        {"accept_within_hours": 4, "contact_within_hours": 16,
         "working_hours": [{"days": ["Mon"], "start": "18:00", "end": "08:00"}]},
        format="json",
    )  # fmt: skip
    assert bad.status_code == 400 and "must end after it starts" in str(bad.json()["working_hours"])
    with time_machine.travel(FRIDAY_EVENING, tick=False):
        lead = hand_over()
        body = api_as(berlin_rep).get(f"/api/leads/{lead.pk}/").json()
    assert body["accept_due_at"] == "2026-12-07T12:00:00Z"  # existing field, unchanged meaning
    clock = body["sla_clock"]
    assert clock["working_seconds_left"] == 4 * 3600 and not clock["overdue"]
    assert clock["paused_until"] == "2026-12-07T08:00:00Z"


def test_the_sla_page_form_takes_hours_holidays_and_says_what_is_wrong(
    as_user, marketing_lead, sales_lead
):
    page = as_user(sales_lead)
    form = {"accept_within_hours": "4", "contact_within_hours": "16", "days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
            "opens": "09:00", "closes": "17:00", "region_hours": "APAC: Mon-Fri 08:00-16:00",
            "holidays": "2026-12-25 Christmas Day\n2026-12-26 EMEA: Boxing Day"}  # fmt: skip
    bad = page.post("/leads/sla/propose/", {**form, "region_hours": "APAC: someday 8-4"})
    assert (
        bad.status_code == 400 and "write it as “APAC: Mon-Fri 08:00-16:00”" in bad.content.decode()
    )
    bad = page.post("/leads/sla/propose/", {**form, "days": []})
    assert bad.status_code == 400 and "Tick the working days" in bad.content.decode()
    bad = page.post("/leads/sla/propose/", {**form, "holidays": "Christmas"})
    assert bad.status_code == 400 and "write it as 2026-12-25" in bad.content.decode()
    assert page.post("/leads/sla/propose/", form).status_code == 302
    as_user(marketing_lead).post(
        f"/leads/sla/{sla.SlaPolicy.objects.get(status='proposed').pk}/approve/"
    )
    html = page.get("/leads/sla/").content.decode()
    assert "Clocks count working hours: Mon-Fri 09:00-17:00; APAC: Mon-Fri 08:00-16:00." in html
    assert "2026-12-26 EMEA: Boxing Day" in html
    # The form starts from the version in force, so a change is an edit of it.
    assert "APAC: Mon-Fri 08:00-16:00</textarea>" in html


def test_queue_lead_page_and_report_read_the_same_clock(
    as_user, marketing_lead, sales_lead, berlin_rep
):
    agree(marketing_lead, sales_lead, working_hours=OFFICE)
    with time_machine.travel(FRIDAY_EVENING, tick=False):
        lead = hand_over()
    saturday = datetime(2026, 12, 5, 11, 0, tzinfo=BERLIN)
    with time_machine.travel(saturday, tick=False):
        queue = as_user(berlin_rep).get("/leads/").content.decode()
        page = as_user(berlin_rep).get(lead.get_absolute_url()).content.decode()
        for html in (queue, page):
            assert "due in 4h 0m · paused until Mon 09:00" in html
            assert 'data-left="14400"' in html and 'data-from="2026-12-07T08:00:00+00:00"' in html
        summary = metrics.sla_summary(Span(saturday - timedelta(days=7), saturday))
        [row] = summary["owners"]
        with timezone.override(BERLIN):
            assert sla.owner_clock_state(lead.sla_policy, berlin_rep, saturday) == (
                "paused until Mon 09:00"
            )
        assert row["clock"].startswith("paused until Mon")
        assert summary["overall"]["clocks"] == "working hours: Mon-Fri 09:00-17:00"
        dashboard = as_user(sales_lead).get("/dashboard/").content.decode()
        assert "Clock now" in dashboard and "paused until Mon" in dashboard

"""Changes rescore (issue 17): a rule, the threshold, the decay or an ICP segment change is
previewed, confirmed, run as a job with progress, hands off once with the reason, never
demotes; decay runs on time; a stored rule that cannot apply never stops intake (issue 19)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from leads import scoring
from leads.models import EngagementEvent, Lead, LeadStage, RescoreJob, ScoringRule, Transition
from leads.services import ingest, scoring_rules
from personas import services as persona_services
from portal.models import Notification
from tests.factories import make_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def segment(marketer):
    return persona_services.save_segment(
        None, by=marketer, name="Mid-market", industries=["Software"], employees_min=100
    )


@pytest.fixture
def icp_rule(segment, marketer):
    return scoring_rules.save_rule(
        None, by=marketer, name="ICP", kind="fit", operator="icp", value=segment.pk, points=65
    )


def run_jobs():
    for job in RescoreJob.objects.filter(status="queued"):
        scoring_rules.run_rescore_job(job.pk)


def test_an_icp_change_rescores_and_hands_off_once_with_the_reason(
    segment, icp_rule, marketer, sales_rep
):
    """The reported bug: adding Retail to a segment left a Retail lead at its old score."""
    lead, _ = ingest.upsert_lead({"email": "r@shop.example", "industry": "Retail",
                                  "employees": 300}, by=marketer)  # fmt: skip
    run_jobs()
    lead.refresh_from_db()
    assert (lead.score, lead.stage) == (0, LeadStage.NEW)
    impact = scoring_rules.preview_segment(
        persona_services.candidate_segment(segment, by=marketer, industries=["Software", "Retail"])
    )
    assert (impact.changed, impact.new_mqls) == (1, 1)  # counted before saving
    persona_services.save_segment(segment, by=marketer, industries=["Software", "Retail"])
    [job] = RescoreJob.objects.filter(status="queued")
    assert job.status == "queued" and job.reason == f"rescored after ICP change by {marketer}"
    run_jobs()
    job.refresh_from_db()
    lead.refresh_from_db()
    assert (job.status, job.changed, job.handed_off, job.processed) == ("done", 1, 1, 1)
    assert (lead.score, lead.stage, lead.owner) == (65, LeadStage.MQL, sales_rep)
    transition = Transition.objects.get(lead=lead, to_stage="mql")
    assert transition.reason == (
        f"Score 65 reached the MQL threshold (60): rescored after ICP change by {marketer}."
    )
    assert Notification.objects.filter(recipient=sales_rep, kind="lead_assigned").count() == 1
    scoring_rules.rescore_all()  # again: nothing changes, nobody is told twice
    assert Notification.objects.filter(recipient=sales_rep, kind="lead_assigned").count() == 1


def test_a_rescore_never_demotes_a_lead_sales_accepted(segment, icp_rule, marketer, sales_rep):
    lead, _ = ingest.upsert_lead({"email": "a@soft.example", "industry": "Software",
                                  "employees": 300}, by=marketer)  # fmt: skip
    lead.refresh_from_db()
    assert lead.stage == LeadStage.MQL
    Lead.objects.filter(pk=lead.pk).update(stage=LeadStage.ACCEPTED)
    persona_services.save_segment(segment, by=marketer, industries=["Retail"])
    run_jobs()
    lead.refresh_from_db()
    assert (lead.score, lead.stage) == (0, LeadStage.ACCEPTED)  # the score tells the truth


def test_a_change_to_a_segment_no_rule_reads_rescores_nothing(marketer):
    segment = persona_services.save_segment(None, by=marketer, name="Unused", industries=["X"])
    persona_services.save_segment(segment, by=marketer, industries=["Y"])
    assert not RescoreJob.objects.exists()


def test_changes_waiting_share_one_job(marketer):
    scoring_rules.save_rule(
        None, by=marketer, name="a", kind="engagement", event_kind="webinar", points=5
    )
    scoring_rules.save_rule(
        None, by=marketer, name="b", kind="engagement", event_kind="page_view", points=1
    )
    assert RescoreJob.objects.count() == 1  # the queued job reads the rules when it runs


def test_decay_runs_on_time_and_twice_is_harmless(marketer):
    scoring_rules.save_rule(
        None, by=marketer, name="w", kind="engagement", event_kind="webinar", points=40
    )
    run_jobs()
    lead = make_lead()
    now = timezone.now()
    EngagementEvent.objects.create(lead=lead, kind="webinar", occurred_at=now)
    scoring_rules.decay_sweep(now)
    lead.refresh_from_db()
    assert lead.score == 40
    in_two_weeks = now + timedelta(days=14)  # one half-life
    assert scoring_rules.decay_sweep(in_two_weeks)["changed"] == 1
    lead.refresh_from_db()
    assert lead.score == 20
    assert scoring_rules.decay_sweep(in_two_weeks)["changed"] == 0  # idempotent


def test_a_stored_rule_that_cannot_apply_scores_zero_and_never_stops_intake(marketer, users):
    """Issue 19: an employees rule with value ["abc"] made every ingest answer 500."""
    ScoringRule.objects.create(
        name="x", kind="fit", field="employees", operator="in", value=["abc"], points=1
    )
    ScoringRule.objects.create(name="big", kind="fit", field="employees", operator="gte",
                               value=10**30, points=1)  # fmt: skip
    lead, _ = ingest.upsert_lead({"email": "a@x.example", "employees": 5}, by=marketer)
    ingest.record_event(by=marketer, kind="webinar", lead=lead)
    [result] = ingest.ingest_leads([{"email": "b@x.example", "employees": 7}], by=marketer)
    assert result.status == "created"
    assert scoring_rules.rescore_all()["changed"] == 0
    model = scoring.current_model()
    assert sorted(model.problems.values()) == [
        "'abc' is not a number",
        f"{10**30!r} is beyond any employees",
    ]


def test_saving_a_rule_that_cannot_apply_is_refused_naming_the_value(api_as, marketer):
    response = api_as(marketer).post(
        "/api/scoring-rules/",
        {"name": "x", "kind": "fit", "field": "employees", "operator": "in", "value": ["abc"],
         "points": 1},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {"value": ["'abc' is not a number."]}
    for field, operator, value in [
        ("employees", "gte", "1e400"),
        ("employees", "between", [5, "x"]),
        ("employees", "in", [1.5]),
        ("industry", "in", [{"nested": True}]),
        ("industry", "contains", ""),
    ]:
        bad = api_as(marketer).post(
            "/api/scoring-rules/",
            {"name": "x", "kind": "fit", "field": field, "operator": operator, "value": value,
             "points": 1},
            format="json",
        )  # fmt: skip
        assert bad.status_code == 400, (field, operator, value, bad.content)
    assert not ScoringRule.objects.exists()


def test_the_scoring_page_says_which_rule_cannot_apply(as_user, marketer):
    ScoringRule.objects.create(
        name="Broken", kind="fit", field="employees", operator="in", value=["abc"], points=1
    )
    html = as_user(marketer).get("/leads/scoring/").content.decode()
    assert "Scores 0 until fixed: &#x27;abc&#x27; is not a number." in html


def test_the_rule_form_shows_what_a_change_does_before_saving(as_user, marketer, sales_rep):
    make_lead(title="Director of Ops")
    make_lead(title="Intern")
    client = as_user(marketer)
    data = {"name": "Directors", "kind": "fit", "field": "title", "operator": "contains",
            "value": "director", "points": "70", "active": "on"}  # fmt: skip
    preview = client.post("/leads/scoring/rules/new/", data)
    page = preview.content.decode()
    assert preview.status_code == 200 and not ScoringRule.objects.exists()
    assert "1 lead will change score, and 1 will become MQL and go to sales at once." in page
    assert 'name="confirmed" value="1"' in page
    saved = client.post("/leads/scoring/rules/new/", {**data, "confirmed": "1"}, follow=True)
    assert ScoringRule.objects.count() == 1
    assert "All leads are being rescored" in saved.content.decode()
    run_jobs()
    result = client.get("/leads/scoring/").content.decode()
    assert "1 lead changed score; 1 became MQL and went to sales." in result


def test_settings_and_deletion_are_previewed_too(as_user, marketer):
    rule = ScoringRule.objects.create(name="All", kind="fit", field="title", operator="contains",
                                      value="o", points=50)  # fmt: skip
    make_lead(title="Ops")
    scoring_rules.rescore_all()
    client = as_user(marketer)
    preview = client.post("/leads/scoring/settings/", {"mql_threshold": "40",
                                                       "engagement_half_life_days": "14"})  # fmt: skip
    assert "1 will become MQL" in preview.content.decode()
    delete_page = client.get(f"/leads/scoring/rules/{rule.pk}/delete/").content.decode()
    assert "1 lead will change score" in delete_page
    client.post(f"/leads/scoring/rules/{rule.pk}/delete/")
    assert not ScoringRule.objects.exists()


def test_the_segment_form_shows_the_lead_impact_before_saving(as_user, marketer, segment, icp_rule):
    make_lead(industry="Retail", employees=500)
    client = as_user(marketer)
    data = {"name": "Mid-market", "industries": "Software, Retail", "employees_min": "100",
            "is_active": "on"}  # fmt: skip
    preview = client.post(f"/personas/icp/{segment.pk}/edit/", data)
    assert "Saving this segment rescores every lead" in preview.content.decode()
    segment.refresh_from_db()
    assert segment.industries == ["Software"]  # nothing saved yet
    client.post(f"/personas/icp/{segment.pk}/edit/", {**data, "confirmed": "1"})
    segment.refresh_from_db()
    assert segment.industries == ["Retail", "Software"]
    assert RescoreJob.objects.filter(status="queued").exists()


def test_a_lead_page_never_shows_a_score_its_lines_do_not_add_up_to(as_user, sales_rep, marketer):
    """The score is rescored when shown: a week of decay is not a mismatch on the page."""
    scoring_rules.save_rule(
        None, by=marketer, name="w", kind="engagement", event_kind="webinar", points=30
    )
    run_jobs()
    lead = make_lead()
    EngagementEvent.objects.create(lead=lead, kind="webinar",
                                   occurred_at=timezone.now() - timedelta(days=7))  # fmt: skip
    Lead.objects.filter(pk=lead.pk).update(engagement_score=30, score=30)  # stale, pre-decay
    html = as_user(sales_rep).get(f"/leads/{lead.pk}/").content.decode()
    lead.refresh_from_db()
    assert lead.score == 21 and "= 21" in html

"""An ICP segment edit at volume (issue 17): the preview counted before saving, then the
rescore job over every lead, set-based, with its hand-offs; and the hourly decay sweep.

Sizes (full / --quick): 1,000,000 leads with 2,000,000 engagement events (100,000 /
200,000). PostgreSQL only (DATABASE_URL): the leads are generated in SQL.
"""

from bench_leads import clear_leads, insert_leads, people
from common import ms, report, timed


def run(args) -> None:
    from django.db import connection
    from django.utils import timezone

    from leads.models import Lead, RescoreJob
    from leads.services import scoring_rules
    from personas import services as persona_services

    marketer, _reps = people()
    segment = persona_services.save_segment(
        None, by=marketer, name="Mid-market", industries=["Logistics"], employees_min=200,
        technologies=["Salesforce", "SAP EWM"],
    )  # fmt: skip
    scoring_rules.save_rule(None, by=marketer, name="ICP", kind="fit", operator="icp",
                            value=segment.pk, points=45)  # fmt: skip
    scoring_rules.save_rule(None, by=marketer, name="Directors", kind="fit", field="title",
                            operator="contains", value="director", points=20)  # fmt: skip
    scoring_rules.save_rule(None, by=marketer, name="Webinar", kind="engagement",
                            event_kind="webinar", points=15)  # fmt: skip
    RescoreJob.objects.all().delete()
    clear_leads()
    count = 100_000 if args.quick else 1_000_000
    insert_leads(count)
    with connection.cursor() as cursor:  # two events a lead, within the last 60 days
        cursor.execute(
            "INSERT INTO leads_engagementevent (lead_id, kind, occurred_at, created_at) "
            "SELECT id, (ARRAY['webinar','page_view'])[1 + (id + k) % 2], "
            "now() - ((id * 7 + k) % 60) * interval '1 day', now() "
            "FROM leads_lead, generate_series(1, 2) AS k"
        )
        cursor.execute("ANALYZE leads_engagementevent")
    first: list[float] = []
    with timed(first):
        scoring_rules.rescore_all()

    edit = {
        "industries": ["Logistics", "Retail"],
        "technologies": ["Salesforce", "SAP EWM", "NetSuite"],
    }
    preview: list[float] = []
    with timed(preview):
        impact = scoring_rules.preview_segment(
            persona_services.candidate_segment(segment, by=marketer, **edit)
        )
    persona_services.save_segment(segment, by=marketer, **edit)
    [job] = RescoreJob.objects.filter(status="queued")
    rescore: list[float] = []
    with timed(rescore):
        job = scoring_rules.run_rescore_job(job.pk)
    sweep: list[float] = []
    with timed(sweep):
        scoring_rules.decay_sweep(timezone.now())
    again: list[float] = []
    with timed(again):
        repeat = scoring_rules.decay_sweep(timezone.now())
    report(
        "Scoring: an ICP segment edit",
        [
            (f"first scoring of {count:,} leads ({2 * count:,} events)", ms(first[0])),
            ("preview of the edit (counted in SQL, nothing written)", ms(preview[0])),
            ("  it said", f"{impact.changed:,} change score, {impact.new_mqls:,} become MQLs"),
            ("rescore job after saving the edit", ms(rescore[0])),
            ("  it did", f"{job.changed:,} changed, {job.handed_off:,} handed off"),
            ("decay sweep (hourly beat)", ms(sweep[0])),
            ("the same sweep again (idempotent)", f"{ms(again[0])}, {repeat['changed']:,} changed"),
            ("leads", f"{Lead.objects.count():,}"),
        ],
    )

"""Talking points, collateral freshness, feedback, reminders and field insights."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from campaigns.messaging import selectors, services
from campaigns.models import Asset, AssetUsage, FieldInsight, TalkingPoint
from campaigns.planning.services import launch_campaign
from portal.errors import InvalidTransition
from portal.models import Notification
from tests.factories import make_asset, make_campaign, make_persona, make_user, pdf_upload

pytestmark = pytest.mark.django_db


# --- Talking points -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["key_message", "value_prop", "proof_point", "objection"])
def test_a_talking_point_of_any_kind_may_be_company_wide(marketer, kind):
    point = services.create_talking_point(
        by=marketer, kind=kind, title="Too expensive", response="Cheaper than one mis-pick a day"
    )
    point.refresh_from_db()
    assert point.campaign is None and point.persona is None and point.is_company_wide


def test_objections_need_an_answer_wherever_they_belong(marketer):
    for scope in [{}, {"persona": make_persona()}, {"campaign": make_campaign()}]:
        with pytest.raises(ValidationError, match="Give reps the answer"):
            services.create_talking_point(by=marketer, kind="objection", title="Pricey", **scope)
    assert not TalkingPoint.objects.exists()


def test_a_point_can_be_detached_to_company_wide_and_back(marketer):
    persona = make_persona()
    point = services.create_talking_point(
        by=marketer, persona=persona, kind="objection", title="We use a competitor", response="x"
    )
    services.update_talking_point(point, by=marketer, persona=None)
    assert TalkingPoint.objects.get(pk=point.pk).is_company_wide
    services.update_talking_point(point, by=marketer, persona=persona)
    assert TalkingPoint.objects.get(pk=point.pk).persona == persona


def test_company_wide_points_are_ordered_among_themselves(marketer):
    persona = make_persona()
    services.create_talking_point(by=marketer, persona=persona, kind="key_message", title="P")
    first, _second, third = (
        services.create_talking_point(by=marketer, kind="key_message", title=t) for t in "ABC"
    )
    assert [first.position, third.position] == [1, 3]  # numbered apart from the persona's
    services.move_talking_point(third, by=marketer, direction="up")
    company_wide = selectors.talking_points().filter(campaign=None, persona=None)
    assert [p.title for p in company_wide] == ["A", "C", "B"]
    # In the library the company-wide points follow the campaign and persona ones.
    assert [p.title for p in selectors.talking_points()] == ["P", "A", "C", "B"]


def test_every_call_sheet_has_the_company_wide_points_after_the_personas_own(marketer, sales_rep):
    ops, finance = make_persona(name="Ops"), make_persona(name="Finance")
    draft = make_campaign(status="draft")

    def objection(title, **scope):
        return services.create_talking_point(
            by=marketer, kind="objection", title=title, response="Answer", **scope
        )

    objection("Too expensive")
    objection("We already use a competitor")
    objection("No time to switch", persona=ops)
    objection("Auditors will ask", persona=finance)
    objection("Not in this draft", persona=ops, campaign=draft)
    services.create_talking_point(by=marketer, kind="proof_point", title="SOC 2 since 2024")

    sheet = selectors.call_sheet(ops, sales_rep)
    assert [p.title for p in sheet.objections] == [
        "No time to switch",
        "Too expensive",
        "We already use a competitor",
    ]
    assert [p.title for p in sheet.messages] == ["SOC 2 since 2024"]
    assert [p.is_company_wide for p in sheet.objections] == [False, True, True]
    finance_sheet = selectors.call_sheet(finance, sales_rep)
    assert [p.title for p in finance_sheet.objections] == [
        "Auditors will ask",
        "Too expensive",
        "We already use a competitor",
    ]


@pytest.mark.parametrize("role", ["sales_rep", "sales_lead", "leadership"])
def test_only_marketing_writes_talking_points(users, role):
    with pytest.raises(PermissionDenied):
        services.create_talking_point(
            by=users[role], kind="key_message", title="x", persona=make_persona()
        )


def test_talking_points_are_ordered_and_can_be_moved(marketer):
    campaign = make_campaign()
    first, _second, third = (
        services.create_talking_point(by=marketer, campaign=campaign, kind="key_message", title=t)
        for t in "ABC"
    )
    services.move_talking_point(third, by=marketer, direction="up")
    assert [p.title for p in selectors.talking_points(campaign=campaign)] == ["A", "C", "B"]
    services.move_talking_point(
        first, by=marketer, direction="up"
    )  # already first: nothing happens
    assert [p.title for p in selectors.talking_points(campaign=campaign)] == ["A", "C", "B"]


# --- Collateral lifecycle -------------------------------------------------------------------
def test_publishing_sets_a_review_date_180_days_out(marketer):
    asset = make_asset(owner=marketer, status="draft")
    assert asset.review_by is None
    services.set_asset_status(asset, by=marketer, status="published")
    asset.refresh_from_db()
    assert asset.review_by == timezone.localdate() + timedelta(days=180)
    assert asset.published_at is not None


def test_status_moves_are_checked(marketer):
    asset = make_asset(owner=marketer, status="retired")
    with pytest.raises(InvalidTransition, match="it is retired, and it must be published"):
        services.set_asset_status(asset, by=marketer, status="retired")
    with pytest.raises(InvalidTransition):
        services.delete_asset(asset, by=marketer)
    with pytest.raises(InvalidTransition):
        services.add_asset_version(asset, by=marketer, file=pdf_upload())


def test_a_file_or_a_link_but_not_neither_nor_both(marketer):
    with pytest.raises(ValidationError, match="Upload a file or give a link"):
        services.create_asset(by=marketer, title="x", kind="deck")
    with pytest.raises(ValidationError, match="either a file or a link"):
        services.create_asset(
            by=marketer, title="x", kind="deck", url="https://example.com", file=pdf_upload()
        )
    link = services.create_asset(
        by=marketer, title="Calculator", kind="link", url="https://example.com/roi"
    )
    assert link.version == 0 and link.is_link


def test_stale_when_review_date_passed_or_flagged_since_the_last_version(marketer, sales_rep):
    fresh = make_asset(owner=marketer)
    overdue = make_asset(owner=marketer)
    Asset.objects.filter(pk=overdue.pk).update(review_by=timezone.localdate() - timedelta(days=1))
    flagged = make_asset(owner=marketer)
    services.give_feedback(flagged, by=sales_rep, outdated=True, comment="Old logo")
    current = set(Asset.objects.current().values_list("pk", flat=True))
    assert current == {fresh.pk}
    assert set(Asset.objects.stale().values_list("pk", flat=True)) == {overdue.pk, flagged.pk}


def test_a_flag_notifies_the_owner_at_once_and_a_new_version_clears_it(marketer, sales_rep):
    asset = make_asset(owner=marketer, title="Pricing")
    with pytest.raises(ValidationError, match="Say what is out of date"):
        services.give_feedback(asset, by=sales_rep, outdated=True)
    services.give_feedback(asset, by=sales_rep, outdated=True, comment="Prices changed in October")
    asset.refresh_from_db()
    assert asset.is_stale and asset.open_flags == 1
    owner_note = Notification.objects.get(recipient=marketer, kind="asset_flagged_outdated")
    assert owner_note.body == "Prices changed in October"

    version = services.add_asset_version(
        asset, by=marketer, file=pdf_upload("new.pdf"), note="October prices"
    )
    asset.refresh_from_db()
    assert version.number == 2 and asset.version == 2
    assert not asset.is_stale and asset.open_flags == 0
    assert asset.outdated_flags.get().resolved_at is not None
    assert Notification.objects.filter(recipient=sales_rep, kind="asset_updated").count() == 1
    assert [v.number for v in asset.versions.all()] == [2, 1]  # the old one stays downloadable


def test_flagging_the_same_version_twice_updates_the_reason_once(marketer, sales_rep):
    """Issue 17: a rep could flag an asset outdated twice (two flags, two alerts)."""
    asset = make_asset(owner=marketer, title="Pricing")
    services.give_feedback(asset, by=sales_rep, outdated=True, comment="Old prices")
    services.give_feedback(asset, by=sales_rep, outdated=True, comment="Old prices and logo")
    asset.refresh_from_db()
    [flag] = asset.outdated_flags.all()
    assert flag.reason == "Old prices and logo" and asset.open_flags == 1
    assert Notification.objects.filter(kind="asset_flagged_outdated").count() == 1


def test_ratings_one_per_person_averaged(marketer, sales_rep, sales_lead):
    asset = make_asset(owner=marketer)
    services.give_feedback(asset, by=sales_rep, rating=2)
    services.give_feedback(asset, by=sales_rep, rating=4)  # changes their rating
    services.give_feedback(asset, by=sales_lead, rating=5)
    asset.refresh_from_db()
    assert (asset.rating_count, float(asset.rating_avg)) == (2, 4.5)
    with pytest.raises(ValidationError, match="Rate from 1 to 5"):
        services.give_feedback(asset, by=sales_rep, rating=6)
    with pytest.raises(ValidationError, match="Give a rating"):
        services.give_feedback(asset, by=sales_rep)
    with pytest.raises(PermissionDenied):
        services.give_feedback(asset, by=make_user("leadership"), rating=3)


def test_usage_is_recorded_per_person_and_reported(marketer, sales_rep, sales_lead):
    asset = make_asset(owner=marketer)
    services.record_usage(asset, user=sales_rep, action="view")
    services.record_usage(asset, user=sales_rep, action="download")
    services.record_usage(asset, user=sales_lead, action="view")
    asset.refresh_from_db()
    assert asset.use_count == 3
    rows = {
        row["user__id"]: (row["views"], row["downloads"])
        for row in selectors.usage_by_person(asset)
    }
    assert rows == {sales_rep.pk: (1, 1), sales_lead.pk: (1, 0)}


def test_most_used_this_month_counts_sales_only_and_never_used_lists_the_rest(marketer, sales_rep):
    popular, quiet, unused = (
        make_asset(owner=marketer, title=t) for t in ("Popular", "Quiet", "Unused")
    )
    for _ in range(3):
        services.record_usage(popular, user=sales_rep, action="download")
    services.record_usage(quiet, user=sales_rep, action="view")
    services.record_usage(unused, user=marketer, action="view")  # marketing looking does not count
    last_month = AssetUsage.objects.create(asset=quiet, user=sales_rep, action="view")
    AssetUsage.objects.filter(pk=last_month.pk).update(
        created_at=timezone.now() - timedelta(days=40)
    )
    assert [(a.title, a.month_uses) for a in selectors.most_used_this_month()] == [
        ("Popular", 3),
        ("Quiet", 1),
    ]
    assert [a.title for a in selectors.never_used()] == ["Unused"]


# --- Review reminders (time travel) -----------------------------------------------------------
def test_owners_are_reminded_once_a_day_of_due_and_overdue_collateral(marketer):
    today = timezone.localdate()
    due_soon = make_asset(owner=marketer, title="Deck due soon")
    overdue = make_asset(owner=marketer, title="Old battlecard")
    make_asset(owner=marketer, title="Fresh")
    Asset.objects.filter(pk=due_soon.pk).update(review_by=today + timedelta(days=10))
    Asset.objects.filter(pk=overdue.pk).update(review_by=today - timedelta(days=2))
    assert services.remind_asset_reviews(today=today) == 1
    assert services.remind_asset_reviews(today=today) == 0  # the same day: no repeat
    note = Notification.objects.get(kind="asset_review_due")
    assert note.title == "1 collateral item(s) overdue for review"
    assert (
        "Old battlecard" in note.body and "Deck due soon" in note.body and "Fresh" not in note.body
    )
    assert (
        services.remind_asset_reviews(today=today + timedelta(days=1)) == 1
    )  # the next day: again
    assert Notification.objects.filter(kind="asset_review_due").count() == 2


def test_nobody_is_reminded_when_nothing_is_due(marketer):
    make_asset(owner=marketer)
    assert services.remind_asset_reviews() == 0


# --- Field insights ---------------------------------------------------------------------------
def test_identical_reports_are_grouped_and_answering_tells_every_reporter(
    marketer, sales_rep, sales_lead
):
    persona = make_persona(name="Ops Director")
    services.record_insight(
        by=sales_rep, kind="objection", text="Too expensive for one site!", persona=persona
    )
    services.record_insight(
        by=sales_lead, kind="objection", text="too expensive for one site", persona=persona
    )
    services.record_insight(
        by=sales_rep, kind="question", text="Does it work with Manhattan?", persona=persona
    )
    groups = selectors.insight_groups()
    assert [(g["kind"], g["reports"], g["reporters"]) for g in groups] == [
        ("objection", 2, 2),
        ("question", 1, 1),
    ]

    insight = FieldInsight.objects.filter(kind="objection").first()
    point = services.answer_insight(
        insight,
        by=marketer,
        kind="objection",
        title="Too expensive for one site",
        response="Start with the assessment: payback in 9 months.",
        body="",
    )
    assert point.persona == persona
    assert FieldInsight.objects.filter(kind="objection", answer=point).count() == 2
    told = set(
        Notification.objects.filter(kind="insight_answered").values_list("recipient", flat=True)
    )
    assert told == {sales_rep.pk, sales_lead.pk}
    assert selectors.insight_groups(answered=False)[0]["kind"] == "question"


def test_insight_input_and_roles(users, sales_rep):
    persona = make_persona()
    with pytest.raises(ValidationError) as error:
        services.record_insight(by=sales_rep, kind="competitor", text="", persona=None)
    assert set(error.value.message_dict) == {"text", "persona", "competitor"}
    with pytest.raises(PermissionDenied):
        services.record_insight(by=users["marketer"], kind="question", text="x", persona=persona)
    insight = services.record_insight(by=sales_rep, kind="question", text="x", persona=persona)
    with pytest.raises(PermissionDenied):
        services.answer_insight(insight, by=sales_rep, title="x", kind="key_message")


# --- Launch briefing ------------------------------------------------------------------------
def test_the_launch_notification_carries_talking_points_and_collateral_links(users, marketer):
    campaign = make_campaign(owner=marketer, status="approved")
    services.create_talking_point(
        by=marketer, campaign=campaign, kind="key_message", title="38% fewer mis-picks"
    )
    services.create_talking_point(
        by=marketer, campaign=campaign, kind="objection", title="Pricey", response="ROI"
    )
    deck = make_asset(owner=marketer, title="Webinar deck", campaign=campaign)
    make_asset(owner=marketer, title="Draft deck", campaign=campaign, status="draft")
    launch_campaign(campaign, by=marketer)
    body = Notification.objects.get(recipient=users["sales_rep"], kind="campaign_launched").body
    assert "Key talking points:\n• 38% fewer mis-picks" in body
    assert "Pricey" not in body  # objections are for the call sheet, not the announcement
    assert f"• Webinar deck: http://127.0.0.1:8000/collateral/{deck.pk}/" in body
    assert "Draft deck" not in body

"""Races on PostgreSQL: real parallel transactions, one connection per thread."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.models import Campaign, CampaignTransition
from campaigns.planning import services
from portal.models import Notification
from tests.factories import make_campaign, make_user
from tests.services import need_postgres

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*functions):
    """Start the functions at the same instant in threads; return their results in order."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(index, function):
        barrier.wait()
        try:
            results[index] = function()
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_people_launching_at_once_one_wins_one_gets_409_and_sales_hears_once():
    need_postgres()
    marketer, colleague = make_user("marketer"), make_user("marketing_lead")
    reps = [make_user("sales_rep") for _ in range(20)]
    campaign = make_campaign(owner=marketer, status="approved")

    def launch_as(user):
        client = APIClient()
        client.force_authenticate(user)
        return client.post(f"/api/campaigns/{campaign.pk}/launch/").status_code

    statuses = run_together(lambda: launch_as(marketer), lambda: launch_as(colleague))
    assert sorted(statuses) == [200, 409]
    assert Notification.objects.filter(kind="campaign_launched").count() == len(reps)
    assert CampaignTransition.objects.filter(campaign=campaign, to_status="live").count() == 1


def test_several_schedulers_share_the_due_launches_and_launch_each_once():
    need_postgres()
    marketer = make_user("marketer")
    reps = [make_user("sales_rep") for _ in range(5)]
    due = [
        make_campaign(
            owner=marketer, status="scheduled", launch_at=timezone.now() + timedelta(hours=1)
        )
        for _ in range(8)
    ]
    later = timezone.now() + timedelta(hours=2)
    results = run_together(*[lambda: services.launch_due_campaigns(now=later) for _ in range(4)])
    launched = [pk for result in results for pk in result]
    assert sorted(launched) == sorted(c.pk for c in due)  # every one, by exactly one scheduler
    assert set(Campaign.objects.values_list("status", flat=True)) == {"live"}
    assert Notification.objects.filter(kind="campaign_launched").count() == len(due) * len(reps)

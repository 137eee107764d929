"""Nothing is lost under concurrency (PostgreSQL, real parallel transactions)."""

import random

import pytest
from rest_framework.test import APIClient

from personas import services
from personas.models import PERSONA_TEXT_FIELDS, Persona, PersonaRevision
from tests.concurrency import in_threads
from tests.factories import make_user
from tests.services import need_postgres

pytestmark = pytest.mark.django_db(transaction=True)

# Free-text fields (seniority is a choice).
TEXT_FIELDS = [n for n in PERSONA_TEXT_FIELDS if not Persona._meta.get_field(n).choices]


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_ten_editors_changing_different_fields_from_the_same_version_all_land():
    need_postgres()
    author = make_user("marketer")
    persona = services.create_persona(by=author, name="Ops")
    editors = [make_user("sales_rep" if i % 2 else "marketer") for i in range(len(TEXT_FIELDS))]

    def patch(i):
        field = TEXT_FIELDS[i]
        response = client_for(editors[i]).patch(
            f"/api/personas/{persona.pk}/",
            {field: f"value from editor {i}"},
            format="json",
            HTTP_IF_MATCH='"1"',
        )
        return response.status_code

    assert in_threads(len(TEXT_FIELDS), patch) == [200] * len(TEXT_FIELDS)
    persona.refresh_from_db()
    assert all(
        getattr(persona, field) == f"value from editor {i}" for i, field in enumerate(TEXT_FIELDS)
    )
    versions = list(
        PersonaRevision.objects.filter(persona=persona)
        .order_by("version")
        .values_list("version", flat=True)
    )
    assert versions == list(range(1, len(TEXT_FIELDS) + 2))  # contiguous, one per save


def test_twenty_editors_changing_the_same_field_exactly_one_wins():
    need_postgres()
    persona = services.create_persona(by=make_user("marketer"), name="Ops", pains="original\n")
    editors = [make_user("sales_rep") for _ in range(20)]

    def patch(i):
        return (
            client_for(editors[i])
            .patch(
                f"/api/personas/{persona.pk}/",
                {"pains": f"pains by {i}\n"},
                format="json",
                HTTP_IF_MATCH='"1"',
            )
            .status_code
        )

    statuses = in_threads(20, patch)
    assert sorted(statuses) == [200] + [409] * 19
    assert PersonaRevision.objects.filter(persona=persona).count() == 2


def test_stress_twenty_clients_fifty_patches_each_nothing_lost():
    """20 clients x 50 PATCHes of random fields, each from the version it last saw."""
    need_postgres()
    persona = services.create_persona(by=make_user("marketer"), name="Ops")
    editors = [make_user("sales_rep" if i % 2 else "marketer") for i in range(20)]
    url = f"/api/personas/{persona.pk}/"

    def client_work(i):
        rng = random.Random(i)
        client = client_for(editors[i])
        etag = client.get(url)["ETag"]
        accepted, statuses = [], []
        for n in range(50):
            field = rng.choice(TEXT_FIELDS)
            value = f"c{i}-{n}"
            response = client.patch(url, {field: value}, format="json", HTTP_IF_MATCH=etag)
            statuses.append(response.status_code)
            if response.status_code == 200:
                accepted.append((field, value, int(response["ETag"].strip('"'))))
                etag = response["ETag"]
            else:
                etag = client.get(url)["ETag"]  # start again from the latest
        return accepted, statuses

    results = in_threads(20, client_work)
    statuses = [s for _, client_statuses in results for s in client_statuses]
    accepted = [a for client_accepted, _ in results for a in client_accepted]
    assert not [s for s in statuses if s >= 500]
    assert set(statuses) <= {200, 409}
    persona.refresh_from_db()
    revisions = {r.version: r for r in PersonaRevision.objects.filter(persona=persona)}
    assert len(revisions) == len(accepted) + 1  # one revision per 200, plus creation
    assert sorted(revisions) == list(range(1, len(revisions) + 1))
    for field, value, version in accepted:
        # The save's revision shows the change...
        assert revisions[version].snapshot[field] == value
        # ...and it is still there, unless a later revision changed that field again.
        superseded = any(field in r.changed_fields for v, r in revisions.items() if v > version)
        assert getattr(persona, field) == value or superseded
    assert statuses.count(200) > 100  # the merge really let most concurrent saves through
    assert Persona.objects.get(pk=persona.pk).version == len(revisions)

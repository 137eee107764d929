"""The guarded save: merge, conflict, compare-and-swap, revisions, restore, comments."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from personas import services
from personas.models import Persona, PersonaRevision
from portal.models import Notification
from tests.factories import make_user
from tests.personas.conftest import GOALS

pytestmark = pytest.mark.django_db



def test_creation_writes_version_1_and_its_revision(persona, marketer):
    assert persona.version == 1
    revision = PersonaRevision.objects.get(persona=persona)
    assert (revision.version, revision.author, revision.team) == (1, marketer, "marketing")
    assert revision.snapshot["goals"] == GOALS


def test_a_save_from_the_current_version_writes_a_revision(persona, sales_rep):
    result = services.save_persona(
        persona, changes={"pains": "Mis-picks\nLate reports\n"}, base_version=1, by=sales_rep
    )
    assert (result.version, result.changed_fields, result.merged_fields) == (2, ["pains"], [])
    revision = PersonaRevision.objects.get(persona=persona, version=2)
    assert (revision.author, revision.team, revision.changed_fields) == (
        sales_rep,
        "sales",
        ["pains"],
    )


def test_a_save_from_an_old_version_merges_other_fields_and_other_lines(
    persona, marketer, sales_rep
):
    services.save_persona(
        persona,
        changes={"goals": GOALS.replace("Cut costs", "Cut costs by 12%")},
        base_version=1,
        by=marketer,
    )
    result = services.save_persona(
        persona,
        changes={
            "goals": GOALS.replace("Onboard staff fast", "Onboard in days"),
            "pains": "Mis-picks\nTemps\n",
        },
        base_version=1,
        by=sales_rep,
    )
    persona.refresh_from_db()
    assert persona.goals == "Cut costs by 12%\nHit 99.5% accuracy\nOnboard in days\n"
    assert persona.pains == "Mis-picks\nTemps\n"
    assert result.version == 3 and result.merged_fields == ["goals"]


def test_overlapping_edits_are_a_conflict_and_nothing_is_written(persona, marketer, sales_rep):
    services.save_persona(
        persona, changes={"goals": GOALS.replace("99.5%", "99.7%")}, base_version=1, by=marketer
    )
    with pytest.raises(services.PersonaConflict) as error:
        services.save_persona(
            persona,
            changes={"goals": GOALS.replace("99.5%", "99.9%"), "pains": "Other\n"},
            base_version=1,
            by=sales_rep,
        )
    assert set(error.value.conflicts) == {"goals"} and error.value.version == 2
    persona.refresh_from_db()
    assert (
        persona.version == 2 and persona.pains == "Mis-picks\n"
    )  # the non-conflicting pains was not written either
    assert PersonaRevision.objects.filter(persona=persona).count() == 2


def test_an_unknown_base_version_is_refused(persona, marketer):
    with pytest.raises(services.StaleVersion):
        services.save_persona(persona, changes={"goals": "x"}, base_version=7, by=marketer)


def test_bad_input(persona, marketer):
    with pytest.raises(ValidationError) as error:
        services.save_persona(
            persona,
            changes={"name": "", "seniority": "king", "owner": 3},
            base_version=1,
            by=marketer,
        )
    assert set(error.value.message_dict) == {"name", "seniority", "owner"}


def test_leadership_cannot_edit(persona, leadership):
    with pytest.raises(PermissionDenied):
        services.save_persona(persona, changes={"goals": "x"}, base_version=1, by=leadership)


def test_a_no_op_save_makes_no_revision(persona, marketer):
    result = services.save_persona(persona, changes={"goals": GOALS}, base_version=1, by=marketer)
    assert result.version == 1 and result.changed_fields == []
    assert PersonaRevision.objects.filter(persona=persona).count() == 1


def test_restore_is_a_new_revision(persona, marketer, sales_rep):
    services.save_persona(
        persona, changes={"goals": "Something else\n"}, base_version=1, by=sales_rep
    )
    result = services.restore_revision(persona, version=1, by=marketer)
    persona.refresh_from_db()
    assert persona.goals == GOALS and persona.version == 3
    restored = PersonaRevision.objects.get(persona=persona, version=3)
    assert restored.restored_from == 1 and result.changed_fields == ["goals"]


def test_replaying_revisions_reproduces_the_persona(persona, marketer, sales_rep):
    services.save_persona(persona, changes={"goals": "A\n"}, base_version=1, by=marketer)
    services.save_persona(persona, changes={"pains": "B\n"}, base_version=1, by=sales_rep)  # merged
    persona.refresh_from_db()
    latest = PersonaRevision.objects.filter(persona=persona).order_by("-version").first()
    assert latest.snapshot == services.snapshot(persona)


def test_mentions_notify_once_and_comments_resolve(persona, sales_rep):
    mark = make_user("marketer", username="mark.e")
    comment = services.add_comment(
        persona, by=sales_rep, section="pains", body="@mark.e is this still true? cc @nobody"
    )
    assert list(
        Notification.objects.filter(kind="persona_mention").values_list("recipient", flat=True)
    ) == [mark.pk]
    services.set_comment_resolved(comment, by=mark, resolved=True)
    comment.refresh_from_db()
    assert comment.resolved_by == mark
    with pytest.raises(ValidationError):
        services.add_comment(persona, by=sales_rep, section="nonsense", body="")


def test_icp_segment_ranges_and_lists(marketer):
    segment = services.save_segment(
        None,
        by=marketer,
        name="Mid-market",
        industries=["Logistics", " logistics ", "Retail"],
        employees_min=200,
        employees_max=2000,
    )
    assert segment.industries == ["Logistics", "logistics", "Retail"] or segment.industries == [
        "logistics",
        "Logistics",
        "Retail",
    ]
    with pytest.raises(ValidationError) as error:
        services.save_segment(
            None, by=marketer, name="Broken", employees_min=500, employees_max=100
        )
    assert "employees_max" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.save_segment(None, by=marketer, name="Mid-market")  # unique name
    assert Persona.objects.count() == 0

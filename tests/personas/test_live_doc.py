"""The live document as the source of truth: flushes, grouped revisions, saves merged into
it as text edits (REST, form, restore), validation, compaction. Service level, no sockets."""

import pytest
from pycrdt import Text

from personas import live, livedoc, selectors, services
from personas.models import SECTION_MAX_CHARS, Persona, PersonaDocUpdate

pytestmark = pytest.mark.django_db


@pytest.fixture
def persona(marketer):
    return services.create_persona(by=marketer, name="Ops Director", goals="Fewer mis-picks\n")


def type_live(persona, user, field: str, at: int, value: str) -> None:
    """What a room stores when an editor types: an update against the stored document."""
    updates, _ = services.open_live_doc(persona.pk)
    doc = livedoc.doc_from_updates(*updates)
    before = doc.get_state()
    text = doc.get(field, type=Text)
    text.insert(len(str(text)[:at].encode()), value)
    services.record_live_updates(persona.pk, [(doc.get_update(before), user.pk)])


def live_text(persona, field: str) -> str:
    updates, _ = live.load(persona.pk)
    return livedoc.texts(livedoc.doc_from_updates(*updates))[field]


def test_a_flush_writes_the_columns_as_a_live_revision(persona, marketer, sales_rep):
    type_live(persona, sales_rep, "goals", 0, "Way ")
    type_live(persona, marketer, "pains", 0, "Returns\n")
    type_live(persona, sales_rep, "goals", 4, "fewer, ")
    flushed = services.flush_live_doc(persona.pk)
    persona.refresh_from_db()
    assert persona.goals == "Way fewer, Fewer mis-picks\n" and persona.pains == "Returns\n"
    assert flushed.version == persona.version == 2
    revision = persona.revisions.first()
    assert revision.live and revision.author == sales_rep  # most of the typing
    assert [c["team"] for c in revision.contributors] == ["sales", "marketing"]
    assert revision.changed_fields == ["goals", "pains"]
    assert services.flush_live_doc(persona.pk).changed_fields == []  # nothing new: no version


def test_live_revisions_group_per_person_and_history_shows_one_entry(persona, marketer, sales_rep):
    for word in ("One ", "two ", "three "):
        type_live(persona, sales_rep, "goals", 0, word)
        services.flush_live_doc(persona.pk)
    type_live(persona, marketer, "goals", 0, "Maya: ")
    services.flush_live_doc(persona.pk)
    entries = selectors.history(persona)
    assert [len(entry.revisions) for entry in entries] == [1, 3, 1]
    assert entries[1].newest.author == sales_rep and entries[1].before == 1
    assert entries[0].newest.author == marketer


def test_text_the_model_refuses_stays_out_of_the_columns(persona, sales_rep):
    updates, _ = services.open_live_doc(persona.pk)
    doc = livedoc.doc_from_updates(*updates)
    update = livedoc.apply_values(doc, {"name": "", "pains": "x" * (SECTION_MAX_CHARS + 1)})
    services.record_live_updates(persona.pk, [(update, sales_rep.pk)])
    flushed = services.flush_live_doc(persona.pk)
    assert set(flushed.errors) == {"name", "pains"}
    persona.refresh_from_db()
    assert persona.name == "Ops Director" and persona.pains == "" and persona.version == 1


def test_a_rest_save_merges_with_unflushed_live_typing_in_the_same_text(
    marketer, sales_rep, api_as
):
    persona = services.create_persona(by=marketer, name="Ops", goals="Fewer mis-picks\nPeak\n")
    services.open_live_doc(persona.pk)
    read = api_as(sales_rep).get(f"/api/personas/{persona.pk}/")
    type_live(persona, marketer, "goals", 0, "Live: ")  # typed, not flushed yet
    response = api_as(sales_rep).patch(
        f"/api/personas/{persona.pk}/",
        {"goals": "Fewer mis-picks\nPeak\nTrain temps\n"},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert response.status_code == 200, response.json()
    merged = "Live: Fewer mis-picks\nPeak\nTrain temps\n"
    assert response.json()["goals"] == merged
    assert response.json()["merged_fields"] == ["goals"]
    assert live_text(persona, "goals") == merged
    assert services.flush_live_doc(persona.pk).changed_fields == []  # doc and columns agree


def test_a_conflicting_rest_save_writes_nothing_but_keeps_the_flush(persona, marketer, api_as):
    services.open_live_doc(persona.pk)
    read = api_as(marketer).get(f"/api/personas/{persona.pk}/")
    type_live(persona, marketer, "goals", 0, "X")
    response = api_as(marketer).patch(
        f"/api/personas/{persona.pk}/",
        {"goals": "Y Fewer mis-picks\n"},
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert response.status_code == 409
    assert response.json()["conflicts"]["goals"]["theirs"] == "XFewer mis-picks\n"
    persona.refresh_from_db()
    assert persona.goals == "XFewer mis-picks\n" and persona.version == 2  # the flush stays
    assert live_text(persona, "goals") == "XFewer mis-picks\n"


def test_a_restore_reaches_the_live_document(persona, marketer):
    type_live(persona, marketer, "goals", 0, "Changed ")
    services.flush_live_doc(persona.pk)
    result = services.restore_revision(Persona.objects.get(pk=persona.pk), version=1, by=marketer)
    assert result.version == 3
    assert live_text(persona, "goals") == "Fewer mis-picks\n"


def test_updates_are_folded_into_the_snapshot(persona, marketer, settings):
    settings.LIVE = {**settings.LIVE, "COMPACT_AFTER_UPDATES": 5}
    for index in range(6):
        type_live(persona, marketer, "summary", index, "abcdef"[index])
    services.flush_live_doc(persona.pk)
    assert PersonaDocUpdate.objects.filter(persona=persona).count() == 0
    assert live_text(persona, "summary") == "abcdef"
    assert Persona.objects.get(pk=persona.pk).summary == "abcdef"


def test_set_text_makes_small_edits_that_keep_concurrent_typing():
    doc = livedoc.new_doc()
    text = doc.get("goals", type=Text)
    text += "naïve 😀 start middle end"
    other = livedoc.doc_from_updates(doc.get_update())
    other.get("goals", type=Text).insert(len("naïve 😀 start ".encode()), "TYPED ")
    livedoc.set_text(text, "naïve 😀 START middle end!")
    doc.apply_update(other.get_update(doc.get_state()))
    assert str(text) == "naïve 😀 START TYPED middle end!"

"""Persona pages: section editing, merge, conflict resolution, presence, history, XSS, admin."""

import pytest
from django.test import Client

from personas import presence, services
from personas.models import SECTION_FIELDS, IcpSegment, Persona, PersonaRevision
from portal.models import Notification
from tests.factories import make_user
from tests.personas.conftest import GOALS

pytestmark = pytest.mark.django_db



def edit(client, persona, version, section=None, **values):
    url = f"/personas/{persona.pk}/edit/" + (f"?section={section}" if section else "")
    return client.post(url, {"version": version, "section_group": section or "", **values})


def test_list_and_detail_show_who_changed_what(as_user, persona, sales_rep):
    services.save_persona(
        persona, changes={"pains": "Mis-picks\nTemps\n"}, base_version=1, by=sales_rep
    )
    listing = as_user(sales_rep).get("/personas/").content.decode()
    assert "Ops Director" in listing and "Last change by" in listing and "Sales" in listing
    detail = as_user(sales_rep).get(f"/personas/{persona.pk}/").content.decode()
    assert 'data-testid="section-pains"' in detail and sales_rep.last_name in detail


def test_section_edit_saves_one_field(as_user, persona, sales_rep):
    response = edit(
        as_user(sales_rep), persona, 1, section="pains", pains="Mis-picks\nLate reports\n"
    )
    assert response.status_code == 302
    persona.refresh_from_db()
    assert (
        persona.pains == "Mis-picks\nLate reports\n"
        and persona.goals == GOALS
        and persona.version == 2
    )


def test_two_people_editing_different_sections_both_keep_their_edits(
    as_user, persona, marketer, sales_rep
):
    edit(
        as_user(marketer),
        persona,
        1,
        section="goals",
        goals=GOALS.replace("Cut costs", "Cut costs by 12%"),
    )
    response = edit(as_user(sales_rep), persona, 1, section="pains", pains="Mis-picks\nTemps\n")
    assert response.status_code == 302
    persona.refresh_from_db()
    assert persona.goals.startswith("Cut costs by 12%") and persona.pains == "Mis-picks\nTemps\n"


def test_overlapping_edits_show_the_conflict_view_then_the_resolution_saves(
    as_user, persona, marketer, sales_rep
):
    edit(as_user(marketer), persona, 1, section="goals", goals=GOALS.replace("99.5%", "99.7%"))
    clash = edit(
        as_user(sales_rep), persona, 1, section="goals", goals=GOALS.replace("99.5%", "99.9%")
    )
    assert clash.status_code == 409
    html = clash.content.decode()
    assert "Someone else changed the same text" in html and "99.7%" in html and "99.9%" in html
    resolved = as_user(sales_rep).post(
        f"/personas/{persona.pk}/edit/",
        {"version": 2, "section_group": "", "goals": GOALS.replace("99.5%", "99.8%")},
    )
    assert resolved.status_code == 302
    persona.refresh_from_db()
    assert "99.8%" in persona.goals and persona.version == 3
    assert [
        r.team for r in PersonaRevision.objects.filter(persona=persona).order_by("version")
    ] == ["marketing", "marketing", "sales"]


def test_the_resolution_starts_with_both_versions_and_cannot_be_saved_unchosen(
    as_user, persona, marketer, sales_rep
):
    """Issue 17: the box used to start with "yours" only, so saving it as it was silently
    dropped the other person's edit."""
    edit(as_user(marketer), persona, 1, section="goals", goals=GOALS.replace("99.5%", "99.7%"))
    clash = edit(
        as_user(sales_rep), persona, 1, section="goals", goals=GOALS.replace("99.5%", "99.9%")
    )
    html = clash.content.decode()
    assert f"{marketer} (marketing) saved version 2 while you were editing" in html
    start = html.index('data-testid="resolve-goals"')
    box = html[html.index(">", start) + 1 : html.index("</textarea>", start)]
    assert f"&lt;&lt;&lt; {marketer}&#x27;s version" in box and "&gt;&gt;&gt; Your version" in box
    assert "99.7%" in box and "99.9%" in box  # nothing of either side dropped
    as_is = box.replace("&lt;", "<").replace("&gt;", ">").replace("&#x27;", "'")
    refused = as_user(sales_rep).post(
        f"/personas/{persona.pk}/edit/", {"version": 2, "section_group": "", "goals": as_is}
    )
    assert refused.status_code == 400
    assert "Both versions are still here" in refused.content.decode()
    persona.refresh_from_db()
    assert "99.7%" in persona.goals and persona.version == 2


def test_refresh_keeps_unsaved_edits_and_merges_them(as_user, persona, marketer, sales_rep):
    services.save_persona(
        persona,
        changes={"goals": GOALS.replace("Cut costs", "Cut costs by 12%")},
        base_version=1,
        by=marketer,
    )
    response = as_user(sales_rep).post(
        f"/personas/{persona.pk}/rebase/",
        {
            "version": 1,
            "section_group": "goals",
            "goals": GOALS.replace("Onboard staff fast", "Onboard in days"),
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "your unsaved edits kept" in html
    assert "Cut costs by 12%\nHit 99.5% accuracy\nOnboard in days" in html
    assert 'name="version" value="2"' in html
    assert Persona.objects.get(pk=persona.pk).version == 2  # nothing saved by a refresh


def test_presence_names_others_and_what_they_saved(as_user, persona, marketer, sales_rep):
    presence.heartbeat(persona.pk, marketer, editing=True)
    services.save_persona(persona, changes={"goals": "New\n"}, base_version=1, by=marketer)
    html = (
        as_user(sales_rep)
        .post(f"/personas/{persona.pk}/presence/", {"version": 1, "editing": "1"})
        .content.decode()
    )
    assert marketer.first_name in html and "editing" in html
    assert "saved Goals" in html and "Refresh and keep my edits" in html
    quiet = (
        as_user(sales_rep)
        .post(f"/personas/{persona.pk}/presence/", {"version": 2})
        .content.decode()
    )
    assert "saved" not in quiet


def test_history_diff_and_restore(as_user, persona, marketer, sales_rep):
    services.save_persona(
        persona,
        changes={"goals": GOALS.replace("Cut costs", "Cut all costs")},
        base_version=1,
        by=sales_rep,
    )
    html = as_user(marketer).get(f"/personas/{persona.pk}/history/?a=1&b=2").content.decode()
    assert "Cut <ins>all </ins>costs" in html
    response = as_user(marketer).post(f"/personas/{persona.pk}/history/1/restore/", follow=True)
    assert "Version 1 restored as version 3" in response.content.decode()


def test_leadership_reads_without_edit_controls(as_user, persona, leadership):
    html = as_user(leadership).get(f"/personas/{persona.pk}/").content.decode()
    assert 'data-testid="edit-all"' not in html and "Resolve" not in html
    assert as_user(leadership).get(f"/personas/{persona.pk}/edit/").status_code == 403


def test_form_errors(as_user, persona, marketer):
    missing = as_user(marketer).post("/personas/new/", {"name": ""})
    assert missing.status_code == 400 and "This field is required." in missing.content.decode()
    bad = edit(as_user(marketer), persona, 1, section="basics", name="", role="x", seniority="king")
    assert bad.status_code == 400
    stale = edit(as_user(marketer), persona, 9, section="goals", goals="x")
    assert stale.status_code == 412 and "does not exist" in stale.content.decode()


def test_comments_with_mentions_from_the_page(as_user, persona, sales_rep):
    colleague = make_user("marketer", username="maria.l")
    as_user(sales_rep).post(
        f"/personas/{persona.pk}/comments/", {"section": "pains", "body": "@maria.l still true?"}
    )
    assert Notification.objects.filter(recipient=colleague, kind="persona_mention").exists()
    assert "still true?" in as_user(sales_rep).get(f"/personas/{persona.pk}/").content.decode()


PAYLOADS = ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">', '[click](javascript:alert(1))',
            '<svg onload="alert(1)">', '<a href="javascript:alert(1)">x</a>']  # fmt: skip


@pytest.mark.parametrize("payload", PAYLOADS)
def test_stored_payloads_render_inert_on_page_history_and_diff(
    as_user, marketer, sales_rep, payload
):
    fields = {
        name: f"Safe start\n{payload}\n"
        for name in SECTION_FIELDS
    }
    persona = services.create_persona(by=marketer, name=payload[:100], role=payload[:100], **fields)
    services.save_persona(
        persona, changes={"goals": f"Changed\n{payload}\n"}, base_version=1, by=sales_rep
    )
    for url in [
        f"/personas/{persona.pk}/",
        f"/personas/{persona.pk}/history/",
        f"/personas/{persona.pk}/history/?a=1&b=2",
        "/personas/",
    ]:
        html = as_user(marketer).get(url).content.decode()
        assert "<script>alert" not in html, url
        assert (
            "onerror=" not in html.replace("onerror=&quot;", "") or 'onerror="alert' not in html
        ), url
        assert 'onerror="alert' not in html and "<svg onload" not in html, url
        assert 'href="javascript:' not in html, url


def test_markdown_is_rendered(as_user, marketer):
    persona = services.create_persona(
        by=marketer, name="P", goals="- **Cut** costs\n- *Fast* onboarding"
    )
    html = as_user(marketer).get(f"/personas/{persona.pk}/").content.decode()
    assert "<li><strong>Cut</strong> costs</li>" in html


def test_icp_pages(as_user, marketer, leadership):
    bad = as_user(marketer).post(
        "/personas/icp/new/",
        {"name": "X", "employees_min": "500", "employees_max": "10", "is_active": "on"},
    )
    assert bad.status_code == 400 and "maximum is below the minimum" in bad.content.decode()
    done = as_user(marketer).post(
        "/personas/icp/new/",
        {"name": "Mid-market", "industries": "Logistics, Retail", "is_active": "on"},
        follow=True,
    )
    assert "ICP segment saved" in done.content.decode()
    assert IcpSegment.objects.get().industries == ["Logistics", "Retail"]
    assert "Mid-market" in as_user(leadership).get("/personas/icp/").content.decode()
    assert as_user(leadership).get("/personas/icp/new/").status_code == 403


def test_admin_saves_through_the_guarded_save_and_refuses_stale_edits(persona, marketer, sales_rep):
    admin = make_user("marketing_lead", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    url = f"/admin/personas/persona/{persona.pk}/change/"
    form = {name: getattr(persona, name) for name in ["name", "role", "seniority", "summary", "goals", "pains",
            "objections", "triggers", "decision_criteria", "channels", "quotes"]}  # fmt: skip
    assert (
        client.post(url, {**form, "pains": "Admin pains\n", "base_version": 1}).status_code == 302
    )
    persona.refresh_from_db()
    assert persona.pains == "Admin pains\n" and persona.version == 2
    assert PersonaRevision.objects.get(persona=persona, version=2).author == admin
    services.save_persona(persona, changes={"goals": "Rep goals\n"}, base_version=2, by=sales_rep)
    stale = client.post(
        url, {**form, "pains": "Admin pains\n", "goals": "Admin goals\n", "base_version": 2}
    )
    assert stale.status_code == 200 and "Someone else changed goals" in stale.content.decode()
    persona.refresh_from_db()
    assert persona.goals == "Rep goals\n"

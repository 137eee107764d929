"""Core pages: login, inbox, preferences, health, and what every page guarantees."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from portal import services
from portal.models import Notification
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def notify(user, key, title="Spring launch is live", url="/"):
    services.notify(
        [user],
        kind="campaign_launched",
        title=title,
        body="Read the brief.",
        url=url,
        dedupe_key=key,
    )
    return Notification.objects.get(recipient=user, dedupe_key=key)


def test_pages_redirect_anonymous_visitors_to_login():
    response = Client().get("/inbox/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/inbox/"


def test_login_with_a_wrong_password_says_so_clearly(marketer):
    response = Client().post("/login/", {"username": marketer.username, "password": "wrong"})
    assert response.status_code == 200
    assert "That username and password do not match" in response.content.decode()


def test_login_then_logout(marketer):
    client = Client()
    response = client.post("/login/", {"username": marketer.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/logout/").status_code == 405  # logging out is a POST (CSRF-protected)
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_login_page_locks_out_after_five_failures_even_with_the_right_password(marketer):
    client = Client()
    for _ in range(5):
        client.post("/login/", {"username": marketer.username, "password": "wrong"})
    response = client.post("/login/", {"username": marketer.username, "password": PASSWORD})
    assert response.status_code in {403, 429}
    assert "Sign-in is locked for a while" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_change(as_user, marketer):
    client = as_user(marketer)
    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-brand-new-phrase-42",
            "new_password2": "a-brand-new-phrase-42",
        },
    )
    assert response.status_code == 302
    marketer.refresh_from_db()
    assert marketer.check_password("a-brand-new-phrase-42")


def test_password_change_errors_are_shown_on_the_form(as_user, marketer):
    response = as_user(marketer).post(
        "/account/password/", {"old_password": "wrong", "new_password1": "x", "new_password2": "y"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your old password was entered incorrectly" in html
    assert "is-invalid" in html


def test_navigation_shows_every_area_and_the_unread_count(as_user, sales_rep):
    notify(sales_rep, "a")
    notify(sales_rep, "b")
    html = as_user(sales_rep).get("/").content.decode()
    for label in ["Home", "Campaigns", "Collateral", "Personas", "Leads", "Dashboard", "Inbox"]:
        assert f"> {label}" in html, label
    assert re.search(r'data-testid="unread-count">2<', html)


def test_inbox_lists_my_notifications_with_an_empty_state_otherwise(as_user, sales_rep):
    empty = as_user(sales_rep).get("/inbox/").content.decode()
    assert "Nothing here yet" in empty
    notify(sales_rep, "a", title="Spring launch is live")
    notify(make_user("sales_rep"), "a", title="Someone else's news")
    html = as_user(sales_rep).get("/inbox/").content.decode()
    assert "Spring launch is live" in html and "Someone else" not in html


def test_opening_a_notification_marks_it_read_and_follows_its_link(as_user, sales_rep):
    notification = notify(sales_rep, "a", url="/account/")
    response = as_user(sales_rep).get(f"/inbox/{notification.pk}/")
    assert response.status_code == 302 and response["Location"] == "/account/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_notification_never_redirects_off_site(as_user, sales_rep):
    notification = notify(sales_rep, "a", url="https://evil.example.com/")
    response = as_user(sales_rep).get(f"/inbox/{notification.pk}/")
    assert response["Location"] == "/inbox/"


def test_someone_elses_notification_is_404_on_pages_too(as_user, sales_rep):
    theirs = notify(make_user("sales_rep"), "a")
    client = as_user(sales_rep)
    assert client.get(f"/inbox/{theirs.pk}/").status_code == 404
    assert client.post(f"/inbox/{theirs.pk}/read/").status_code == 404


def test_mark_read_with_htmx_returns_the_row_and_mark_all_says_what_it_did(as_user, sales_rep):
    one = notify(sales_rep, "a")
    notify(sales_rep, "b")
    client = as_user(sales_rep)
    row = client.post(f"/inbox/{one.pk}/read/", HTTP_HX_REQUEST="true")
    assert row.status_code == 200 and f'id="notification-{one.pk}"' in row.content.decode()
    assert "unread" not in row.content.decode().split('class="', 2)[1].split('"')[0]
    response = client.post("/inbox/read-all/", follow=True)
    assert "Marked 1 notification as read." in response.content.decode()


def test_preferences_change_timezone_and_times_follow_it(as_user, sales_rep):
    client = as_user(sales_rep)
    response = client.post(
        "/account/",
        {
            "first_name": "Sam",
            "last_name": "Carter",
            "email": "sam@example.com",
            "timezone": "Asia/Tokyo",
            "notify_by_email": "",
        },
        follow=True,
    )
    assert "Your preferences are saved." in response.content.decode()
    sales_rep.refresh_from_db()
    assert sales_rep.timezone == "Asia/Tokyo" and sales_rep.notify_by_email is False
    notification = notify(sales_rep, "tz")
    Notification.objects.filter(pk=notification.pk).update(
        created_at=datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    )
    html = client.get("/inbox/").content.decode()
    assert 'title="Tue 3 Mar 2026, 08:30 JST"' in html  # 23:30 UTC is 08:30 next day in Tokyo


def test_preferences_reject_bad_input_with_a_form_error(as_user, sales_rep):
    response = as_user(sales_rep).post(
        "/account/", {"email": "not-an-email", "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "Select a valid choice." in html
    sales_rep.refresh_from_db()
    assert sales_rep.timezone == "UTC"


def test_every_page_sends_a_strict_csp_and_has_no_inline_script(as_user, sales_rep):
    notify(sales_rep, "a")
    for url in ["/", "/inbox/", "/account/", "/account/password/", "/api/docs/"]:
        response = as_user(sales_rep).get(url)
        assert response.status_code == 200, url
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, url
        html = response.content.decode()
        inline = [m for m in re.findall(r"<script(?P<attrs>[^>]*)>", html) if "src=" not in m]
        assert inline == [], url
        assert " style=" not in html, url
    login = Client().get("/login/")
    assert "Content-Security-Policy" in login and "<script>" not in login.content.decode()


def test_forms_are_csrf_protected(sales_rep):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_rep)
    response = client.post("/inbox/read-all/")
    assert response.status_code == 403
    assert "This form expired" in response.content.decode()


def test_healthz_reports_database_and_broker():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_unknown_pages_are_a_friendly_404(as_user, marketer):
    response = as_user(marketer).get("/no-such-page/")
    assert response.status_code == 404
    assert "We couldn" in response.content.decode()


def test_a_refused_role_is_one_info_line_without_a_traceback(client, sales_rep, caplog):
    import logging

    client.force_login(sales_rep)
    with caplog.at_level(logging.INFO, logger="django.request"):
        assert client.get("/campaigns/new/").status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert (record.levelname, record.exc_info) == ("INFO", None)
    assert "Forbidden" in record.getMessage()


@pytest.mark.parametrize(
    ("path", "title"), [("/", "Home · Tandem"), ("/login/", "Sign in · Tandem")]
)
def test_tab_titles_name_the_page_then_tandem(client, marketer, path, title):
    if path != "/login/":
        client.force_login(marketer)
    assert f"<title>{title}</title>" in client.get(path).content.decode()

"""Every HTML form, posted hostile values as a person with the right to post it: never a 500.

The forms are found from the permission matrix (every routed POST), and their fields from
the pages that show them: every page in the matrix is read as a role that may see it, and
each POST form on it is filed under the route its action points to. Each form is posted: text with a NUL character (a 400
naming the field), a 1 MB value in each field, wrong types (words where numbers, dates
or ids go, several values where one goes) and choices the form does not offer. The
answer must be a 4xx or the page again with a form error, never a server error; nothing
else is asserted here, since each form's own tests say what it saves.
"""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve, reverse

from tests.conftest import client_for
from tests.test_permission_matrix import ALL_ROLES, MATRIX, World

MEGABYTE = "x" * (1024 * 1024)
SKIP_FIELDS = {"csrfmiddlewaretoken"}


class FormFields(HTMLParser):
    """Names of the fields in a page's POST forms, with their type and offered choices."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: dict[str, dict[str, dict]] = {}  # route name -> field -> type, choices
        self.fields: dict[str, dict] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.fields = None
            if (attrs.get("method") or "").lower() == "post":
                path = urlsplit(urljoin(self.page_url, attrs.get("action") or "")).path
                try:
                    route = resolve(path).view_name
                except Resolver404:
                    return
                self.fields = self.forms.setdefault(route, {})
        if self.fields is None or not attrs.get("name") or attrs["name"] in SKIP_FIELDS:
            if tag == "option" and self._select and self.fields is not None:
                self.fields[self._select]["choices"].append(attrs.get("value", ""))
            return
        if tag in {"input", "textarea", "select"}:
            field = self.fields.setdefault(
                attrs["name"], {"type": attrs.get("type", tag), "choices": []}
            )
            if tag == "input" and attrs.get("type") in {"radio", "checkbox"}:
                field["choices"].append(attrs.get("value", "on"))
            if tag == "select":
                self._select = attrs["name"]

    def handle_endtag(self, tag):
        if tag == "form":
            self.fields = None
        if tag == "select":
            self._select = None


def hostile_posts(fields: dict[str, dict], base: dict) -> list[tuple[str, dict]]:
    names = sorted(set(fields) | set(base))
    if not names:
        return [("an unexpected field", {"unexpected": MEGABYTE})]
    posts = [("NUL in every field", {**base, **{n: "a\x00b" for n in names}})]
    posts += [(f"1 MB in {n}", {**base, n: MEGABYTE}) for n in names]
    posts.append(("words where numbers, dates and ids go", {n: "twelve" for n in names}))
    posts.append(("several values where one goes", {n: ["1", "x", "-1"] for n in names}))
    posts.append(("negative and huge numbers", {n: "-99999999999999999999" for n in names}))
    chosen = {n: "no-such-choice" for n, f in fields.items() if f["choices"]}
    if chosen:
        posts.append(("choices the form does not offer", {**base, **chosen}))
    return posts


def posting_role(check) -> str | None:
    """The first role the route lets in (the form's real users)."""
    allowed = [r for r in ALL_ROLES if r != "anonymous" and check.expect[r] in {200, 302}]
    return allowed[0] if allowed else None


def form_fields(users) -> dict[str, dict[str, dict]]:
    """Every POST form on every page of the matrix, by the route it posts to."""
    forms: dict[str, dict[str, dict]] = {}
    for name, checks in MATRIX.items():
        for check in checks:
            role = posting_role(check)
            if check.method != "get" or check.api or check.settings or role is None:
                continue
            world = World(users=users)
            url = reverse(name, kwargs=check.kwargs(world, users[role]) if check.kwargs else None)
            page = client_for(users[role]).get(url)
            if page.status_code == 200 and "text/html" in page.get("Content-Type", ""):
                parser = FormFields(url)
                parser.feed(page.content.decode())
                for route, fields in parser.forms.items():
                    forms.setdefault(route, {}).update(fields)
    return forms


def form_targets(forms: dict) -> list[tuple[str, int]]:
    """Routes that take a POST: the matrix's POST checks, and pages whose own form posts back."""
    return [
        (name, index)
        for name, checks in MATRIX.items()
        for index, check in enumerate(checks)
        if not check.api
        and not check.settings
        and posting_role(check)
        and (check.method == "post" or (check.method == "get" and name in forms))
    ]


@pytest.mark.django_db
def test_hostile_values_in_every_form_never_get_a_server_error(users):
    forms = form_fields(users)
    targets = form_targets(forms)
    assert len(targets) > 50 and sum(map(len, forms.values())) > 100  # the crawl found them
    failures = []
    for name, index in targets:
        check = MATRIX[name][index]
        role = posting_role(check)
        world = World(users=users)
        url = reverse(name, kwargs=check.kwargs(world, users[role]) if check.kwargs else None)
        base = check.data(world, users[role]) if check.data else {}
        client = client_for(users[role])
        for label, data in hostile_posts(forms.get(name, {}), base):
            response = client.post(url, data)
            if response.status_code >= 500:
                failures.append(f"POST {url} as {role}, {label}: {response.status_code}")
            if label.startswith("NUL") and response.status_code != 400:
                failures.append(f"POST {url} as {role}, {label}: {response.status_code}, not 400")
    assert failures == []


@pytest.mark.django_db
def test_the_crawl_finds_the_fields_of_forms_shown_on_other_pages(users):
    forms = form_fields(users)
    assert {"name", "objective", "channels", "budget"} <= set(forms["campaigns:create"])
    assert "body" in forms["campaigns:comment"]  # the form on the campaign page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "lands_on"),
    [
        ("/personas/", "/personas/"),
        ("https://evil.example/phish", "/collateral/talking-points/"),
        ("//evil.example/phish", "/collateral/talking-points/"),
        ("collateral:library", "/collateral/talking-points/"),  # a route name is not a page
        (MEGABYTE, "/collateral/talking-points/"),
    ],
)
def test_next_goes_back_only_to_a_page_of_this_site(users, given, lands_on):
    from campaigns.models import TalkingPoint

    point = TalkingPoint.objects.create(kind="key_message", title="Fast")
    response = client_for(users["marketer"]).post(
        reverse("collateral:talking_point_delete", kwargs={"pk": point.pk}), {"next": given}
    )
    assert response.status_code == 302 and response["Location"] == lands_on

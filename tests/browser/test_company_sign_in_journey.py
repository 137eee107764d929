"""A person signs in with the company account: Tandem's button, the provider's page, back
in Tandem as the team their groups say; someone in no Tandem group is told whom to ask."""

import pytest
from playwright.sync_api import expect

from portal.models import Team, User
from tests.browser.conftest import screenshot
from tests.oidc_provider.harness import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def company_sign_in_live(settings, live_server, oidc_provider):
    oidc_provider.register_tandem(f"{live_server.url}/login/company/callback/")
    for name, value in oidc_provider.tandem_settings().items():
        setattr(settings, name, value)
    return oidc_provider


def at_the_provider_page(page, username: str) -> None:
    expect(page.get_by_role("heading", name="Example Corp")).to_be_visible()
    page.get_by_label("Company username").fill(username)
    page.get_by_label("Company password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_a_rep_signs_in_with_the_company_account(new_page, company_sign_in_live, live_server):
    company_sign_in_live.person(
        "carla", groups=["tandem-sales"], region="EMEA", first_name="Carla", last_name="Diaz"
    )
    page = new_page()
    page.goto("/campaigns/")  # signed out: the login page, which offers the company account
    page.get_by_role("link", name="Sign in with Example Corp").click()
    at_the_provider_page(page, "carla")
    page.wait_for_url(f"{live_server.url}/campaigns/")
    expect(page.get_by_role("heading", name="Campaigns", exact=True)).to_be_visible()
    page.get_by_role("button", name="Carla Diaz").click()
    expect(page.get_by_text("Sales · EMEA")).to_be_visible()
    screenshot(page, "company-sign-in-landed")
    carla = User.objects.get(username="carla")
    assert (carla.team, carla.region) == (Team.SALES, "EMEA")


def test_someone_in_no_tandem_group_is_told_whom_to_ask(new_page, company_sign_in_live, settings):
    settings.OIDC_ACCESS_CONTACT = "the IT service desk (it@corp.example)"
    company_sign_in_live.person("nora", groups=["all-staff"])
    page = new_page()
    page.goto("/login/")
    page.get_by_test_id("company-sign-in").click()
    at_the_provider_page(page, "nora")
    expect(page.get_by_role("heading", name="No access to Tandem")).to_be_visible()
    expect(page.get_by_test_id("whom-to-ask")).to_have_text(
        "Ask the IT service desk (it@corp.example) to add you to the group for your team,"
        " then sign in again."
    )
    screenshot(page, "company-sign-in-no-access")
    assert not User.objects.filter(username="nora").exists()

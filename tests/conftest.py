import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import ROLES, make_user


@pytest.fixture(autouse=True)
def _fresh_cache_and_lockouts(settings, tmp_path):
    """Each test starts with an empty cache (presence, throttles) and no login lockouts."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def users(db):
    """One user per role: marketer, marketing_lead, sales_rep, sales_lead, leadership."""
    return {role: make_user(role) for role in ROLES}


@pytest.fixture
def marketer(users):
    return users["marketer"]


@pytest.fixture
def marketing_lead(users):
    return users["marketing_lead"]


@pytest.fixture
def sales_rep(users):
    return users["sales_rep"]


@pytest.fixture
def sales_lead(users):
    return users["sales_lead"]


@pytest.fixture
def leadership(users):
    return users["leadership"]


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def api_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def as_user():
    """as_user(user) -> a Django test client signed in as that user (None: anonymous)."""
    return client_for


@pytest.fixture
def api_as():
    """api_as(user) -> a DRF test client authenticated as that user (None: anonymous)."""
    return api_for


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """The test OpenID Connect provider (tests/oidc_provider), in its own process."""
    from tests.oidc_provider import harness

    provider = harness.start(tmp_path_factory.mktemp("oidc-provider"))
    yield provider
    provider.stop()


@pytest.fixture
def company_sign_in(settings, oidc_provider):
    """Tandem's company sign-in set up against the test provider, for the test client."""
    oidc_provider.register_tandem("http://testserver/login/company/callback/")
    for name, value in oidc_provider.tandem_settings().items():
        setattr(settings, name, value)
    return oidc_provider


def pytest_configure(config):
    from django.conf import settings

    # The SQLite test database is a file (so worker processes can share it); its folder must exist.
    (settings.VAR_DIR / "test").mkdir(parents=True, exist_ok=True)

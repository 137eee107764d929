"""Settings come from the environment; production values pass Django's deploy check."""

import json
import os
import subprocess
import sys

from django.conf import settings
from django.utils.csp import CSP

ROOT = settings.BASE_DIR
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x7#k2!production-grade-secret-key-with-plenty-of-entropy-9fQ$",
    "ALLOWED_HOSTS": "tandem.example.com",
    "SITE_URL": "https://tandem.example.com",
    "STATIC_MANIFEST": "0",
    "EMAIL_BACKEND": "smtp",
    "EMAIL_HOST": "smtp.example.com",
}


def run_settings(env: dict, expression: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter with exactly `env`, print `expression` as JSON."""
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE']='portal.settings'\n"
        "from django.conf import settings as s\n"
        f"print(json.dumps({expression}, default=str))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_secret_key_is_required_when_debug_is_off():
    result = run_settings({"DEBUG": "0"}, "s.DEBUG")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_debug_runs_without_a_secret_key():
    result = run_settings({"DEBUG": "1"}, "s.DEBUG")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) is True


def test_defaults_need_no_server_sqlite_under_var_and_filesystem_broker():
    result = run_settings(
        {"DEBUG": "1"},
        "[s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], s.CELERY_BROKER_URL,"
        " s.CACHES['default']['BACKEND'], s.MAILERS['default']['BACKEND'],"
        " s.STORAGES['default']['BACKEND']]",
    )
    assert result.returncode == 0, result.stderr
    engine, name, broker, cache, email, storage = json.loads(result.stdout)
    assert engine == "django.db.backends.sqlite3"
    assert name == str(ROOT / "var" / "tandem.sqlite3")
    assert broker.startswith("filesystem://")
    assert cache.endswith("FileBasedCache")
    assert email == "django.core.mail.backends.console.EmailBackend"
    assert storage == "django.core.files.storage.FileSystemStorage"


def test_database_url_and_redis_url_select_postgres_and_redis():
    result = run_settings(
        {
            **PRODUCTION,
            "DATABASE_URL": "postgres://u:p@db.internal:5432/tandem",
            "REDIS_URL": "redis://cache.internal:6379/2",
        },
        "[s.DATABASES['default']['ENGINE'], s.DATABASES['default']['HOST'], s.CELERY_BROKER_URL,"
        " s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION']]",
    )
    assert result.returncode == 0, result.stderr
    engine, host, broker, cache, location = json.loads(result.stdout)
    assert engine == "django.db.backends.postgresql"
    assert host == "db.internal"
    assert broker == "redis://cache.internal:6379/2"
    assert cache == "portal.auth.FailSoftRedisCache"  # Redis, failing soft (portal.auth)
    assert location == "redis://cache.internal:6379/2"


def test_s3_compatible_media_storage_when_a_bucket_is_configured():
    result = run_settings(
        {
            **PRODUCTION,
            "AWS_STORAGE_BUCKET_NAME": "tandem-media",
            "AWS_S3_ENDPOINT_URL": "https://s3.example.com",
        },
        "s.STORAGES['default']",
    )
    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "tandem-media"
    assert storage["OPTIONS"]["endpoint_url"] == "https://s3.example.com"
    assert storage["OPTIONS"]["default_acl"] == "private"


def test_email_settings_come_from_the_environment():
    result = run_settings(
        {
            **PRODUCTION,
            "EMAIL_BACKEND": "smtp",
            "EMAIL_HOST": "smtp.example.com",
            "EMAIL_PORT": "587",
            "EMAIL_USE_TLS": "true",
            "EMAIL_HOST_USER": "tandem",
        },
        "s.MAILERS",
    )
    mailer = json.loads(result.stdout)["default"]
    assert mailer["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert mailer["OPTIONS"] | {"password": None} == {
        "host": "smtp.example.com",
        "port": 587,
        "username": "tandem",
        "password": None,
        "use_tls": True,
        "use_ssl": False,
        "timeout": 20,
    }


def deploy_check(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check_and_secure_cookies():
    result = deploy_check(PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    cookies = run_settings(
        PRODUCTION,
        "[s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0]",
    )
    assert json.loads(cookies.stdout) == [True, True, True, True, True]


def test_the_deploy_check_wants_the_address_people_open_in_site_url():
    """Emails link to SITE_URL; its default is `make run`'s address, useless in production."""
    unset = deploy_check({k: v for k, v in PRODUCTION.items() if k != "SITE_URL"})
    assert unset.returncode != 0
    assert "tandem.W001" in unset.stderr
    assert "SITE_URL is 'http://127.0.0.1:8000'" in unset.stderr
    plain = deploy_check({**PRODUCTION, "SITE_URL": "http://tandem.example.com"})
    assert plain.returncode != 0
    assert "tandem.W002" in plain.stderr


def test_site_url_is_read_without_a_trailing_slash():
    result = run_settings({"DEBUG": "1", "SITE_URL": "http://127.0.0.1:8123/"}, "s.SITE_URL")
    assert json.loads(result.stdout) == "http://127.0.0.1:8123"


def test_csp_forbids_inline_script_and_style():
    csp = settings.SECURE_CSP
    assert csp["script-src"] == ["'self'"]
    # A per-response nonce for the live editor's own stylesheet (CodeMirror), nothing inline.
    assert csp["style-src"] == ["'self'", CSP.NONCE]
    assert csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in str(csp) and "'unsafe-eval'" not in str(csp)


def test_celery_defaults_are_safe_for_at_least_once_delivery():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_TASK_TIME_LIMIT > settings.CELERY_TASK_SOFT_TIME_LIMIT > 0
    sweeper = settings.CELERY_BEAT_SCHEDULE["sweep-outbox"]
    assert sweeper["task"] == "portal.tasks.sweep_outbox"
    assert sweeper["schedule"] <= 60


def test_company_sign_in_comes_from_the_environment_and_passes_the_deploy_check():
    company = {
        **PRODUCTION,
        "OIDC_ISSUER": "https://login.corp.example/realms/corp",
        "OIDC_CLIENT_ID": "tandem",
        "OIDC_CLIENT_SECRET": "from-the-provider",
        "OIDC_TEAM_GROUPS": "marketing=tandem-marketing,sales=tandem-sales",
        "OIDC_LEAD_GROUPS": "tandem-leads",
        "OIDC_REGION_CLAIM": "region",
    }
    result = deploy_check(company)
    assert result.returncode == 0, result.stdout + result.stderr
    read = run_settings(company, "[s.OIDC_ISSUER, s.OIDC_SCOPES, s.OIDC_GROUPS_CLAIM]")
    assert json.loads(read.stdout) == [
        "https://login.corp.example/realms/corp",
        "openid email profile",
        "groups",
    ]
    plain = deploy_check({**company, "OIDC_ISSUER": "http://login.corp.example"})
    assert plain.returncode != 0 and "tandem.W003" in plain.stderr

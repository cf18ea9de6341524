"""Settings: safe local defaults, URL rewriting, and production refusing unsafe values."""

from __future__ import annotations

import pytest

from shared import bootstrap
from shared.config import Settings, UnsafeSettingsError, get_settings, load_settings
from shared.settings_checks import production_problems

GOOD_PRODUCTION_KEY = "kV9yq3Jx2mT8wLpR4sNd7fHb6cZa1eGu5oIi0QwErTy"
SAFE_PRODUCTION = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": GOOD_PRODUCTION_KEY,
    "DATABASE_URL": "postgresql+pg8000://lms@db.example.org:5432/lms",
    "STORAGE": "azure",
    "AZURE_STORAGE_ACCOUNT_URL": "https://lmsfiles.blob.core.windows.net",
    "MAIL_TRANSPORT": "firebase",
    "MAIL_FROM": "LMS <no-reply@lms.example.org>",
    "SEND_EMAIL_URL": "https://europe-west1-lms.cloudfunctions.net/sendEmail",
    "SEND_EMAIL_SIGNING_SECRET": "Zq8wLm3Rt7yUe2Io9pAs4dFg6hJk1lXc",
    "CERTIFICATE_SIGNING_KEY": "/run/secrets/certificate-signing-key.pem",
    "PUBLIC_API_URL": "https://api.lms.example.org",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch):
    """Each test starts from an environment that sets none of the settings."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name, raising=False)
    bootstrap.reset()
    yield
    bootstrap.reset()


def set_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def refusal(monkeypatch: pytest.MonkeyPatch, **values: str) -> UnsafeSettingsError:
    set_env(monkeypatch, **values)
    with pytest.raises(UnsafeSettingsError) as caught:
        get_settings()
    return caught.value


def test_defaults_are_local_and_safe():
    settings = get_settings()

    assert settings.ENVIRONMENT == "development"
    assert settings.DATABASE_URL == "sqlite:///./.lms/lms.db"
    assert settings.is_sqlite
    assert settings.BROKER == "local"
    assert settings.STORAGE == "local"
    assert settings.CORS_ORIGINS == ["http://localhost:3000"]
    assert settings.MAX_REQUEST_BODY_BYTES == 1_048_576
    assert settings.TRUSTED_PROXY_HOPS == 1
    assert settings.api_docs_enabled
    assert not settings.is_production


def test_settings_are_read_once_until_the_cache_is_cleared(monkeypatch):
    first = get_settings()
    monkeypatch.setenv("APP_NAME", "Changed")

    assert get_settings() is first
    bootstrap.reset()
    assert get_settings().APP_NAME == "Changed"


@pytest.mark.parametrize(
    "given",
    [
        "postgres://lms:pw@db:5432/lms",
        "postgresql://lms:pw@db:5432/lms",
        "postgresql+psycopg2://lms:pw@db:5432/lms",
    ],
)
def test_plain_postgres_urls_are_rewritten_to_pg8000(monkeypatch, given):
    monkeypatch.setenv("DATABASE_URL", given)

    assert get_settings().DATABASE_URL == "postgresql+pg8000://lms:pw@db:5432/lms"
    assert not get_settings().is_sqlite


def test_a_pg8000_url_is_kept_as_it_is(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+pg8000://lms@db/lms")

    assert get_settings().DATABASE_URL == "postgresql+pg8000://lms@db/lms"


@pytest.mark.parametrize("given", ["mysql://lms@db/lms", "postgresql+asyncpg://lms@db/lms", "db"])
def test_an_unsupported_database_url_is_refused_naming_the_setting(monkeypatch, given):
    error = refusal(monkeypatch, DATABASE_URL=given)

    assert len(error.problems) == 1
    assert error.problems[0].startswith("DATABASE_URL")
    assert "postgresql+pg8000://" in str(error)


def test_cors_origins_are_read_from_a_comma_separated_list(monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", " https://app.example.org , http://localhost:5173,")

    assert get_settings().CORS_ORIGINS == ["https://app.example.org", "http://localhost:5173"]


def test_cors_origins_are_read_from_a_json_list(monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", '["https://app.example.org", "https://admin.example.org"]')

    assert get_settings().CORS_ORIGINS == ["https://app.example.org", "https://admin.example.org"]


@pytest.mark.parametrize("given", ["*", '["*"]', "https://app.example.org,*"])
def test_a_wildcard_cors_origin_is_refused(monkeypatch, given):
    error = refusal(monkeypatch, CORS_ORIGINS=given)

    assert error.problems[0].startswith("CORS_ORIGINS")
    assert "'*' is not allowed" in str(error)


@pytest.mark.parametrize("given", ["app.example.org", "https://app.example.org/"])
def test_a_cors_origin_that_is_not_scheme_and_host_is_refused(monkeypatch, given):
    error = refusal(monkeypatch, CORS_ORIGINS=given)

    assert "scheme://host" in str(error)


def test_malformed_json_cors_origins_are_refused_not_crashed_on(monkeypatch):
    error = refusal(monkeypatch, CORS_ORIGINS='["https://app.example.org"')

    assert error.problems[0].startswith("CORS_ORIGINS")


def test_production_with_good_settings_loads(monkeypatch):
    set_env(monkeypatch, **SAFE_PRODUCTION)

    settings = get_settings()

    assert settings.is_production
    assert production_problems(settings) == []
    assert not settings.api_docs_enabled


@pytest.mark.parametrize(
    ("unsafe", "named"),
    [
        ({"SECRET_KEY": "dev-only-insecure-secret-key-change-me"}, "SECRET_KEY is a placeholder"),
        ({"SECRET_KEY": "changeme"}, "SECRET_KEY is a placeholder"),
        ({"SECRET_KEY": "x" * 40 + "-change-me"}, "SECRET_KEY is a placeholder"),
        ({"SECRET_KEY": "k" * 31}, "SECRET_KEY has 31 characters"),
        ({"DATABASE_URL": "sqlite:///./lms.db"}, "DATABASE_URL points at SQLite"),
        ({"STORAGE": "local"}, "STORAGE=local"),
        ({"DATABASE_SSLMODE": "require"}, "DATABASE_SSLMODE=require does not check"),
        ({"DATABASE_SSLMODE": "disable"}, "DATABASE_SSLMODE=disable does not check"),
        ({"PASSWORD_HASH_MEMORY_KIB": "19455"}, "below OWASP's minimum"),
        ({"PASSWORD_HASH_TIME_COST": "1"}, "below OWASP's minimum"),
        ({"CERTIFICATE_SIGNING_KEY": ""}, "CERTIFICATE_SIGNING_KEY is not set"),
        ({"PUBLIC_API_URL": "http://localhost:7071"}, "PUBLIC_API_URL points at this machine"),
    ],
)
def test_production_refuses_each_unsafe_setting(monkeypatch, unsafe, named):
    error = refusal(monkeypatch, **{**SAFE_PRODUCTION, **unsafe})

    assert len(error.problems) == 1
    assert named in error.problems[0]


def test_a_secret_key_of_exactly_the_minimum_length_is_accepted(monkeypatch):
    set_env(monkeypatch, **{**SAFE_PRODUCTION, "SECRET_KEY": "k" * 32})

    assert get_settings().SECRET_KEY == "k" * 32


def test_production_names_every_problem_in_one_error(monkeypatch):
    error = refusal(monkeypatch, ENVIRONMENT="production")

    message = str(error)
    assert len(error.problems) == 7
    assert "SECRET_KEY is a placeholder" in message
    assert "DATABASE_URL points at SQLite" in message
    assert "STORAGE=local" in message
    assert "MAIL_TRANSPORT=maildir" in message
    assert "MAIL_FROM is the local placeholder" in message
    assert "CERTIFICATE_SIGNING_KEY is not set" in message
    assert "PUBLIC_API_URL points at this machine" in message


def test_production_serves_the_api_docs_only_when_enable_api_docs_says_so(monkeypatch):
    set_env(monkeypatch, **{**SAFE_PRODUCTION, "ENABLE_API_DOCS": "true"})

    settings = get_settings()

    assert production_problems(settings) == []
    assert settings.api_docs_enabled


def test_the_same_unsafe_settings_are_fine_outside_production(monkeypatch):
    set_env(monkeypatch, ENVIRONMENT="test", SECRET_KEY="short", ENABLE_API_DOCS="true")

    assert get_settings().api_docs_enabled


def test_azure_storage_without_credentials_is_refused_in_any_environment(monkeypatch):
    error = refusal(monkeypatch, STORAGE="azure")

    assert error.problems == [
        "STORAGE=azure needs AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL"
    ]


def test_azure_storage_with_a_connection_string_loads(monkeypatch):
    set_env(
        monkeypatch,
        STORAGE="azure",
        AZURE_STORAGE_CONNECTION_STRING="UseDevelopmentStorage=true",
    )

    assert load_settings().STORAGE == "azure"


def test_a_malformed_value_is_reported_as_a_settings_problem(monkeypatch):
    error = refusal(monkeypatch, MAX_REQUEST_BODY_BYTES="lots", TRUSTED_PROXY_HOPS="11")

    assert [p.split(":")[0] for p in error.problems] == [
        "MAX_REQUEST_BODY_BYTES",
        "TRUSTED_PROXY_HOPS",
    ]


@pytest.mark.parametrize(
    ("url", "mode", "in_force"),
    [
        ("postgresql+pg8000://lms@127.0.0.1/lms", "auto", "disable"),
        ("postgresql+pg8000://lms@localhost:5433/lms", "auto", "disable"),
        ("postgresql+pg8000://lms@db.example.org/lms", "auto", "verify-full"),
        ("postgresql+pg8000://lms@db.example.org/lms", "require", "require"),
        ("postgresql+pg8000://lms@127.0.0.1/lms", "verify-full", "verify-full"),
        ("sqlite:///./lms.db", "auto", "disable"),
    ],
)
def test_database_tls_is_off_for_loopback_and_verified_elsewhere_unless_set(url, mode, in_force):
    settings = load_settings({"DATABASE_URL": url, "DATABASE_SSLMODE": mode})

    assert settings.database_tls == in_force


def test_production_accepts_a_loopback_database_without_tls(monkeypatch):
    set_env(monkeypatch, **{**SAFE_PRODUCTION, "DATABASE_URL": "postgresql://lms@127.0.0.1/lms"})

    assert get_settings().database_tls == "disable"


@pytest.mark.parametrize("content", [None, "not a certificate", ""])
def test_a_ca_bundle_that_is_missing_or_not_pem_is_refused_in_any_environment(
    monkeypatch, tmp_path, content
):
    path = tmp_path / "ca.pem"
    if content is not None:
        path.write_text(content)

    error = refusal(monkeypatch, DATABASE_SSLROOTCERT=str(path))

    assert len(error.problems) == 1
    assert f"DATABASE_SSLROOTCERT={path} is not a readable CA bundle" in error.problems[0]


def test_a_pem_ca_bundle_is_accepted(monkeypatch, tmp_path):
    from tests.tls import write_self_signed_certificate

    cert, _ = write_self_signed_certificate(tmp_path)
    set_env(monkeypatch, DATABASE_SSLROOTCERT=str(cert))

    bundle = get_settings().DATABASE_SSLROOTCERT

    assert bundle == str(cert)


def test_the_pool_fits_the_worker_threads_unless_set():
    assert load_settings({"PYTHON_THREADPOOL_THREAD_COUNT": "8"}).db_pool_size == 8 + 4 + 1
    assert load_settings({"PYTHON_THREADPOOL_THREAD_COUNT": "2"}).db_pool_size == 2 + 4 + 1
    assert load_settings({"DB_POOL_SIZE": "3"}).db_pool_size == 3


def test_the_password_hash_defaults_are_owasps_minimum():
    settings = load_settings({})

    assert (
        settings.PASSWORD_HASH_MEMORY_KIB,
        settings.PASSWORD_HASH_TIME_COST,
        settings.PASSWORD_HASH_PARALLELISM,
    ) == (19_456, 2, 1)


def test_the_read_timeout_defaults_to_the_statement_timeout_plus_the_connect_timeout(monkeypatch):
    set_env(monkeypatch, DB_STATEMENT_TIMEOUT_MS="20000", DB_CONNECT_TIMEOUT="3")

    assert get_settings().db_read_timeout == 23.0


def test_without_a_statement_timeout_reads_wait_as_long_as_it_takes_unless_told(monkeypatch):
    set_env(monkeypatch, DB_STATEMENT_TIMEOUT_MS="0")
    assert get_settings().db_read_timeout is None

    get_settings.cache_clear()
    set_env(monkeypatch, DB_STATEMENT_TIMEOUT_MS="0", DB_READ_TIMEOUT="60")
    assert get_settings().db_read_timeout == 60.0


def test_a_read_timeout_shorter_than_the_statement_timeout_is_refused(monkeypatch):
    error = refusal(monkeypatch, DB_STATEMENT_TIMEOUT_MS="30000", DB_READ_TIMEOUT="10")

    assert len(error.problems) == 1
    assert "DB_READ_TIMEOUT=10 s ends before DB_STATEMENT_TIMEOUT_MS=30000 ms" in error.problems[0]
    assert "raise DB_READ_TIMEOUT above 30" in error.problems[0]

"""Mail settings: a safe local default, and each transport refused without what it needs."""

from __future__ import annotations

import pytest

from shared import bootstrap
from shared.config import Settings, UnsafeSettingsError, load_settings
from shared.mail.firebase import FirebaseTransport
from shared.mail.smtp import SmtpTransport

SECRET = "Zq8wLm3Rt7yUe2Io9pAs4dFg6hJk1lXc"
PRODUCTION = {
    "ENVIRONMENT": "production",
    "SECRET_KEY": "kV9yq3Jx2mT8wLpR4sNd7fHb6cZa1eGu5oIi0QwErTy",
    "DATABASE_URL": "postgresql+pg8000://lms@db.example.org:5432/lms",
    "STORAGE": "azure",
    "AZURE_STORAGE_ACCOUNT_URL": "https://lmsfiles.blob.core.windows.net",
    "MAIL_FROM": "LMS <no-reply@lms.example.org>",
    "CERTIFICATE_SIGNING_KEY": "/run/secrets/certificate-signing-key.pem",
    "PUBLIC_API_URL": "https://api.lms.example.org",
}
FIREBASE = {
    "MAIL_TRANSPORT": "firebase",
    "SEND_EMAIL_URL": "https://europe-west1-lms.cloudfunctions.net/sendEmail",
    "SEND_EMAIL_SIGNING_SECRET": SECRET,
}


def problems(**environ: str) -> list[str]:
    with pytest.raises(UnsafeSettingsError) as caught:
        load_settings(environ)
    return caught.value.problems


def test_mail_is_written_to_a_local_maildir_by_default() -> None:
    settings = load_settings({})
    assert settings.MAIL_TRANSPORT == "maildir"
    assert str(settings.MAILDIR_PATH) == ".lms/mail"
    assert settings.SMTP_SECURITY == "starttls"


def test_production_refuses_the_maildir_saying_which_transports_to_use() -> None:
    [problem] = problems(**PRODUCTION)
    assert problem.startswith("MAIL_TRANSPORT=maildir only writes mail to a folder")
    assert "MAIL_TRANSPORT=firebase" in problem
    assert "MAIL_TRANSPORT=smtp" in problem


def test_production_accepts_firebase_with_an_https_url_and_a_long_secret() -> None:
    assert load_settings({**PRODUCTION, **FIREBASE}).MAIL_TRANSPORT == "firebase"


def test_production_refuses_the_placeholder_sender() -> None:
    environ = {**PRODUCTION, **FIREBASE}
    del environ["MAIL_FROM"]
    [problem] = problems(**environ)
    assert "MAIL_FROM is the local placeholder" in problem


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SEND_EMAIL_URL": "http://sendemail.example.org/"}, "SEND_EMAIL_URL must be https://"),
        ({"SEND_EMAIL_SIGNING_SECRET": "short"}, "SEND_EMAIL_SIGNING_SECRET has 5 characters"),
    ],
)
def test_production_refuses_a_weak_firebase_setup(change: dict[str, str], named: str) -> None:
    [problem] = problems(**{**PRODUCTION, **FIREBASE, **change})
    assert named in problem


def test_production_refuses_an_smtp_login_without_encryption() -> None:
    [problem] = problems(
        **PRODUCTION,
        MAIL_TRANSPORT="smtp",
        SMTP_HOST="smtp.example.org",
        SMTP_SECURITY="none",
        SMTP_USERNAME="lms",
        SMTP_PASSWORD="pw",
    )
    assert problem.startswith("SMTP_SECURITY=none would send SMTP_PASSWORD unencrypted")


def test_firebase_without_its_url_and_secret_is_refused_in_any_environment() -> None:
    assert problems(MAIL_TRANSPORT="firebase") == [
        "MAIL_TRANSPORT=firebase needs SEND_EMAIL_URL and SEND_EMAIL_SIGNING_SECRET "
        "(the sendEmail function's URL and its shared signing secret)"
    ]


def test_smtp_without_a_host_or_with_half_a_login_is_refused_in_any_environment() -> None:
    assert problems(MAIL_TRANSPORT="smtp", SMTP_USERNAME="lms") == [
        "MAIL_TRANSPORT=smtp needs SMTP_HOST (and SMTP_PORT)",
        "SMTP_USERNAME and SMTP_PASSWORD go together: set both, or neither for a relay that "
        "needs no login",
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MAIL_FROM", "no address here"),
        ("MAIL_FROM", "a@example.org\nBcc: b@example.org"),
        ("SEND_EMAIL_URL", "ftp://example.org/sendEmail"),
        ("SMTP_SECURITY", "tls"),
        ("SMTP_PORT", "0"),
    ],
)
def test_a_malformed_mail_setting_is_refused_by_name(name: str, value: str) -> None:
    [problem] = problems(**{name: value})
    assert problem.startswith(f"{name}:")


def test_the_transport_is_the_one_mail_transport_names() -> None:
    smtp = bootstrap.build(Settings(MAIL_TRANSPORT="smtp", SMTP_HOST="mx.example.org")).mail
    assert isinstance(smtp, SmtpTransport)
    assert repr(smtp) == "SmtpTransport(mx.example.org:587, security=starttls)"
    firebase = bootstrap.build(Settings(**FIREBASE)).mail  # type: ignore[arg-type]
    assert isinstance(firebase, FirebaseTransport)
    assert SECRET not in repr(firebase)

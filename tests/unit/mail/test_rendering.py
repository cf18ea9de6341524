"""Every e-mail renders a subject, a text part and an HTML part from its payload."""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

import pytest

from shared.config import get_settings
from shared.mail.catalog import EMAILS
from shared.mail.rendering import RenderedEmail, UnrenderableEmailError, render
from shared.services.identity import account_emails
from tests.unit.mail.payloads import LINKS, PAYLOADS, SUBJECTS, TOKEN

REPO_ROOT = Path(__file__).resolve().parents[3]
XSS = "<script>alert('x')</script>"


def test_every_message_type_has_a_sample_payload_and_a_subject_here() -> None:
    assert set(PAYLOADS) == set(EMAILS) == set(SUBJECTS)


def test_the_catalog_renders_every_type_the_identity_flows_publish() -> None:
    published = {
        account_emails.WELCOME,
        account_emails.VERIFY_EMAIL,
        account_emails.PASSWORD_RESET,
        account_emails.MFA_LOGIN_CODE,
        account_emails.MFA_SETUP_CODE,
    }
    assert published <= set(EMAILS)


@pytest.mark.parametrize("message_type", sorted(PAYLOADS))
def test_each_email_has_its_subject_and_greets_by_name_in_both_parts(message_type: str) -> None:
    email = render(message_type, PAYLOADS[message_type])
    assert email.to == "ada@example.org"
    assert email.subject == SUBJECTS[message_type]
    assert email.text.startswith("Hello Ada Lovelace,\n")
    assert "The LMS Team" in email.text
    assert email.html.startswith("<!DOCTYPE html>")
    assert "<p>Hello Ada Lovelace,</p>" in email.html
    assert f"<title>{email.subject}</title>" in email.html


@pytest.mark.parametrize("message_type", sorted(LINKS))
def test_each_email_carries_its_link_in_both_parts(message_type: str) -> None:
    email = render(message_type, PAYLOADS[message_type])
    link = LINKS[message_type]
    assert f"\n{link}\n" in email.text
    assert f'href="{html.escape(link)}"' in email.html


@pytest.mark.parametrize("message_type", ["email.mfa_login_code", "email.mfa_setup_code"])
def test_the_code_emails_show_the_code_in_both_parts(message_type: str) -> None:
    payload = PAYLOADS[message_type]
    email = render(message_type, payload)
    assert f"    {payload['code']}\n" in email.text
    assert f">{payload['code']}</p>" in email.html
    assert f"expires in {payload['expires_minutes']} minutes" in email.text


@pytest.mark.parametrize("message_type", ["email.verify_email", "email.password_reset"])
def test_a_token_appears_only_inside_its_link(message_type: str) -> None:
    email = render(message_type, PAYLOADS[message_type])
    link = LINKS[message_type]
    assert TOKEN not in email.text.replace(link, "")
    assert TOKEN not in email.html.replace(html.escape(link), "")
    assert TOKEN not in email.subject


def test_the_html_part_escapes_markup_from_the_payload_and_the_text_part_keeps_it() -> None:
    payload = {**PAYLOADS["email.certificate_issued"], "course_title": XSS, "full_name": XSS}
    email = render("email.certificate_issued", payload)
    assert "<script>" not in email.html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in email.html
    assert f'Your certificate for "{XSS}" is ready.' in email.text
    assert email.text.startswith(f"Hello {XSS},")
    assert email.subject == f"Your certificate for {XSS}"


def test_a_line_break_in_a_title_cannot_add_a_header_through_the_subject() -> None:
    payload = {**PAYLOADS["email.course_completed"], "course_title": "Engines\r\nBcc: x@evil.test"}
    assert render("email.course_completed", payload).subject == (
        "You completed Engines Bcc: x@evil.test"
    )


def test_page_links_come_from_frontend_base_url_with_ids_quoted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FRONTEND_BASE_URL", "https://learn.example.org/")
    get_settings.cache_clear()
    payload = {**PAYLOADS["email.enrollment_confirmation"], "course_id": "a/b?c"}
    email = render("email.enrollment_confirmation", payload)
    assert "\nhttps://learn.example.org/courses/a%2Fb%3Fc\n" in email.text
    assert "\nhttps://learn.example.org\n" in email.text  # the signature's app link


def test_a_payload_without_a_field_its_template_uses_is_refused_naming_the_field() -> None:
    payload = dict(PAYLOADS["email.mfa_login_code"])
    del payload["code"]
    with pytest.raises(UnrenderableEmailError, match="'code' is undefined"):
        render("email.mfa_login_code", payload)


def test_a_payload_without_the_id_of_a_linked_page_is_refused_naming_the_id() -> None:
    payload = dict(PAYLOADS["email.certificate_issued"])
    del payload["certificate_id"]
    with pytest.raises(UnrenderableEmailError, match="certificate_id"):
        render("email.certificate_issued", payload)


@pytest.mark.parametrize(
    "to",
    [None, 42, "", "not-an-address", "Ada <ada@example.org>", "ada@example.org\r\nBcc: x@y.z"],
)
def test_a_recipient_that_is_not_one_plain_address_is_refused_without_echoing_it(
    to: object,
) -> None:
    payload = {**PAYLOADS["email.welcome"], "to": to}
    with pytest.raises(UnrenderableEmailError) as caught:
        render("email.welcome", payload)
    assert "example.org" not in str(caught.value)


def test_an_unknown_message_type_is_refused() -> None:
    with pytest.raises(UnrenderableEmailError, match=r"email\.unknown"):
        render("email.unknown", PAYLOADS["email.welcome"])


def test_the_repr_of_an_email_shows_neither_the_address_nor_the_body() -> None:
    email = RenderedEmail("ada@example.org", "Reset", f"link {TOKEN}", f"<a>{TOKEN}</a>")
    assert "ada@" not in repr(email)
    assert TOKEN not in repr(email)
    assert "***@example.org" in repr(email)


def test_starting_the_app_imports_neither_jinja2_nor_a_transport() -> None:
    # A fresh interpreter: this one has rendered templates already.
    program = (
        "import sys, function_app\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'jinja2'\n"
        "    or m in ('shared.mail.smtp', 'shared.mail.firebase', 'shared.mail.maildir'))\n"
        "assert 'shared.services.email_delivery' in sys.modules\n"
        "print(loaded)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"

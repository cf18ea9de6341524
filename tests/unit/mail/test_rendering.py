"""Every e-mail renders a subject, a text part and an HTML part from its message."""

from __future__ import annotations

import html
import subprocess
import sys
from pathlib import Path

import pytest

from shared import bootstrap
from shared.mail.rendering import RenderedEmail, render
from shared.messages.emails import EMAILS
from tests.unit.mail.payloads import (
    LINKS,
    PAYLOADS,
    SUBJECTS,
    TOKEN,
    VERIFY_CERTIFICATE_LINK,
    email,
)

REPO_ROOT = Path(__file__).resolve().parents[3]
XSS = "<script>alert('x')</script>"


def rendered(message_type: str, **changes: object) -> RenderedEmail:
    return render(email(message_type, **changes), bootstrap.current().settings)


def test_every_message_type_has_a_sample_payload_and_a_subject_here() -> None:
    assert set(PAYLOADS) == {e.type for e in EMAILS} == set(SUBJECTS)


@pytest.mark.parametrize("message_type", sorted(PAYLOADS))
def test_each_email_has_its_subject_and_greets_by_name_in_both_parts(message_type: str) -> None:
    result = rendered(message_type)
    assert result.to == "ada@example.org"
    assert result.subject == SUBJECTS[message_type]
    assert result.text.startswith("Hello Ada Lovelace,\n")
    assert "The LMS Team" in result.text
    assert result.html.startswith("<!DOCTYPE html>")
    assert "<p>Hello Ada Lovelace,</p>" in result.html
    assert f"<title>{result.subject}</title>" in result.html


@pytest.mark.parametrize("message_type", sorted(LINKS))
def test_each_email_carries_its_link_in_both_parts(message_type: str) -> None:
    result = rendered(message_type)
    link = LINKS[message_type]
    assert f"\n{link}\n" in result.text
    assert f'href="{html.escape(link)}"' in result.html


def test_the_certificate_email_carries_the_verification_link_in_both_parts() -> None:
    result = rendered("email.certificate_issued")
    assert f"\n{VERIFY_CERTIFICATE_LINK}\n" in result.text
    assert f'href="{html.escape(VERIFY_CERTIFICATE_LINK)}"' in result.html


def test_the_revocation_email_says_when_and_why_in_both_parts() -> None:
    result = rendered("email.certificate_revoked")
    for part in (result.text, result.html):
        assert "CERT-20261123-4F2A9C" in part
        assert "5 December 2026" in part
        assert "The final exam was taken by someone else" in part


@pytest.mark.parametrize("message_type", ["email.mfa_login_code", "email.mfa_setup_code"])
def test_the_code_emails_show_the_code_in_both_parts(message_type: str) -> None:
    payload = PAYLOADS[message_type]
    result = rendered(message_type)
    assert f"    {payload['code']}\n" in result.text
    assert f">{payload['code']}</p>" in result.html
    assert f"expires in {payload['expires_minutes']} minutes" in result.text


@pytest.mark.parametrize("message_type", ["email.verify_email", "email.password_reset"])
def test_a_token_appears_only_inside_its_link(message_type: str) -> None:
    result = rendered(message_type)
    link = LINKS[message_type]
    assert TOKEN not in result.text.replace(link, "")
    assert TOKEN not in result.html.replace(html.escape(link), "")
    assert TOKEN not in result.subject


def test_the_html_part_escapes_markup_from_the_payload_and_the_text_part_keeps_it() -> None:
    result = rendered("email.certificate_issued", course_title=XSS, full_name=XSS)
    assert "<script>" not in result.html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in result.html
    assert f'Your certificate for "{XSS}" is ready.' in result.text
    assert result.text.startswith(f"Hello {XSS},")
    assert result.subject == f"Your certificate for {XSS}"


def test_a_line_break_in_a_title_cannot_add_a_header_through_the_subject() -> None:
    result = rendered("email.course_completed", course_title="Engines\r\nBcc: x@evil.test")
    assert result.subject == "You completed Engines Bcc: x@evil.test"


def test_page_links_come_from_frontend_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTEND_BASE_URL", "https://learn.example.org/")
    bootstrap.reset()
    result = rendered("email.enrollment_confirmation")
    course_id = PAYLOADS["email.enrollment_confirmation"]["course_id"]
    assert f"\nhttps://learn.example.org/courses/{course_id}\n" in result.text
    assert "\nhttps://learn.example.org\n" in result.text  # the signature's app link


@pytest.mark.parametrize(
    "to",
    [None, 42, "", "not-an-address", "Ada <ada@example.org>", "ada@example.org\r\nBcc: x@y.z"],
)
def test_a_recipient_that_is_not_one_plain_address_is_not_an_email(to: object) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        email("email.welcome", to=to)


def test_the_repr_of_an_email_shows_neither_the_address_nor_the_body() -> None:
    result = RenderedEmail("ada@example.org", "Reset", f"link {TOKEN}", f"<a>{TOKEN}</a>")
    assert "ada@" not in repr(result)
    assert TOKEN not in repr(result)
    assert "***@example.org" in repr(result)


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

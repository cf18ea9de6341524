"""Turn an e-mail message into subject, text part and HTML part, from Jinja2 templates.

    email = render(WelcomeEmail(to="ada@example.org", full_name="Ada"), settings)

Links. The identity e-mails carry a finished `link` with their single-use token inside; the
others carry ids, and the pages they point at are built here from FRONTEND_BASE_URL:

    app_url          {FRONTEND_BASE_URL}                          every template
    course_url       {FRONTEND_BASE_URL}/courses/{course_id}
    certificate_url  {FRONTEND_BASE_URL}/certificates/{certificate_id}
    assignment_url   {FRONTEND_BASE_URL}/assignments/{assignment_id}

HTML templates are autoescaped (a course title of `<script>` arrives as text); text templates
are not, since nothing interprets them. Jinja2 is imported on the first render, not at a cold
start of an app that may never send mail.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from shared.config import Settings
from shared.messages.emails import Email

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
# The frontend's pages that e-mails link to, the one place their paths are written down:
# template variable -> (path under FRONTEND_BASE_URL, the field naming the item).
FRONTEND_PAGES: Mapping[str, tuple[str, str]] = {
    "course_url": ("courses", "course_id"),
    "certificate_url": ("certificates", "certificate_id"),
    "assignment_url": ("assignments", "assignment_id"),
}


class UnrenderableEmailError(ValueError):
    """An e-mail its templates cannot render; no retry can change that."""


@dataclass(frozen=True)
class RenderedEmail:
    to: str
    subject: str
    text: str
    html: str

    def __repr__(self) -> str:
        # Reprs reach logs and tracebacks: no full address, no body (it may hold a token).
        return (
            f"RenderedEmail(to='***@{recipient_domain(self.to)}', subject={self.subject!r}, "
            f"text=<{len(self.text)} chars>, html=<{len(self.html)} chars>)"
        )


def recipient_domain(address: str) -> str:
    """The part of an address that may be logged."""
    return address.rpartition("@")[2] or "?"


def render(email: Email, settings: Settings) -> RenderedEmail:
    """Render one e-mail; UnrenderableEmailError when its fields do not fit its templates."""
    from jinja2 import TemplateError, UndefinedError

    base_url = settings.FRONTEND_BASE_URL.rstrip("/")
    context: dict[str, Any] = {**email.payload(), "app_url": base_url}
    for page in email.pages:
        context[page] = frontend_url(base_url, page, context)
    environment = _environment()
    try:
        subject = " ".join(environment.from_string(email.subject).render(context).split())
        context["subject"] = subject
        text = environment.get_template(f"{email.template}.txt").render(context)
        html = environment.get_template(f"{email.template}.html").render(context)
    except UndefinedError as exc:
        raise UnrenderableEmailError(
            f"{email.type}: a field its template uses is missing ({exc.message})"
        ) from None
    except TemplateError as exc:
        raise UnrenderableEmailError(f"{email.type}: its template fails ({exc})") from None
    return RenderedEmail(to=email.to, subject=subject, text=text, html=html)


def frontend_url(base_url: str, page: str, fields: Mapping[str, Any]) -> str:
    """The page's URL under `base_url`, its id from `fields` quoted as one path segment."""
    path, id_field = FRONTEND_PAGES[page]
    return f"{base_url}/{path}/{quote(str(fields[id_field]), safe='')}"


@functools.cache
def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        # .html files escape every value; .txt files and subjects (from_string) do not.
        autoescape=select_autoescape(
            enabled_extensions=("html",), default_for_string=False, default=False
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # deployed templates never change under a running app
    )

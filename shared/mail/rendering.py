"""Turn a queue message into an e-mail: subject, text part and HTML part, from Jinja2 templates.

    email = render("email.welcome", {"to": "ada@example.org", "full_name": "Ada"})

HTML templates are autoescaped (a course title of `<script>` arrives as text); text templates
are not, since nothing interprets them. Jinja2 is imported on the first render, not at a cold
start of an app that may never send mail.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shared.config import Settings, get_settings
from shared.mail.catalog import EMAILS, frontend_url

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
MAX_ADDRESS_LENGTH = 320  # RFC 5321: 64 for the local part, @, 255 for the domain


class UnrenderableEmailError(ValueError):
    """A payload this message type cannot be rendered from; no retry can change that."""


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


def render(
    message_type: str, payload: Mapping[str, Any], settings: Settings | None = None
) -> RenderedEmail:
    """Render one message; UnrenderableEmailError when its payload does not fit its template."""
    from jinja2 import UndefinedError

    kind = EMAILS.get(message_type)
    if kind is None:
        raise UnrenderableEmailError(f"{message_type!r} is not an e-mail this app can render")
    settings = settings or get_settings()
    to = _recipient(payload)
    base_url = settings.FRONTEND_BASE_URL.rstrip("/")
    context = dict(payload, app_url=base_url)
    for page in kind.pages:
        try:
            context[page] = frontend_url(base_url, page, payload)
        except KeyError as missing:
            raise UnrenderableEmailError(
                f"{message_type}: the payload has no {missing} for its {page}"
            ) from None
    environment = _environment()
    try:
        subject = " ".join(environment.from_string(kind.subject).render(context).split())
        context["subject"] = subject
        text = environment.get_template(f"{kind.template}.txt").render(context)
        html = environment.get_template(f"{kind.template}.html").render(context)
    except UndefinedError as exc:
        raise UnrenderableEmailError(
            f"{message_type}: the payload lacks a field its template uses ({exc.message})"
        ) from None
    return RenderedEmail(to=to, subject=subject, text=text, html=html)


def _recipient(payload: Mapping[str, Any]) -> str:
    to = payload.get("to")
    if (
        not isinstance(to, str)
        or len(to) > MAX_ADDRESS_LENGTH
        or "@" not in to
        or parseaddr(to)[1] != to
        or any(c.isspace() for c in to)
    ):
        # The value stays out of the message: it may be an address, which logs must not show.
        raise UnrenderableEmailError("the payload's `to` is not one plain e-mail address")
    return to


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

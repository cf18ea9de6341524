"""Field rules that several API schemas share, so each is written once.

- Slugs: `slugify` (the reference's rule for making one from a title) and `Slug`, the type of a
  slug a client sends (3 to 255 characters: a-z, 0-9 and single dashes).
- Web addresses: `web_url(max_length=n)`, the validator of `Annotated[str, web_url(max_length=n)]`,
  an http(s) address with a host, trimmed, of at most n characters.
"""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, StringConstraints

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_MIN_LENGTH = 3
SLUG_MAX_LENGTH = 255  # the slug columns' String(255)

Slug = Annotated[
    str,
    StringConstraints(min_length=SLUG_MIN_LENGTH, max_length=SLUG_MAX_LENGTH, pattern=SLUG_PATTERN),
]

_DROPPED = re.compile(r"[^a-z0-9\s-]")
_SEPARATORS = re.compile(r"[\s-]+")


def slugify(text: str, max_length: int = SLUG_MAX_LENGTH) -> str:
    """The reference's rule: lower-case; drop characters other than [a-z0-9\\s-]; collapse
    whitespace and dashes to one '-'; trim '-'. Cut to `max_length` characters (and trimmed
    again), so the result fits the column. It may be shorter than a valid Slug, even empty."""
    slug = _SEPARATORS.sub("-", _DROPPED.sub("", text.lower())).strip("-")
    return slug[:max_length].rstrip("-")


def web_url(max_length: int) -> AfterValidator:
    """The check of an address that browsers load or people open: `Annotated[str,
    web_url(max_length=n)]` trims the value, then refuses one longer than n characters or that
    is not an http(s) address with a host (never javascript:, data:, ftp: or a bare path).
    A blank value is refused too; a field where blank means "none" says so itself."""

    def check(value: str) -> str:
        value = value.strip()
        if len(value) > max_length:
            raise ValueError(f"must have at most {max_length} characters")
        parts = urlsplit(value)  # lower-cases the scheme
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) address with a host, e.g. https://example.org/x")
        return value

    return AfterValidator(check)

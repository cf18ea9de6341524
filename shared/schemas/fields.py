"""Field rules that several API schemas share, so each is written once.

- Slugs: `slugify` (the reference's rule for making one from a title) and `Slug`, the type of a
  slug a client sends (3 to 255 characters: a-z, 0-9 and single dashes).
- Metadata: `Metadata`, a free-form JSON object a client may attach (courses, lessons,
  questions), bounded in depth, keys and size so a stored value can never break a read.
- Decimal strings: `AS_DECIMAL_STRING`, the serializer of a figure the reference sent as
  "50.00", not as a number.
- Web addresses: `web_url(max_length=n)`, the validator of `Annotated[str, web_url(max_length=n)]`,
  an http(s) address with a host, trimmed, of at most n characters; `is_web_address`, the same
  test for a service that answers it with a message of its own.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, PlainSerializer, StringConstraints

log = logging.getLogger("lms.schemas")

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
        if not is_web_address(value):
            raise ValueError("must be an http(s) address with a host, e.g. https://example.org/x")
        return value

    return AfterValidator(check)


def is_web_address(value: str) -> bool:
    """An http(s) address with a host (never javascript:, data:, ftp: or a bare path)."""
    try:
        parts = urlsplit(value)  # lower-cases the scheme
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # an invalid port or IPv6 literal
        return False


METADATA_MAX_DEPTH = 10
METADATA_MAX_KEYS = 200
METADATA_MAX_BYTES = 64 * 1024


def _bounded_metadata(value: dict[str, Any]) -> dict[str, Any]:
    depth, keys = _shape(value)
    if depth > METADATA_MAX_DEPTH:
        raise ValueError(f"may be nested at most {METADATA_MAX_DEPTH} levels deep")
    if keys > METADATA_MAX_KEYS:
        raise ValueError(f"may hold at most {METADATA_MAX_KEYS} keys in all")
    size = len(json.dumps(value, ensure_ascii=False).encode())
    if size > METADATA_MAX_BYTES:
        raise ValueError(f"may take at most {METADATA_MAX_BYTES} bytes as JSON, not {size}")
    return value


def _shape(value: Any) -> tuple[int, int]:
    """Levels of objects and arrays, and keys in all objects, without recursion."""
    deepest = keys = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            deepest, keys = max(deepest, level), keys + len(item)
            stack.extend((child, level + 1) for child in item.values())
        elif isinstance(item, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in item)
    return deepest, keys


Metadata = Annotated[dict[str, Any], AfterValidator(_bounded_metadata)]


def _readable_metadata(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Metadata stored before it was bounded may be beyond what a response can carry (300
    levels deep broke every course list): such a value is left in the database, untouched,
    and shown as null, with a warning naming no content."""
    if value is None:
        return None
    try:
        return _bounded_metadata(value)
    except ValueError as exc:
        log.warning("stored metadata shown as null: it %s", exc)
        return None


StoredMetadata = Annotated[dict[str, Any] | None, AfterValidator(_readable_metadata)]


def _two_decimals(value: float) -> str:
    return f"{value:.2f}"


# A numeric(5, 2) figure the reference sent as a string with two decimals ("50.00": pydantic
# renders a Decimal so), kept for its clients: `Annotated[float, AS_DECIMAL_STRING]` is a
# float in Python and a string only in JSON.
AS_DECIMAL_STRING = PlainSerializer(_two_decimals, return_type=str, when_used="json")

"""What a caller may ask sendEmail to send, checked field by field before anything is sent.

Only plain addresses (no display names) are accepted, and no field that ends up in a header may
carry CR or LF: a newline in a header is how a relay gets turned into a spam cannon. There is no
`from` field on purpose: every message is from MAIL_FROM.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

MAX_RECIPIENTS = 10
MAX_SUBJECT_CHARS = 200
MAX_TEXT_BYTES = 100 * 1024
MAX_HTML_BYTES = 200 * 1024

FIELDS = ("to", "subject", "text", "html", "reply_to", "message_id")

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ADDRESS = re.compile(rf"(?P<local>{_ATOM}(?:\.{_ATOM})*)@(?P<domain>{_LABEL}(?:\.{_LABEL})+)")
_MESSAGE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class InvalidEmailRequestError(Exception):
    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class EmailRequest:
    to: list[str]
    subject: str
    text: str
    html: str | None
    reply_to: str | None
    message_id: str

    def recipients_outside(self, allowed_domains: frozenset[str]) -> list[str]:
        """Recipients whose domain is not listed; none when no domain is listed."""
        if not allowed_domains:
            return []
        return [a for a in self.to if a.rpartition("@")[2].lower() not in allowed_domains]

    def fingerprint(self) -> str:
        """Who and what about: a message id reused for other recipients or subject is a bug."""
        facts = {"to": sorted(a.lower() for a in self.to), "subject": self.subject}
        return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def parse_email_request(payload: Any) -> EmailRequest:
    """An EmailRequest from a decoded JSON body, or InvalidEmailRequestError naming each field."""
    if not isinstance(payload, dict):
        raise InvalidEmailRequestError([FieldProblem("body", "must be a JSON object")])
    problems = [
        FieldProblem(name, _unknown_field_message(name)) for name in payload if name not in FIELDS
    ]
    to = _recipients(payload.get("to"), problems)
    subject = _subject(payload.get("subject"), problems)
    text = _body_part("text", payload.get("text"), MAX_TEXT_BYTES, True, problems)
    html = _body_part("html", payload.get("html"), MAX_HTML_BYTES, False, problems)
    reply_to = payload.get("reply_to")
    if reply_to is not None:
        reply_to = _address("reply_to", reply_to, problems)
    message_id = payload.get("message_id")
    if not isinstance(message_id, str) or not _MESSAGE_ID.fullmatch(message_id):
        problems.append(
            FieldProblem("message_id", "required: 1-128 characters of A-Z a-z 0-9 . _ : -")
        )
    if problems:
        raise InvalidEmailRequestError(problems)
    return EmailRequest(to, subject, text, html, reply_to, message_id)


def _unknown_field_message(name: str) -> str:
    if name.lower() == "from":
        return "unknown field: every message is from MAIL_FROM, set on the function"
    if name == "body":
        return "unknown field: send the plain-text part as 'text' (and HTML as 'html')"
    return f"unknown field; the fields are {', '.join(FIELDS)}"


def _recipients(value: Any, problems: list[FieldProblem]) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values:
        problems.append(FieldProblem("to", "required: one address, or a list of addresses"))
        return []
    if len(values) > MAX_RECIPIENTS:
        problems.append(FieldProblem("to", f"at most {MAX_RECIPIENTS} recipients"))
        return []
    addresses: list[str] = []
    for index, item in enumerate(values):
        field = "to" if isinstance(value, str) else f"to[{index}]"
        address = _address(field, item, problems)
        if address and address.lower() not in {a.lower() for a in addresses}:
            addresses.append(address)
    return addresses


def _address(field: str, value: Any, problems: list[FieldProblem]) -> str | None:
    if not isinstance(value, str):
        problems.append(FieldProblem(field, "must be an email address (a string)"))
        return None
    if "\r" in value or "\n" in value:
        problems.append(FieldProblem(field, "must not contain CR or LF"))
        return None
    match = _ADDRESS.fullmatch(value)
    if not match or len(value) > 254 or len(match["local"]) > 64:
        problems.append(FieldProblem(field, f"{value[:80]!r} is not a plain address like a@b.org"))
        return None
    return value


def _subject(value: Any, problems: list[FieldProblem]) -> str:
    if not isinstance(value, str) or not value.strip():
        problems.append(FieldProblem("subject", "required: a non-empty string"))
        return ""
    if "\r" in value or "\n" in value:
        problems.append(FieldProblem("subject", "must not contain CR or LF"))
    elif _CONTROL.search(value):
        problems.append(FieldProblem("subject", "must not contain control characters"))
    else:
        _utf8("subject", value, problems)
    if len(value) > MAX_SUBJECT_CHARS:
        problems.append(FieldProblem("subject", f"at most {MAX_SUBJECT_CHARS} characters"))
    return value


def _body_part(
    field: str, value: Any, max_bytes: int, required: bool, problems: list[FieldProblem]
) -> Any:
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        need = "required: a non-empty string" if required else "must be a string or null"
        problems.append(FieldProblem(field, need))
        return value
    encoded = _utf8(field, value, problems)
    if encoded is not None and len(encoded) > max_bytes:
        problems.append(FieldProblem(field, f"at most {max_bytes // 1024} KB"))
    return value


def _utf8(field: str, value: str, problems: list[FieldProblem]) -> bytes | None:
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800", which JSON allows
        problems.append(FieldProblem(field, "must be valid Unicode (no lone surrogates)"))
        return None

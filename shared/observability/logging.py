"""Logs that never carry secrets: redaction for every record, JSON lines for the local host.

`install_redaction()` (function_app.py calls it at import) makes every log record of the
process redacted as it is created: credentials, tokens and e-mail addresses are removed from
the message and from the exception text, whichever handler then writes it — the Functions
worker's (which forwards to Application Insights), pytest's, or the local host's JSON handler
(`configure_logging`, `lms serve` only: it replaces the root handlers).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

from shared.observability.context import current_fields, current_request_id, invocation_id

# Repeats are bounded (e-mail: the RFC 5321 lengths) so a long token-like word or a line of
# many URLs is redacted in linear time; unbounded, 100 kB of such text took seconds.
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,255}\.[A-Za-z]{2,63}")
# No \b before the key, any suffix after it: access_token, SECRET_KEY, new_password are secrets.
_SECRET_PAIR = re.compile(
    r"(?i)((?:password|passwd|secret|token|api[_-]?key|authorization|sharedaccesskey|accountkey)"
    r"[\w-]{0,40})"
    r"(\s*[=:]\s*|\"\s*:\s*\")((?:(?:basic|bearer|digest)\s+)?[^\s\";,&]+)"
)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]{0,256}:)([^@\s]{1,512})(@)")  # user may be empty
_BEARER = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+")
# Password hashes (argon2, bcrypt), wherever a row's values end up in a message.
_PASSWORD_HASH = re.compile(r"\$(argon2(?:id|i|d)|2[abxy]?)\$[^\s'\"()]{1,512}")
# PostgreSQL's DETAIL repeats the values of the row a statement failed on ("Failing row
# contains (...)", "Key (email)=(...) already exists"): pg8000 prints its fields as a dict.
_PG_DETAIL = re.compile(r"""(['"]D['"]:\s*)('(?:[^'\\]|\\.){0,4096}'|"(?:[^"\\]|\\.){0,4096}")""")
# SQLAlchemy's "[parameters: ...]" line, should an engine ever log with its parameters shown.
_SQL_PARAMETERS = re.compile(r"\[parameters: [^\n]{0,100000}\]")
_TRACEBACKS = logging.Formatter()
# Fields whose values the app makes itself (a route template, a UUID, an HTTP method): no
# need to redact them at every line. Anything else a field carries is redacted.
_OWN_FIELDS = frozenset({"route", "user_id", "method"})


def redact(text: str) -> str:
    """Remove what must never reach a log: credentials, tokens, password hashes, e-mail
    addresses, and the row values and statement parameters that database errors carry."""
    text = _URL_PASSWORD.sub(r"\1***\3", text)
    text = _SQL_PARAMETERS.sub("[parameters: ***]", text)
    text = _PG_DETAIL.sub(r"\1'***'", text)
    text = _PASSWORD_HASH.sub(r"$\1$***", text)
    text = _BEARER.sub("Bearer ***", text)
    text = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return _EMAIL.sub("***@***", text)


class RedactedError(Exception):
    """What a log record's exc_info holds once redacted: the original's class name and its
    redacted text, and its traceback (frames, no values)."""


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a record in place: its message (arguments merged in) and its exception text."""
    if getattr(record, "lms_redacted", False):
        return record
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging reports it at emit; keep what there is
        message = f"{record.msg} {record.args!r}"
    record.msg = redact(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        # Formatters print exc_text when it is set instead of formatting exc_info again.
        record.exc_text = _TRACEBACKS.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.exc_info and record.exc_info[1] is not None:
        # Handlers that format exc_info themselves instead of reading exc_text (OpenTelemetry's,
        # which sends logs to Application Insights under the Functions worker) see this stand-in.
        kind, value, traceback = record.exc_info
        stand_in = RedactedError(redact(f"{kind.__name__ if kind else 'Error'}: {value}"))
        record.exc_info = (RedactedError, stand_in, traceback)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record.lms_redacted = True
    return record


def install_redaction() -> None:
    """Redact every record this process creates from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "lms_redacting", False):
        return

    def redacting_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(factory(*args, **kwargs))

    redacting_factory.lms_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(redacting_factory)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then what identifies the work
    (request_id, invocation_id, route, user_id, queue, message_id, timer) and the event's own
    fields (status, duration_ms). Values are redacted like the message."""

    def format(self, record: logging.LogRecord) -> str:
        redact_record(record)
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id:
            entry["request_id"] = request_id
        invocation = invocation_id()
        if invocation:
            entry["invocation_id"] = invocation
        fields = dict(current_fields())
        # What one event adds (status, duration_ms): logger.info(..., extra={"fields": {...}}).
        extra = getattr(record, "fields", None)
        if isinstance(extra, dict):
            fields.update(extra)
        for key, value in fields.items():
            if key not in entry:
                unchecked = isinstance(value, str) and key not in _OWN_FIELDS
                entry[key] = redact(value) if unchecked else value
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry)


def configure_logging(level: str) -> None:
    """The local host's logging: JSON lines on stderr at `level`, every record redacted."""
    install_redaction()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

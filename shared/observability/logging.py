"""JSON log lines with the request id, and secrets and e-mail addresses redacted.

In Azure the worker forwards Python logging to Application Insights; locally `lms serve`
installs this formatter on the root logger.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

from shared.observability.context import current_request_id

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


def redact(text: str) -> str:
    """Remove what must never reach a log: credentials, tokens and e-mail addresses."""
    text = _URL_PASSWORD.sub(r"\1***\3", text)
    text = _BEARER.sub("Bearer ***", text)
    text = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return _EMAIL.sub("***@***", text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        request_id = current_request_id()
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)

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

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_SECRET_PAIR = re.compile(
    r"(?i)\b(password|passwd|secret|token|api[_-]?key|authorization|sharedaccesskey|accountkey)"
    r"(\s*[=:]\s*|\"\s*:\s*\")([^\s\";,&]+)"
)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)([^@\s]+)(@)")
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

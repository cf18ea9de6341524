"""The local host's log output: readable lines on a terminal, JSON lines for machines.

`lms serve` and `lms worker` write to stderr. When it is a terminal a person reads it, so each
record is one short line (time, level, logger, message, request id) with its traceback below;
otherwise (a file, a pipe, a log collector) it is the JSON of `JsonFormatter`. Both are
redacted the same way. Alembic's INFO lines (the migration context, on every readiness
check) are left out unless LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from typing import TextIO

from shared.observability.context import current_request_id
from shared.observability.logging import JsonFormatter, install_redaction, redact_record

_COLOURS = {"WARNING": "\033[33m", "ERROR": "\033[31m", "CRITICAL": "\033[1;31m"}
_RESET = "\033[0m"
# Libraries whose INFO is about their own machinery, not about the app.
QUIET_LOGGERS = ("alembic", "fontTools")  # fontTools: a line per glyph table of each PDF


class ConsoleFormatter(logging.Formatter):
    """`12:03:04.567 WARNING lms.local.queues  message  [request id]`, coloured by level."""

    def __init__(self, colour: bool = True) -> None:
        super().__init__()
        self.colour = colour

    def format(self, record: logging.LogRecord) -> str:
        redact_record(record)
        moment = datetime.fromtimestamp(record.created).strftime("%H:%M:%S.%f")[:-3]
        level = f"{record.levelname:<7}"
        if self.colour and record.levelname in _COLOURS:
            level = f"{_COLOURS[record.levelname]}{level}{_RESET}"
        line = f"{moment} {level} {record.name}  {record.getMessage()}"
        request_id = current_request_id()
        if request_id:
            line += f"  [{request_id}]"
        if record.exc_text:
            line += "\n" + record.exc_text
        return line


def formatter_for(stream: TextIO) -> logging.Formatter:
    is_terminal = hasattr(stream, "isatty") and stream.isatty()
    return ConsoleFormatter() if is_terminal else JsonFormatter()


def configure_console_logging(level: str, stream: TextIO | None = None) -> None:
    """Replace the root handlers with one on `stream` (stderr) at `level`, every record
    redacted, readable on a terminal and JSON elsewhere."""
    install_redaction()
    target = stream if stream is not None else sys.stderr
    handler = logging.StreamHandler(target)
    handler.setFormatter(formatter_for(target))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)

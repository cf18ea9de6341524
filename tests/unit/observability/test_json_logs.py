"""The JSON lines of `lms serve`: what identifies the work (request, route, user, queue,
message) and the event's own fields, redacted like the message."""

from __future__ import annotations

import json
import logging
import sys
from types import ModuleType

import pytest

from shared.observability.context import add_log_fields, log_fields, request_context
from shared.observability.logging import JsonFormatter


def _line(message: str, **extra: object) -> dict[str, object]:
    record = logging.getLogger("lms.test").makeRecord(
        "lms.test", logging.INFO, __file__, 1, message, (), None, extra=extra or None
    )
    entry: dict[str, object] = json.loads(JsonFormatter().format(record))
    return entry


def test_a_line_carries_the_request_its_route_and_its_user() -> None:
    with request_context("req-7"), log_fields(route="/api/v1/courses/{course_id}"):
        add_log_fields(user_id="6f1c")
        entry = _line("GET -> 200", fields={"status": 200, "duration_ms": 3.2})
    assert entry["request_id"] == "req-7"
    assert entry["route"] == "/api/v1/courses/{course_id}"
    assert entry["user_id"] == "6f1c"
    assert (entry["status"], entry["duration_ms"]) == (200, 3.2)


def test_fields_end_with_their_block() -> None:
    with log_fields(queue="emails", message_id="m-1"):
        inside = _line("handled")
    outside = _line("idle")
    assert (inside["queue"], inside["message_id"]) == ("emails", "m-1")
    assert "queue" not in outside


def test_field_values_are_redacted_and_cannot_replace_the_standard_keys() -> None:
    with log_fields(route="/x", message_id="ada@example.org"):
        entry = _line("hello", fields={"level": "forged", "note": "token=abc123"})
    assert entry["message_id"] == "***@***"
    assert entry["note"] == "token=***"
    assert entry["level"] == "INFO"


def test_the_invocation_id_comes_from_the_functions_worker_when_it_runs_us(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dispatcher = ModuleType("azure_functions_worker.dispatcher")
    dispatcher.get_current_invocation_id = lambda: "inv-42"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "azure_functions_worker.dispatcher", dispatcher)
    assert _line("in a function")["invocation_id"] == "inv-42"
    monkeypatch.delitem(sys.modules, "azure_functions_worker.dispatcher")
    assert "invocation_id" not in _line("elsewhere")

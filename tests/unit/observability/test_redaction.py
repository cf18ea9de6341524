"""What must never reach a log: credentials, tokens and e-mail addresses."""

from __future__ import annotations

import io
import json
import logging
import sys
import time
import traceback

import pytest

from shared.observability.context import request_context
from shared.observability.logging import JsonFormatter, install_redaction, redact


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("connect postgresql+pg8000://lms:hunter2@db:5432/lms failed", "hunter2"),
        ("amqps://svc:s3cr%40t@bus.example.org/", "s3cr%40t"),
        ("redis://:hunter2@cache:6379/0", "hunter2"),
    ],
)
def test_passwords_in_urls_are_removed_and_the_rest_kept(text, secret):
    redacted = redact(text)

    assert secret not in redacted
    assert "***@" in redacted


def test_a_url_keeps_its_user_host_and_path():
    assert redact("postgresql://lms:hunter2@db/lms") == "postgresql://lms:***@db/lms"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("password=hunter2", "hunter2"),
        ("login failed: Password: hunter2", "hunter2"),
        ("token=abc.def.ghi&next=/", "abc.def.ghi"),
        ("api_key=AKIA1234", "AKIA1234"),
        ("x-api-key: AKIA1234", "AKIA1234"),
        ('{"password": "hunter2", "user": "x"}', "hunter2"),
        ('{"secret":"hunter2"}', "hunter2"),
        ("AccountName=lms;AccountKey=c2VjcmV0a2V5PT0=;EndpointSuffix=x", "c2VjcmV0a2V5PT0="),
        ("Endpoint=sb://bus/;SharedAccessKeyName=root;SharedAccessKey=abc123=", "abc123="),
        ("GET /callback?code=1&access_token=abc123", "abc123"),
        ("refresh_token=abc123", "abc123"),
        ("client_secret=abc123", "abc123"),
        ("SECRET_KEY=abc123", "abc123"),
        ("new_password=hunter2", "hunter2"),
        ("Authorization: Basic dXNlcjpodW50ZXIy", "dXNlcjpodW50ZXIy"),
    ],
)
def test_key_value_secrets_are_removed(text, secret):
    assert secret not in redact(text)


def test_a_redacted_pair_keeps_its_key():
    assert redact("retry with password=hunter2 now") == "retry with password=*** now"
    assert redact("access_token=abc123&x=1") == "access_token=***&x=1"


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        "bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    ],
)
def test_bearer_tokens_are_removed(text):
    redacted = redact(text)

    assert "eyJ" not in redacted
    assert "c2lnbmF0dXJl" not in redacted


@pytest.mark.parametrize(
    "email", ["ada@example.org", "first.last+lms@mail.example.co.uk", "A_B-1%x@Sub.Example.IO"]
)
def test_email_addresses_are_removed(email):
    redacted = redact(f"sent welcome mail to {email} ok")

    assert email not in redacted
    assert redacted == "sent welcome mail to ***@*** ok"


def test_ordinary_text_is_left_alone():
    text = "enrolled user 42 in course 7 (3 lessons, 1.5 h); status=active"

    assert redact(text) == text


def test_the_json_formatter_redacts_the_message_and_the_exception():
    formatter = JsonFormatter()
    try:
        raise RuntimeError("cannot log in as ada@example.org with password=hunter2")
    except RuntimeError:
        record = logging.getLogger("lms.test").makeRecord(
            "lms.test",
            logging.ERROR,
            __file__,
            1,
            "mail to %s failed",
            ("ada@example.org",),
            exc_info=sys.exc_info(),
        )
    with request_context("req-1"):
        line = formatter.format(record)

    entry = json.loads(line)
    assert entry["message"] == "mail to ***@*** failed"
    assert entry["request_id"] == "req-1"
    assert entry["level"] == "ERROR"
    assert "RuntimeError" in entry["exception"]
    assert "hunter2" not in line
    assert "ada@example.org" not in line


def test_the_json_formatter_omits_the_request_id_outside_a_request():
    record = logging.LogRecord("lms.test", logging.INFO, __file__, 1, "started", None, None)

    assert "request_id" not in json.loads(JsonFormatter().format(record))


@pytest.mark.parametrize(
    "text",
    ["token" * 20_000, "a" * 100_000, "://a:" * 10_000, "password-" * 11_000],
    ids=["token-words", "one-long-word", "many-url-starts", "many-keys"],
)
def test_a_long_line_is_redacted_in_linear_time(text):
    # Unbounded patterns took 7-18 s on these 50-100 kB lines; bounded ones take milliseconds.
    started = time.perf_counter()
    redact(text)

    assert time.perf_counter() - started < 1.5


def test_after_install_redaction_any_handler_writes_redacted_records() -> None:
    # The Functions worker's handler is not ours: redaction must happen before any handler.
    install_redaction()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("lms.test.worker")
    logger.addHandler(handler)
    try:
        try:
            raise ConnectionError("postgresql://lms:hunter2@db failed for ada@example.org")
        except ConnectionError:
            logger.exception("login for %s with token=%s", "ada@example.org", "eyJhbGciOi.x.y")
    finally:
        logger.removeHandler(handler)
    written = stream.getvalue()
    assert "login for ***@*** with token=***" in written
    assert "ConnectionError" in written
    for secret in ("ada@example.org", "hunter2", "eyJhbGciOi"):
        assert secret not in written


def test_a_record_with_a_bad_format_string_is_still_logged_redacted() -> None:
    install_redaction()
    record = logging.getLogger("lms.test").makeRecord(
        "lms.test", logging.INFO, __file__, 1, "%d users from %s", ("ada@example.org",), None
    )
    assert "ada@example.org" not in record.getMessage()


HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"


@pytest.mark.parametrize(
    "text",
    [
        f"stored {HASH} for the user",
        "bcrypt $2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
    ],
)
def test_password_hashes_are_removed(text):
    assert "$***" in redact(text)
    assert "c2FsdHNhbHQ" not in redact(text) and "R9h/cIPz0gi" not in redact(text)


def test_the_row_values_of_a_postgresql_error_detail_are_removed_and_its_message_kept():
    error = (
        "{'S': 'ERROR', 'C': '23502', 'M': 'null value in column \"email\" violates not-null "
        "constraint', 'D': 'Failing row contains (7, null, Ada Lovelace, it\\'s)', 't': 'users'}"
    )
    redacted = redact(error)
    assert "Ada Lovelace" not in redacted
    assert "'D': '***'" in redacted
    assert "violates not-null constraint" in redacted and "'t': 'users'" in redacted


def test_statement_parameters_shown_by_an_engine_are_removed():
    text = "[SQL: INSERT INTO users (full_name) VALUES (%s)]\n[parameters: ('Ada Lovelace',)]"
    assert redact(text) == "[SQL: INSERT INTO users (full_name) VALUES (%s)]\n[parameters: ***]"


def test_a_handler_that_formats_exc_info_itself_sees_only_the_redacted_exception(caplog):
    install_redaction()
    with caplog.at_level(logging.ERROR):
        try:
            row = ("Ada", HASH, "ada" + "@example.org")  # no value on the line shown
            raise ValueError(f"row {row}")
        except ValueError:
            logging.getLogger("lms.test").exception("it failed")

    [record] = caplog.records
    assert record.exc_info is not None
    shown = "".join(traceback.format_exception(*record.exc_info))
    assert "ValueError" in shown and "test_redaction.py" in shown
    assert "c2FsdHNhbHQ" not in shown and "ada@example.org" not in shown

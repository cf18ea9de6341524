"""What a newcomer reads: readable logs on a terminal, JSON elsewhere, help for every command,
`lms routes`, and a 404 that says an id must be a UUID."""

from __future__ import annotations

import argparse
import io
import json
import logging

import pytest

from shared.cli.main import build_parser, main
from shared.local.app_functions import HttpFunction
from shared.local.routing import NotFound, RouteTable
from shared.observability.console import ConsoleFormatter, configure_console_logging


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_logging() -> object:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quiet = {name: logging.getLogger(name).level for name in ("alembic", "fontTools")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, quiet_level in quiet.items():
        logging.getLogger(name).setLevel(quiet_level)


@pytest.mark.usefixtures("restore_logging")
def test_a_terminal_gets_one_readable_redacted_line_per_record() -> None:
    stream = Terminal()
    configure_console_logging("INFO", stream)
    logging.getLogger("lms.demo").warning("mail to %s failed", "ada@example.org")

    line = stream.getvalue().strip()
    assert "WARNING" in line and "lms.demo  mail to ***@***" in line
    assert not line.startswith("{")


@pytest.mark.usefixtures("restore_logging")
def test_a_pipe_gets_json_lines_and_alembic_and_fonttools_info_is_left_out() -> None:
    stream = io.StringIO()
    configure_console_logging("INFO", stream)
    logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
    logging.getLogger("fontTools.subset").info("glyf subsetted")
    logging.getLogger("lms.demo").info("ready")

    lines = stream.getvalue().splitlines()
    assert [json.loads(line)["message"] for line in lines] == ["ready"]


def test_the_console_formatter_prints_the_traceback_below_the_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", None, None)
        import sys

        record.exc_info = sys.exc_info()
    text = ConsoleFormatter(colour=False).format(record)
    assert text.splitlines()[0].endswith("ERROR   x  failed")
    assert "ValueError: boom" in text


def _every_parser(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.Action]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, child in action.choices.items():
                assert helps.get(name), f"`{parser.prog} {name}` has no help text"
                found += _every_parser(child)
        elif not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            found.append((parser.prog, action))
    return found


def test_every_command_and_option_has_help_and_the_main_settings_are_named() -> None:
    parser = build_parser()
    missing = [f"{prog} {a.dest}" for prog, a in _every_parser(parser) if not a.help]
    assert missing == []
    text = parser.format_help()
    for name in ("DATABASE_URL", "APP_ROLE", "BROKER", "STORAGE", "MAIL_TRANSPORT", "LOG_LEVEL"):
        assert name in text
    assert "worker" in text and "routes" in text


def test_lms_routes_lists_method_path_access_and_function(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["routes", "--access", "admin+"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["METHOD", "PATH", "ACCESS", "FUNCTION"]
    assert ["POST", "/api/v1/admin/setup", "admin+", "admin_setup"] in [
        line.split() for line in lines
    ]
    assert all(line.split()[2] == "admin+" for line in lines[1:])


def _table() -> RouteTable:
    def unused(req: object) -> None:
        raise AssertionError

    return RouteTable(
        [
            HttpFunction(
                "courses_get", "api/v1/courses/{course_id:guid}", frozenset({"GET"}), unused
            ),
            HttpFunction("courses_mine", "api/v1/courses/mine", frozenset({"GET"}), unused),
        ]
    )


def test_a_malformed_id_is_a_404_that_says_the_id_must_be_a_uuid() -> None:
    outcome = _table().match("GET", "/api/v1/courses/42")
    assert isinstance(outcome, NotFound)
    assert outcome.hint.startswith("course_id must be a UUID")


def test_a_path_no_route_serves_gets_no_hint() -> None:
    assert _table().match("GET", "/api/v1/nothing/42") == NotFound()
    assert _table().match("GET", "/api/v1/courses/42/lessons") == NotFound()


def test_lms_serve_without_waitress_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shared.cli.local as local

    monkeypatch.setattr(local.importlib.util, "find_spec", lambda name: None)
    assert main(["serve"]) == 2
    assert "pip install 'lms-functions[local]'" in capsys.readouterr().err


@pytest.mark.usefixtures("restore_logging")
def test_lms_worker_refuses_an_app_role_without_background_triggers(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    from shared import bootstrap
    from shared.local.worker import run_worker

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/lms.db")
    bootstrap.reset()
    import azure.functions as func

    try:
        assert run_worker(app=func.FunctionApp()) == 2
    finally:
        bootstrap.reset()
    assert "registers no queue or timer trigger" in capsys.readouterr().err

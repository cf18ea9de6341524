"""`lms serve` start-up: what it loads, what it prints, and why it refuses to start.

Serving itself (and stopping on signals) runs in a child process: tests/e2e/test_local_host.py.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import azure.functions as func
import pytest

from shared.config import Settings
from shared.local import server
from shared.local.app_functions import functions_of
from shared.local.banner import banner
from shared.local.routing import RouteTable
from shared.local.server import (
    StartupError,
    load_function_app,
    route_prefix,
    serve,
)


@pytest.fixture(autouse=True)
def restore_process_state(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """serve() installs the JSON log handler on the root logger, and load_function_app() the
    module `function_app` and its folder on sys.path: put them all back after."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", sys.path[:])
    monkeypatch.setitem(sys.modules, "function_app", sys.modules.get("function_app"))
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def ok(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")


def app_with_routes(*routes: tuple[str, str]) -> func.FunctionApp:
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    for name, route in routes:
        app.function_name(name)(app.route(route=route, methods=["GET"])(ok))
    return app


def test_ambiguous_routes_stop_the_start_with_exit_status_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = app_with_routes(("items_show", "items/{item}"), ("items_new", "items/new"))
    assert serve("127.0.0.1", 0, threads=1, processes=1, app=app) == 2
    err = capsys.readouterr().err
    assert "lms serve: Ambiguous HTTP routes" in err
    assert "GET /items/new matches both" in err


def test_a_bad_timer_schedule_stops_the_start_with_exit_status_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = func.FunctionApp()
    app.function_name("sweep")(app.timer_trigger(schedule="*/5 * * * *", arg_name="timer")(ok))
    assert serve("127.0.0.1", 0, threads=1, processes=1, app=app) == 2
    assert "timer sweep: '*/5 * * * *' has 5 fields" in capsys.readouterr().err


def test_a_settings_error_stops_the_start_with_exit_status_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CORS_ORIGINS", "*")
    assert serve("127.0.0.1", 0, threads=1, processes=1, app=app_with_routes(("ping", "ping"))) == 2
    assert "CORS_ORIGINS" in capsys.readouterr().err


def test_a_folder_without_function_app_py_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StartupError, match=r"no function_app\.py"):
        load_function_app(tmp_path)


def test_the_function_app_is_loaded_from_the_folder_given(tmp_path: Path) -> None:
    (tmp_path / "function_app.py").write_text(
        "import azure.functions as func\n"
        "app = func.FunctionApp()\n"
        "@app.route(route='here', methods=['GET'])\n"
        "def here(req): return func.HttpResponse('here')\n"
    )
    app = load_function_app(tmp_path)
    assert [f.get_function_name() for f in app.get_functions()] == ["here"]


def test_a_function_app_py_with_two_apps_is_refused(tmp_path: Path) -> None:
    (tmp_path / "function_app.py").write_text(
        "import azure.functions as func\na = func.FunctionApp()\nb = func.FunctionApp()\n"
    )
    with pytest.raises(StartupError, match="defines 2"):
        load_function_app(tmp_path)


@pytest.mark.parametrize(
    ("host_json", "expected"),
    [
        (None, ""),
        ({"version": "2.0"}, "api"),  # Azure's default when host.json leaves it out
        ({"extensions": {"http": {"routePrefix": ""}}}, ""),
        ({"extensions": {"http": {"routePrefix": "lms"}}}, "lms"),
    ],
)
def test_the_route_prefix_comes_from_host_json(
    tmp_path: Path, host_json: dict[str, object] | None, expected: str
) -> None:
    if host_json is not None:
        (tmp_path / "host.json").write_text(json.dumps(host_json))
    assert route_prefix(tmp_path) == expected


def test_the_banner_lists_timers_and_queue_triggers_and_masks_the_password() -> None:
    app = func.FunctionApp()
    app.function_name("sweep")(app.timer_trigger(schedule="0 */5 * * * *", arg_name="timer")(ok))
    app.function_name("emails_consume")(
        app.service_bus_queue_trigger(arg_name="msg", queue_name="emails", connection="SB")(ok)
    )
    app.function_name("ping")(app.route(route="ping", methods=["GET"])(ok))
    functions = functions_of(app)
    settings = Settings(DATABASE_URL="postgresql+pg8000://lms:hunter2@db.example/lms")
    text = banner(
        "http://127.0.0.1:7071", 8, RouteTable(functions.http), functions, settings, processes=2
    )
    assert "listening on http://127.0.0.1:7071  (2 processes x 8 threads)" in text
    assert "HTTP routes     1" in text
    assert "timers          sweep (0 */5 * * * *)" in text
    assert "emails -> emails_consume  (from the local broker)" in text
    assert "postgresql+pg8000://lms:***@db.example/lms" in text
    assert "hunter2" not in text
    assert text.endswith("Ctrl-C to stop")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT balancing is Linux")
def test_worker_processes_get_a_listener_each_and_the_kernel_spreads_connections() -> None:
    """On one shared socket a few keep-alive clients (a proxy's pool) can all land on one
    worker; with a socket per worker the kernel hashes each connection to one of them."""
    listeners = server._listeners("127.0.0.1", 0, 3)
    clients = []
    try:
        port = listeners[0].getsockname()[1]
        assert {s.getsockname()[1] for s in listeners} == {port}
        for _ in range(60):
            clients.append(socket.create_connection(("127.0.0.1", port)))
        accepted = []
        for listener in listeners:
            listener.settimeout(0.5)
            count = 0
            with contextlib.suppress(TimeoutError):
                while True:
                    listener.accept()[0].close()
                    count += 1
            accepted.append(count)
        assert sum(accepted) == 60
        assert min(accepted) > 0, accepted  # (2/3)^60 odds of an empty one: never
    finally:
        for s in clients + listeners:
            s.close()


def test_a_busy_port_is_a_start_up_error_for_every_listener() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(server.StartupError, match="in use"):
            server._listeners("127.0.0.1", taken.getsockname()[1], 2)

"""`lms serve`: every function of function_app.py on one local port, plus its timers.

Start-up either succeeds with one banner on stdout (flushed, so a parent process reading it
knows the port answers) or fails with one message and exit status 2: a settings error, no
function_app.py, ambiguous routes, a bad timer schedule or a busy port. SIGINT and SIGTERM
stop it cleanly with status 0.
"""

from __future__ import annotations

import errno
import importlib.util
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import azure.functions as func
import waitress
from sqlalchemy.engine import make_url

from shared import bootstrap
from shared.bootstrap import Dependencies
from shared.config import Settings, UnsafeSettingsError
from shared.local.app_functions import AppFunctions, AppSettingMissingError, functions_of
from shared.local.ncrontab import CronScheduleError
from shared.local.queue_consumer import QueueConsumer
from shared.local.route_constraints import RouteTemplateError
from shared.local.routing import AmbiguousRoutesError, RouteTable
from shared.local.send_email import (
    SEND_EMAIL_PATH,
    SendEmailUnavailableError,
    load_send_email_app,
)
from shared.local.timers import TimerScheduler
from shared.local.wsgi import FunctionsWsgiApp
from shared.messaging.local import LocalBroker
from shared.observability.logging import configure_logging

log = logging.getLogger("lms.local")


class StartupError(Exception):
    """Why the host cannot start, worded for the person who ran `lms serve`."""


def load_function_app(folder: Path) -> func.FunctionApp:
    """The FunctionApp of `folder`/function_app.py, loaded as the module `function_app`.

    Loaded from that file rather than by name, so another `function_app` on sys.path (or one
    imported earlier) cannot stand in for it; `folder` goes on sys.path for its own imports.
    """
    path = folder / "function_app.py"
    if not path.exists():
        raise StartupError(f"no function_app.py in {folder}; run `lms serve` in the project folder")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location("function_app", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["function_app"] = module
    spec.loader.exec_module(module)
    apps = [value for value in vars(module).values() if isinstance(value, func.FunctionApp)]
    if len(apps) != 1:
        raise StartupError(f"{path} must define one FunctionApp; it defines {len(apps)}")
    return apps[0]


def route_prefix(folder: Path) -> str:
    """host.json's extensions.http.routePrefix ("api" when host.json leaves it out)."""
    host_json = folder / "host.json"
    if not host_json.exists():
        return ""
    config: dict[str, Any] = json.loads(host_json.read_text(encoding="utf-8"))
    return str(config.get("extensions", {}).get("http", {}).get("routePrefix", "api"))


def masked_database_url(settings: Settings) -> str:
    return make_url(settings.DATABASE_URL).render_as_string(hide_password=True)


def banner(
    url: str,
    workers: int,
    routes: RouteTable,
    functions: AppFunctions,
    settings: Settings,
    send_email: str = "not served",
) -> str:
    timers = [f"{t.name} ({t.schedule})" for t in functions.timers]
    prefix = (
        f"  (under /{routes.route_prefix}: host.json routePrefix)" if routes.route_prefix else ""
    )
    queues = [f"{q.queue_name} -> {q.name}" for q in functions.queues]
    lines = [
        f"LMS local host listening on {url}  ({workers} worker threads)",
        f"  HTTP routes     {len(routes)}{prefix}",
        f"  timers          {', '.join(timers) or 'none'}",
        f"  queue triggers  {', '.join(queues) or 'none'}"
        + (f"  (from the {settings.BROKER} broker)" if queues else ""),
        f"  database        {masked_database_url(settings)}",
        f"  sendEmail       {send_email}",
    ]
    if functions.unsupported:
        lines.append(f"  not run here    {', '.join(functions.unsupported)}")
    lines.append("Ctrl-C to stop")
    return "\n".join(lines)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # waitress ends its loop cleanly on KeyboardInterrupt, whichever signal raised it.
    raise KeyboardInterrupt


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _bound_port(server: Any, requested: int) -> int:
    if hasattr(server, "effective_port"):
        return int(server.effective_port)
    listening = getattr(server, "effective_listen", None)
    return int(listening[0][1]) if listening else requested


def _create_server(app: FunctionsWsgiApp, host: str, port: int, workers: int) -> Any:
    try:
        return waitress.create_server(
            app,
            host=host,
            port=port,
            threads=workers,
            # Keep X-Forwarded-For/-Proto: the app reads them with TRUSTED_PROXY_HOPS, and a
            # proxy in front (Caddy) must reach it. waitress 3 strips them by default.
            clear_untrusted_proxy_headers=False,
            ident="",
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(f"port {port} is in use; pass --port") from None
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _send_email_mount(folder: Path) -> tuple[dict[str, Any], str]:
    try:
        app = load_send_email_app(folder)
    except SendEmailUnavailableError as exc:
        return {}, f"not served ({exc})"
    return {SEND_EMAIL_PATH: app}, f"{SEND_EMAIL_PATH} (functions_email/main.py)"


def _queue_consumer(functions: AppFunctions, deps: Dependencies) -> QueueConsumer | None:
    # With BROKER=servicebus the queues live in Azure, and the Functions host consumes them.
    broker = deps.broker if deps.settings.BROKER == "local" else None
    if not isinstance(broker, LocalBroker) or not functions.queues:
        return None
    return QueueConsumer(functions.queues, broker)


def serve(host: str, port: int, workers: int, app: func.FunctionApp | None = None) -> int:
    try:
        deps = bootstrap.current()
        settings = deps.settings
        configure_logging(settings.LOG_LEVEL)
        folder = Path(os.getcwd())
        function_app = app if app is not None else load_function_app(folder)
        functions = functions_of(function_app)
        routes = RouteTable(functions.http, route_prefix=route_prefix(folder))
        scheduler = TimerScheduler(functions.timers, deps.sessions, clock=deps.clock)
        consumer = _queue_consumer(functions, deps)
        mounts, send_email_note = _send_email_mount(folder)
        server = _create_server(FunctionsWsgiApp(routes, mounts), host, port, workers)
    except (
        UnsafeSettingsError,
        StartupError,
        AmbiguousRoutesError,
        RouteTemplateError,
        CronScheduleError,
        AppSettingMissingError,
    ) as exc:
        print(f"lms serve: {exc}", file=sys.stderr, flush=True)
        return 2

    url = f"http://{host if ':' not in host else f'[{host}]'}:{_bound_port(server, port)}"
    scheduler.start()
    if consumer is not None:
        consumer.start()
    try:
        with _stop_on_signals():
            print(banner(url, workers, routes, functions, settings, send_email_note), flush=True)
            server.run()
    except KeyboardInterrupt:
        pass  # a signal between the banner and the loop
    finally:
        print("lms serve: stopping", flush=True)
        scheduler.stop()
        if consumer is not None:
            consumer.stop()
        server.close()
        bootstrap.reset()
    return 0

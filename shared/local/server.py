"""`lms serve`: every function of function_app.py on one local port, plus its timers.

As the Functions host does, several worker processes (FUNCTIONS_WORKER_PROCESS_COUNT, default
one per core) each run request threads (PYTHON_THREADPOOL_THREAD_COUNT) and the queue
consumers; the parent runs the timers (whose claims in the database make each occurrence run
once anyway) and stops the workers. On Linux each worker accepts on a listening socket of its
own, all bound to the one port with SO_REUSEPORT, so the kernel spreads connections evenly (on
one shared socket, a few keep-alive clients, e.g. a proxy's pool, all land on one worker while
the others idle); elsewhere the workers share one socket.

Start-up either succeeds with one banner on stdout (flushed, so a parent process reading it
knows the port answers) or fails with one message and exit status 2: a settings error, no
function_app.py, ambiguous routes, a bad timer schedule or a busy port. SIGINT and SIGTERM
stop it cleanly with status 0.

waitress (the `[local]` extra of the package) is imported only when a port is opened, so
`lms worker` runs where only requirements.txt is installed.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import json
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import azure.functions as func

from shared import bootstrap
from shared.bootstrap import Dependencies
from shared.config import Settings, UnsafeSettingsError
from shared.local.app_functions import AppFunctions, AppSettingMissingError, functions_of
from shared.local.banner import banner
from shared.local.body_limits import BodyLimits
from shared.local.mounts import local_mounts, serves_local_storage
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
from shared.observability import metrics
from shared.observability.console import configure_console_logging

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


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # waitress ends its loop cleanly on KeyboardInterrupt, whichever signal raised it.
    raise KeyboardInterrupt


@contextmanager
def stop_on_signals() -> Iterator[None]:
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _listeners(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` sockets listening on one port: one per worker process where the kernel
    balances connections between them (Linux SO_REUSEPORT), else one they all share."""
    if count == 1 or not sys.platform.startswith("linux"):
        return [_listen(host, port)]
    first = _listen(host, port, reuse_port=True)
    listeners = [first]
    try:
        for _ in range(count - 1):
            listeners.append(_listen(host, first.getsockname()[1], reuse_port=True))
    except StartupError:
        for listener in listeners:
            listener.close()
        raise
    return listeners


def _listen(host: str, port: int, reuse_port: bool = False) -> socket.socket:
    from shared.local.http_server import LISTEN_BACKLOG

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        # Only sockets of the same user may join the group (Linux), so no other account can
        # take a share of the port's connections.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        listener.bind((host, port))
        listener.listen(LISTEN_BACKLOG)
    except OSError as exc:
        listener.close()
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(f"port {port} is in use; pass --port") from None
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return listener


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


def process_count(requested: int | None, settings: Settings) -> int:
    """--processes, else FUNCTIONS_WORKER_PROCESS_COUNT, else one per core (one where the
    platform cannot fork)."""
    if not hasattr(os, "fork"):
        return 1
    return requested or settings.FUNCTIONS_WORKER_PROCESS_COUNT or os.cpu_count() or 1


def serve(
    host: str,
    port: int,
    threads: int | None = None,
    processes: int | None = None,
    app: func.FunctionApp | None = None,
) -> int:
    """Serve until SIGINT or SIGTERM: `processes` worker processes (each with `threads`
    request threads and the queue consumers) accept on one port; this process runs the
    timers and stops the workers."""
    try:
        environment = bootstrap.current().settings
        processes = process_count(processes, environment)
        threads = threads or environment.worker_threads
        # Each process's pool is sized to its threads (Settings.db_pool_size).
        settings = environment.model_copy(update={"PYTHON_THREADPOOL_THREAD_COUNT": threads})
        deps = bootstrap.install(
            bootstrap.build(settings, serve_local_storage=serves_local_storage(settings))
        )
        configure_console_logging(settings.LOG_LEVEL)
        folder = Path(os.getcwd())
        function_app = app if app is not None else load_function_app(folder)
        functions = functions_of(function_app)
        routes = RouteTable(functions.http, route_prefix=route_prefix(folder))
        scheduler = TimerScheduler(functions.timers, deps.sessions, clock=deps.clock)
        mounts, send_email_note = _send_email_mount(folder)
        listeners = _listeners(host, port, processes)
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

    limits = BodyLimits.of(functions.http, settings.MAX_REQUEST_BODY_BYTES)
    local, mount_limits = local_mounts(settings, deps.clock)
    mounts.update(local)
    wsgi = FunctionsWsgiApp(
        routes,
        limits,
        mounts,
        trusted_peers=settings.FORWARDED_ALLOW_IPS,
        mount_body_limits=mount_limits,
    )
    bound = listeners[0].getsockname()[1]
    url = f"http://{host if ':' not in host else f'[{host}]'}:{bound}"
    text = banner(url, threads, routes, functions, settings, send_email_note, processes)
    with _shared_metrics():
        if processes == 1:
            return _serve_here(wsgi, listeners[0], threads, functions, scheduler, text)
        return _serve_in_workers(wsgi, listeners, threads, processes, functions, scheduler, text)


@contextmanager
def _shared_metrics() -> Iterator[None]:
    """The metrics of every process of this host in one directory, so /metrics answered by
    any worker counts them all (and the timers, which run in this process): the one given
    in PROMETHEUS_MULTIPROC_DIR (emptied first), else a temporary one, removed at the end."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    directory = given or tempfile.mkdtemp(prefix="lms-metrics-")
    metrics.share_between_processes(directory)
    try:
        yield
    finally:
        if not given:
            shutil.rmtree(directory, ignore_errors=True)
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
            metrics.reset()


def _serve_here(
    wsgi: FunctionsWsgiApp,
    listener: socket.socket,
    threads: int,
    functions: AppFunctions,
    scheduler: TimerScheduler,
    text: str,
) -> int:
    """One process: requests, queue consumers and timers."""
    from shared.local.http_server import create_server

    server = create_server(wsgi, listener, threads)
    consumer = _queue_consumer(functions, bootstrap.current())
    scheduler.start()
    if consumer is not None:
        consumer.start()
    try:
        with stop_on_signals():
            print(text, flush=True)
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


def _serve_in_workers(
    wsgi: FunctionsWsgiApp,
    listeners: list[socket.socket],
    threads: int,
    processes: int,
    functions: AppFunctions,
    scheduler: TimerScheduler,
    text: str,
) -> int:
    """Fork `processes` workers, each accepting on its own listener (or on the one shared
    listener); run the timers here."""
    settings = bootstrap.current().settings
    sys.stdout.flush()
    sys.stderr.flush()
    workers: set[int] = set()
    for n in range(processes):
        own = listeners[n % len(listeners)]
        pid = os.fork()
        if pid == 0:
            for other in listeners:
                if other is not own:
                    other.close()
            os._exit(_worker(wsgi, own, threads, functions, settings))
        workers.add(pid)
    for listener in listeners:
        listener.close()  # the workers hold them
    status = 0
    scheduler.start()
    try:
        with stop_on_signals():
            print(text, flush=True)
            pid, code = os.wait()
            workers.discard(pid)
            print(
                f"lms serve: worker process {pid} stopped ({_describe_exit(code)}); "
                "stopping the others",
                file=sys.stderr,
                flush=True,
            )
            status = 1
    except KeyboardInterrupt:
        pass
    finally:
        print("lms serve: stopping", flush=True)
        scheduler.stop()
        _stop_workers(workers)
        bootstrap.reset()
    return status


def _worker(
    wsgi: FunctionsWsgiApp,
    listener: socket.socket,
    threads: int,
    functions: AppFunctions,
    settings: Settings,
) -> int:
    """One worker process: its own dependencies (connections never cross a fork), request
    threads and queue consumers, until SIGINT or SIGTERM."""
    from shared.local.http_server import create_server

    consumer = None
    server = None
    try:
        with stop_on_signals():
            # Forget the parent's dependencies without closing them: they are the parent's.
            bootstrap.forget()
            deps = bootstrap.install(
                bootstrap.build(settings, serve_local_storage=serves_local_storage(settings))
            )
            server = create_server(wsgi, listener, threads)
            consumer = _queue_consumer(functions, deps)
            if consumer is not None:
                consumer.start()
            server.run()
    except KeyboardInterrupt:
        pass
    except Exception:
        log.exception("worker process %d failed", os.getpid())
        return 1
    finally:
        if consumer is not None:
            consumer.stop()
        if server is not None:
            server.close()
        bootstrap.reset()
        sys.stdout.flush()
        sys.stderr.flush()
    return 0


def _stop_workers(workers: set[int], grace_seconds: float = 10.0) -> None:
    for pid in workers:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    while workers and time.monotonic() < deadline:
        for pid in list(workers):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                workers.discard(pid)
        time.sleep(0.05)
    for pid in workers:  # still running after the grace period
        _signal(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _describe_exit(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"

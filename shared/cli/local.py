"""`lms worker` and `lms routes`: the local broker's consumers and timers, and the route table."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from typing import Any

INSTALL_LOCAL = "pip install 'lms-functions[local]' (or `make run`, which does)"


def missing_waitress(command: str) -> bool:
    """Say how to install waitress when it is missing (a plain `pip install .`)."""
    if importlib.util.find_spec("waitress") is not None:
        return False
    print(
        f"lms {command}: the local HTTP server (waitress) is not installed; {INSTALL_LOCAL}",
        file=sys.stderr,
    )
    return True


def cmd_worker(args: argparse.Namespace) -> int:
    from shared.local.worker import run_worker

    return run_worker()


def cmd_routes(args: argparse.Namespace) -> int:
    import function_app  # noqa: F401  (registers every route in ROUTES)
    from shared.http.registry import ROUTES

    specs = sorted(ROUTES.values(), key=lambda s: (s.path, s.method))
    if args.access:
        specs = [s for s in specs if str(s.access) == args.access]
    rows = [("METHOD", "PATH", "ACCESS", "FUNCTION")]
    rows += [(s.method, "/" + s.path, str(s.access), s.name) for s in specs]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for method, path, access, name in rows:
        print(f"{method:<{widths[0]}}  {path:<{widths[1]}}  {access:<{widths[2]}}  {name}")
    print(f"{len(specs)} routes", file=sys.stderr)
    return 0


def add_local_commands(commands: Any) -> None:
    worker = commands.add_parser(
        "worker",
        help="run the queue consumers and timers of the local broker, with no HTTP (beside "
        "`func start` with APP_ROLE=api, or an API served elsewhere)",
    )
    worker.set_defaults(handler=cmd_worker)

    routes = commands.add_parser(
        "routes", help="list every HTTP route: method, path, who may call it, function name"
    )
    routes.add_argument(
        "--access",
        help="only routes with this access rule (public, optional, authenticated, signed-token, "
        "instructor, admin, admin+)",
    )
    routes.set_defaults(handler=cmd_routes)

"""The `lms` command: run the local host, migrate the database, and operate the system."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from shared.cli.admin import add_admin_commands
from shared.cli.backups import add_backup_commands
from shared.cli.keys import add_key_commands
from shared.cli.local import add_local_commands, missing_waitress
from shared.cli.openapi import add_openapi_commands
from shared.cli.queues import add_queue_commands
from shared.cli.seed import add_seed_commands
from shared.config import UnsafeSettingsError, get_settings
from shared.version import __version__

SETTINGS_HELP = """\
Settings come from the environment (every one is in local.settings.sample.json and the README):
  DATABASE_URL     sqlite:///./.lms/lms.db by default; postgresql+pg8000://user@host/db
  APP_ROLE         all (default), api (HTTP only) or jobs (queue and timer triggers only)
  BROKER           local (a database table, default) or servicebus (ServiceBusConnection)
  STORAGE          local (LOCAL_STORAGE_DIR, default .lms/files) or azure
  MAIL_TRANSPORT   maildir (MAILDIR_PATH, default .lms/mail), smtp or firebase
  LOG_LEVEL        INFO by default; logs are readable lines on a terminal, JSON elsewhere
  ENVIRONMENT      development by default; production refuses unsafe settings
Start with: lms migrate && lms seed-demo && lms serve"""


def _masked(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_migrate(args: argparse.Namespace) -> int:
    from shared import db_migrations
    from shared.db import tls_context

    settings = get_settings()
    target = args.revision
    from sqlalchemy.exc import DBAPIError

    where = _masked(settings.DATABASE_URL)
    print(f"Migrating {where} to {target} ...", flush=True)
    try:
        before, after = db_migrations.upgrade(
            settings.DATABASE_URL,
            target,
            tls=tls_context(settings),
            on_wait=lambda: print("Waiting for another migration to finish ...", flush=True),
        )
    except db_migrations.MigrationLockTimeoutError as exc:
        print(f"lms: {exc}", file=sys.stderr)
        return 1
    except DBAPIError as exc:
        print(
            f"lms: cannot use the database at {where}: {str(exc.orig).rstrip('.')}. "
            "Is the server running, and is DATABASE_URL right?",
            file=sys.stderr,
        )
        return 1
    if before == after:
        print(f"Already at revision {after}; nothing to do.")
    else:
        print(f"Upgraded from {before or 'an empty database'} to {after}.")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if missing_waitress("serve"):
        return 2
    from shared.local.server import serve

    return serve(host=args.host, port=args.port, threads=args.threads, processes=args.processes)


def run_ops_stack(arguments: Sequence[str]) -> int:
    """Run infra/observability/ops_stack.py (standard library only) with these arguments."""
    import subprocess
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "infra" / "observability" / "ops_stack.py"
    if not script.exists():
        print(f"lms: {script} is missing; run `lms ops-stack` in a checkout", file=sys.stderr)
        return 2
    command = [sys.executable, str(script), *arguments]
    return subprocess.run(command, check=False).returncode  # noqa: S603 (our script)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lms",
        description=__doc__,
        epilog=SETTINGS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"lms {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="serve every function of function_app.py on one local HTTP port, with the "
        "queue consumers and timers",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=7071, help="port to bind (default 7071)")
    serve.add_argument(
        "--processes",
        type=_positive,
        help="worker processes accepting on the port (default FUNCTIONS_WORKER_PROCESS_COUNT, "
        "else one per core)",
    )
    serve.add_argument(
        "--threads",
        type=_positive,
        help="request threads per process (default PYTHON_THREADPOOL_THREAD_COUNT, else cores + 4)",
    )
    serve.set_defaults(handler=cmd_serve)

    migrate = commands.add_parser("migrate", help="apply database migrations (DATABASE_URL)")
    migrate.add_argument("revision", nargs="?", default="head", help="target (default head)")
    migrate.set_defaults(handler=cmd_migrate)

    add_local_commands(commands)
    ops_stack = commands.add_parser(
        "ops-stack",
        help="run Prometheus and Alertmanager against `lms serve` (METRICS_TOKEN), with checks",
        add_help=False,
    )
    ops_stack.add_argument("arguments", nargs=argparse.REMAINDER, help="see --help")

    add_queue_commands(commands)
    add_admin_commands(commands)
    add_seed_commands(commands)
    add_openapi_commands(commands)
    add_backup_commands(commands)
    add_key_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["ops-stack"]:  # every option is the script's, --help included
        return run_ops_stack(arguments[1:])
    args = build_parser().parse_args(arguments)
    try:
        return int(args.handler(args))
    except UnsafeSettingsError as exc:
        print(f"lms: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lms: interrupted", file=sys.stderr)
        return 130
    finally:
        from shared import bootstrap

        bootstrap.reset()


if __name__ == "__main__":
    sys.exit(main())

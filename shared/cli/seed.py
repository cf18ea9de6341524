"""`lms seed-demo`: demo accounts and courses for a local system (refused in production)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import DBAPIError

    from shared import bootstrap
    from shared.domain.errors import DomainError
    from shared.services.demo import seed

    print("Seeding demo data ...", flush=True)
    try:
        seed(bootstrap.current(), lambda line: print(f"  {line}", flush=True), args.port)
    except DomainError as exc:
        print(f"lms: {exc.detail}; nothing more was seeded.", file=sys.stderr)
        return 1
    except DBAPIError as exc:
        print(
            f"lms: cannot use the database: {str(exc.orig).rstrip('.')}. "
            "Is it running and migrated (`lms migrate`), and is DATABASE_URL right?",
            file=sys.stderr,
        )
        return 1
    print("Done. Sign in with any of the accounts above (POST /api/v1/auth/login).")
    return 0


def add_seed_commands(commands: Any) -> None:
    seed = commands.add_parser(
        "seed-demo",
        help="create demo accounts with known passwords and published courses (not in production)",
    )
    seed.add_argument(
        "--port",
        type=int,
        default=7071,
        help="the port lms serve will listen on: the demo's webhook subscription goes to its "
        "local receiver there (default 7071)",
    )
    seed.set_defaults(handler=cmd_seed_demo)

"""`lms create-admin`: an admin account with a completed admin profile, from a shell.

The password is read from the terminal (asked twice, never echoed) or, for scripts, from
standard input with --password-stdin; never from an argument, which `ps` and shell history see.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

MIN_PASSWORD = 12
MAX_PASSWORD = 128


def _fail(message: str) -> int:
    print(f"lms: {message}", file=sys.stderr)
    return 1


def _email_taken(email: str) -> int:
    return _fail(
        f"a user with the e-mail {email} already exists; nothing was created. "
        "Choose another address, or change that user with PATCH /api/v1/users/{id}."
    )


def _database_unusable(exc: Any) -> int:
    return _fail(
        f"cannot use the database: {str(exc.orig).rstrip('.')}. "
        "Is it running and migrated (`lms migrate`), and is DATABASE_URL right?"
    )


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password for the new admin: ")
    second = getpass.getpass("Repeat the password: ")
    return first if first == second else None


def cmd_create_admin(args: argparse.Namespace) -> int:
    from pydantic import ValidationError
    from sqlalchemy.exc import DBAPIError

    from shared import bootstrap
    from shared.domain.errors import ResourceConflictError
    from shared.schemas.accounts import check_email, check_full_name
    from shared.services.identity.accounts import normalize_email
    from shared.services.identity.admins import create_operator_admin
    from shared.services.identity.users import email_in_use

    try:
        email = normalize_email(check_email(args.email))
        full_name = check_full_name(args.full_name)
    except ValueError as exc:
        return _fail(f"{exc}; nothing was created.")
    try:
        if email_in_use(bootstrap.current(), email):
            return _email_taken(email)
    except DBAPIError as exc:
        return _database_unusable(exc)
    password = _read_password(args.password_stdin)
    if password is None:
        return _fail("the passwords do not match; nothing was created.")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return _fail(
            f"an admin password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters "
            f"(this one has {len(password)}); nothing was created."
        )
    try:
        created = create_operator_admin(
            bootstrap.current(), email=email, password=password, full_name=full_name
        )
    except ResourceConflictError:
        return _email_taken(email)  # created by someone else since the check above
    except ValidationError as exc:
        return _fail(f"{exc.errors()[0]['msg']}; nothing was created.")
    except DBAPIError as exc:
        return _database_unusable(exc)
    print(
        f"Created admin {created.user.email} (user id {created.user.id}) with a completed "
        f"admin profile (id {created.admin.id}); it can sign in and use every admin route now."
    )
    return 0


def add_admin_commands(commands: Any) -> None:
    create = commands.add_parser(
        "create-admin", help="create an admin whose setup is complete (asks for the password)"
    )
    create.add_argument("--email", required=True, help="the admin's e-mail address")
    create.add_argument("--full-name", required=True, help="the admin's full name")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of prompting",
    )
    create.set_defaults(handler=cmd_create_admin)

"""The PostgreSQL client programs: the server's version found, or a message saying how to
install it; the password handed over in the environment, never on a command line."""

from __future__ import annotations

import pytest

from shared.backups.pg_tools import ToolMissingError, find_tool, libpq_environment


def test_the_tool_of_the_servers_version_is_found() -> None:
    tool = find_tool("pg_dump", 13)
    assert tool.major >= 13 and tool.path.name == "pg_dump"


def test_a_server_newer_than_every_tool_gets_a_message_saying_what_to_install() -> None:
    with pytest.raises(ToolMissingError) as raised:
        find_tool("pg_dump", 99)
    message = str(raised.value)
    assert "pg_dump 99 or newer is needed" in message
    assert "apt-get install postgresql-client-99" in message and "found: " in message


def test_the_password_travels_in_the_environment() -> None:
    env = libpq_environment(
        "postgresql+pg8000://lms:s3cret%21@db.example.org:6432/lms", "verify-full", None
    )
    assert env["PGPASSWORD"] == "s3cret!"
    assert (env["PGHOST"], env["PGPORT"], env["PGDATABASE"]) == ("db.example.org", "6432", "lms")
    assert env["PGSSLMODE"] == "verify-full" and env["PGSSLROOTCERT"]

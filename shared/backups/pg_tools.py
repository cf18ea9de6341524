"""Finding the PostgreSQL client programs that match the server, and handing them the
connection without putting a password on a command line.

pg_dump refuses a server newer than itself, and an older pg_restore cannot read a newer
dump, so the tools must be at least the server's major version; the same major is preferred
(it is what the server's own packages ship).
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

VERSION = re.compile(r"\(PostgreSQL\) (\d+)")
# Where packages put each major version's programs, beside whatever PATH holds.
VERSIONED_DIRS = (
    "/usr/lib/postgresql/*/bin",  # Debian, Ubuntu
    "/usr/pgsql-*/bin",  # RHEL, Fedora (PGDG)
    "/opt/homebrew/opt/postgresql@*/bin",  # macOS, Homebrew on Apple silicon
    "/usr/local/opt/postgresql@*/bin",  # macOS, Homebrew on Intel
    "/Applications/Postgres.app/Contents/Versions/*/bin",
    "C:/Program Files/PostgreSQL/*/bin",
)


class ToolMissingError(RuntimeError):
    """No usable pg_dump / pg_restore / psql for the server's version."""


@dataclass(frozen=True)
class Tool:
    path: Path
    major: int


def _candidates(name: str) -> list[Path]:
    exe = name + (".exe" if os.name == "nt" else "")
    found: list[Path] = []
    on_path = shutil.which(exe)
    if on_path:
        found.append(Path(on_path))
    for pattern in VERSIONED_DIRS:
        found.extend(Path(p) for p in sorted(glob.glob(str(Path(pattern) / exe))))
    return found


def _major(path: Path) -> int | None:
    try:
        out = subprocess.run(  # noqa: S603 (a program we found by name, no shell)
            [str(path), "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except OSError:
        return None
    match = VERSION.search(out)
    return int(match.group(1)) if match else None


def find_tool(name: str, server_major: int) -> Tool:
    """`name` (pg_dump, pg_restore, psql) of the server's major version, else the nearest
    newer one; ToolMissingError says how to install it."""
    usable: list[Tool] = []
    seen: list[str] = []
    for path in _candidates(name):
        major = _major(path)
        if major is None:
            continue
        seen.append(f"{major} at {path}")
        if major >= server_major:
            usable.append(Tool(path, major))
    if usable:
        return min(usable, key=lambda tool: tool.major)
    found = f" (found: {', '.join(seen)})" if seen else ""
    raise ToolMissingError(
        f"{name} {server_major} or newer is needed for this PostgreSQL {server_major} server"
        f"{found}. Install the server's client tools: on Debian/Ubuntu `apt-get install "
        f"postgresql-client-{server_major}` (from apt.postgresql.org when the distribution "
        f"has an older one), on macOS `brew install postgresql@{server_major}`; or put their "
        "bin folder first on PATH"
    )


def libpq_environment(url: str, tls_mode: str, root_cert: str | None) -> dict[str, str]:
    """The environment that connects libpq programs to `url`: PGPASSWORD rather than an
    argument, so the password never shows in a process list or a log."""
    parsed = make_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(
        {
            "PGHOST": parsed.host or "localhost",
            "PGPORT": str(parsed.port or 5432),
            "PGDATABASE": parsed.database or "postgres",
            "PGCONNECT_TIMEOUT": "10",
            "PGAPPNAME": "lms-backup",
            "PGSSLMODE": tls_mode,
        }
    )
    if parsed.username:
        env["PGUSER"] = parsed.username
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    if tls_mode == "verify-full":
        # libpq does not read the system's CAs unless told (before version 16, not at all);
        # the same bundle the app trusts is handed over by name.
        env["PGSSLROOTCERT"] = root_cert or _system_ca_file()
    return env


def _system_ca_file() -> str:
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and Path(candidate).is_file():
            return candidate
    return "system"  # libpq 16+ understands this; older ones say the file is missing

"""What the benches share: a PostgreSQL database of their own seeded like the demo plus more,
the environment `lms` runs with against it, and the local host's WSGI app called in process.

    with bench_database(server) as url, tempfile.TemporaryDirectory() as folder:
        env = bench_environment(url, folder)
        lms("migrate", env=env)
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SERVER = "postgresql+pg8000://postgres@127.0.0.1:5432/postgres"
PASSWORDS = {
    "student": ("student@example.com", "StudentPass123"),
    "instructor": ("instructor@example.com", "InstructorPass123"),
    "admin": ("admin@example.com", "AdminPass1234567"),
}
EXTRA_COURSES = 17
EXTRA_STUDENTS = 100
# Far above what the benches send from their one address: rate limiting stays on, and its
# cost is counted, but it never answers 429 to a bench.
HIGH_LIMIT = "10000000"


def bench_environment(url: str, folder: str, **settings: str) -> dict[str, str]:
    """This process's environment without LMS settings, pointed at `url` and `folder`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "DATABASE"))}
    env.update(
        DATABASE_URL=url,
        ENVIRONMENT="development",
        PYTHONPATH=str(REPO_ROOT),
        MAILDIR_PATH=f"{folder}/mail",
        LOCAL_STORAGE_DIR=f"{folder}/files",
        RATE_LIMIT_REQUESTS_PER_MINUTE=HIGH_LIMIT,
        AUTH_RATE_LIMIT_REQUESTS_PER_MINUTE=HIGH_LIMIT,
    )
    env.update(settings)
    return env


def wsgi_app() -> Callable[..., Iterable[bytes]]:
    """The local host's WSGI app over function_app.py, as `lms serve` builds it."""
    from shared import bootstrap
    from shared.local.app_functions import functions_of
    from shared.local.body_limits import BodyLimits
    from shared.local.routing import RouteTable
    from shared.local.server import load_function_app
    from shared.local.wsgi import FunctionsWsgiApp

    functions = functions_of(load_function_app(REPO_ROOT)).http
    limits = BodyLimits.of(functions, bootstrap.current().settings.MAX_REQUEST_BODY_BYTES)
    return FunctionsWsgiApp(RouteTable(functions), limits)


def wsgi_call(
    app: Callable[..., Iterable[bytes]],
    method: str,
    path: str,
    body: bytes = b"",
    token: str | None = None,
) -> tuple[str, bytes]:
    """One request to `app` in process (no network): the status line and the body."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path.split("?")[0],
        "QUERY_STRING": path.partition("?")[2],
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "7071",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    statuses: list[str] = []
    out = b"".join(app(environ, lambda status, headers: statuses.append(status)))
    return statuses[0], out


@contextmanager
def bench_database(server: str) -> Iterator[str]:
    from sqlalchemy import create_engine, pool, text
    from sqlalchemy.engine import make_url

    name = f"lms_load_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(server, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def wait_for_idle_queues(url: str, timeout: float = 300.0) -> None:
    """Until the outbox is empty and no queue holds a message due now (retries scheduled for
    later do not count): the seed's work (its mails, progress, certificates and webhook
    deliveries) is handled by a server's consumers when it starts, and measured beside a
    scenario it would count as the scenario's cost."""
    from sqlalchemy import create_engine, pool, text

    engine = create_engine(url, poolclass=pool.NullPool)
    started = time.monotonic()
    shown = -1
    try:
        while True:
            with engine.connect() as connection:
                waiting = connection.execute(
                    text(
                        "SELECT (SELECT count(*) FROM outbox_messages)"
                        " + (SELECT count(*) FROM queue_messages"
                        "    WHERE state = 'active' AND visible_at <= now())"
                    )
                ).scalar_one()
            if waiting == 0:
                break
            if time.monotonic() - started > timeout:
                raise SystemExit(
                    f"{waiting} queued messages still waiting after {timeout:.0f} s: "
                    "is a queue consumer failing? The server's log says why"
                )
            if waiting != shown:
                print(f"waiting for {waiting} queued messages to be handled", flush=True)
                shown = waiting
            time.sleep(0.5)
    finally:
        engine.dispose()
    if shown >= 0:
        print(f"queues idle after {time.monotonic() - started:.1f} s", flush=True)


def lms(*args: str, env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "shared.cli", *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"lms {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def seed_more(env: dict[str, str]) -> dict[str, Any]:
    """17 more published courses and 100 students enrolled in two courses each, written in
    bulk; the students share the demo student's password (and so its hash)."""
    os.environ.update(env)
    from sqlalchemy import insert, select

    from shared import bootstrap
    from shared.domain.courses import Course
    from shared.domain.enrollments import Enrollment
    from shared.domain.users import User

    deps = bootstrap.current()
    now = datetime.now(UTC)
    with deps.uow() as uow:
        session = uow.session
        by_email = {u.email: u for u in session.scalars(select(User))}
        student = by_email[PASSWORDS["student"][0]]
        teacher = by_email[PASSWORDS["instructor"][0]]
        demo_courses = list(session.scalars(select(Course.id).where(Course.is_published)))
        courses = [
            {
                "id": uuid.uuid4(),
                "title": f"Course {n}",
                "slug": f"bench-course-{n}",
                "description": "A course for the load benchmark.",
                "instructor_id": teacher.id,
                "is_published": True,
                "published_at": now - timedelta(minutes=n),
                "is_free": True,
                "requirements": [],
                "learning_objectives": [],
                "created_at": now,
                "updated_at": now,
            }
            for n in range(EXTRA_COURSES)
        ]
        session.execute(insert(Course), courses)
        students = [
            {
                "id": uuid.uuid4(),
                "email": f"learner{n}@bench.example.org",
                "password_hash": student.password_hash,
                "full_name": f"Learner {n}",
                "role": "student",
                "is_active": True,
                "mfa_enabled": False,
                "token_version": 0,
                "created_at": now,
                "updated_at": now,
                "email_verified_at": now,
            }
            for n in range(EXTRA_STUDENTS)
        ]
        session.execute(insert(User), students)
        session.execute(
            insert(Enrollment),
            [
                {
                    "id": uuid.uuid4(),
                    "student_id": s["id"],
                    "course_id": course,
                    "enrolled_at": now,
                    "status": "active",
                    "progress_percentage": 0,
                    "completed_lessons_count": 0,
                    "total_lessons_count": 0,
                    "total_time_spent_seconds": 0,
                    "updated_at": now,
                }
                for s in students
                for course in demo_courses[:2]
            ],
        )
        uow.commit()
    bootstrap.reset()
    return {
        "course_id": str(demo_courses[0]),
        "instructor_id": str(teacher.id),
        "students": [PASSWORDS["student"][0]] + [s["email"] for s in students],
    }

"""The learning core at scale: one course with 200 lessons and 10,000 enrollments.

Builds that course in a database of its own (PostgreSQL by default: a fresh database on the
server at --server, dropped at the end), then calls the HTTP functions in-process, the way the
Functions host does, and reports for each request the median and 95th-percentile time and the
number of SQL statements. It also times the progress-queue jobs that touch every enrollment of
the course. Numbers are for reading, not asserting: tests pin the statement counts.

    .venv/bin/python bench/learning_core.py                       # PostgreSQL at 127.0.0.1
    .venv/bin/python bench/learning_core.py --sqlite              # a SQLite file instead
    .venv/bin/python bench/learning_core.py --enrollments 2000    # a smaller course
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

DEFAULT_SERVER = "postgresql+pg8000://postgres@127.0.0.1:5432/postgres"


@contextmanager
def bench_database(args: argparse.Namespace) -> Iterator[str]:
    """A migrated, empty database for this run; removed afterwards."""
    from sqlalchemy import create_engine, pool, text
    from sqlalchemy.engine import make_url

    from shared import db_migrations

    if args.sqlite:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            db_migrations.upgrade(url)
            yield url
        return
    name = f"lms_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(args.server, poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.server).set(database=name).render_as_string(hide_password=False)
    try:
        db_migrations.upgrade(url)
        yield url
    finally:
        from shared import bootstrap

        bootstrap.reset()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build_course(lessons: int, enrollments: int) -> dict[str, Any]:
    """Users, a published course, its lessons and enrollments, written with bulk inserts."""
    from sqlalchemy import insert

    from shared import bootstrap
    from shared.domain.courses import Course, Lesson
    from shared.domain.enrollments import Enrollment
    from shared.domain.instructors import InstructorProfile
    from shared.domain.users import User

    deps = bootstrap.current()
    now = datetime.now(UTC)
    password_hash = deps.passwords.hash("bench password 123")

    def user(role: str, n: int) -> dict[str, Any]:
        return {
            "id": uuid.uuid4(),
            "email": f"{role}{n}@bench.example.org",
            "password_hash": password_hash,
            "full_name": f"{role.title()} {n}",
            "role": role,
            "is_active": True,
            "mfa_enabled": False,
            "token_version": 0,
            "created_at": now,
            "updated_at": now,
            "email_verified_at": now,
        }

    instructor = user("instructor", 0)
    students = [user("student", n) for n in range(enrollments)]
    course_id = uuid.uuid4()
    lesson_rows = [
        {
            "id": uuid.uuid4(),
            "course_id": course_id,
            "title": f"Lesson {n}",
            "slug": f"lesson-{n}",
            "content": "Some text " * 50,
            "lesson_type": "text",
            "order_index": n,
            "duration_minutes": 5,
            "is_preview": n == 1,
            "created_at": now,
            "updated_at": now,
        }
        for n in range(1, lessons + 1)
    ]
    with deps.uow() as uow:
        session = uow.session
        session.execute(insert(User), [instructor])
        session.add(
            InstructorProfile(
                user_id=instructor["id"],
                bio="Benchmarks",
                expertise=["speed"],
                is_verified=True,
                verification_status="verified",
                created_at=now,
                updated_at=now,
            )
        )
        session.execute(
            insert(Course),
            [
                {
                    "id": course_id,
                    "title": "The Big Course",
                    "slug": "the-big-course",
                    "instructor_id": instructor["id"],
                    "is_published": True,
                    "published_at": now,
                    "is_free": True,
                    "requirements": [],
                    "learning_objectives": [],
                    "total_lessons": lessons,
                    "lessons_duration_minutes": 5 * lessons,
                    "total_quizzes": 0,
                    "enrollment_count": enrollments,
                    "completed_count": 0,
                    "total_reviews": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        session.execute(insert(Lesson), lesson_rows)
        for start in range(0, len(students), 1000):
            chunk = students[start : start + 1000]
            session.execute(insert(User), chunk)
            session.execute(
                insert(Enrollment),
                [
                    {
                        "id": uuid.uuid4(),
                        "student_id": s["id"],
                        "course_id": course_id,
                        "enrolled_at": now - timedelta(seconds=start + n),
                        "started_at": now,
                        "status": "active",
                        "progress_percentage": 0,
                        "completed_lessons_count": 0,
                        "total_lessons_count": lessons,
                        "total_time_spent_seconds": 0,
                        "updated_at": now,
                    }
                    for n, s in enumerate(chunk)
                ],
            )
            print(f"  enrolled {start + len(chunk):>6} of {len(students)} students", flush=True)
        uow.commit()
    return {
        "instructor": instructor,
        "students": students,
        "course_id": str(course_id),
        "lesson_ids": [str(row["id"]) for row in lesson_rows],
    }


def token_for(user: dict[str, Any]) -> str:
    from shared.config import get_settings
    from shared.security.tokens import ACCESS, issue_token

    return issue_token(
        get_settings(),
        ACCESS,
        user["id"],
        timedelta(minutes=30),
        datetime.now(UTC),
        ver=0,
        role=user["role"],
    ).token


def measure(label: str, runs: int, call: Callable[[int], Any]) -> list[str]:
    from tests.statements import counted_statements

    times: list[float] = []
    statements: list[int] = []
    for n in range(runs):
        with counted_statements() as sent:
            started = time.perf_counter()
            response = call(n)
            times.append((time.perf_counter() - started) * 1000)
        statements.append(len(sent))
        status = getattr(response, "status_code", 200)
        if status >= 400:
            raise SystemExit(f"{label}: HTTP {status}: {response.get_body()[:300]!r}")
    times.sort()
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    return [
        label,
        f"{statistics.median(times):8.1f}",
        f"{p95:8.1f}",
        f"{max(set(statements), key=statements.count):>4}",
        str(runs),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lessons", type=int, default=200)
    parser.add_argument("--enrollments", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--sqlite", action="store_true", help="use a SQLite file")
    parser.add_argument("--server", default=os.environ.get("TEST_POSTGRES_URL", DEFAULT_SERVER))
    args = parser.parse_args(argv)

    os.environ["BROKER"] = "local"
    os.environ["RATE_LIMIT_ENABLED"] = "false"
    with bench_database(args) as url:
        os.environ["DATABASE_URL"] = url
        from shared import bootstrap

        bootstrap.reset()
        where = url.split(":")[0]
        print(f"building: {args.lessons} lessons, {args.enrollments} enrollments on {where}")
        started = time.perf_counter()
        data = build_course(args.lessons, args.enrollments)
        print(f"built in {time.perf_counter() - started:.1f} s")
        rows = run_requests(data, args.runs)
        width = max(len(r[0]) for r in rows)
        print(f"\n{'request':<{width}}  median ms   p95 ms  SQL  runs")
        for row in rows:
            print(f"{row[0]:<{width}}  {row[1]}  {row[2]}  {row[3]}  {row[4]:>4}")
    return 0


def run_requests(data: dict[str, Any], runs: int) -> list[list[str]]:
    from tests.function_calls import call_http

    course_id = data["course_id"]
    lessons = data["lesson_ids"]
    students = data["students"]
    instructor = {"Authorization": f"Bearer {token_for(data['instructor'])}"}
    student_tokens = [{"Authorization": f"Bearer {token_for(s)}"} for s in students[: runs + 1]]
    enrollment_ids = enrollments_of([s["id"] for s in students[: runs + 1]])
    of_course = {"course_id": course_id}

    def get(name: str, path: str, headers: dict[str, str], **route: str) -> Any:
        return call_http(name, "GET", path, headers=headers, route_params=route)

    def progress(n: int, action: str) -> Any:
        enrollment_id, lesson_id = enrollment_ids[n], lessons[n % len(lessons)]
        return call_http(
            f"enrollments_{'update_progress' if action == 'progress' else 'complete_lesson'}",
            "PUT" if action == "progress" else "POST",
            f"/api/v1/enrollments/{enrollment_id}/lessons/{lesson_id}/{action}",
            headers=student_tokens[n],
            json_body={"status": "in_progress", "time_spent_seconds": 60}
            if action == "progress"
            else None,
            route_params={"enrollment_id": enrollment_id, "lesson_id": lesson_id},
        )

    def enrollments_page(page: int) -> Callable[[int], Any]:
        path = f"/api/v1/enrollments/courses/{course_id}?page={page}&page_size=20"
        return lambda n: get("enrollments_course_list", path, instructor, **of_course)

    last_page = max(1, len(students) // 20)
    requests: list[tuple[str, Callable[[int], Any]]] = [
        (
            f"GET lessons of the course ({len(lessons)}), as an enrolled student",
            lambda n: get(
                "lessons_list",
                f"/api/v1/courses/{course_id}/lessons",
                student_tokens[n],
                **of_course,
            ),
        ),
        ("PUT lesson progress (in_progress)", lambda n: progress(n, "progress")),
        ("POST complete lesson", lambda n: progress(n, "complete")),
        ("GET course enrollments, page 1 (20 a page)", enrollments_page(1)),
        (f"GET course enrollments, page {last_page} (20 a page)", enrollments_page(last_page)),
        (
            "GET course enrollment stats",
            lambda n: get(
                "enrollments_course_stats",
                f"/api/v1/enrollments/courses/{course_id}/stats",
                instructor,
                **of_course,
            ),
        ),
        (
            f"GET course analytics ({len(students)} enrollments)",
            lambda n: get(
                "analytics_course",
                f"/api/v1/analytics/courses/{course_id}",
                instructor,
                **of_course,
            ),
        ),
        (
            "GET courses (published, page 1)",
            lambda n: get("courses_list", "/api/v1/courses", student_tokens[n]),
        ),
    ]
    rows = [measure(label, runs, call) for label, call in requests]
    for message_type in ("course.enrollments_changed", "course.lessons_changed"):
        rows.append(
            measure(
                f"progress queue: {message_type} ({len(students)} enrollments)",
                max(3, runs // 10),
                lambda n, t=message_type: run_progress_job(t, course_id),
            )
        )
    return rows


def enrollments_of(student_ids: list[Any]) -> list[str]:
    from sqlalchemy import select

    from shared import bootstrap
    from shared.domain.enrollments import Enrollment

    with bootstrap.current().uow() as uow:
        by_student = dict(
            uow.session.execute(
                select(Enrollment.student_id, Enrollment.id).where(
                    Enrollment.student_id.in_(student_ids)
                )
            ).all()
        )
    return [str(by_student[s]) for s in student_ids]


def run_progress_job(message_type: str, course_id: str) -> None:
    from functions_jobs import progress
    from shared import bootstrap
    from shared.messaging.broker import Delivery
    from shared.messaging.consumer import consume
    from shared.messaging.envelope import Envelope

    envelope = Envelope(
        uuid.uuid4(), message_type, 1, datetime.now(UTC), None, {"course_id": course_id}
    )
    delivery = Delivery("progress", str(envelope.id), envelope.to_bytes(), delivery_count=1)
    consume(bootstrap.current(), progress.HANDLERS, delivery)


if __name__ == "__main__":
    raise SystemExit(main())

"""A small world whose every analytics figure is worked out by hand (the tests assert them).

Instructor I owns C1 (4 lessons), C2 (3 lessons), both published, and C5, a draft without
enrollments. Instructor J owns C3 (3 lessons) and C4 (2 lessons), published. An admin
(setup complete) looks on. The clock of the dashboard is NOW = 2025-03-15 10:00 UTC, so the
activity window is 2025-02-14 .. 2025-03-15 (30 UTC dates).

Student S, the dashboard's caller:
    enr  course  status     progress  lessons  seconds  enrolled    rating
    e1   C1      active     25.5      1/4      1800     2025-01-01  -
    e2   C2      completed  100       3/3      5401     2025-01-02  2
    e3   C3      dropped    33.32     1/3       600     2025-01-03  -
    e4   C4      expired    0         0/2         0     2025-01-04  -
  lesson progress: e1 L1 completed 2025-03-15 09:00 (1500 s), e1 L2 in progress (300 s);
    e2 L1 completed 2025-03-14 23:59:59 (1001 s), L2 2025-03-14 00:00 (2000 s),
    L3 2025-02-14 00:00 (2400 s); e3 L1 completed 2025-02-13 23:59:59 (600 s, outside).
  attempts (quiz Q1 on C1, Q2 on C2):
    e1 Q1 graded 6/10 = 60 % failed, submitted 2025-03-15 08:00
    e1 Q1 graded 9/10 = 90 % passed, submitted 2025-03-13 12:00
    e1 Q1 in progress
    e2 Q2 graded 40/50 = 80 % passed, submitted 2025-03-14 23:30
    e2 Q2 graded 32.5/50 = 65 % passed, submitted 2025-02-13 23:00 (outside the window)
    e2 Q2 needs grading, submitted 2025-03-15 09:30; e2 Q2 expired (0 %), 2025-03-15 09:45
Other students:
    O1 C1 completed 100 %, 7200 s, rating 5 (also a graded attempt at Q1, 100 %, and L1
       completed 2025-03-15 09:00: none of it is S's)
    O2 C1 dropped 10 %, rating 4;  O3 C1 active 0 %;  O4 C1 completed 100 %, 3601 s, rating 4
    O5 C1 expired 50 %;            O1 C2 active 40 %, 1200 s
"""

from __future__ import annotations

from datetime import UTC, datetime

from shared.domain.users import Role
from tests.accounts import make_user
from tests.functional.analytics.rows import (
    add_attempt,
    add_enrollment,
    add_progress,
    add_quiz,
    rows,
)
from tests.learning import lessons_of, make_course

NOW = datetime(2025, 3, 15, 10, 0, tzinfo=UTC)


def at(day: str) -> datetime:
    """'2025-03-14 23:59:59' as an aware UTC datetime."""
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


class KnownWorld:
    def __init__(self) -> None:
        self.instructor, self.instructor_token = make_user(role=Role.INSTRUCTOR)
        self.other_instructor, self.other_instructor_token = make_user(role=Role.INSTRUCTOR)
        self.admin, self.admin_token = make_user(role=Role.ADMIN, admin_setup_complete=True)
        self.student, self.student_token = make_user()
        self.others = [make_user()[0] for _ in range(5)]

        i, j = self.instructor, self.other_instructor
        self.c1 = make_course(i, lessons=4, title="Course 1")
        self.c2 = make_course(i, lessons=3, title="Course 2")
        self.c3 = make_course(j, lessons=3, title="Course 3")
        self.c4 = make_course(j, lessons=2, title="Course 4")
        self.c5 = make_course(i, published=False, title="Course 5")
        l1, l2, l3 = lessons_of(self.c1), lessons_of(self.c2), lessons_of(self.c3)

        s, (o1, o2, o3, o4, o5) = self.student, self.others
        with rows() as session:
            e1, e2, e3, _ = (
                add_enrollment(
                    session,
                    s,
                    course,
                    status=status,
                    enrolled_at=at(enrolled_at),
                    progress=progress,
                    lessons_done=done,
                    seconds=seconds,
                    rating=rating,
                )
                for course, status, progress, done, seconds, enrolled_at, rating in [
                    (self.c1, "active", 25.5, 1, 1800, "2025-01-01", None),
                    (self.c2, "completed", 100, 3, 5401, "2025-01-02", 2),
                    (self.c3, "dropped", 33.32, 1, 600, "2025-01-03", None),
                    (self.c4, "expired", 0, 0, 0, "2025-01-04", None),
                ]
            )
            for enrollment, lesson, seconds, completed_at in [
                (e1, l1[0], 1500, "2025-03-15 09:00"),
                (e1, l1[1], 300, None),
                (e2, l2[0], 1001, "2025-03-14 23:59:59"),
                (e2, l2[1], 2000, "2025-03-14 00:00"),
                (e2, l2[2], 2400, "2025-02-14 00:00"),
                (e3, l3[0], 600, "2025-02-13 23:59:59"),
            ]:
                add_progress(
                    session,
                    enrollment,
                    lesson,
                    seconds=seconds,
                    completed_at=at(completed_at) if completed_at else None,
                )

            q1, q2 = add_quiz(session, l1[3]), add_quiz(session, l2[2])
            for enrollment, quiz, status, score, max_score, passed, submitted_at in [
                (e1, q1, "graded", 6, 10, False, "2025-03-15 08:00"),
                (e1, q1, "graded", 9, 10, True, "2025-03-13 12:00"),
                (e1, q1, "in_progress", None, 10, None, None),
                (e2, q2, "graded", 40, 50, True, "2025-03-14 23:30"),
                (e2, q2, "graded", 32.5, 50, True, "2025-02-13 23:00"),
                (e2, q2, "needs_grading", None, 50, None, "2025-03-15 09:30"),
                (e2, q2, "expired", 0, 50, False, "2025-03-15 09:45"),
            ]:
                add_attempt(
                    session,
                    enrollment,
                    quiz,
                    status=status,
                    score=score,
                    max_score=max_score,
                    percentage=None if score is None else score * 100 / max_score,
                    is_passed=passed,
                    submitted_at=at(submitted_at) if submitted_at else None,
                )

            o1_c1 = add_enrollment(
                session,
                o1,
                self.c1,
                status="completed",
                progress=100,
                lessons_done=4,
                seconds=7200,
                rating=5,
            )
            add_progress(session, o1_c1, l1[0], seconds=7200, completed_at=at("2025-03-15 09:00"))
            add_attempt(
                session,
                o1_c1,
                q1,
                score=10,
                percentage=100,
                is_passed=True,
                submitted_at=at("2025-03-15 09:00"),
            )
            add_enrollment(session, o2, self.c1, status="dropped", progress=10, rating=4)
            add_enrollment(session, o3, self.c1)
            add_enrollment(
                session,
                o4,
                self.c1,
                status="completed",
                progress=100,
                lessons_done=4,
                seconds=3601,
                rating=4,
            )
            add_enrollment(session, o5, self.c1, status="expired", progress=50, lessons_done=2)
            add_enrollment(session, o1, self.c2, progress=40, lessons_done=1, seconds=1200)

"""Where a lesson sits in its course: its position (order_index) and its slug, each unique in
the course.

The checks here read the course's lessons; they are race-free only because the lesson use
cases (shared.services.lessons) lock the course row before calling them. The unique
constraints behind them still catch anything they miss (the use cases answer 409).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shared.domain.courses import Lesson
from shared.domain.errors import ResourceConflictError, RuleViolationError
from shared.schemas.fields import SLUG_MAX_LENGTH, slugify

POSITION_TAKEN = "Lesson already exists or order index conflicts"
SLUG_TAKEN = "A lesson with this slug already exists in this course"
# A defaulted slug keeps room for a "-<n>" suffix within the column's 255 characters.
_SUFFIX_ROOM = 8


def free_position(session: Session, course_id: uuid.UUID, wanted: int | None) -> int:
    """`wanted` if no lesson of the course holds it (else 409); without one, the end."""
    if wanted is None:
        last = session.scalar(
            select(func.max(Lesson.order_index)).where(Lesson.course_id == course_id)
        )
        return (last or 0) + 1
    taken = session.scalar(
        select(Lesson.id).where(Lesson.course_id == course_id, Lesson.order_index == wanted)
    )
    if taken is not None:
        raise ResourceConflictError(POSITION_TAKEN)
    return wanted


def require_free_slug(session: Session, course_id: uuid.UUID, slug: str) -> None:
    """409 when a lesson of the course already has `slug`."""
    taken = session.scalar(
        select(Lesson.id).where(Lesson.course_id == course_id, Lesson.slug == slug)
    )
    if taken is not None:
        raise ResourceConflictError(SLUG_TAKEN)


def free_slug_from_title(session: Session, course_id: uuid.UUID, title: str) -> str:
    """slugify(title), or the first of "<slug>-2", "<slug>-3", ... no lesson of the course has."""
    base = slugify(title, max_length=SLUG_MAX_LENGTH - _SUFFIX_ROOM) or "lesson"
    # Slugs hold [a-z0-9-] only, none of which LIKE treats as a wildcard.
    taken = set(
        session.scalars(
            select(Lesson.slug).where(
                Lesson.course_id == course_id,
                or_(Lesson.slug == base, Lesson.slug.like(f"{base}-%")),
            )
        )
    )
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def require_every_lesson_once(lessons: dict[uuid.UUID, Lesson], ids: Sequence[uuid.UUID]) -> None:
    """400 unless `ids` names each of the course's `lessons` (and nothing else)."""
    missing = sorted(str(i) for i in lessons.keys() - set(ids))
    unknown = sorted(str(i) for i in set(ids) - lessons.keys())
    if missing or unknown:
        problems = [f"missing {', '.join(missing)}"] if missing else []
        problems += [f"not lessons of this course {', '.join(unknown)}"] if unknown else []
        raise RuleViolationError(
            "lesson_ids must list every lesson of the course exactly once; " + "; ".join(problems)
        )

"""Courses: list, read, create, change, publish, delete.

Who sees and changes what is course_access's business (drafts exist for their managers only).
Publishing has one set of rules whichever way it is asked for (POST /publish or PATCH
is_published=true, which the reference let bypass them, its defect 6.6): an instructor needs a
verified instructor profile, an admin does not, and only the draft -> published transition
stamps published_at and announces `course.published` on the webhooks queue.

Every read joins the instructor's name into the one query that loads the course(s), so a
page costs one statement whatever its size.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, delete, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from shared.domain.courses import Course
from shared.domain.enrollments import Enrollment
from shared.domain.errors import (
    AccessDeniedError,
    ResourceConflictError,
    ResourceNotFoundError,
    RuleViolationError,
)
from shared.domain.instructors import InstructorProfile
from shared.domain.users import Role, User
from shared.messages.events import CoursePublished
from shared.schemas.courses import (
    COURSE_COLUMNS,
    CourseCreate,
    CourseListQuery,
    CourseOut,
    CourseUpdate,
)
from shared.schemas.pages import Page
from shared.security.permissions import Actor
from shared.services.course_access import COURSE_NOT_FOUND, require_manager, require_visible
from shared.services.ids import parse_id
from shared.services.pages import PagedSelect, fetch_paged
from shared.uow import UnitOfWork

SLUG_TAKEN = "Course slug already exists"
HAS_ENROLLMENTS = "This course has enrollments; unpublish it instead of deleting it"
VERIFICATION_REQUIRED = "Instructor verification is required before publishing courses"
FREE_WITH_PRICE = "A free course has no price: send price 0 (or null), or is_free false"
# Never null in the table: an explicit null in a PATCH is refused (400), not stored.
NOT_NULL_FIELDS = ("title", "is_published", "is_free")


def _with_instructor() -> Select[tuple[Course, str]]:
    return select(Course, User.full_name).join(User, User.id == Course.instructor_id)


def _load(session: Session, where: Any, *, for_update: bool = False) -> tuple[Course, str]:
    """The course and its instructor's name in one query; 404 when there is none."""
    query = _with_instructor().where(where)
    if for_update:
        query = query.with_for_update(of=Course)
    row = session.execute(query).first()
    if row is None:
        raise ResourceNotFoundError(COURSE_NOT_FOUND)
    return row[0], row[1]


def _by_id(course_id: str | uuid.UUID) -> Any:
    return Course.id == parse_id(course_id, COURSE_NOT_FOUND)


# Which courses a list shows the caller (the reference's rules). `mine` means something to
# instructors and admins only; for anyone else it is ignored.
_PUBLISHED, _OWN, _EVERY = "published", "own", "every"


def _visibility(actor: Actor | None, mine: bool) -> str:
    if actor is not None and actor.role in (Role.INSTRUCTOR, Role.ADMIN) and mine:
        return _OWN
    if actor is not None and actor.is_admin:
        return _EVERY
    return _PUBLISHED


# What a list reads of each course: the columns CourseOut.of_rows needs, labelled with Course's
# attribute names, instead of Course entities (an ORM instance per course and its attribute
# reads cost more than the page's SQL).
_LISTED = (
    *(getattr(Course, name).label(name) for name in COURSE_COLUMNS),
    User.full_name.label("instructor_name"),
)
# SQLAlchemy's autoescape needs the search text in the statement; a list built once takes it
# as a parameter, escaped the same way here.
_LIKE_ESCAPE = "/"


def _like_escaped(text: str) -> str:
    return (
        text.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2)
        .replace("%", _LIKE_ESCAPE + "%")
        .replace("_", _LIKE_ESCAPE + "_")
    )


_FILTERS = ("category", "difficulty_level", "search")


@functools.cache
def _course_list(visibility: str, category: bool, difficulty: bool, search: bool) -> PagedSelect:
    """The list's statements for one combination of filters, built once (pages.py)."""
    conditions: list[Any] = []
    if visibility == _OWN:
        conditions.append(Course.instructor_id == bindparam("actor_id"))
    elif visibility == _PUBLISHED:
        conditions.append(Course.is_published.is_(True))
    if category:
        conditions.append(Course.category == bindparam("category"))
    if difficulty:
        conditions.append(Course.difficulty_level == bindparam("difficulty_level"))
    if search:
        conditions.append(
            or_(
                Course.title.icontains(bindparam("search"), escape=_LIKE_ESCAPE),
                Course.description.icontains(bindparam("search"), escape=_LIKE_ESCAPE),
            )
        )
    statement = (
        select(*_LISTED)
        .join(User, User.id == Course.instructor_id)
        .where(*conditions)
        .order_by(Course.created_at.desc(), Course.id.desc())
    )
    return PagedSelect.of(statement)


def list_courses(uow: UnitOfWork, actor: Actor | None, query: CourseListQuery) -> Page[CourseOut]:
    """Newest first, with the instructors' names: one statement (shared/services/pages.py)."""
    visibility = _visibility(actor, query.mine)
    values: dict[str, Any] = {}
    if visibility == _OWN:
        assert actor is not None  # for the type checker: only an actor owns courses
        values["actor_id"] = actor.id
    if query.category is not None:
        values["category"] = query.category
    if query.difficulty_level is not None:
        values["difficulty_level"] = query.difficulty_level
    if query.search:
        values["search"] = _like_escaped(query.search)
    paged = _course_list(visibility, *(name in values for name in _FILTERS))
    rows, total = fetch_paged(uow.session, paged, values, query)
    items = CourseOut.of_rows(rows)
    return Page[CourseOut].of(items, total, query)


def _get(uow: UnitOfWork, actor: Actor | None, where: Any) -> CourseOut:
    course, name = _load(uow.session, where)
    require_visible(actor, course)
    return CourseOut.of(course, name)


def get_course(uow: UnitOfWork, actor: Actor | None, course_id: str | uuid.UUID) -> CourseOut:
    return _get(uow, actor, _by_id(course_id))


def get_course_by_slug(uow: UnitOfWork, actor: Actor | None, slug: str) -> CourseOut:
    return _get(uow, actor, Course.slug == slug)


def _check_pricing(course: Course) -> None:
    if course.is_free and (course.price or 0) > 0:
        raise RuleViolationError(FREE_WITH_PRICE)


def _slug_taken(session: Session, slug: str) -> bool:
    return session.scalar(select(Course.id).where(Course.slug == slug)) is not None


def create_course(uow: UnitOfWork, actor: Actor, data: CourseCreate) -> CourseOut:
    """A draft owned by the caller (an instructor or an admin); publishing is a separate step."""
    if actor.role not in (Role.INSTRUCTOR, Role.ADMIN):
        raise AccessDeniedError("Insufficient permissions")
    # For the type checker only: CourseCreate fills the slug from the title (or refuses, 422).
    assert data.slug is not None
    now = uow.clock()
    price = float(data.price) if data.price is not None else None
    course = Course(
        id=uuid.uuid4(),
        title=data.title,
        slug=data.slug,
        description=data.description,
        instructor_id=actor.id,
        category=data.category,
        difficulty_level=data.difficulty_level.value if data.difficulty_level else None,
        is_published=False,
        published_at=None,
        thumbnail_url=data.thumbnail_url,
        estimated_duration_minutes=data.estimated_duration_minutes,
        metadata_=data.metadata,
        price=price,
        currency=data.currency,
        is_free=data.is_free if data.is_free is not None else not price,
        long_description=data.long_description,
        preview_video_url=data.preview_video_url,
        requirements=list(data.requirements or []),
        learning_objectives=list(data.learning_objectives or []),
        total_lessons=0,
        lessons_duration_minutes=0,
        total_quizzes=0,
        enrollment_count=0,
        completed_count=0,
        total_reviews=0,
        average_rating=None,
        created_at=now,
        updated_at=now,
    )
    _check_pricing(course)
    if _slug_taken(uow.session, data.slug):
        raise ResourceConflictError(SLUG_TAKEN)
    uow.session.add(course)
    try:
        uow.commit()
    except IntegrityError:
        # Another request took the slug between the check and the commit (PostgreSQL; on
        # SQLite BEGIN IMMEDIATE runs the two one after the other, so the check sees it).
        uow.rollback()
        raise ResourceConflictError(SLUG_TAKEN) from None
    name = actor.user.full_name if actor.user is not None else _instructor_name(uow, actor)
    return CourseOut.of(course, name)


def _instructor_name(uow: UnitOfWork, actor: Actor) -> str | None:
    return uow.session.scalar(select(User.full_name).where(User.id == actor.id))


def _require_may_publish(session: Session, actor: Actor) -> None:
    if actor.is_admin:
        return
    verified = session.scalar(
        select(InstructorProfile.is_verified).where(InstructorProfile.user_id == actor.id)
    )
    if not verified:
        raise AccessDeniedError(VERIFICATION_REQUIRED)


def _publish(uow: UnitOfWork, actor: Actor, course: Course, now: datetime) -> bool:
    """Draft -> published, announced once; False when the course was already published."""
    if course.is_published:
        return False
    _require_may_publish(uow.session, actor)
    course.is_published = True
    course.published_at = now
    uow.publish(
        CoursePublished(course_id=course.id, instructor_id=course.instructor_id, published_at=now)
    )
    return True


def _unpublish(course: Course) -> bool:
    if not course.is_published:
        return False
    course.is_published = False
    course.published_at = None
    return True


def update_course(
    uow: UnitOfWork, actor: Actor, course_id: str | uuid.UUID, data: CourseUpdate
) -> CourseOut:
    """Change the fields sent; is_published goes through the publishing rules."""
    for field in NOT_NULL_FIELDS:
        if field in data.model_fields_set and getattr(data, field) is None:
            raise RuleViolationError(f"'{field}' cannot be null")
    sent = data.column_values()
    if "price" in sent:
        # A new price without is_free keeps the two consistent, as on create.
        sent.setdefault("is_free", not sent["price"])
    now = uow.clock()
    course, name = _load(uow.session, _by_id(course_id), for_update=True)
    require_manager(actor, course)
    changed = False
    for field, value in sent.items():
        if getattr(course, field) != value:
            setattr(course, field, value)
            changed = True
    if "price" in sent or "is_free" in sent:
        _check_pricing(course)
    if data.is_published is True:
        changed = _publish(uow, actor, course, now) or changed
    elif data.is_published is False:
        changed = _unpublish(course) or changed
    if changed:
        course.updated_at = now
        uow.commit()
    return CourseOut.of(course, name)


def publish_course(uow: UnitOfWork, actor: Actor, course_id: str | uuid.UUID) -> CourseOut:
    """Publish a draft; a published course is returned as it is (no second announcement)."""
    now = uow.clock()
    course, name = _load(uow.session, _by_id(course_id), for_update=True)
    require_manager(actor, course)
    if _publish(uow, actor, course, now):
        course.updated_at = now
        uow.commit()
    return CourseOut.of(course, name)


def _has_enrollments(session: Session, course_id: uuid.UUID) -> bool:
    found = session.scalar(select(Enrollment.id).where(Enrollment.course_id == course_id).limit(1))
    return found is not None


def _violates_foreign_key(exc: DBAPIError) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    # pg8000 reports a foreign key violation (SQLSTATE 23503) as a ProgrammingError.
    details = exc.orig.args[0] if exc.orig is not None and exc.orig.args else None
    return isinstance(details, dict) and details.get("C") == "23503"


def delete_course(uow: UnitOfWork, actor: Actor, course_id: str | uuid.UUID) -> None:
    """Delete a course nobody is enrolled in; its lessons go with it (ON DELETE CASCADE).

    An enrolled student's history is never deleted under them: the enrollments' foreign key
    is RESTRICT, so an enrollment that slips in after the check still stops the delete.
    """
    course, _ = _load(uow.session, _by_id(course_id), for_update=True)
    require_manager(actor, course)
    if _has_enrollments(uow.session, course.id):
        raise ResourceConflictError(HAS_ENROLLMENTS)
    try:
        uow.session.execute(delete(Course).where(Course.id == course.id))
        uow.commit()
    except DBAPIError as exc:
        if not _violates_foreign_key(exc):
            raise
        uow.rollback()
        raise ResourceConflictError(HAS_ENROLLMENTS) from None

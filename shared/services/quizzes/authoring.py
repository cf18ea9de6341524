"""Quizzes of a course: list, read, create, change, publish, archive, delete.

- Managers (admins and the course's instructor) see every quiz; everyone else sees the
  published, non-archived quizzes of a published course (a draft course: 403).
- Publishing needs at least one question and re-checks every question's answer key; PATCH
  is_published=true runs the same checks (the reference let PATCH bypass them).
- A quiz with attempts is never deleted (its results would go with it): archive it instead.
  Archived quizzes are hidden from students and take no new attempts; results stay.
- courses.total_quizzes (published, non-archived quizzes) is recounted in the transaction
  that changes one of those states, under the course row's lock.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.domain.courses import Course, Lesson
from shared.domain.errors import (
    AccessDeniedError,
    ResourceConflictError,
    ResourceNotFoundError,
    RuleViolationError,
)
from shared.domain.quizzes import Quiz, QuizAttempt, QuizQuestion
from shared.schemas.quizzes import QuizCreate, QuizList, QuizOut, QuizSummary, QuizUpdate
from shared.security.permissions import Actor
from shared.services.course_access import is_manager, load_course, require_manager
from shared.services.ids import parse_id
from shared.services.quizzes.grading import check_answer_key
from shared.uow import UnitOfWork

QUIZ_NOT_FOUND = "Quiz not found"
QUIZ_NOT_IN_COURSE = "Quiz not found in this course"
LESSON_NOT_IN_COURSE = "Lesson not found in this course"
LESSON_HAS_QUIZ = "Lesson already has a quiz"
NOT_AUTHORIZED_QUIZ = "Not authorized to access this quiz"
NOT_AUTHORIZED_LIST = "Not authorized to view quizzes for this course"
HAS_ATTEMPTS = "This quiz has attempts; archive it instead"
ARCHIVED = "This quiz is archived; archived quizzes cannot be published again"
NO_QUESTIONS = "Cannot publish quiz without questions"
NEVER_NULL = (
    "lesson_id",
    "title",
    "quiz_type",
    "passing_score",
    "shuffle_questions",
    "shuffle_options",
    "show_correct_answers",
    "show_correct_answers_after",
    "partial_credit",
    "is_published",
)


def quiz_out(quiz: Quiz) -> QuizOut:
    return QuizOut.model_validate(quiz)


def quiz_in_course(
    session: Session, course_id: str | uuid.UUID, quiz_id: str | uuid.UUID
) -> tuple[Quiz, Course]:
    """The quiz and its course in one query; 404 when the quiz is not in that course."""
    course_uuid = parse_id(course_id, QUIZ_NOT_IN_COURSE)
    row = session.execute(
        select(Quiz, Course)
        .join(Course, Course.id == Quiz.course_id)
        .where(Quiz.id == parse_id(quiz_id, QUIZ_NOT_FOUND))
    ).one_or_none()
    if row is None:
        raise ResourceNotFoundError(QUIZ_NOT_FOUND)
    quiz, course = row
    if course.id != course_uuid:
        raise ResourceNotFoundError(QUIZ_NOT_IN_COURSE)
    return quiz, course


def managed_quiz(
    session: Session, actor: Actor, course_id: str | uuid.UUID, quiz_id: str | uuid.UUID
) -> tuple[Quiz, Course]:
    """For changes that move courses.total_quizzes: the course row locked first (the order
    every writer of a course's quizzes follows), then the quiz, locked too."""
    course = load_course(session, course_id, for_update=True)
    require_manager(actor, course)
    quiz = session.get(Quiz, parse_id(quiz_id, QUIZ_NOT_FOUND), with_for_update=True)
    if quiz is None:
        raise ResourceNotFoundError(QUIZ_NOT_FOUND)
    if quiz.course_id != course.id:
        raise ResourceNotFoundError(QUIZ_NOT_IN_COURSE)
    return quiz, course


def can_see(actor: Actor | None, course: Course, quiz: Quiz) -> bool:
    return is_manager(actor, course) or (course.is_published and quiz.is_open)


def has_attempts(session: Session, quiz_id: uuid.UUID) -> bool:
    return bool(session.scalar(select(exists().where(QuizAttempt.quiz_id == quiz_id))))


def refresh_total_quizzes(session: Session, course_id: uuid.UUID) -> None:
    """Recount the course's published, non-archived quizzes (the caller holds its lock)."""
    session.flush()
    counted = (
        select(func.count())
        .select_from(Quiz)
        .where(Quiz.course_id == course_id, Quiz.is_published.is_(True), Quiz.archived_at.is_(None))
        .scalar_subquery()
    )
    session.execute(
        update(Course)
        .where(Course.id == course_id)
        .values(total_quizzes=counted)
        .execution_options(synchronize_session=False)
    )


def list_quizzes(uow: UnitOfWork, actor: Actor | None, course_id: str | uuid.UUID) -> QuizList:
    """Newest first, with each quiz's question count and points: the course, then one query."""
    session = uow.session
    course = load_course(session, course_id)
    manager = is_manager(actor, course)
    if not course.is_published and not manager:
        raise AccessDeniedError(NOT_AUTHORIZED_LIST)
    query = (
        select(
            Quiz,
            func.count(QuizQuestion.id),
            func.coalesce(func.sum(QuizQuestion.points), 0),
        )
        .outerjoin(QuizQuestion, QuizQuestion.quiz_id == Quiz.id)
        .where(Quiz.course_id == course.id)
        .group_by(Quiz.id)
        .order_by(Quiz.created_at.desc(), Quiz.id.desc())
    )
    if not manager:
        query = query.where(Quiz.is_published.is_(True), Quiz.archived_at.is_(None))
    quizzes = [
        QuizSummary(
            id=quiz.id,
            lesson_id=quiz.lesson_id,
            title=quiz.title,
            description=quiz.description,
            quiz_type=quiz.quiz_type,
            time_limit_minutes=quiz.time_limit_minutes,
            passing_score=quiz.passing_score,
            max_attempts=quiz.max_attempts,
            total_questions=count,
            total_points=round(float(points), 2),
            is_published=quiz.is_published,
            archived_at=quiz.archived_at,
        )
        for quiz, count, points in session.execute(query)
    ]
    return QuizList(quizzes=quizzes, total=len(quizzes))


def get_quiz(
    uow: UnitOfWork, actor: Actor | None, course_id: str | uuid.UUID, quiz_id: str | uuid.UUID
) -> QuizOut:
    quiz, course = quiz_in_course(uow.session, course_id, quiz_id)
    if not can_see(actor, course, quiz):
        raise AccessDeniedError(NOT_AUTHORIZED_QUIZ)
    return quiz_out(quiz)


def _require_free_lesson(
    session: Session, course_id: uuid.UUID, lesson_id: uuid.UUID, quiz_id: uuid.UUID | None
) -> None:
    """The lesson is in the course and has no other quiz: one query."""
    row = session.execute(
        select(Lesson.course_id, Quiz.id)
        .outerjoin(Quiz, Quiz.lesson_id == Lesson.id)
        .where(Lesson.id == lesson_id)
    ).first()
    if row is None or row[0] != course_id:
        raise ResourceNotFoundError(LESSON_NOT_IN_COURSE)
    if row[1] is not None and row[1] != quiz_id:
        raise ResourceConflictError(LESSON_HAS_QUIZ)


def _commit(uow: UnitOfWork) -> None:
    """Commit; losing a race for the lesson is the same 409 as the check before."""
    try:
        uow.commit()
    except IntegrityError:
        uow.rollback()
        raise ResourceConflictError(LESSON_HAS_QUIZ) from None


def create_quiz(
    uow: UnitOfWork, actor: Actor, course_id: str | uuid.UUID, data: QuizCreate
) -> QuizOut:
    """A new, unpublished quiz on a lesson of the course (one quiz per lesson)."""
    now = uow.clock()
    session = uow.session
    course = load_course(session, course_id)
    require_manager(actor, course)
    _require_free_lesson(session, course.id, data.lesson_id, None)
    quiz = Quiz(
        id=uuid.uuid4(),
        course_id=course.id,
        **{**data.model_dump(), "quiz_type": data.quiz_type.value},
        is_published=False,
        created_at=now,
        updated_at=now,
    )
    session.add(quiz)
    _commit(uow)
    return quiz_out(quiz)


def update_quiz(
    uow: UnitOfWork,
    actor: Actor,
    course_id: str | uuid.UUID,
    quiz_id: str | uuid.UUID,
    data: QuizUpdate,
) -> QuizOut:
    """Change what was sent; null clears a nullable field; is_published publishes (with the
    checks of /publish) or unpublishes."""
    given = data.model_fields_set
    for field in NEVER_NULL:
        if field in given and getattr(data, field) is None:
            raise RuleViolationError(f"{field} cannot be null")
    now = uow.clock()
    session = uow.session
    quiz, course = managed_quiz(session, actor, course_id, quiz_id)
    changes = {f: getattr(data, f) for f in given if f != "is_published"}
    if data.quiz_type is not None:
        changes["quiz_type"] = data.quiz_type.value
    if "lesson_id" in changes and changes["lesson_id"] != quiz.lesson_id:
        _require_free_lesson(session, course.id, changes["lesson_id"], quiz.id)
    for field, value in changes.items():
        setattr(quiz, field, value)
    published = quiz.is_open
    if data.is_published is True and not quiz.is_published:
        publish(session, quiz, now)
    elif data.is_published is False and quiz.is_published:
        quiz.is_published = False
        quiz.published_at = None
    quiz.updated_at = now
    if quiz.is_open != published:
        refresh_total_quizzes(session, course.id)
    _commit(uow)
    return quiz_out(quiz)


def publish(session: Session, quiz: Quiz, now: datetime) -> None:
    """Publish after checking there are questions and every one can be graded (400)."""
    if quiz.archived_at is not None:
        raise ResourceConflictError(ARCHIVED)
    questions = session.scalars(
        select(QuizQuestion)
        .where(QuizQuestion.quiz_id == quiz.id)
        .order_by(QuizQuestion.order_index)
    ).all()
    if not questions:
        raise RuleViolationError(NO_QUESTIONS)
    for position, question in enumerate(questions, start=1):
        try:
            check_answer_key(question)
        except RuleViolationError as exc:
            raise RuleViolationError(f"Question {position}: {exc.detail}") from None
    if not quiz.is_published:
        quiz.is_published = True
        quiz.published_at = now


def publish_quiz(
    uow: UnitOfWork, actor: Actor, course_id: str | uuid.UUID, quiz_id: str | uuid.UUID
) -> QuizOut:
    now = uow.clock()
    session = uow.session
    quiz, course = managed_quiz(session, actor, course_id, quiz_id)
    if quiz.archived_at is not None:
        raise ResourceConflictError(ARCHIVED)
    if not quiz.is_published:
        publish(session, quiz, now)
        quiz.updated_at = now
        refresh_total_quizzes(session, course.id)
    uow.commit()
    return quiz_out(quiz)


def archive_quiz(
    uow: UnitOfWork, actor: Actor, course_id: str | uuid.UUID, quiz_id: str | uuid.UUID
) -> QuizOut:
    """Hide the quiz from students and stop new attempts; attempts and results stay."""
    now = uow.clock()
    session = uow.session
    quiz, course = managed_quiz(session, actor, course_id, quiz_id)
    if quiz.archived_at is None:
        quiz.archived_at = now
        quiz.updated_at = now
        refresh_total_quizzes(session, course.id)
    uow.commit()
    return quiz_out(quiz)


def delete_quiz(
    uow: UnitOfWork, actor: Actor, course_id: str | uuid.UUID, quiz_id: str | uuid.UUID
) -> None:
    """Delete a quiz nobody has attempted (its questions go with it)."""
    session = uow.session
    quiz, course = managed_quiz(session, actor, course_id, quiz_id)
    if has_attempts(session, quiz.id):
        raise ResourceConflictError(HAS_ATTEMPTS)
    session.delete(quiz)
    refresh_total_quizzes(session, course.id)
    uow.commit()

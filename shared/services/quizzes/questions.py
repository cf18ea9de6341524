"""Questions of a quiz: the public list (no answer key), the manage view, create, change,
delete and reorder.

Every write locks the quiz row first; starting an attempt holds a share lock on it, so
"does this quiz have attempts?" cannot change while a writer looks. Once it has attempts,
results already given must stay explainable: questions can no longer be added, deleted or
reordered, and only their text, explanation and metadata can change.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared.domain.courses import Course
from shared.domain.errors import (
    AccessDeniedError,
    ResourceConflictError,
    ResourceNotFoundError,
    RuleViolationError,
)
from shared.domain.quizzes import OPTION_TYPES, QuestionType, Quiz, QuizQuestion
from shared.schemas.quizzes import (
    OptionPublic,
    QuestionCreate,
    QuestionManage,
    QuestionManageList,
    QuestionOrder,
    QuestionPublic,
    QuestionPublicList,
    QuestionUpdate,
)
from shared.security.permissions import Actor
from shared.services.course_access import can_read_content, require_manager
from shared.services.ids import parse_id
from shared.services.quizzes import authoring as quizzes
from shared.services.quizzes.grading import (
    check_answer_key,
    normalize_answer_key,
    option_id,
    option_text,
)
from shared.uow import UnitOfWork

QUESTION_NOT_FOUND = "Question not found"
ENROLL_FIRST = "Enroll in this course to view this quiz's questions"
FROZEN = (
    "This quiz has attempts, so its questions can no longer be {}: results already given "
    "must stay explainable. Create a new quiz (and archive this one) instead"
)
FROZEN_FIELDS = (
    "question_type",
    "points",
    "options",
    "correct_answer",
    "accepted_answers",
    "numeric_answer",
    "tolerance",
)
NEVER_NULL = ("question_text", "question_type", "points")
LAST_QUESTION = "A published quiz needs at least one question; unpublish it first"


def manage_out(question: QuizQuestion) -> QuestionManage:
    return QuestionManage(
        id=question.id,
        quiz_id=question.quiz_id,
        question_text=question.question_text,
        question_type=question.question_type,
        points=question.points,
        order_index=question.order_index,
        explanation=question.explanation,
        options=question.options,
        correct_answer=_reference_correct_answer(question),
        accepted_answers=question.accepted_answers,
        numeric_answer=question.numeric_answer,
        tolerance=question.tolerance,
        metadata=question.metadata_,
        created_at=question.created_at,
        updated_at=question.updated_at,
    )


def _reference_correct_answer(question: QuizQuestion) -> str | None:
    """The reference's single correct_answer. A short answer keeps its answers in
    accepted_answers (normalize_answer_key folds correct_answer in), so its first one stands
    for it: the reference's clients read correct_answer."""
    if question.question_type == QuestionType.SHORT_ANSWER and question.accepted_answers:
        return question.accepted_answers[0]
    return question.correct_answer


def public_out(question: QuizQuestion, option_order: Sequence[str] | None = None) -> QuestionPublic:
    """The question without its answer key, options in `option_order` when given."""
    options = None
    if QuestionType(question.question_type) in OPTION_TYPES:
        by_id = {option_id(o): o for o in question.options or []}
        ids = in_order(list(by_id), option_order)
        options = [OptionPublic(option_id=i, option_text=option_text(by_id[i])) for i in ids]
    return QuestionPublic(
        id=question.id,
        question_text=question.question_text,
        question_type=question.question_type,
        points=question.points,
        options=options,
    )


def in_order(ids: Sequence[str], stored: Sequence[str] | None) -> list[str]:
    """`ids` in the stored order; any id the stored order lacks keeps its place at the end."""
    if not stored:
        return list(ids)
    known = set(ids)
    ordered = [i for i in stored if i in known]
    placed = set(ordered)
    return ordered + [i for i in ids if i not in placed]


def attempt_order(
    questions: Sequence[QuizQuestion], question_order: Sequence[str] | None
) -> list[QuizQuestion]:
    by_id = {str(q.id): q for q in questions}
    return [by_id[i] for i in in_order(list(by_id), question_order)]


def public_questions(
    questions: Sequence[QuizQuestion],
    question_order: Sequence[str] | None = None,
    option_order: Mapping[str, Sequence[str]] | None = None,
) -> list[QuestionPublic]:
    orders = option_order or {}
    return [public_out(q, orders.get(str(q.id))) for q in attempt_order(questions, question_order)]


def _questions(session: Session, quiz_id: uuid.UUID) -> list[QuizQuestion]:
    return list(
        session.scalars(
            select(QuizQuestion)
            .where(QuizQuestion.quiz_id == quiz_id)
            .order_by(QuizQuestion.order_index)
        )
    )


def list_public(
    uow: UnitOfWork, actor: Actor | None, course_id: str | uuid.UUID, quiz_id: str | uuid.UUID
) -> QuestionPublicList:
    """For managers, and for enrolled students of a published course (a published quiz)."""
    session = uow.session
    quiz, course = quizzes.quiz_in_course(session, course_id, quiz_id)
    if not quizzes.can_see(actor, course, quiz):
        raise AccessDeniedError(quizzes.NOT_AUTHORIZED_QUIZ)
    if not can_read_content(session, actor, course):
        raise AccessDeniedError(ENROLL_FIRST)
    return QuestionPublicList(public_questions(_questions(session, quiz.id)))


def list_manage(
    uow: UnitOfWork, actor: Actor, course_id: str | uuid.UUID, quiz_id: str | uuid.UUID
) -> QuestionManageList:
    session = uow.session
    quiz, course = quizzes.quiz_in_course(session, course_id, quiz_id)
    require_manager(actor, course)
    return QuestionManageList([manage_out(q) for q in _questions(session, quiz.id)])


def _locked_quiz(
    session: Session, actor: Actor, course_id: str | uuid.UUID, quiz_id: str | uuid.UUID
) -> tuple[Quiz, bool]:
    """The quiz (row locked) after the manager check, and whether it has attempts."""
    course_uuid = parse_id(course_id, quizzes.QUIZ_NOT_IN_COURSE)
    row = session.execute(
        select(Quiz, Course)
        .join(Course, Course.id == Quiz.course_id)
        .where(Quiz.id == parse_id(quiz_id, quizzes.QUIZ_NOT_FOUND))
        .with_for_update(of=Quiz)
    ).one_or_none()
    if row is None:
        raise ResourceNotFoundError(quizzes.QUIZ_NOT_FOUND)
    quiz, course = row
    if course.id != course_uuid:
        raise ResourceNotFoundError(quizzes.QUIZ_NOT_IN_COURSE)
    require_manager(actor, course)
    return quiz, quizzes.has_attempts(session, quiz.id)


def _question_of(session: Session, quiz: Quiz, question_id: str | uuid.UUID) -> QuizQuestion:
    question = session.get(QuizQuestion, parse_id(question_id, QUESTION_NOT_FOUND))
    if question is None or question.quiz_id != quiz.id:
        raise ResourceNotFoundError(QUESTION_NOT_FOUND)
    return question


def _checked(question: QuizQuestion) -> None:
    normalize_answer_key(question)
    check_answer_key(question)


def _key_values(data: QuestionCreate | QuestionUpdate, fields: set[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in fields:
        value = getattr(data, field)
        if field == "options" and value is not None:
            value = [o.model_dump() for o in value]
        elif isinstance(value, QuestionType):
            value = value.value
        values["metadata_" if field == "metadata" else field] = value
    return values


def create_question(
    uow: UnitOfWork,
    actor: Actor,
    course_id: str | uuid.UUID,
    quiz_id: str | uuid.UUID,
    data: QuestionCreate,
) -> QuestionManage:
    """Append a question (order_index = last + 1) to a quiz nobody has attempted."""
    now = uow.clock()
    session = uow.session
    quiz, attempted = _locked_quiz(session, actor, course_id, quiz_id)
    if attempted:
        raise ResourceConflictError(FROZEN.format("added"))
    question = QuizQuestion(
        id=uuid.uuid4(),
        quiz_id=quiz.id,
        **_key_values(data, set(QuestionCreate.model_fields)),
        created_at=now,
        updated_at=now,
    )
    _checked(question)
    last = session.scalar(
        select(func.max(QuizQuestion.order_index)).where(QuizQuestion.quiz_id == quiz.id)
    )
    question.order_index = (last or 0) + 1
    session.add(question)
    uow.commit()
    return manage_out(question)


def update_question(
    uow: UnitOfWork,
    actor: Actor,
    course_id: str | uuid.UUID,
    quiz_id: str | uuid.UUID,
    question_id: str | uuid.UUID,
    data: QuestionUpdate,
) -> QuestionManage:
    """Merge what was sent and check the result as a whole. Once the quiz has attempts, a
    change to the type, points or answer key is refused (sending the stored value is fine)."""
    given = set(data.model_fields_set)
    for field in NEVER_NULL:
        if field in given and getattr(data, field) is None:
            raise RuleViolationError(f"{field} cannot be null")
    now = uow.clock()
    session = uow.session
    quiz, attempted = _locked_quiz(session, actor, course_id, quiz_id)
    question = _question_of(session, quiz, question_id)
    changes = _key_values(data, given)
    kind = changes.get("question_type", question.question_type)
    if kind == QuestionType.SHORT_ANSWER and changes.get("correct_answer"):
        # The reference's single answer replaces the list unless a list came with it.
        changes.setdefault("accepted_answers", None)
    if attempted:
        changed = [f for f in FROZEN_FIELDS if f in changes and changes[f] != getattr(question, f)]
        if changed:
            raise ResourceConflictError(FROZEN.format(f"changed in {', '.join(sorted(changed))}"))
    for field, value in changes.items():
        setattr(question, field, value)
    _checked(question)
    question.updated_at = now
    uow.commit()
    return manage_out(question)


def delete_question(
    uow: UnitOfWork,
    actor: Actor,
    course_id: str | uuid.UUID,
    quiz_id: str | uuid.UUID,
    question_id: str | uuid.UUID,
) -> None:
    session = uow.session
    quiz, attempted = _locked_quiz(session, actor, course_id, quiz_id)
    question = _question_of(session, quiz, question_id)
    if attempted:
        raise ResourceConflictError(FROZEN.format("deleted"))
    if quiz.is_published:
        count = session.scalar(
            select(func.count()).select_from(QuizQuestion).where(QuizQuestion.quiz_id == quiz.id)
        )
        if (count or 0) <= 1:
            raise ResourceConflictError(LAST_QUESTION)
    session.delete(question)
    uow.commit()


def reorder_questions(
    uow: UnitOfWork,
    actor: Actor,
    course_id: str | uuid.UUID,
    quiz_id: str | uuid.UUID,
    data: QuestionOrder,
) -> QuestionManageList:
    """Put the questions at positions 1..n in the order given (every question, once)."""
    now = uow.clock()
    session = uow.session
    quiz, attempted = _locked_quiz(session, actor, course_id, quiz_id)
    if attempted:
        raise ResourceConflictError(FROZEN.format("reordered"))
    questions = {q.id: q for q in _questions(session, quiz.id)}
    if len(data.question_ids) != len(questions) or set(data.question_ids) != set(questions):
        raise RuleViolationError("question_ids must list every question of this quiz once")
    # Two steps, so unique (quiz_id, order_index) never sees two questions on one position
    # (PostgreSQL checks it row by row): first above every current position, then 1..n.
    top = max((q.order_index for q in questions.values()), default=0)
    session.execute(
        update(QuizQuestion)
        .where(QuizQuestion.quiz_id == quiz.id)
        .values(order_index=QuizQuestion.order_index + top)
        .execution_options(synchronize_session="evaluate")
    )
    ordered = [questions[i] for i in data.question_ids]
    for position, question in enumerate(ordered, start=1):
        question.order_index = position
        question.updated_at = now
    uow.commit()
    return QuestionManageList([manage_out(q) for q in ordered])

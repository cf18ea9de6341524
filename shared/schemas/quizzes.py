"""Quizzes and their questions: what instructors send, what students and instructors read.

A question's answer key (is_correct, correct_answer, accepted_answers, numeric_answer,
tolerance) and explanation appear only in the manage view; the public view never has them.
Rules that depend on the question type are the service's (400), not the body's (422).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AliasChoices, ConfigDict, Field, RootModel, StringConstraints

from shared.domain.quizzes import QuestionType, QuizType
from shared.domain.rounding import two_places
from shared.schemas.base import Schema
from shared.schemas.fields import AS_DECIMAL_STRING, Metadata, StoredMetadata

MAX_TIME_LIMIT_MINUTES = 7 * 24 * 60
MAX_ATTEMPTS = 1000
MAX_OPTIONS = 50
MAX_ACCEPTED_ANSWERS = 50
MAX_QUESTIONS_REORDERED = 1000


Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=255)]
Text = Annotated[str, StringConstraints(max_length=20_000)]
# numeric(5, 2) figures the reference answered as strings ("70.00").
DecimalString = Annotated[float, AS_DECIMAL_STRING]
PassingScore = Annotated[
    float, Field(ge=0, le=100, allow_inf_nan=False), AfterValidator(two_places)
]
TimeLimit = Annotated[int, Field(ge=1, le=MAX_TIME_LIMIT_MINUTES)]
MaxAttempts = Annotated[int, Field(ge=1, le=MAX_ATTEMPTS)]
Points = Annotated[float, Field(ge=0, le=9999.99, allow_inf_nan=False), AfterValidator(two_places)]
QuestionText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=20_000)
]
ShortText = Annotated[str, StringConstraints(max_length=1000)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
Tolerance = Annotated[float, Field(ge=0, allow_inf_nan=False)]
# When show_correct_answers shows the key: after each attempt, or only once no attempt is left
# (shared/domain/quizzes.py AnswersShownAfter).
AnswersShownAfterName = Literal["each_attempt", "last_attempt"]


# --- quizzes -------------------------------------------------------------------------------


class QuizCreate(Schema):
    lesson_id: uuid.UUID
    title: Title
    description: Text | None = None
    quiz_type: QuizType = QuizType.GRADED
    time_limit_minutes: TimeLimit | None = None
    passing_score: PassingScore = 70.0
    max_attempts: MaxAttempts | None = None
    shuffle_questions: bool = True
    shuffle_options: bool = True
    show_correct_answers: bool = True
    show_correct_answers_after: AnswersShownAfterName = "last_attempt"
    partial_credit: bool = False


class QuizUpdate(Schema):
    """Fields left out keep their value; `null` clears description, time_limit_minutes and
    max_attempts (the reference ignored it). is_published true runs the publish checks."""

    lesson_id: uuid.UUID | None = None
    title: Title | None = None
    description: Text | None = None
    quiz_type: QuizType | None = None
    time_limit_minutes: TimeLimit | None = None
    passing_score: PassingScore | None = None
    max_attempts: MaxAttempts | None = None
    shuffle_questions: bool | None = None
    shuffle_options: bool | None = None
    show_correct_answers: bool | None = None
    show_correct_answers_after: AnswersShownAfterName | None = None
    partial_credit: bool | None = None
    is_published: bool | None = None


class QuizOut(Schema):
    """The reference's QuizResponse, plus course_id, show_correct_answers_after,
    partial_credit, published_at and archived_at."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    course_id: uuid.UUID
    lesson_id: uuid.UUID
    title: str
    description: str | None
    quiz_type: str
    time_limit_minutes: int | None
    passing_score: DecimalString
    max_attempts: int | None
    shuffle_questions: bool
    shuffle_options: bool
    show_correct_answers: bool
    show_correct_answers_after: str
    partial_credit: bool
    is_published: bool
    published_at: datetime | None
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


class QuizSummary(Schema):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    lesson_id: uuid.UUID
    title: str
    description: str | None
    quiz_type: str
    time_limit_minutes: int | None
    passing_score: DecimalString
    max_attempts: int | None
    total_questions: int
    total_points: DecimalString
    is_published: bool
    archived_at: datetime | None


class QuizList(Schema):
    quizzes: list[QuizSummary]
    total: int


# --- questions -----------------------------------------------------------------------------


def _new_option_id() -> str:
    return str(uuid.uuid4())


class OptionIn(Schema):
    option_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = Field(
        default_factory=_new_option_id, validation_alias=AliasChoices("option_id", "id")
    )
    option_text: Annotated[str, StringConstraints(min_length=1, max_length=2000)] = Field(
        validation_alias=AliasChoices("option_text", "text")
    )
    is_correct: bool = False


class QuestionCreate(Schema):
    question_text: QuestionText
    question_type: QuestionType
    points: Points = 1.0
    explanation: Text | None = None
    options: Annotated[list[OptionIn], Field(max_length=MAX_OPTIONS)] | None = None
    # true_false: "true"/"false"; short_answer: one accepted answer (the reference's field).
    correct_answer: ShortText | None = None
    accepted_answers: Annotated[list[ShortText], Field(max_length=MAX_ACCEPTED_ANSWERS)] | None = (
        None
    )
    numeric_answer: Finite | None = None
    tolerance: Tolerance | None = None
    metadata: Metadata | None = None


class QuestionUpdate(Schema):
    """Fields left out keep their value; `null` clears the nullable ones. The merged question
    is checked again as a whole."""

    question_text: QuestionText | None = None
    question_type: QuestionType | None = None
    points: Points | None = None
    explanation: Text | None = None
    options: Annotated[list[OptionIn], Field(max_length=MAX_OPTIONS)] | None = None
    correct_answer: ShortText | None = None
    accepted_answers: Annotated[list[ShortText], Field(max_length=MAX_ACCEPTED_ANSWERS)] | None = (
        None
    )
    numeric_answer: Finite | None = None
    tolerance: Tolerance | None = None
    metadata: Metadata | None = None


class QuestionOrder(Schema):
    question_ids: Annotated[list[uuid.UUID], Field(max_length=MAX_QUESTIONS_REORDERED)]


class OptionPublic(Schema):
    option_id: str
    option_text: str


class QuestionPublic(Schema):
    """What a student sees: never the answer key or the explanation."""

    id: uuid.UUID
    question_text: str
    question_type: str
    points: DecimalString
    options: list[OptionPublic] | None


class QuestionManage(Schema):
    id: uuid.UUID
    quiz_id: uuid.UUID
    question_text: str
    question_type: str
    points: DecimalString
    order_index: int
    explanation: str | None
    options: list[dict[str, Any]] | None
    correct_answer: str | None
    accepted_answers: list[str] | None
    numeric_answer: float | None
    tolerance: float | None
    metadata: StoredMetadata
    created_at: datetime
    updated_at: datetime


class QuestionPublicList(RootModel[list[QuestionPublic]]):
    """A bare array, as the reference answers."""


class QuestionManageList(RootModel[list[QuestionManage]]):
    """A bare array, as the reference answers."""

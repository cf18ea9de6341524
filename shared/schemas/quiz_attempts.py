"""Quiz attempts: starting, answering, results, and grading essays.

A student's result shows what was right only when the quiz lets it (show_correct_answers,
and show_correct_answers_after: after each attempt or only after the last allowed one).
Otherwise is_correct, points_earned, the solution and the explanation are left out of every
answer: absent, not null, as the reference stripped them, so a client testing
`"is_correct" in answer` reads it right (score, percentage and pass/fail stay). Course
managers always see everything.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    Field,
    RootModel,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)

from shared.schemas.base import Schema
from shared.schemas.pages import PageQuery
from shared.schemas.quizzes import DecimalString, QuestionPublic

MAX_ANSWERS = 1000
AttemptStatusName = Literal["in_progress", "needs_grading", "graded", "expired"]


class AnswerIn(Schema):
    """One answer: selected_option_id (multiple_choice) or selected_option_ids
    (multiple_answers), answer_text (true_false, short_answer, essay; a number also works for
    numerical), or numeric_value (numerical)."""

    question_id: uuid.UUID
    selected_option_id: Annotated[str, StringConstraints(max_length=100)] | None = None
    selected_option_ids: Annotated[list[str], Field(max_length=100)] | None = None
    answer_text: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    numeric_value: Annotated[float, Field(allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _one_way_of_selecting(self) -> AnswerIn:
        if self.selected_option_id is not None and self.selected_option_ids is not None:
            raise ValueError("send selected_option_id or selected_option_ids, not both")
        return self

    def selected_ids(self) -> list[str] | None:
        if self.selected_option_ids is not None:
            return list(self.selected_option_ids)
        return None if self.selected_option_id is None else [self.selected_option_id]


class AttemptSubmit(Schema):
    # An attempt is spent once submitted, so `answers` is required: a body without it (`{}`,
    # a client that lost its state) is a 422 and the attempt stays open. An explicit empty
    # list is a deliberate blank submission; questions left out count as unanswered.
    answers: Annotated[
        list[AnswerIn],
        Field(
            max_length=MAX_ANSWERS,
            description="Required; [] submits a blank attempt. Questions left out are unanswered.",
        ),
    ]


class AttemptStarted(Schema):
    id: uuid.UUID
    quiz_id: uuid.UUID
    attempt_number: int
    status: str
    started_at: datetime
    deadline_at: datetime | None
    max_score: DecimalString


class AttemptOut(Schema):
    """The reference's AttemptResponse, plus student_id and deadline_at."""

    id: uuid.UUID
    enrollment_id: uuid.UUID
    student_id: uuid.UUID
    quiz_id: uuid.UUID
    attempt_number: int
    status: str
    started_at: datetime
    deadline_at: datetime | None
    submitted_at: datetime | None
    graded_at: datetime | None
    score: DecimalString | None
    max_score: DecimalString
    percentage: DecimalString | None
    is_passed: bool | None
    time_taken_seconds: int | None


class AnswerSolution(Schema):
    """What was right: the fields of the question's type are set."""

    correct_option_ids: list[str] | None = None
    correct_answer: str | None = None
    accepted_answers: list[str] | None = None
    numeric_answer: float | None = None
    tolerance: float | None = None


# The fields of an answer that tell what was right: left out of a hidden answer.
REVEALING_FIELDS = ("is_correct", "points_earned", "explanation", "solution")


class AnswerResult(Schema):
    """One answer as shown. The revealing fields are left out of the body unless they were
    given when the answer was built (a null is_correct, given, is an essay still waiting for
    its grade)."""

    question_id: uuid.UUID
    question_type: str
    selected_option_id: str | None  # the first selection (the reference's single field)
    selected_option_ids: list[str] | None
    answer_text: str | None
    numeric_value: float | None
    needs_grading: bool
    feedback: str | None
    points_possible: float
    is_correct: bool | None = None
    points_earned: DecimalString | None = None
    explanation: str | None = None
    solution: AnswerSolution | None = None

    @model_serializer(mode="wrap")
    def _without_hidden_fields(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, object]:
        data: dict[str, object] = handler(self)
        for name in REVEALING_FIELDS:
            if name not in self.model_fields_set:
                data.pop(name, None)
        return data


class AttemptResult(AttemptOut):
    """The reference's AttemptResultResponse."""

    answers: list[AnswerResult]


class AttemptSummary(AttemptOut):
    """An attempt in a manager's list, with its student."""

    student_name: str
    student_email: str


class AttemptList(RootModel[list[AttemptOut]]):
    """A bare array, as the reference answers."""


class AttemptsQuery(PageQuery):
    status: AttemptStatusName | None = None


class AnswerGrade(Schema):
    points_earned: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    feedback: Annotated[str, StringConstraints(max_length=20_000)] | None = None


class QuizStartSummary(Schema):
    id: uuid.UUID
    title: str
    time_limit_minutes: int | None
    total_questions: int
    total_points: str  # a decimal string, as the reference answers


class StartView(Schema):
    """The quiz as its taker sees it: in the order of the caller's in-progress attempt (kept
    from its start), or the canonical order when there is none; `attempt` is that attempt."""

    quiz: QuizStartSummary
    questions: list[QuestionPublic]
    attempt: AttemptStarted | None

"""Quizzes, their questions, students' attempts and the answers of each attempt.

A quiz belongs to one lesson of a course. Its questions carry the answer key; an attempt keeps
the order its student saw (when shuffling is on) and, once submitted, one answer row per
question with what was earned. Once a quiz has attempts, its answer key is frozen (the
services refuse changes), so every stored result stays explainable.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shared.domain.base import Base


class QuizType(enum.StrEnum):
    PRACTICE = "practice"
    GRADED = "graded"


class QuestionType(enum.StrEnum):
    MULTIPLE_CHOICE = "multiple_choice"
    MULTIPLE_ANSWERS = "multiple_answers"
    TRUE_FALSE = "true_false"
    SHORT_ANSWER = "short_answer"
    NUMERICAL = "numerical"
    ESSAY = "essay"


class AnswersShownAfter(enum.StrEnum):
    """When a student with show_correct_answers on sees what was right."""

    EACH_ATTEMPT = "each_attempt"
    # Only once no attempt is left (max_attempts used, or the quiz archived): the key of one
    # attempt would otherwise answer the next.
    LAST_ATTEMPT = "last_attempt"


OPTION_TYPES = frozenset({QuestionType.MULTIPLE_CHOICE, QuestionType.MULTIPLE_ANSWERS})


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    NEEDS_GRADING = "needs_grading"  # submitted; an instructor still grades essay answers
    GRADED = "graded"
    EXPIRED = "expired"  # the time limit passed before a submission


IN_PROGRESS_ONLY = text("status = 'in_progress'")


class Quiz(Base):
    __tablename__ = "quizzes"
    __table_args__ = (
        CheckConstraint("quiz_type IN ('practice', 'graded')", name="quiz_type"),
        CheckConstraint("passing_score >= 0 AND passing_score <= 100", name="passing_score"),
        CheckConstraint(
            "time_limit_minutes IS NULL OR time_limit_minutes >= 1", name="time_limit_minutes"
        ),
        CheckConstraint("max_attempts IS NULL OR max_attempts >= 1", name="max_attempts"),
        CheckConstraint(
            "show_correct_answers_after IN ('each_attempt', 'last_attempt')",
            name="show_correct_answers_after",
        ),
        Index("ix_quizzes_course_id_created_at", "course_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    lesson_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("lessons.id", ondelete="CASCADE"), unique=True
    )
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    quiz_type: Mapped[str] = mapped_column(String(20), default=QuizType.GRADED.value)
    passing_score: Mapped[float] = mapped_column(Numeric(5, 2, asdecimal=False), default=70)
    time_limit_minutes: Mapped[int | None]
    max_attempts: Mapped[int | None]
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    show_correct_answers: Mapped[bool] = mapped_column(default=True)
    show_correct_answers_after: Mapped[str] = mapped_column(
        String(20),
        default=AnswersShownAfter.LAST_ATTEMPT.value,
        server_default=AnswersShownAfter.LAST_ATTEMPT.value,
    )
    # multiple_answers questions: a share of the points for a partly right selection.
    partial_credit: Mapped[bool] = mapped_column(default=False)
    is_published: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def is_open(self) -> bool:
        """Whether students see it and may start attempts."""
        return self.is_published and self.archived_at is None

    def shows_answers_to_student(self, attempts_used: int, *, attempt_open: bool) -> bool:
        """Whether a student who has used `attempts_used` attempts (`attempt_open`: one of
        them is still in progress) may see which answers were right: after each attempt, or
        only once they can take no other (max_attempts used, or the quiz archived). With
        unlimited attempts and "last_attempt" that moment never comes."""
        if not self.show_correct_answers:
            return False
        if self.show_correct_answers_after == AnswersShownAfter.EACH_ATTEMPT:
            return True
        if attempt_open:
            return False
        if self.archived_at is not None:
            return True
        return self.max_attempts is not None and attempts_used >= self.max_attempts


class QuizQuestion(Base):
    __tablename__ = "quiz_questions"
    __table_args__ = (
        CheckConstraint(
            "question_type IN ('multiple_choice', 'multiple_answers', 'true_false', "
            "'short_answer', 'numerical', 'essay')",
            name="question_type",
        ),
        CheckConstraint("points >= 0", name="points"),
        CheckConstraint("order_index >= 1", name="order_index"),
        CheckConstraint("tolerance IS NULL OR tolerance >= 0", name="tolerance"),
        UniqueConstraint("quiz_id", "order_index", name="uq_quiz_questions_quiz_order"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    quiz_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    question_text: Mapped[str] = mapped_column(Text)
    question_type: Mapped[str] = mapped_column(String(30))
    points: Mapped[float] = mapped_column(Numeric(6, 2, asdecimal=False), default=1)
    order_index: Mapped[int]
    explanation: Mapped[str | None] = mapped_column(Text)
    # [{option_id, option_text, is_correct}] for multiple_choice / multiple_answers.
    options: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    correct_answer: Mapped[str | None] = mapped_column(Text)  # true_false: "true" / "false"
    accepted_answers: Mapped[list[str] | None] = mapped_column(JSON)  # short_answer
    numeric_answer: Mapped[float | None] = mapped_column(Float)  # numerical
    tolerance: Mapped[float | None] = mapped_column(Float)  # numerical, >= 0
    metadata_: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class QuizAttempt(Base):
    __tablename__ = "quiz_attempts"
    __table_args__ = (
        CheckConstraint(
            "status IN ('in_progress', 'needs_grading', 'graded', 'expired')", name="status"
        ),
        UniqueConstraint(
            "enrollment_id", "quiz_id", "attempt_number", name="uq_quiz_attempts_number"
        ),
        # One in-progress attempt per student and quiz, whatever the timing of two starts.
        Index(
            "uq_quiz_attempts_one_in_progress",
            "enrollment_id",
            "quiz_id",
            unique=True,
            sqlite_where=IN_PROGRESS_ONLY,
            postgresql_where=IN_PROGRESS_ONLY,
        ),
        # What the expiry timer scans: only the in-progress attempts, by deadline.
        Index(
            "ix_quiz_attempts_deadline_at_in_progress",
            "deadline_at",
            sqlite_where=IN_PROGRESS_ONLY,
            postgresql_where=IN_PROGRESS_ONLY,
        ),
        Index("ix_quiz_attempts_quiz_id_status_started_at", "quiz_id", "status", "started_at"),
        Index("ix_quiz_attempts_student_id_quiz_id", "student_id", "quiz_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    quiz_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE")
    )
    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    attempt_number: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=AttemptStatus.IN_PROGRESS.value)
    started_at: Mapped[datetime]
    deadline_at: Mapped[datetime | None]  # None: no time limit
    submitted_at: Mapped[datetime | None]
    graded_at: Mapped[datetime | None]
    score: Mapped[float | None] = mapped_column(Numeric(10, 2, asdecimal=False))
    max_score: Mapped[float] = mapped_column(Numeric(10, 2, asdecimal=False), default=0)
    percentage: Mapped[float | None] = mapped_column(Numeric(6, 2, asdecimal=False))
    is_passed: Mapped[bool | None]
    time_taken_seconds: Mapped[int | None]
    # The order this attempt shows, kept when shuffling is on (None: the canonical order).
    question_order: Mapped[list[str] | None] = mapped_column(JSON)
    option_order: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)


class QuizAnswer(Base):
    __tablename__ = "quiz_answers"
    __table_args__ = (
        UniqueConstraint("attempt_id", "question_id", name="uq_quiz_answers_attempt_question"),
        Index("ix_quiz_answers_question_id", "question_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    attempt_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE")
    )
    # CASCADE: a question that has answers cannot be deleted through the API (a quiz with
    # attempts freezes its questions), so this only fires when the whole quiz, lesson or
    # course goes, and the attempts go with it.
    question_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("quiz_questions.id", ondelete="CASCADE")
    )
    selected_option_ids: Mapped[list[str] | None] = mapped_column(JSON)
    answer_text: Mapped[str | None] = mapped_column(Text)
    numeric_value: Mapped[float | None] = mapped_column(Float)
    is_correct: Mapped[bool | None]  # None while an essay waits for grading
    points_earned: Mapped[float | None] = mapped_column(Numeric(6, 2, asdecimal=False))
    needs_grading: Mapped[bool] = mapped_column(default=False)
    feedback: Mapped[str | None] = mapped_column(Text)
    graded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    graded_at: Mapped[datetime | None]

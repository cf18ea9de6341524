"""Quizzes of a course and their questions (/api/v1/courses/{course_id}/quizzes), and
attempts at a quiz (/api/v1/quizzes/{quiz_id}/attempts)."""

from __future__ import annotations

import azure.functions as func

from shared.bootstrap import Dependencies
from shared.http import AUTHENTICATED, OPTIONAL, Actor, Router
from shared.schemas.pages import Page
from shared.schemas.quiz_attempts import (
    AnswerGrade,
    AttemptList,
    AttemptResult,
    AttemptsQuery,
    AttemptStarted,
    AttemptSubmit,
    AttemptSummary,
    StartView,
)
from shared.schemas.quizzes import (
    QuestionCreate,
    QuestionManage,
    QuestionManageList,
    QuestionOrder,
    QuestionPublicList,
    QuestionUpdate,
    QuizCreate,
    QuizList,
    QuizOut,
    QuizUpdate,
)
from shared.services.quizzes import attempts, authoring, essays, questions, results, submissions
from shared.uow import UnitOfWork

bp = func.Blueprint()
api = Router(bp, "api/v1", access=AUTHENTICATED)

QUIZZES = "courses/{course_id:guid}/quizzes"
QUIZ = QUIZZES + "/{quiz_id:guid}"
QUESTIONS = QUIZ + "/questions"
QUESTION = QUESTIONS + "/{question_id:guid}"
ATTEMPTS = "quizzes/{quiz_id:guid}/attempts"
ATTEMPT = ATTEMPTS + "/{attempt_id:guid}"


# --- quizzes -------------------------------------------------------------------------------


@api.get(QUIZZES, access=OPTIONAL)
def quizzes_list(course_id: str, actor: Actor | None, uow: UnitOfWork) -> QuizList:
    """The course's quizzes, newest first (students: the published ones)."""
    return authoring.list_quizzes(uow, actor, course_id)


@api.post(QUIZZES, status=201)
def quizzes_create(course_id: str, body: QuizCreate, actor: Actor, uow: UnitOfWork) -> QuizOut:
    """Create an unpublished quiz on a lesson of the course (course managers)."""
    return authoring.create_quiz(uow, actor, course_id, body)


@api.get(QUIZ, access=OPTIONAL)
def quizzes_get(course_id: str, quiz_id: str, actor: Actor | None, uow: UnitOfWork) -> QuizOut:
    """One quiz (an unpublished one: course managers only)."""
    return authoring.get_quiz(uow, actor, course_id, quiz_id)


@api.patch(QUIZ)
def quizzes_update(
    course_id: str, quiz_id: str, body: QuizUpdate, actor: Actor, uow: UnitOfWork
) -> QuizOut:
    """Change a quiz; null clears a nullable field; is_published runs the publish checks."""
    return authoring.update_quiz(uow, actor, course_id, quiz_id, body)


@api.delete(QUIZ, status=204)
def quizzes_delete(course_id: str, quiz_id: str, actor: Actor, uow: UnitOfWork) -> None:
    """Delete a quiz nobody has attempted (otherwise archive it)."""
    authoring.delete_quiz(uow, actor, course_id, quiz_id)


@api.post(QUIZ + "/publish")
def quizzes_publish(course_id: str, quiz_id: str, actor: Actor, uow: UnitOfWork) -> QuizOut:
    """Publish a quiz whose questions are all gradable."""
    return authoring.publish_quiz(uow, actor, course_id, quiz_id)


@api.post(QUIZ + "/archive")
def quizzes_archive(course_id: str, quiz_id: str, actor: Actor, uow: UnitOfWork) -> QuizOut:
    """Hide a quiz from students and stop new attempts; results stay."""
    return authoring.archive_quiz(uow, actor, course_id, quiz_id)


# --- questions -----------------------------------------------------------------------------


@api.get(QUESTIONS, access=OPTIONAL)
def questions_list(
    course_id: str, quiz_id: str, actor: Actor | None, uow: UnitOfWork
) -> QuestionPublicList:
    """The questions without answers, for managers and enrolled students."""
    return questions.list_public(uow, actor, course_id, quiz_id)


@api.get(QUESTIONS + "/manage")
def questions_manage(
    course_id: str, quiz_id: str, actor: Actor, uow: UnitOfWork
) -> QuestionManageList:
    """The questions with their answer keys (course managers)."""
    return questions.list_manage(uow, actor, course_id, quiz_id)


@api.post(QUESTIONS, status=201)
def questions_create(
    course_id: str, quiz_id: str, body: QuestionCreate, actor: Actor, uow: UnitOfWork
) -> QuestionManage:
    """Add a question at the end of a quiz nobody has attempted."""
    return questions.create_question(uow, actor, course_id, quiz_id, body)


@api.put(QUESTIONS + "/order")
def questions_reorder(
    course_id: str, quiz_id: str, body: QuestionOrder, actor: Actor, uow: UnitOfWork
) -> QuestionManageList:
    """Put every question of the quiz in the order given."""
    return questions.reorder_questions(uow, actor, course_id, quiz_id, body)


@api.patch(QUESTION)
def questions_update(
    course_id: str,
    quiz_id: str,
    question_id: str,
    body: QuestionUpdate,
    actor: Actor,
    uow: UnitOfWork,
) -> QuestionManage:
    """Change a question; the merged question is checked again."""
    return questions.update_question(uow, actor, course_id, quiz_id, question_id, body)


@api.delete(QUESTION, status=204)
def questions_delete(
    course_id: str, quiz_id: str, question_id: str, actor: Actor, uow: UnitOfWork
) -> None:
    """Delete a question of a quiz nobody has attempted."""
    questions.delete_question(uow, actor, course_id, quiz_id, question_id)


# --- attempts ------------------------------------------------------------------------------


@api.post(ATTEMPTS, status=201)
def attempts_start(
    quiz_id: str, actor: Actor, uow: UnitOfWork, deps: Dependencies
) -> AttemptStarted:
    """Start the calling student's next attempt."""
    return attempts.start_attempt(uow, actor, quiz_id, shuffler=deps.shuffler)


@api.get(ATTEMPTS + "/start")
def attempts_start_view(quiz_id: str, actor: Actor, uow: UnitOfWork) -> StartView:
    """The quiz to take, in the order of the caller's attempt."""
    return attempts.start_view(uow, actor, quiz_id)


@api.get(ATTEMPTS + "/my-attempts")
def attempts_mine(quiz_id: str, actor: Actor, uow: UnitOfWork) -> AttemptList:
    """The caller's attempts at the quiz, first to last."""
    return results.my_attempts(uow, actor, quiz_id)


@api.get(ATTEMPTS)
def attempts_list(
    quiz_id: str, query: AttemptsQuery, actor: Actor, uow: UnitOfWork
) -> Page[AttemptSummary]:
    """The quiz's attempts, newest first (course managers); ?status=needs_grading."""
    return results.list_attempts(uow, actor, quiz_id, query)


@api.post(ATTEMPT + "/submit")
def attempts_submit(
    quiz_id: str, attempt_id: str, body: AttemptSubmit, actor: Actor, uow: UnitOfWork
) -> AttemptResult:
    """Submit the caller's in-progress attempt and get its result."""
    return submissions.submit_attempt(uow, actor, quiz_id, attempt_id, body)


@api.get(ATTEMPT)
def attempts_get(quiz_id: str, attempt_id: str, actor: Actor, uow: UnitOfWork) -> AttemptResult:
    """One attempt with its answers (its student, the course's managers)."""
    return results.get_attempt(uow, actor, quiz_id, attempt_id)


@api.post(ATTEMPT + "/answers/{question_id:guid}/grade")
def attempts_grade_answer(
    quiz_id: str,
    attempt_id: str,
    question_id: str,
    body: AnswerGrade,
    actor: Actor,
    uow: UnitOfWork,
) -> AttemptResult:
    """Grade one essay answer (course managers); the last one finishes the attempt."""
    return essays.grade_answer(uow, actor, quiz_id, attempt_id, question_id, body)

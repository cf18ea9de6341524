"""Quizzes of a course and their questions (/api/v1/courses/{course_id}/quizzes), and
attempts at a quiz (/api/v1/quizzes/{quiz_id}/attempts)."""

from __future__ import annotations

import azure.functions as func

from shared.http import AUTHENTICATED, OPTIONAL, Request, route
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
from shared.services.quizzes import attempts as quiz_attempts
from shared.services.quizzes import authoring as quizzes
from shared.services.quizzes import essays as quiz_essay_grading
from shared.services.quizzes import questions as quiz_questions
from shared.services.quizzes import results as quiz_results
from shared.services.quizzes import submissions as quiz_submissions

bp = func.Blueprint()

QUIZZES = "api/v1/courses/{course_id:guid}/quizzes"
QUIZ = QUIZZES + "/{quiz_id:guid}"
QUESTIONS = QUIZ + "/questions"
ATTEMPTS = "api/v1/quizzes/{quiz_id:guid}/attempts"
ATTEMPT = ATTEMPTS + "/{attempt_id:guid}"


# --- quizzes -------------------------------------------------------------------------------


@route(bp, "GET", QUIZZES, name="quizzes_list", access=OPTIONAL, response=QuizList)
def quizzes_list(request: Request, course_id: str) -> QuizList:
    """The course's quizzes, newest first (students: the published ones)."""
    return quizzes.list_quizzes(request.actor, course_id)


@route(
    bp,
    "POST",
    QUIZZES,
    name="quizzes_create",
    access=AUTHENTICATED,
    body=QuizCreate,
    response=QuizOut,
    status=201,
)
def quizzes_create(request: Request, course_id: str, body: QuizCreate) -> QuizOut:
    """Create an unpublished quiz on a lesson of the course (course managers)."""
    return quizzes.create_quiz(request.actor, course_id, body)


@route(bp, "GET", QUIZ, name="quizzes_get", access=OPTIONAL, response=QuizOut)
def quizzes_get(request: Request, course_id: str, quiz_id: str) -> QuizOut:
    """One quiz (an unpublished one: course managers only)."""
    return quizzes.get_quiz(request.actor, course_id, quiz_id)


@route(
    bp,
    "PATCH",
    QUIZ,
    name="quizzes_update",
    access=AUTHENTICATED,
    body=QuizUpdate,
    response=QuizOut,
)
def quizzes_update(request: Request, course_id: str, quiz_id: str, body: QuizUpdate) -> QuizOut:
    """Change a quiz; null clears a nullable field; is_published runs the publish checks."""
    return quizzes.update_quiz(request.actor, course_id, quiz_id, body)


@route(bp, "DELETE", QUIZ, name="quizzes_delete", access=AUTHENTICATED, status=204)
def quizzes_delete(request: Request, course_id: str, quiz_id: str) -> None:
    """Delete a quiz nobody has attempted (otherwise archive it)."""
    quizzes.delete_quiz(request.actor, course_id, quiz_id)


@route(
    bp, "POST", QUIZ + "/publish", name="quizzes_publish", access=AUTHENTICATED, response=QuizOut
)
def quizzes_publish(request: Request, course_id: str, quiz_id: str) -> QuizOut:
    """Publish a quiz whose questions are all gradable."""
    return quizzes.publish_quiz(request.actor, course_id, quiz_id)


@route(
    bp, "POST", QUIZ + "/archive", name="quizzes_archive", access=AUTHENTICATED, response=QuizOut
)
def quizzes_archive(request: Request, course_id: str, quiz_id: str) -> QuizOut:
    """Hide a quiz from students and stop new attempts; results stay."""
    return quizzes.archive_quiz(request.actor, course_id, quiz_id)


# --- questions -----------------------------------------------------------------------------


@route(bp, "GET", QUESTIONS, name="questions_list", access=OPTIONAL, response=QuestionPublicList)
def questions_list(request: Request, course_id: str, quiz_id: str) -> QuestionPublicList:
    """The questions without answers, for managers and enrolled students."""
    return quiz_questions.list_public(request.actor, course_id, quiz_id)


@route(
    bp,
    "GET",
    QUESTIONS + "/manage",
    name="questions_manage",
    access=AUTHENTICATED,
    response=QuestionManageList,
)
def questions_manage(request: Request, course_id: str, quiz_id: str) -> QuestionManageList:
    """The questions with their answer keys (course managers)."""
    return quiz_questions.list_manage(request.actor, course_id, quiz_id)


@route(
    bp,
    "POST",
    QUESTIONS,
    name="questions_create",
    access=AUTHENTICATED,
    body=QuestionCreate,
    response=QuestionManage,
    status=201,
)
def questions_create(
    request: Request, course_id: str, quiz_id: str, body: QuestionCreate
) -> QuestionManage:
    """Add a question at the end of a quiz nobody has attempted."""
    return quiz_questions.create_question(request.actor, course_id, quiz_id, body)


@route(
    bp,
    "PUT",
    QUESTIONS + "/order",
    name="questions_reorder",
    access=AUTHENTICATED,
    body=QuestionOrder,
    response=QuestionManageList,
)
def questions_reorder(
    request: Request, course_id: str, quiz_id: str, body: QuestionOrder
) -> QuestionManageList:
    """Put every question of the quiz in the order given."""
    return quiz_questions.reorder_questions(request.actor, course_id, quiz_id, body)


@route(
    bp,
    "PATCH",
    QUESTIONS + "/{question_id:guid}",
    name="questions_update",
    access=AUTHENTICATED,
    body=QuestionUpdate,
    response=QuestionManage,
)
def questions_update(
    request: Request, course_id: str, quiz_id: str, question_id: str, body: QuestionUpdate
) -> QuestionManage:
    """Change a question; the merged question is checked again."""
    return quiz_questions.update_question(request.actor, course_id, quiz_id, question_id, body)


@route(
    bp,
    "DELETE",
    QUESTIONS + "/{question_id:guid}",
    name="questions_delete",
    access=AUTHENTICATED,
    status=204,
)
def questions_delete(request: Request, course_id: str, quiz_id: str, question_id: str) -> None:
    """Delete a question of a quiz nobody has attempted."""
    quiz_questions.delete_question(request.actor, course_id, quiz_id, question_id)


# --- attempts ------------------------------------------------------------------------------


@route(
    bp,
    "POST",
    ATTEMPTS,
    name="attempts_start",
    access=AUTHENTICATED,
    response=AttemptStarted,
    status=201,
)
def attempts_start(request: Request, quiz_id: str) -> AttemptStarted:
    """Start the calling student's next attempt."""
    return quiz_attempts.start_attempt(request.actor, quiz_id)


@route(
    bp,
    "GET",
    ATTEMPTS + "/start",
    name="attempts_start_view",
    access=AUTHENTICATED,
    response=StartView,
)
def attempts_start_view(request: Request, quiz_id: str) -> StartView:
    """The quiz to take, in the order of the caller's attempt."""
    return quiz_attempts.start_view(request.actor, quiz_id)


@route(
    bp,
    "GET",
    ATTEMPTS + "/my-attempts",
    name="attempts_mine",
    access=AUTHENTICATED,
    response=AttemptList,
)
def attempts_mine(request: Request, quiz_id: str) -> AttemptList:
    """The caller's attempts at the quiz, first to last."""
    return quiz_results.my_attempts(request.actor, quiz_id)


@route(
    bp,
    "GET",
    ATTEMPTS,
    name="attempts_list",
    access=AUTHENTICATED,
    query=AttemptsQuery,
    response=Page[AttemptSummary],
)
def attempts_list(request: Request, quiz_id: str, query: AttemptsQuery) -> Page[AttemptSummary]:
    """The quiz's attempts, newest first (course managers); ?status=needs_grading."""
    return quiz_results.list_attempts(request.actor, quiz_id, query)


@route(
    bp,
    "POST",
    ATTEMPT + "/submit",
    name="attempts_submit",
    access=AUTHENTICATED,
    body=AttemptSubmit,
    response=AttemptResult,
)
def attempts_submit(
    request: Request, quiz_id: str, attempt_id: str, body: AttemptSubmit
) -> AttemptResult:
    """Submit the caller's in-progress attempt and get its result."""
    return quiz_submissions.submit_attempt(request.actor, quiz_id, attempt_id, body)


@route(bp, "GET", ATTEMPT, name="attempts_get", access=AUTHENTICATED, response=AttemptResult)
def attempts_get(request: Request, quiz_id: str, attempt_id: str) -> AttemptResult:
    """One attempt with its answers (its student, the course's managers)."""
    return quiz_results.get_attempt(request.actor, quiz_id, attempt_id)


@route(
    bp,
    "POST",
    ATTEMPT + "/answers/{question_id:guid}/grade",
    name="attempts_grade_answer",
    access=AUTHENTICATED,
    body=AnswerGrade,
    response=AttemptResult,
)
def attempts_grade_answer(
    request: Request, quiz_id: str, attempt_id: str, question_id: str, body: AnswerGrade
) -> AttemptResult:
    """Grade one essay answer (course managers); the last one finishes the attempt."""
    return quiz_essay_grading.grade_answer(request.actor, quiz_id, attempt_id, question_id, body)

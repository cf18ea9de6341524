"""Creating, reading, listing, changing and deleting assignments: who may, and the publishing
rules of courses and quizzes (students see the published assignments of courses they are
enrolled in, instructors their own, admins all)."""

from __future__ import annotations

import uuid

import pytest

from shared.domain.assignments import Assignment
from shared.domain.users import Role
from tests.accounts import make_user
from tests.functional.assignments.calls import (
    classroom,
    create,
    delete,
    get,
    list_for_course,
    ok,
    refused,
    update,
)
from tests.learning import lessons_of, load, make_course

pytestmark = [pytest.mark.usefixtures("database_url"), pytest.mark.postgres]


def test_the_courses_instructor_creates_an_assignment_with_the_reference_fields() -> None:
    owner, token = make_user(role=Role.INSTRUCTOR)
    course = make_course(owner)

    body = ok(
        create(
            {
                "course_id": str(course.id),
                "title": "  Essay  ",
                "due_date": "2030-05-01T17:00:00Z",
                "max_points": 20,
                "grading_type": "points",
                "assignment_metadata": {"rubric": "v2"},
            },
            token,
        ),
        201,
    )

    assert body["title"] == "Essay" and body["instructor_id"] == str(owner.id)
    assert (body["status"], body["is_published"], body["published_at"]) == ("draft", False, None)
    assert body["due_date"].startswith("2030-05-01T17:00:00")
    assert (body["late_policy"], body["max_submissions"]) == ("refuse", 1)
    stored = load(Assignment, uuid.UUID(body["id"]))
    assert stored.metadata_ == {"rubric": "v2"} and stored.max_points == 20


def test_an_admin_creates_an_assignment_for_the_courses_instructor() -> None:
    owner, _ = make_user(role=Role.INSTRUCTOR)
    _, admin_token = make_user(role=Role.ADMIN, admin_setup_complete=True)
    course = make_course(owner)

    body = ok(create({"course_id": str(course.id), "title": "Essay"}, admin_token), 201)

    assert body["instructor_id"] == str(owner.id)


def test_only_the_courses_managers_create_its_assignments() -> None:
    owner, _ = make_user(role=Role.INSTRUCTOR)
    course = make_course(owner)
    _, stranger = make_user(role=Role.INSTRUCTOR)
    _, student = make_user(role=Role.STUDENT)
    body = {"course_id": str(course.id), "title": "Essay"}

    assert refused(create(body, stranger), 403) == (
        "You don't have permission to create assignments for this course"
    )
    assert refused(create(body, student), 403) == "Insufficient permissions"
    assert refused(create(body, None), 401)
    missing = {"course_id": str(uuid.uuid4()), "title": "Essay"}
    assert refused(create(missing, stranger), 404) == "Course not found"


@pytest.mark.parametrize(
    "change",
    [
        {"status": "finished"},  # the reference's 500
        {"max_points": 0},
        {"late_policy": "sometimes"},
        {"late_penalty_percent": 0},
        {"max_submissions": 0},
        {"title": ""},
        {"due_date": "next tuesday"},
        {"assignment_metadata": [1, 2]},
    ],
)
def test_a_bad_field_is_a_422_naming_it(change: dict[str, object]) -> None:
    owner, token = make_user(role=Role.INSTRUCTOR)
    course = make_course(owner)

    response = create({"course_id": str(course.id), "title": "Essay", **change}, token)

    assert response.status_code == 422, response.get_body()
    assert next(iter(change)) in response.get_body().decode()


def test_the_late_penalty_goes_with_the_penalty_policy_only() -> None:
    owner, token = make_user(role=Role.INSTRUCTOR)
    course = make_course(owner)
    base = {"course_id": str(course.id), "title": "Essay"}

    assert "late_penalty_percent" in refused(create({**base, "late_policy": "penalty"}, token), 400)
    assert "applies only" in refused(create({**base, "late_penalty_percent": 10}, token), 400)
    made = ok(create({**base, "late_policy": "penalty", "late_penalty_percent": 10}, token), 201)
    # Another policy drops the stored percentage.
    changed = ok(update(made["id"], {"late_policy": "accept"}, token))
    assert (changed["late_policy"], changed["late_penalty_percent"]) == ("accept", None)


def test_an_assignment_attaches_to_one_lesson_of_its_course() -> None:
    room = classroom(lessons=2)
    first, second = room.lessons
    other_course = make_course(room.owner, lessons=1)
    base = {"course_id": str(room.course.id), "title": "Lab"}

    made = ok(create({**base, "lesson_id": str(first.id)}, room.owner_token), 201)
    assert made["lesson_id"] == str(first.id)
    again = create({**base, "lesson_id": str(first.id)}, room.owner_token)
    assert refused(again, 409) == "Lesson already has an assignment"
    foreign = str(lessons_of(other_course)[0].id)
    assert refused(create({**base, "lesson_id": foreign}, room.owner_token), 404) == (
        "Lesson not found in this course"
    )
    moved = ok(update(made["id"], {"lesson_id": str(second.id)}, room.owner_token))
    assert moved["lesson_id"] == str(second.id)


def test_students_see_published_assignments_of_courses_they_are_enrolled_in() -> None:
    room = classroom()
    draft = ok(create({"course_id": str(room.course.id), "title": "Draft"}, room.owner_token), 201)
    _, outsider = make_user(role=Role.STUDENT)
    _, other_instructor = make_user(role=Role.INSTRUCTOR)
    _, admin = make_user(role=Role.ADMIN, admin_setup_complete=True)

    assert ok(get(room.assignment_id, room.student_token))["id"] == room.assignment_id
    assert refused(get(draft["id"], room.student_token), 403) == (
        "Assignment is not available to students"
    )
    assert refused(get(room.assignment_id, outsider), 403) == (
        "You don't have access to this assignment"
    )
    assert refused(get(room.assignment_id, other_instructor), 403)
    assert ok(get(draft["id"], room.owner_token))["status"] == "draft"
    assert ok(get(draft["id"], admin))["id"] == draft["id"]
    assert refused(get(uuid.uuid4(), admin), 404) == "Assignment not found"


def test_a_dropped_enrollment_or_a_draft_course_hides_the_assignments() -> None:
    room = classroom()
    _, dropped_token, _ = room.another_student(status="dropped")
    assert refused(get(room.assignment_id, dropped_token), 403)

    hidden = classroom(course_published=False)
    assert refused(get(hidden.assignment_id, hidden.student_token), 403)
    assert refused(list_for_course(hidden.course.id, hidden.student_token), 403)


def test_the_course_list_shows_students_the_published_ones_soonest_due_first() -> None:
    room = classroom(due_date="2030-03-01T00:00:00Z", title="Second")
    course = str(room.course.id)
    for title, due in (("First", "2030-01-01T00:00:00Z"), ("Undated", None)):
        body = {"course_id": course, "title": title, "status": "published", "due_date": due}
        ok(create(body, room.owner_token), 201)
    ok(create({"course_id": course, "title": "Draft"}, room.owner_token), 201)

    student_view = ok(list_for_course(course, room.student_token))
    owner_view = ok(list_for_course(course, room.owner_token))

    assert [a["title"] for a in student_view["assignments"]] == ["First", "Second", "Undated"]
    assert (student_view["total"], student_view["page"], student_view["page_size"]) == (3, 1, 100)
    assert owner_view["total"] == 4
    _, other = make_user(role=Role.INSTRUCTOR)
    assert refused(list_for_course(course, other), 403) == (
        "You don't have access to this course's assignments"
    )


@pytest.mark.parametrize("query", ["?limit=0", "?limit=101", "?skip=-1", "?limit=ten"])
def test_a_bad_slice_is_a_422_not_a_500(query: str) -> None:
    room = classroom()

    response = list_for_course(room.course.id, room.owner_token, query)

    assert response.status_code == 422, response.get_body()


def test_skip_and_limit_slice_the_list_and_name_the_page() -> None:
    room = classroom()
    for number in range(4):
        body = {"course_id": str(room.course.id), "title": f"Extra {number}"}
        ok(create(body, room.owner_token), 201)

    body = ok(list_for_course(room.course.id, room.owner_token, "?skip=2&limit=2"))

    assert (body["total"], body["page"], body["page_size"], len(body["assignments"])) == (
        5,
        2,
        2,
        2,
    )
    past_the_end = ok(list_for_course(room.course.id, room.owner_token, "?skip=10&limit=2"))
    assert (past_the_end["total"], past_the_end["assignments"]) == (5, [])


def test_publishing_and_archiving_through_status_or_is_published() -> None:
    room = classroom(published=False)
    aid = room.assignment_id

    published = ok(update(aid, {"is_published": True}, room.owner_token))
    assert (published["status"], published["is_published"]) == ("published", True)
    assert published["published_at"] is not None
    assert ok(get(aid, room.student_token))["id"] == aid

    archived = ok(update(aid, {"status": "archived"}, room.owner_token))
    assert (archived["status"], archived["is_published"]) == ("archived", False)
    assert refused(get(aid, room.student_token), 403)
    assert refused(update(aid, {"status": "gone"}, room.owner_token), 422)
    assert refused(update(aid, {"title": None}, room.owner_token), 400) == "title cannot be null"


def test_null_clears_a_nullable_field() -> None:
    room = classroom(due_date="2030-01-01T00:00:00Z", max_submissions=3)

    body = ok(
        update(room.assignment_id, {"due_date": None, "max_submissions": None}, room.owner_token)
    )

    assert (body["due_date"], body["max_submissions"]) == (None, None)


def test_only_the_courses_managers_change_or_delete_an_assignment() -> None:
    room = classroom()
    _, other = make_user(role=Role.INSTRUCTOR)

    assert refused(update(room.assignment_id, {"title": "Mine"}, other), 403) == (
        "You don't have permission to update this assignment"
    )
    assert refused(update(room.assignment_id, {"title": "Mine"}, room.student_token), 403)
    assert refused(delete(room.assignment_id, other), 403)
    assert refused(delete(room.assignment_id, room.student_token), 403)
    assert refused(delete(uuid.uuid4(), room.owner_token), 404)


def test_an_assignment_without_submissions_is_deleted_one_with_them_is_archived_instead() -> None:
    room = classroom()
    spare = ok(create({"course_id": str(room.course.id), "title": "Spare"}, room.owner_token), 201)
    ok(room.submit(), 201)

    ok(delete(spare["id"], room.owner_token), 204)
    assert load(Assignment, uuid.UUID(spare["id"])) is None
    assert refused(delete(room.assignment_id, room.owner_token), 409) == (
        "This assignment has submissions; archive it instead (status: archived)"
    )


def test_an_enrolled_student_of_another_course_sees_nothing_here() -> None:
    room = classroom()
    elsewhere = classroom()  # its student is enrolled there, not here

    assert refused(get(room.assignment_id, elsewhere.student_token), 403)

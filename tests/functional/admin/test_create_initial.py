"""POST /api/v1/admin/create-initial: the first admin, only when allowed and only once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from shared import bootstrap
from shared.domain.admins import AdminProfile
from shared.domain.users import Role, User
from tests.accounts import make_user
from tests.function_calls import call_http, functions_by_name, json_of
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")


def _body(email: str = "first.admin@example.org", **changes: Any) -> dict[str, Any]:
    return {
        "email": email,
        "password": "a long admin password",
        "full_name": "First Admin",
        "security_policy_accepted": True,
        **changes,
    }


def _create_initial(body: dict[str, Any]) -> Any:
    return call_http("admin_create_initial", "POST", "/api/v1/admin/create-initial", json_body=body)


def _admins() -> int:
    with unit_of_work() as uow:
        return (
            uow.session.scalar(
                select(func.count()).select_from(User).where(User.role == Role.ADMIN.value)
            )
            or 0
        )


@pytest.fixture
def allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOW_INITIAL_ADMIN_CREATION", "true")
    bootstrap.reset()


@pytest.mark.usefixtures("allowed")
def test_creates_the_first_admin_with_a_profile_still_in_onboarding() -> None:
    response = _create_initial(_body(ip_whitelist=["10.0.0.1"], emergency_contacts=[{"n": 1}]))

    assert response.status_code == 201, response.get_body()
    body = json_of(response)
    assert body["message"] == "Initial admin account created successfully"
    assert body["user"]["email"] == "first.admin@example.org"
    assert body["user"]["role"] == "admin"
    admin = body["admin"]
    assert admin["user_id"] == body["user"]["id"]
    assert admin["is_setup_complete"] is False
    assert admin["ip_whitelist"] == ["10.0.0.1"]
    assert admin["security_health_score"] == 85  # 50 + 20 (MFA) + 15 (IP list)
    assert body["onboarding_status"]["completed_steps"] == [
        "account_setup",
        "security_config",
        "permissions",
        "verification",
    ]
    # The last step done; "complete" only once complete-setup has run.
    assert body["onboarding_status"]["current_step"] == "verification"
    assert body["onboarding_status"]["progress_percentage"] == 80
    assert body["setup_expires_at"]
    with unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(AdminProfile)) == 1


def test_is_403_while_allow_initial_admin_creation_is_off_whatever_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for environment in ("development", "test"):
        monkeypatch.setenv("ENVIRONMENT", environment)
        bootstrap.reset()
        response = _create_initial(_body())
        assert response.status_code == 403
        assert json_of(response)["detail"] == "Initial admin creation is disabled"
    assert _admins() == 0


@pytest.mark.usefixtures("allowed")
def test_is_409_once_any_admin_exists() -> None:
    assert _create_initial(_body()).status_code == 201
    response = _create_initial(_body("second@example.org"))
    assert response.status_code == 409
    assert json_of(response)["detail"] == "Initial admin already exists"
    assert _admins() == 1


@pytest.mark.usefixtures("allowed")
def test_an_admin_without_a_profile_also_counts_as_existing() -> None:
    make_user(role=Role.ADMIN)
    assert _create_initial(_body()).status_code == 409


@pytest.mark.postgres
@pytest.mark.usefixtures("allowed")
def test_concurrent_calls_create_at_most_one_admin() -> None:
    callers = 6
    barrier = threading.Barrier(callers)
    statuses: list[int] = []
    lock = threading.Lock()
    functions_by_name()  # build the function table once, before the threads race for it

    def call(index: int) -> None:
        barrier.wait()
        response = _create_initial(_body(f"racer{index}@example.org"))
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [201] + [409] * (callers - 1)
    assert _admins() == 1


@pytest.mark.usefixtures("allowed")
@pytest.mark.parametrize(
    "changes",
    [
        {"security_policy_accepted": False},
        {"password": "only 11 chr"},
        {"role": "student"},
        {"ip_whitelist": ["not-an-ip"]},
        {"security_level": "paranoid"},
        {"time_restrictions": {"start_hour": 24}},
        {"time_restrictions": {"days": ["someday"]}},
    ],
)
def test_refuses_an_invalid_setup_request_with_422(changes: dict[str, Any]) -> None:
    response = _create_initial(_body(**changes))
    assert response.status_code == 422
    assert _admins() == 0


@pytest.mark.usefixtures("allowed")
def test_a_missing_policy_acceptance_is_422() -> None:
    body = _body()
    del body["security_policy_accepted"]
    assert _create_initial(body).status_code == 422


@pytest.mark.usefixtures("allowed")
def test_a_registered_email_is_400_failed_to_create_initial_admin_account() -> None:
    make_user(email="taken@example.org")

    response = _create_initial(_body("taken@example.org"))

    assert response.status_code == 400, response.get_body()
    assert json_of(response)["detail"] == (
        "Failed to create initial admin account: Email is already registered"
    )
    assert _admins() == 0

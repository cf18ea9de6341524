"""POST /admin/setup (ADM+) and an admin's onboarding: status, profile, security config,
complete setup (ADM)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from shared.domain.admins import AdminProfile
from shared.domain.users import Role
from tests.accounts import access_token, bearer, load_user, make_user
from tests.function_calls import call_http, json_of
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")


def _setup_body(email: str = "second.admin@example.org", **changes: Any) -> dict[str, Any]:
    return {
        "email": email,
        "password": "a long admin password",
        "full_name": "Second Admin",
        "security_policy_accepted": True,
        **changes,
    }


def _setup(body: dict[str, Any], token: str) -> Any:
    return call_http(
        "admin_setup", "POST", "/api/v1/admin/setup", headers=bearer(token), json_body=body
    )


def _status(token: str) -> Any:
    return call_http(
        "admin_onboarding_status", "GET", "/api/v1/admin/onboarding-status", headers=bearer(token)
    )


def _put_profile(body: dict[str, Any], token: str) -> Any:
    return call_http(
        "admin_update_profile",
        "PUT",
        "/api/v1/admin/profile",
        headers=bearer(token),
        json_body=body,
    )


# The address the admin calls from: an IP allowlist they set must include it.
CALLER = "192.0.2.7"


def _security_config(body: dict[str, Any], token: str) -> Any:
    return call_http(
        "admin_security_config",
        "POST",
        "/api/v1/admin/security-config",
        headers={**bearer(token), "X-Forwarded-For": CALLER},
        json_body=body,
    )


def _complete(token: str) -> Any:
    return call_http(
        "admin_complete_setup",
        "POST",
        "/api/v1/admin/complete-setup",
        headers={**bearer(token), "X-Forwarded-For": CALLER},
    )


def count_admin_profiles() -> int:
    with unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(AdminProfile)) or 0


def _new_admin_token() -> str:
    """An admin created through /admin/setup, signed in: setup not complete yet."""
    _, boss = make_user(role=Role.ADMIN, admin_setup_complete=True)
    body = json_of(_setup(_setup_body(emergency_contacts=[]), boss))
    user = load_user(uuid.UUID(body["user"]["id"]))
    assert user is not None
    return access_token(user)


def test_setup_creates_an_admin_whose_own_setup_is_not_complete() -> None:
    _, token = make_user(role=Role.ADMIN, admin_setup_complete=True)

    response = _setup(_setup_body(security_level="maximum", mfa_required=False), token)

    assert response.status_code == 201, response.get_body()
    body = json_of(response)
    assert body["message"] == "Admin account created successfully"
    assert body["user"]["role"] == "admin"
    assert body["admin"]["is_setup_complete"] is False
    assert body["admin"]["security_level"] == "maximum"
    assert body["admin"]["mfa_required"] is False
    # Policy accepted, MFA off: the last step done is security_config.
    assert body["onboarding_status"]["current_step"] == "security_config"
    assert body["onboarding_status"]["progress_percentage"] == 40
    assert body["onboarding_status"]["total_steps"] == 5
    assert set(body["admin"]) == {
        "id",
        "user_id",
        "security_level",
        "mfa_required",
        "ip_whitelist",
        "time_restrictions",
        "emergency_contacts",
        "is_setup_complete",
        "setup_completed_at",
        "security_policy_accepted",
        "security_policy_version",
        "last_security_review",
        "security_health_score",
        "created_at",
        "updated_at",
    }


def test_setup_only_ever_creates_admins_a_role_field_naming_another_role_is_422() -> None:
    _, token = make_user(role=Role.ADMIN, admin_setup_complete=True)
    assert _setup(_setup_body(role="student"), token).status_code == 422
    assert _setup(_setup_body(role="admin"), token).status_code == 201


def test_setup_without_accepting_the_security_policy_is_422() -> None:
    _, token = make_user(role=Role.ADMIN, admin_setup_complete=True)
    response = _setup(_setup_body(security_policy_accepted=False), token)
    assert response.status_code == 422
    assert json_of(response)["detail"][0]["loc"] == ["body", "security_policy_accepted"]


@pytest.mark.parametrize("password", ["11 chars...", "x" * 129])
def test_setup_needs_a_password_of_12_to_128_characters(password: str) -> None:
    _, token = make_user(role=Role.ADMIN, admin_setup_complete=True)
    assert _setup(_setup_body(password=password), token).status_code == 422


# The refused insert rolls back on PostgreSQL too, leaving the address's owner as it was.
@pytest.mark.postgres
def test_setup_with_a_registered_email_is_400_failed_to_create_admin_account() -> None:
    _, token = make_user(role=Role.ADMIN, admin_setup_complete=True)
    taken, _ = make_user(email="second.admin@example.org")

    response = _setup(_setup_body(), token)

    assert response.status_code == 400
    assert json_of(response)["detail"] == "Failed to create admin account. Please try again."
    # The address still belongs to its student, and no admin profile was added for anyone.
    user = load_user(taken.id)
    assert user is not None and user.role == Role.STUDENT.value
    assert count_admin_profiles() == 1


def test_an_admin_created_by_setup_cannot_use_adm_plus_routes_until_setup_is_complete() -> None:
    token = _new_admin_token()
    users = call_http("users_list", "GET", "/api/v1/users", headers=bearer(token))
    assert users.status_code == 403

    assert _complete(token).status_code == 200

    users = call_http("users_list", "GET", "/api/v1/users", headers=bearer(token))
    assert users.status_code == 200


def test_onboarding_walks_through_the_five_steps() -> None:
    token = _new_admin_token()
    status = json_of(_status(token))
    assert status["completed_steps"] == ["account_setup", "security_config", "permissions"]
    assert status["current_step"] == "permissions"
    assert status["step"] == "permissions"
    assert status["progress_percentage"] == 60
    assert status["is_complete"] is False
    assert status["emergency_contacts_configured"] is False

    result = json_of(_put_profile({"emergency_contacts": [{"name": "Ops", "phone": "1"}]}, token))
    assert result["message"] == "Admin profile updated successfully"
    assert result["onboarding_status"]["current_step"] == "verification"
    assert result["onboarding_status"]["emergency_contacts_configured"] is True

    done = json_of(_complete(token))
    assert done["message"] == "Admin setup completed successfully"
    assert done["admin"]["is_setup_complete"] is True
    assert done["admin"]["setup_completed_at"] is not None
    assert done["onboarding_status"]["step"] == "complete"
    assert done["onboarding_status"]["current_step"] == "complete"
    assert done["onboarding_status"]["progress_percentage"] == 100
    assert done["onboarding_status"]["is_complete"] is True


def test_onboarding_status_names_the_last_step_done_with_a_whole_percentage() -> None:
    token = _new_admin_token()
    assert _put_profile({"mfa_required": False}, token).status_code == 200

    response = _status(token)

    assert response.status_code == 200
    raw = response.get_body().decode()
    status = json_of(response)
    assert status["completed_steps"] == ["account_setup", "security_config"]
    assert status["step"] == "security_config"
    assert status["current_step"] == "security_config"
    assert status["total_steps"] == 5
    assert status["progress_percentage"] == 40
    assert '"progress_percentage":40,' in raw.replace(" ", "")  # an integer, not 40.0
    assert status["mfa_configured"] is False
    # The security configuration is what the policy acceptance says, whatever MFA is.
    assert status["needs_security_config"] is False
    assert set(status) == {
        "step",
        "completed_steps",
        "current_step",
        "total_steps",
        "progress_percentage",
        "is_complete",
        "needs_security_config",
        "security_policy_accepted",
        "mfa_configured",
        "emergency_contacts_configured",
        "last_updated",
    }


def test_onboarding_needs_security_config_until_the_policy_is_accepted() -> None:
    token = _new_admin_token()
    assert _put_profile({"security_policy_accepted": False}, token).status_code == 200

    status = json_of(_status(token))

    assert status["needs_security_config"] is True
    assert status["security_policy_accepted"] is False
    assert status["completed_steps"] == ["account_setup", "permissions"]
    assert status["current_step"] == "permissions"


def test_profile_update_changes_only_the_fields_sent() -> None:
    token = _new_admin_token()
    before = json_of(_status(token))
    body = json_of(
        _put_profile(
            {
                "security_level": "standard",
                "mfa_required": None,
                "time_restrictions": {"start_hour": 8, "end_hour": 18, "days": ["monday"]},
                "security_health_score": 99,
            },
            token,
        )
    )
    admin = body["admin"]
    assert admin["security_level"] == "standard"
    assert admin["mfa_required"] is True
    assert admin["time_restrictions"] == {"start_hour": 8, "end_hour": 18, "days": ["monday"]}
    assert admin["security_health_score"] == 99
    assert before["security_policy_accepted"] is True


@pytest.mark.parametrize(
    "body", [{"security_health_score": 101}, {"ip_whitelist": ["300.1.1.1"]}, {"mfa_required": 3}]
)
def test_profile_update_refuses_invalid_values_with_422(body: dict[str, Any]) -> None:
    assert _put_profile(body, _new_admin_token()).status_code == 422


def test_security_config_stores_mfa_ip_and_time_and_scores_every_setting() -> None:
    token = _new_admin_token()
    response = _security_config(
        {
            "mfa_method": "hardware",
            "ip_whitelist": ["192.0.2.7", "2001:db8::1"],
            "time_restrictions": {"start_hour": 7},
            "password_expiry_days": 60,
            "session_timeout_minutes": 15,
            "geo_restrictions": ["NL"],
            "anomaly_detection_enabled": True,
        },
        token,
    )
    assert response.status_code == 200, response.get_body()
    admin = json_of(response)["admin"]
    assert admin["mfa_required"] is True
    assert admin["security_level"] == "maximum"
    assert admin["ip_whitelist"] == ["192.0.2.7", "2001:db8::1"]
    assert admin["time_restrictions"] == {"start_hour": 7}
    assert admin["security_health_score"] == 100  # 120 capped
    assert admin["last_security_review"] is not None

    # complete-setup recomputes from what is stored and never lowers that score.
    assert json_of(_complete(token))["admin"]["security_health_score"] == 100


def test_security_config_answers_admin_security_configuration_updated_successfully() -> None:
    response = _security_config({"mfa_method": "email"}, _new_admin_token())
    assert response.status_code == 200, response.get_body()
    body = json_of(response)
    assert body["message"] == "Admin security configuration updated successfully"
    assert body["onboarding_status"]["mfa_configured"] is True


def test_security_config_with_defaults_scores_fifty_plus_each_bonus() -> None:
    token = _new_admin_token()
    admin = json_of(
        _security_config({"mfa_method": "totp", "anomaly_detection_enabled": False}, token)
    )["admin"]
    # 50 + 20 (MFA) + 5 (expiry 90 <= 90) + 5 (timeout 30 <= 60)
    assert admin["security_health_score"] == 80
    assert admin["security_level"] == "enhanced"


@pytest.mark.parametrize(
    "body",
    [
        {"mfa_method": "pigeon"},
        {"password_expiry_days": 29},
        {"password_expiry_days": 366},
        {"session_timeout_minutes": 4},
        {"session_timeout_minutes": 121},
    ],
)
def test_security_config_refuses_out_of_range_settings_with_422(body: dict[str, Any]) -> None:
    assert _security_config(body, _new_admin_token()).status_code == 422


def test_an_admin_without_a_profile_gets_the_reference_default_status_and_its_400s() -> None:
    _, token = make_user(role=Role.ADMIN)

    status = _status(token)
    assert status.status_code == 200, status.get_body()
    assert json_of(status) | {"last_updated": None} == {
        "step": "account_setup",
        "completed_steps": [],
        "current_step": "account_setup",
        "total_steps": 5,
        "progress_percentage": 20,
        "is_complete": False,
        "needs_security_config": True,
        "security_policy_accepted": False,
        "mfa_configured": False,
        "emergency_contacts_configured": False,
        "last_updated": None,
    }
    for response, detail in (
        (
            _put_profile({"mfa_required": True}, token),
            "Failed to update admin profile. Please try again.",
        ),
        (_security_config({}, token), "Failed to configure admin security. Please try again."),
        (_complete(token), "Failed to complete admin setup: Admin not found"),
    ):
        assert response.status_code == 400
        assert json_of(response)["detail"] == detail


@pytest.mark.parametrize("role", [Role.STUDENT, Role.INSTRUCTOR])
def test_onboarding_routes_are_for_admins_only(role: Role) -> None:
    _, token = make_user(role=role)
    response = _status(token)
    assert response.status_code == 403
    assert json_of(response)["detail"] == "Not authorized to perform this action"

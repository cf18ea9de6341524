"""Users and their access tokens, written straight to the database for tests.

    user, token = make_user(role=Role.ADMIN, admin_setup_complete=True)
    call_http("users_list", "GET", "/api/v1/users", headers=bearer(token))

Every user gets the same password (PASSWORD) unless one is given, hashed by the current
settings' hasher (the tests' profile is the cheapest argon2id, see tests/conftest.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shared import bootstrap
from shared.domain.admins import AdminProfile
from shared.domain.users import Role, User
from shared.security.tokens import ACCESS, issue_token
from tests.unit_of_work import unit_of_work

PASSWORD = "correct horse battery staple"  # a test password


def _password_hash(password: str) -> str:
    return bootstrap.current().passwords.hash(password)


def make_user(
    *,
    role: Role = Role.STUDENT,
    admin_setup_complete: bool | None = None,
    email: str | None = None,
    full_name: str = "Test User",
    password: str = PASSWORD,
    is_active: bool = True,
    email_verified: bool = True,
    created_at: datetime | None = None,
) -> tuple[User, str]:
    """A committed user and an access token for them.

    `admin_setup_complete`: None adds no admin profile; True or False adds one whose setup is
    (or is not) complete: what ADM+ routes check.
    """
    now = created_at or datetime.now(UTC)
    user = User(
        id=uuid.uuid4(),
        email=(email or f"{role.value}-{uuid.uuid4().hex[:12]}@example.org").lower(),
        password_hash=_password_hash(password),
        full_name=full_name,
        role=role.value,
        is_active=is_active,
        mfa_enabled=False,
        token_version=0,
        created_at=now,
        updated_at=now,
        email_verified_at=now if email_verified else None,
    )
    with unit_of_work() as uow:
        uow.session.add(user)
        uow.session.flush()  # before the profile that refers to it
        if admin_setup_complete is not None:
            uow.session.add(
                AdminProfile(
                    user_id=user.id,
                    security_level="enhanced",
                    mfa_required=True,
                    ip_whitelist=[],
                    time_restrictions={},
                    emergency_contacts=[],
                    is_setup_complete=admin_setup_complete,
                    setup_completed_at=now if admin_setup_complete else None,
                    security_policy_accepted=True,
                    security_policy_version="1.0",
                    security_health_score=70,
                    created_at=now,
                    updated_at=now,
                )
            )
        uow.commit()
    return user, access_token(user)


def access_token(user: User, *, lifetime: timedelta = timedelta(minutes=15)) -> str:
    """An access token as sign-in issues it, for the user's current token version."""
    settings = bootstrap.current().settings
    return issue_token(
        settings,
        ACCESS,
        user.id,
        lifetime,
        datetime.now(UTC),
        ver=user.token_version,
        role=user.role,
    ).token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def load_user(user_id: uuid.UUID) -> User | None:
    """The user as stored now (detached), or None."""
    with unit_of_work() as uow:
        user = uow.session.get(User, user_id)
        uow.session.expunge_all()  # readable after the unit of work rolls back and closes
        return user


def demote(user_id: uuid.UUID) -> None:
    """An admin makes the user a student, as PATCH /api/v1/users/{id} does."""
    from tests.function_calls import call_http

    _, admin_token = make_user(role=Role.ADMIN, admin_setup_complete=True)
    response = call_http(
        "users_update",
        "PATCH",
        f"/api/v1/users/{user_id}",
        headers=bearer(admin_token),
        json_body={"role": "student"},
        route_params={"user_id": str(user_id)},
    )
    assert response.status_code == 200, response.get_body()

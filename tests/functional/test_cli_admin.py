"""`lms create-admin`: an admin with a completed profile, who can use ADM+ routes at once."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from shared import bootstrap
from shared.cli.main import main
from shared.domain.admins import AdminProfile
from shared.domain.users import User
from tests.accounts import access_token, bearer, make_user
from tests.function_calls import call_http
from tests.unit_of_work import unit_of_work

pytestmark = pytest.mark.usefixtures("database_url")

PASSWORD = "an operator's long password"


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def _prompts(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    asked: list[str] = []
    replies: Iterator[str] = iter(answers)

    def fake_getpass(prompt: str = "") -> str:
        asked.append(prompt)
        return next(replies)

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    return asked


def _stored(email: str) -> tuple[User, AdminProfile] | None:
    with unit_of_work() as uow:
        row = uow.session.execute(
            select(User, AdminProfile)
            .join(AdminProfile, AdminProfile.user_id == User.id)
            .where(User.email == email)
        ).one_or_none()
        uow.session.expunge_all()
        return None if row is None else (row[0], row[1])


def _users() -> int:
    with unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(User)) or 0


def test_creates_an_admin_with_a_completed_profile_that_passes_adm_plus(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = _prompts(monkeypatch, PASSWORD, PASSWORD)

    code = main(["create-admin", "--email", "Ops@Example.org", "--full-name", "Ops Person"])

    assert code == 0
    assert len(asked) == 2
    out = capsys.readouterr().out
    assert "Created admin ops@example.org" in out
    assert "completed admin profile" in out
    stored = _stored("ops@example.org")
    assert stored is not None
    user, profile = stored
    assert user.role == "admin"
    assert user.full_name == "Ops Person"
    assert user.email_verified_at is not None
    assert bootstrap.current().passwords.verify(user.password_hash, PASSWORD)
    assert profile.is_setup_complete is True
    assert profile.setup_completed_at is not None
    response = call_http("users_list", "GET", "/api/v1/users", headers=bearer(access_token(user)))
    assert response.status_code == 200


def test_reads_the_password_from_stdin_when_asked(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, PASSWORD + "\n")
    asked = _prompts(monkeypatch)
    code = main(
        ["create-admin", "--email", "ops@example.org", "--full-name", "Ops", "--password-stdin"]
    )
    assert code == 0
    assert asked == []
    stored = _stored("ops@example.org")
    assert stored is not None and bootstrap.current().passwords.verify(
        stored[0].password_hash, PASSWORD
    )


def test_refuses_an_email_that_is_already_registered_with_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    make_user(email="ops@example.org")
    asked = _prompts(monkeypatch, PASSWORD, PASSWORD)

    code = main(["create-admin", "--email", "OPS@example.org", "--full-name", "Ops"])

    assert code == 1
    assert asked == []  # refused before asking for a password
    err = capsys.readouterr().err
    assert "a user with the e-mail ops@example.org already exists; nothing was created" in err
    assert _users() == 1


@pytest.mark.parametrize("password", ["eleven char", ""])
def test_refuses_a_password_shorter_than_12_characters(
    password: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _stdin(monkeypatch, password + "\n")
    code = main(
        ["create-admin", "--email", "ops@example.org", "--full-name", "Ops", "--password-stdin"]
    )
    assert code == 1
    assert "needs 12 to 128 characters" in capsys.readouterr().err
    assert _users() == 0


def test_refuses_passwords_that_do_not_match(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _prompts(monkeypatch, PASSWORD, PASSWORD + "!")
    code = main(["create-admin", "--email", "ops@example.org", "--full-name", "Ops"])
    assert code == 1
    assert "the passwords do not match" in capsys.readouterr().err
    assert _users() == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--email", "not-an-email", "--full-name", "Ops"], "not a valid email"),
        (["--email", "ops@example.org", "--full-name", "O"], "full_name"),
    ],
)
def test_refuses_a_bad_email_or_name_before_asking_for_a_password(
    args: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asked = _prompts(monkeypatch)
    assert main(["create-admin", *args]) == 1
    assert asked == []
    assert message in capsys.readouterr().err


def test_an_unreachable_database_is_named_without_its_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+pg8000://lms:hunter2@127.0.0.1:1/lms")
    bootstrap.reset()
    asked = _prompts(monkeypatch)
    assert main(["create-admin", "--email", "ops@example.org", "--full-name", "Ops"]) == 1
    err = capsys.readouterr().err
    assert "cannot use the database" in err
    assert "hunter2" not in err
    assert asked == []

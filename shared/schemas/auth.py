"""Request and response bodies of /api/v1/auth (the reference's §1.2 contract).

Responses keep the reference's names on the wire: TokenOut is its TokenResponse, AuthOut its
AuthResponse, MfaChallengeOut its MfaChallengeResponse.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, RootModel

from shared.domain.users import Role
from shared.schemas.accounts import EmailAddress, Password
from shared.schemas.base import Schema
from shared.schemas.users import UserOut

NewPassword = Password
MfaCodeText = Annotated[str, Field(min_length=4, max_length=12)]


class _Body(Schema):
    model_config = ConfigDict(extra="ignore")


# --- requests


class Registration(_Body):
    email: EmailAddress
    full_name: str = Field(min_length=2, max_length=255)
    role: Role = Role.STUDENT
    password: NewPassword


class LoginCredentials(_Body):
    email: EmailAddress
    password: str = Field(max_length=1024)  # no policy on the way in; a bound on the work


class OAuth2PasswordForm(_Body):
    """The OAuth2 password grant, sent as application/x-www-form-urlencoded."""

    grant_type: Literal["password"] | None = None
    username: str = Field(min_length=1, max_length=255)
    password: str = Field(max_length=1024)
    scope: str = ""
    client_id: str | None = None
    client_secret: str | None = None


class MfaLoginConfirmation(_Body):
    challenge_token: str = Field(min_length=1, max_length=4096)
    code: MfaCodeText


class RefreshGrant(_Body):
    refresh_token: str = Field(min_length=1, max_length=4096)


class EmailAddressBody(_Body):
    email: EmailAddress


class EmailVerificationConfirmation(_Body):
    token: str = Field(min_length=1, max_length=4096)


class PasswordResetConfirmation(_Body):
    token: str = Field(min_length=1, max_length=4096)
    new_password: NewPassword


class PasswordConfirmation(_Body):
    password: NewPassword


class MfaSetupConfirmation(_Body):
    code: MfaCodeText


class PasswordChange(_Body):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: NewPassword


# --- responses


class TokenOut(Schema):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (the OAuth2 token type)
    expires_in: int  # the access token's lifetime, seconds


class AuthOut(Schema):
    user: UserOut
    tokens: TokenOut


class MfaChallengeOut(Schema):
    mfa_required: Literal[True] = True
    challenge_token: str
    expires_in_seconds: int
    message: str = "MFA verification required"


class LoginOut(RootModel[AuthOut | MfaChallengeOut]):
    """What /login answers: tokens, or a challenge when the account has MFA on."""


class MessageOut(Schema):
    message: str

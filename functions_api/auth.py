"""Identity: sign-up, sign-in (password, OAuth2 form, MFA), tokens, password and e-mail
flows, under api/v1/auth (the reference's §1.2, with the fixes of §6.7).

Rules the services enforce: access tokens last ACCESS_TOKEN_EXPIRE_MINUTES and die with a
password change or reset; refresh tokens rotate on every use and a reused one revokes its
whole family; reset and verification links work once; 5 failed sign-ins for an address (50
for a client IP) within 15 minutes lock it for 15 minutes (429 with Retry-After).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qs

import azure.functions as func
from pydantic import BaseModel, ValidationError

from shared.config import get_settings
from shared.http import AUTHENTICATED, OPTIONAL, Actor, HttpProblem, Request, route
from shared.schemas.auth import (
    AuthOut,
    EmailAddressBody,
    EmailVerificationConfirmation,
    LoginCredentials,
    LoginOut,
    MessageOut,
    MfaLoginConfirmation,
    MfaSetupConfirmation,
    OAuth2PasswordForm,
    PasswordChange,
    PasswordConfirmation,
    PasswordResetConfirmation,
    RefreshGrant,
    Registration,
    TokenOut,
)
from shared.schemas.users import UserOut
from shared.security.rate_limits import AUTH_RULE
from shared.services.identity import email_verification, mfa, password_reset, sessions, users
from shared.services.identity import sign_in as auth

bp = func.Blueprint()

M = TypeVar("M", bound=BaseModel)
FORM_TYPE = "application/x-www-form-urlencoded"


@route(
    bp,
    "POST",
    "api/v1/auth/register",
    name="auth_register",
    rate_limit=AUTH_RULE,
    body=Registration,
    response=AuthOut,
    status=201,
)
def auth_register(request: Request, body: Registration) -> AuthOut:
    """Create a student account and sign it in (201 {user, tokens}); other roles get 403."""
    return auth.register(get_settings(), body, _now())


@route(
    bp,
    "POST",
    "api/v1/auth/login",
    name="auth_login",
    rate_limit=AUTH_RULE,
    body=LoginCredentials,
    response=LoginOut,
)
def auth_login(request: Request, body: LoginCredentials) -> LoginOut:
    """Sign in with e-mail and password: {user, tokens}, or an MFA challenge."""
    outcome = auth.login(
        get_settings(),
        email=body.email,
        password=body.password,
        client_ip=request.client_ip,
        now=_now(),
    )
    return LoginOut(outcome)


@route(bp, "POST", "api/v1/auth/token", name="auth_token", rate_limit=AUTH_RULE, response=TokenOut)
def auth_token(request: Request) -> TokenOut:
    """OAuth2 password grant (form-encoded `username`, `password`): bare tokens."""
    form = _parse_form(request, OAuth2PasswordForm)
    return auth.login_for_token(
        get_settings(),
        email=form.username,
        password=form.password,
        client_ip=request.client_ip,
        now=_now(),
    )


@route(
    bp,
    "POST",
    "api/v1/auth/login/mfa",
    name="auth_login_mfa",
    rate_limit=AUTH_RULE,
    body=MfaLoginConfirmation,
    response=AuthOut,
)
def auth_login_mfa(request: Request, body: MfaLoginConfirmation) -> AuthOut:
    """Second sign-in step: the challenge from /login and the e-mailed code."""
    return mfa.complete_login(
        get_settings(),
        challenge_token=body.challenge_token,
        code=body.code,
        client_ip=request.client_ip,
        now=_now(),
    )


@route(
    bp,
    "POST",
    "api/v1/auth/refresh",
    name="auth_refresh",
    access=OPTIONAL,
    body=RefreshGrant,
    response=AuthOut,
)
def auth_refresh(request: Request, body: RefreshGrant) -> AuthOut:
    """Rotate a refresh token; a Bearer sent along must be the same user's and is revoked."""
    return sessions.refresh(get_settings(), body.refresh_token, request.actor, _now())


@route(
    bp,
    "POST",
    "api/v1/auth/logout",
    name="auth_logout",
    access=AUTHENTICATED,
    body=RefreshGrant,
    status=204,
)
def auth_logout(request: Request, body: RefreshGrant) -> None:
    """Revoke this session: the access token and the refresh token's family."""
    sessions.logout(get_settings(), _actor(request), body.refresh_token, _now())


@route(
    bp,
    "POST",
    "api/v1/auth/forgot-password",
    name="auth_forgot_password",
    rate_limit=AUTH_RULE,
    body=EmailAddressBody,
    response=MessageOut,
)
def auth_forgot_password(request: Request, body: EmailAddressBody) -> MessageOut:
    """E-mail a reset link if the address belongs to an active account; same answer always."""
    return password_reset.request_reset(get_settings(), body.email, _now())


@route(
    bp,
    "POST",
    "api/v1/auth/reset-password",
    name="auth_reset_password",
    rate_limit=AUTH_RULE,
    body=PasswordResetConfirmation,
    response=MessageOut,
)
def auth_reset_password(request: Request, body: PasswordResetConfirmation) -> MessageOut:
    """Set a new password with a reset link's token (once); ends every session."""
    return password_reset.reset_password(get_settings(), body.token, body.new_password, _now())


@route(
    bp,
    "POST",
    "api/v1/auth/verify-email/request",
    name="auth_verify_email_request",
    rate_limit=AUTH_RULE,
    body=EmailAddressBody,
    response=MessageOut,
)
def auth_verify_email_request(request: Request, body: EmailAddressBody) -> MessageOut:
    """E-mail a verification link to an unverified account; same answer always."""
    return email_verification.request_link(get_settings(), body.email, _now())


@route(
    bp,
    "POST",
    "api/v1/auth/verify-email/confirm",
    name="auth_verify_email_confirm",
    body=EmailVerificationConfirmation,
    response=MessageOut,
)
def auth_verify_email_confirm(request: Request, body: EmailVerificationConfirmation) -> MessageOut:
    """Mark the address verified with a verification link's token (once)."""
    return email_verification.confirm(get_settings(), body.token, _now())


@route(
    bp,
    "POST",
    "api/v1/auth/mfa/enable/request",
    name="auth_mfa_enable_request",
    access=AUTHENTICATED,
    body=PasswordConfirmation,
    response=MessageOut,
)
def auth_mfa_enable_request(request: Request, body: PasswordConfirmation) -> MessageOut:
    """After the password, e-mail a code that turns MFA on."""
    return mfa.request_enable(
        get_settings(),
        user_id=_actor(request).id,
        password=body.password,
        client_ip=request.client_ip,
        now=_now(),
    )


@route(
    bp,
    "POST",
    "api/v1/auth/mfa/enable/confirm",
    name="auth_mfa_enable_confirm",
    access=AUTHENTICATED,
    body=MfaSetupConfirmation,
    response=MessageOut,
)
def auth_mfa_enable_confirm(request: Request, body: MfaSetupConfirmation) -> MessageOut:
    """Turn MFA on with the e-mailed code."""
    return mfa.confirm_enable(
        get_settings(), user_id=_actor(request).id, code=body.code, now=_now()
    )


@route(
    bp,
    "POST",
    "api/v1/auth/mfa/disable",
    name="auth_mfa_disable",
    access=AUTHENTICATED,
    body=PasswordConfirmation,
    response=MessageOut,
)
def auth_mfa_disable(request: Request, body: PasswordConfirmation) -> MessageOut:
    """Turn MFA off after the password."""
    return mfa.disable(
        get_settings(),
        user_id=_actor(request).id,
        password=body.password,
        client_ip=request.client_ip,
        now=_now(),
    )


@route(bp, "GET", "api/v1/auth/me", name="auth_me", access=AUTHENTICATED, response=UserOut)
def auth_me(request: Request) -> UserOut:
    """The signed-in user."""
    return users.me(request.actor)


@route(
    bp,
    "POST",
    "api/v1/auth/change-password",
    name="auth_change_password",
    access=AUTHENTICATED,
    body=PasswordChange,
    response=AuthOut,
)
def auth_change_password(request: Request, body: PasswordChange) -> AuthOut:
    """Change the password (200 {user, tokens}).

    Not in the reference. Every access token and refresh-token family of the account is
    revoked, this client's included; the response carries a fresh pair so this client stays
    signed in while every other device must sign in again. A wrong current password answers
    401 "Invalid password" and counts towards the lockout like a failed sign-in.
    """
    return auth.change_password(
        get_settings(),
        user_id=_actor(request).id,
        data=body,
        client_ip=request.client_ip,
        now=_now(),
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _actor(request: Request) -> Actor:
    if request.actor is None:  # the AUTHENTICATED rule guarantees one; never trust silently
        raise HttpProblem(401, "Not authenticated")
    return request.actor


def _parse_form(request: Request, model: type[M]) -> M:
    """A form-encoded body as `model`: the route decorator reads JSON bodies only."""
    content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise HttpProblem(415, f"Send the body as {FORM_TYPE}, not {content_type or 'nothing'}")
    try:
        text = request.http.get_body().decode("utf-8")
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise HttpProblem(422, f"The body is not valid {FORM_TYPE}") from None
    data: dict[str, Any] = {name: values[0] for name, values in fields.items()}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [
            {"loc": ["body", *err["loc"]], "msg": err["msg"], "type": err["type"]}
            for err in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        raise HttpProblem(422, "The form is not valid", errors=errors) from None

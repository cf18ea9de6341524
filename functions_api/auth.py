"""Identity: sign-up, sign-in (password, OAuth2 form, MFA), tokens, password and e-mail
flows, under api/v1/auth (the reference's §1.2, with the fixes of §6.7).

Rules the services enforce: access tokens last ACCESS_TOKEN_EXPIRE_MINUTES and die with a
password change or reset; refresh tokens rotate on every use and a reused one revokes its
whole family; reset and verification links work once; 5 failed sign-ins for an address (50
for a client IP) within 15 minutes lock it for 15 minutes (429 with Retry-After).
"""

from __future__ import annotations

import azure.functions as func

from shared.bootstrap import Dependencies
from shared.http import AUTHENTICATED, OPTIONAL, PUBLIC, SIGNED_TOKEN, Actor, Request, Router
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
from shared.services.identity import (
    email_verification,
    mfa,
    password_reset,
    registration,
    sessions,
    sign_in,
    users,
)
from shared.uow import UnitOfWork

bp = func.Blueprint()
api = Router(bp, "api/v1/auth", access=PUBLIC)


@api.post("register", rate_limit=AUTH_RULE, status=201)
def auth_register(body: Registration, deps: Dependencies) -> AuthOut:
    """Create a student account and sign it in (201 {user, tokens}); other roles get 403."""
    return registration.register(deps, body)


@api.post("login", rate_limit=AUTH_RULE)
def auth_login(request: Request, body: LoginCredentials, deps: Dependencies) -> LoginOut:
    """Sign in with e-mail and password: {user, tokens}, or an MFA challenge."""
    outcome = sign_in.login(
        deps, email=body.email, password=body.password, client_ip=request.client_ip
    )
    return LoginOut(outcome)


@api.post("token", rate_limit=AUTH_RULE)
def auth_token(request: Request, form: OAuth2PasswordForm, deps: Dependencies) -> TokenOut:
    """OAuth2 password grant (form-encoded `username`, `password`): bare tokens."""
    return sign_in.login_for_token(
        deps, email=form.username, password=form.password, client_ip=request.client_ip
    )


@api.post("login/mfa", rate_limit=AUTH_RULE)
def auth_login_mfa(request: Request, body: MfaLoginConfirmation, deps: Dependencies) -> AuthOut:
    """Second sign-in step: the challenge from /login and the e-mailed code."""
    return mfa.complete_login(
        deps, challenge_token=body.challenge_token, code=body.code, client_ip=request.client_ip
    )


@api.post("refresh", access=OPTIONAL)
def auth_refresh(body: RefreshGrant, actor: Actor | None, deps: Dependencies) -> AuthOut:
    """Rotate a refresh token; a Bearer sent along must be the same user's and is revoked."""
    return sessions.refresh(deps, body.refresh_token, actor)


@api.post("logout", access=SIGNED_TOKEN, status=204)
def auth_logout(body: RefreshGrant, actor: Actor, deps: Dependencies) -> None:
    """Revoke this session: the access token and the refresh token's family. An access token
    revoked meanwhile still identifies the caller, so the refresh token never survives."""
    sessions.logout(deps, actor, body.refresh_token)


@api.post("forgot-password", rate_limit=AUTH_RULE)
def auth_forgot_password(body: EmailAddressBody, deps: Dependencies) -> MessageOut:
    """E-mail a reset link if the address belongs to an active account; same answer always."""
    return password_reset.request_reset(deps, body.email)


@api.post("reset-password", rate_limit=AUTH_RULE)
def auth_reset_password(body: PasswordResetConfirmation, deps: Dependencies) -> MessageOut:
    """Set a new password with a reset link's token (once); ends every session."""
    return password_reset.reset_password(deps, body.token, body.new_password)


@api.post("verify-email/request", rate_limit=AUTH_RULE)
def auth_verify_email_request(body: EmailAddressBody, deps: Dependencies) -> MessageOut:
    """E-mail a verification link to an unverified account; same answer always."""
    return email_verification.request_link(deps, body.email)


@api.post("verify-email/confirm")
def auth_verify_email_confirm(
    body: EmailVerificationConfirmation, deps: Dependencies
) -> MessageOut:
    """Mark the address verified with a verification link's token (once)."""
    return email_verification.confirm(deps, body.token)


@api.post("mfa/enable/request", access=AUTHENTICATED)
def auth_mfa_enable_request(
    request: Request, body: PasswordConfirmation, actor: Actor, deps: Dependencies
) -> MessageOut:
    """After the password, e-mail a code that turns MFA on."""
    return mfa.request_enable(
        deps, user_id=actor.id, password=body.password, client_ip=request.client_ip
    )


@api.post("mfa/enable/confirm", access=AUTHENTICATED)
def auth_mfa_enable_confirm(
    body: MfaSetupConfirmation, actor: Actor, deps: Dependencies
) -> MessageOut:
    """Turn MFA on with the e-mailed code."""
    return mfa.confirm_enable(deps, user_id=actor.id, code=body.code)


@api.post("mfa/disable", access=AUTHENTICATED)
def auth_mfa_disable(
    request: Request, body: PasswordConfirmation, actor: Actor, deps: Dependencies
) -> MessageOut:
    """Turn MFA off after the password."""
    return mfa.disable(deps, user_id=actor.id, password=body.password, client_ip=request.client_ip)


@api.get("me", access=AUTHENTICATED)
def auth_me(actor: Actor, uow: UnitOfWork) -> UserOut:
    """The signed-in user."""
    return users.me(uow, actor)


@api.post("change-password", access=AUTHENTICATED)
def auth_change_password(
    request: Request, body: PasswordChange, actor: Actor, deps: Dependencies
) -> AuthOut:
    """Change the password (200 {user, tokens}).

    Not in the reference. Every access token and refresh-token family of the account is
    revoked, this client's included; the response carries a fresh pair so this client stays
    signed in while every other device must sign in again. A wrong current password answers
    401 "Invalid password" and counts towards the lockout like a failed sign-in.
    """
    return sign_in.change_password(deps, user_id=actor.id, data=body, client_ip=request.client_ip)

"""Bearer authentication for the pipeline: the token from the header, the actor from the
identity service, the route's access rule applied."""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from shared.domain.errors import AuthenticationRequiredError
from shared.http.request import Request
from shared.security.permissions import Access, Actor, require_access

if TYPE_CHECKING:
    from shared.bootstrap import Dependencies
    from shared.security.rate_limits import CarriedHit


def bearer_token(request: Request) -> str | None:
    header = request.header("authorization") or ""
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def looks_up_actor(request: Request, access: Access) -> bool:
    """Whether authenticating `request` will look up a bearer token's actor."""
    return (
        access.service_token_setting is None
        and access.authentication != "none"
        and bearer_token(request) is not None
    )


def authenticate_request(
    request: Request, access: Access, deps: Dependencies, carried: CarriedHit | None = None
) -> Actor | None:
    """The actor for `request`, or None for an anonymous caller where the route allows one.
    `carried`: a rate-limit hit for the actor's statement to carry (rate_limiting.py)."""
    if access.service_token_setting is not None:
        _check_service_token(request, getattr(deps.settings, access.service_token_setting))
        return None
    if access.authentication == "none":
        return None
    token = bearer_token(request)
    if token is None:
        if access.authentication == "required":
            raise AuthenticationRequiredError("Not authenticated")
        return None
    from shared.services.identity.authentication import authenticate

    try:
        actor = authenticate(
            deps,
            token,
            request.client_ip,
            revoked_accepted=access.revoked_token_accepted,
            carried=carried,
        )
    except AuthenticationRequiredError:
        if access.authentication == "optional":
            return None  # as the reference: a bad token on an open route reads as anonymous
        raise
    require_access(access, actor)
    return actor


def _check_service_token(request: Request, expected: str | None) -> None:
    """401 unless the bearer token is `expected`; always 401 while the setting is unset."""
    token = bearer_token(request)
    if not expected or token is None or not hmac.compare_digest(token.encode(), expected.encode()):
        raise AuthenticationRequiredError("Send the service's token as a Bearer token")

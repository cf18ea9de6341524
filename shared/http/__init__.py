"""The one HTTP adapter between the Functions host and the services."""

from shared.http.problem import HttpProblem
from shared.http.registry import ROUTES, Router
from shared.http.rendering import WithStatus
from shared.http.request import Request
from shared.security.permissions import (
    ADMIN,
    ADMIN_SETUP_COMPLETE,
    AUTHENTICATED,
    INSTRUCTOR,
    OPTIONAL,
    PUBLIC,
    SIGNED_TOKEN,
    Access,
    Actor,
)

__all__ = [
    "ADMIN",
    "ADMIN_SETUP_COMPLETE",
    "AUTHENTICATED",
    "INSTRUCTOR",
    "OPTIONAL",
    "PUBLIC",
    "ROUTES",
    "SIGNED_TOKEN",
    "Access",
    "Actor",
    "HttpProblem",
    "Request",
    "Router",
    "WithStatus",
]

"""The one HTTP adapter between the Functions host and the services."""

from shared.http.problem import HttpProblem
from shared.http.request import Request
from shared.http.route import ROUTES, WithStatus, route
from shared.security.permissions import (
    ADMIN,
    ADMIN_SETUP_COMPLETE,
    AUTHENTICATED,
    INSTRUCTOR,
    OPTIONAL,
    PUBLIC,
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
    "Access",
    "Actor",
    "HttpProblem",
    "Request",
    "WithStatus",
    "route",
]

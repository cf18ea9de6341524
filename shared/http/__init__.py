"""The one HTTP adapter between the Functions host and the services."""

from shared.http.problem import HttpProblem
from shared.http.request import Request
from shared.http.route import PUBLIC, ROUTES, route

__all__ = ["PUBLIC", "ROUTES", "HttpProblem", "Request", "route"]

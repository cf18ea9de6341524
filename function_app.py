"""Azure Functions entry point: one FunctionApp, the blueprints APP_ROLE asks for. Nothing else.

APP_ROLE=all (the default) registers every function; `api` the HTTP functions only and `jobs`
the queue and timer triggers only, so one package deploys as one Function App or two.
"""

import azure.functions as func

from functions_api import (
    admin,
    analytics,
    assignments,
    auth,
    certificates,
    cors,
    courses,
    docs,
    enrollments,
    files,
    health,
    instructors,
    lessons,
    metrics,
    quizzes,
    users,
)
from functions_api import (
    webhooks as webhooks_api,
)
from functions_jobs import certificates as certificates_queue
from functions_jobs import emails, progress, schedules, webhooks
from shared.config import get_settings
from shared.observability.logging import install_redaction

# Before any function runs: no log record leaves this process unredacted, whoever handles it.
install_redaction()

API = (
    health,
    cors,
    auth,
    users,
    admin,
    instructors,
    courses,
    lessons,
    enrollments,
    quizzes,
    assignments,
    files,
    certificates,
    analytics,
    webhooks_api,
    docs,
    metrics,
)
JOBS = (emails, progress, certificates_queue, webhooks, schedules)

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

_role = get_settings().APP_ROLE
for _module in (API if _role in ("all", "api") else ()) + (
    JOBS if _role in ("all", "jobs") else ()
):
    app.register_functions(_module.bp)

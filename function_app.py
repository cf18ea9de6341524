"""Azure Functions entry point: one FunctionApp, the blueprints APP_ROLE asks for. Nothing else."""

import azure.functions as func

import functions_api
import functions_jobs
from shared.config import get_settings

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

_role = get_settings().APP_ROLE
for _bp in (functions_api.blueprints() if _role in ("all", "api") else []) + (
    functions_jobs.blueprints() if _role in ("all", "jobs") else []
):
    app.register_functions(_bp)

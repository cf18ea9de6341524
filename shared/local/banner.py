"""What `lms serve` and `lms worker` print when they start: where the database, mail, files
and (`lms serve` outside production) the local receiver's webhook deliveries are, and what the
host runs."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from shared.config import Settings
from shared.local.app_functions import AppFunctions
from shared.local.routing import RouteTable
from shared.security.webhook_urls import LOCAL_RECEIVER_PATH


def masked_database_url(settings: Settings) -> str:
    return make_url(settings.DATABASE_URL).render_as_string(hide_password=True)


def where_things_go(settings: Settings) -> list[str]:
    """The banner's lines that say where data, mail and files end up."""
    if settings.MAIL_TRANSPORT == "maildir":
        mail = f"Maildir {settings.MAILDIR_PATH.resolve()} (one file per mail under new/)"
    elif settings.MAIL_TRANSPORT == "smtp":
        mail = f"SMTP {settings.SMTP_HOST}:{settings.SMTP_PORT}"
    else:
        mail = f"Firebase sendEmail at {settings.SEND_EMAIL_URL or '(SEND_EMAIL_URL not set)'}"
    if settings.STORAGE == "local":
        files = f"folder {settings.LOCAL_STORAGE_DIR.resolve()}"
    else:
        account = settings.AZURE_STORAGE_ACCOUNT_URL or "AZURE_STORAGE_CONNECTION_STRING"
        files = f"Azure Blob container {settings.FILES_CONTAINER_NAME!r} ({account})"
    return [
        f"  database        {masked_database_url(settings)}",
        f"  mail            {mail}",
        f"  files           {files}",
    ]


def banner(
    url: str,
    threads: int,
    routes: RouteTable,
    functions: AppFunctions,
    settings: Settings,
    send_email: str = "not served",
    processes: int = 1,
) -> str:
    timers = [f"{t.name} ({t.schedule})" for t in functions.timers]
    prefix = (
        f"  (under /{routes.route_prefix}: host.json routePrefix)" if routes.route_prefix else ""
    )
    queues = [f"{q.queue_name} -> {q.name}" for q in functions.queues]
    lines = [
        f"LMS local host listening on {url}  ({processes} "
        f"{'process' if processes == 1 else 'processes'} x {threads} threads)",
        f"  HTTP routes     {len(routes)}{prefix}",
        f"  timers          {', '.join(timers) or 'none'}",
        f"  queue triggers  {', '.join(queues) or 'none'}"
        + (f"  (from the {settings.BROKER} broker)" if queues else ""),
        *where_things_go(settings),
        f"  sendEmail       {send_email}",
    ]
    if not settings.is_production:
        lines.append(
            f"  webhooks        {url}{LOCAL_RECEIVER_PATH} keeps each delivery in "
            f"{settings.LOCAL_WEBHOOKS_DIR.resolve()} (one JSON file each)"
        )
    if functions.unsupported:
        lines.append(f"  not run here    {', '.join(functions.unsupported)}")
    lines.append("Ctrl-C to stop")
    return "\n".join(lines)

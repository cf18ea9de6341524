"""The Firebase `sendEmail` function on the local host, at /sendEmail.

With MAIL_TRANSPORT=firebase the backend posts signed messages to SEND_EMAIL_URL; pointing that
at `http://127.0.0.1:7071/sendEmail` runs the whole path on a laptop: outbox, emails queue,
firebase transport, this function, the SMTP server in SMTP_HOST.

functions_email/ is loaded the way Firebase runs it (its own folder on sys.path, `main.py`),
and served by a small Flask app, the framework firebase-functions is built on. Firestore is
not reachable offline, so message ids are remembered in memory for the life of the process.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

SEND_EMAIL_PATH = "/sendEmail"

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SendEmailUnavailableError(RuntimeError):
    """functions_email cannot be served here; the message says why and what to do."""


def load_send_email_app(project: Path) -> WsgiApp:
    source = project / "functions_email" / "main.py"
    if not source.exists():
        raise SendEmailUnavailableError(f"{source} does not exist")
    folder = str(source.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    try:
        import flask

        spec = importlib.util.spec_from_file_location("functions_email_main", source)
        assert spec is not None and spec.loader is not None
        main = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(main)
        delivery_log = importlib.import_module("delivery_log")
    except ImportError as exc:
        raise SendEmailUnavailableError(
            f"{exc}; install the development requirements (`make run` does)"
        ) from None
    delivery_log.use_delivery_log(delivery_log.InMemoryDeliveryLog())

    app = flask.Flask("sendEmail")

    @app.route(SEND_EMAIL_PATH, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
    def send_email() -> Any:
        return main.sendEmail(flask.request)

    wsgi: WsgiApp = app.wsgi_app
    return wsgi

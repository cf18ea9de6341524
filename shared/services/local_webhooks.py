"""The local webhook receiver's rules: its URL, the secret it checks signatures with, and how
it keeps a delivery (one JSON file under LOCAL_WEBHOOKS_DIR), so the demo's subscription
(`lms seed-demo`) has a subscriber on this machine. `lms serve` mounts it outside production
(shared/local/webhook_receiver.py).

The secret is derived from SECRET_KEY, not read from a subscription's row, so the receiver
stands apart from the app's data, as a real subscriber does: it knows one secret. The demo
subscription is created with this secret; a subscription made through the API gets a random
one, which this receiver does not know (its deliveries here get 401).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from shared.config import Settings
from shared.security import webhook_signing
from shared.security.webhook_urls import LOCAL_RECEIVER_PATH

# Domain separation: the derived secret is useless for anything else SECRET_KEY signs.
DERIVATION_LABEL = b"lms-functions local webhook receiver v1"
MAX_BODY_BYTES = 256 * 1024
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9_.-]")

__all__ = ["LOCAL_RECEIVER_PATH", "MAX_BODY_BYTES", "keep", "receiver_secret", "receiver_url"]


def receiver_secret(settings: Settings) -> str:
    """The signing secret of the demo subscription, which the receiver checks with."""
    key = hmac.new(settings.SECRET_KEY.encode(), DERIVATION_LABEL, hashlib.sha256).digest()
    return webhook_signing.PREFIX + base64.b64encode(key).decode()


def receiver_url(port: int) -> str:
    """The receiver of `lms serve --port <port>` (on its default address, 127.0.0.1)."""
    return f"http://127.0.0.1:{port}{LOCAL_RECEIVER_PATH}"


def keep(settings: Settings, headers: dict[str, str], body: bytes, received_at: datetime) -> Path:
    """Write one verified delivery as `<received>-<event type>-<webhook-id>.json` (the names
    sort by arrival): its headers, the body as received (to verify again) and as JSON (to
    read). Written whole or not at all."""
    folder = settings.LOCAL_WEBHOOKS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    text = body.decode("utf-8", "replace")
    try:
        payload: Any = json.loads(text)
    except ValueError:
        payload = None
    record = {
        "received_at": received_at.isoformat(),
        "signature": "verified",
        "event_type": payload.get("type") if isinstance(payload, dict) else None,
        "headers": {name: headers.get(name, "") for name in webhook_signing.HEADER_NAMES},
        "body": text,
        "payload": payload,
    }
    event_type = _UNSAFE_IN_NAME.sub("_", str(record["event_type"] or "unknown"))[:100]
    webhook_id = _UNSAFE_IN_NAME.sub("_", headers.get("webhook-id", ""))[:80]
    path = folder / f"{received_at:%Y%m%dT%H%M%S.%fZ}-{event_type}-{webhook_id}.json"
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".receiving-", suffix=".json")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            json.dump(record, file, indent=2, ensure_ascii=False)
            file.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path

"""What `lms serve` answers beside the functions: the local stand-ins for what Azure serves
itself (the SAS URLs of Blob storage) and the demo's webhook subscriber."""

from __future__ import annotations

from typing import Any

from shared.clock import Clock, utc_now
from shared.config import Settings
from shared.local.downloads import LOCAL_DOWNLOAD_PATH, LocalDownloads
from shared.local.uploads import LOCAL_UPLOAD_PATH, LocalUploads
from shared.local.webhook_receiver import LOCAL_RECEIVER_PATH, MAX_BODY_BYTES, LocalWebhookReceiver
from shared.storage.local_links import LocalLinks


def serves_local_storage(settings: Settings) -> bool:
    """Whether `lms serve` takes direct uploads and serves download links itself."""
    return settings.STORAGE == "local"


def local_mounts(
    settings: Settings, clock: Clock = utc_now
) -> tuple[dict[str, Any], dict[str, int]]:
    """The local stand-ins served beside the functions, by path, and their body limits."""
    mounts: dict[str, Any] = {}
    limits: dict[str, int] = {}
    if serves_local_storage(settings):
        # Direct uploads to the local folder and downloads from it come here, as they go to
        # SAS URLs in Azure.
        mounts[LOCAL_UPLOAD_PATH] = LocalUploads()
        limits[LOCAL_UPLOAD_PATH] = settings.MAX_DIRECT_UPLOAD_BYTES
        links = LocalLinks(settings.LOCAL_STORAGE_DIR, settings.SECRET_KEY, clock)
        mounts[LOCAL_DOWNLOAD_PATH] = LocalDownloads(links)
    if not settings.is_production:
        # The demo's webhook subscriber (lms seed-demo subscribes it).
        mounts[LOCAL_RECEIVER_PATH] = LocalWebhookReceiver()
        limits[LOCAL_RECEIVER_PATH] = MAX_BODY_BYTES
    return mounts, limits

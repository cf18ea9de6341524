"""Where a file goes and what it is called: the reference's folder rules, and safe names.

The stored name is never the client's: it is `<uuid hex>.<ext>` under the folder, so the
client's filename cannot reach a path (it is kept only to be shown and sent back on download).
"""

from __future__ import annotations

import re
import unicodedata
import uuid

from shared.domain.errors import RuleViolationError

DEFAULT_FOLDER = "uploads"
MAX_FOLDER_LENGTH = 100  # the column
MAX_FILENAME_LENGTH = 255
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


def normalize_folder(folder: str | None) -> str:
    """The folder as stored: backslashes read as '/', '.' and empty parts dropped; a leading
    '/' and '..' refused, as is any part outside [A-Za-z0-9_-]. Empty means `uploads`."""
    text = (folder or "").strip().replace("\\", "/")
    if text.startswith("/"):
        raise RuleViolationError("Invalid folder path: write it relative, without a leading '/'")
    segments = [segment for segment in text.split("/") if segment not in ("", ".")]
    if ".." in segments:
        raise RuleViolationError("Invalid folder path: '..' is not allowed")
    if not all(_SEGMENT.fullmatch(segment) for segment in segments):
        raise RuleViolationError(
            "Folder path contains unsupported characters; use letters, digits, '_' and '-' "
            "between '/'"
        )
    normalized = "/".join(segments) or DEFAULT_FOLDER
    if len(normalized) > MAX_FOLDER_LENGTH:
        raise RuleViolationError(
            f"Invalid folder path: at most {MAX_FOLDER_LENGTH} characters are allowed"
        )
    return normalized


def clean_filename(filename: str | None) -> str:
    """The client's filename as kept: its last path part, without control characters, at
    most 255 characters (the extension kept)."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip()
    if not base or base in (".", ".."):
        raise RuleViolationError("The file has no name; send it with a filename")
    if len(base) > MAX_FILENAME_LENGTH:
        stem, dot, extension = base.rpartition(".")
        keep = MAX_FILENAME_LENGTH - len(extension) - 1
        base = f"{stem[:keep]}.{extension}" if dot and keep > 0 else base[:MAX_FILENAME_LENGTH]
    return base


def stored_name(file_id: uuid.UUID, extension: str) -> str:
    return f"{file_id.hex}.{extension}"


def download_path(file_id: uuid.UUID) -> str:
    return f"/api/v1/files/download/{file_id}"

"""Signed read links to the local folder's files: the laptop's answer to a read SAS.

A download answers a 307 to `/local-storage/download?...`, which `lms serve` streams from
disk (shared/local/downloads.py), so a large file never sits whole in memory nor passes
through a function, as in Azure. The link names one file, the name and type to answer it
with, and when it expires, signed with a key derived from SECRET_KEY: anyone holding it may
read that file until then, and nothing else.

Only `lms serve` answers these links, so only it turns them on (bootstrap's
`serve_local_storage`); under another host the function sends the bytes itself.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from shared.clock import Clock
from shared.storage import validate_blob_name

LOCAL_DOWNLOAD_PATH = "/local-storage/download"
_FIELDS = ("path", "name", "type", "expires")


class LinkRefused(Exception):
    """A link that does not open a file; `status` and `detail` say why, safe to show."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class LinkedFile:
    path: Path
    filename: str
    content_type: str


class LocalLinks:
    """Makes and opens the signed links to files under `root` (LOCAL_STORAGE_DIR)."""

    def __init__(self, root: Path, secret_key: str, clock: Clock) -> None:
        self.root = root
        self._key = hmac.new(secret_key.encode(), b"lms local-storage links", "sha256").digest()
        self._clock = clock

    def __repr__(self) -> str:
        return f"LocalLinks(root={str(self.root)!r})"

    def url(self, path: Path, *, filename: str, content_type: str, expires_in: int) -> str:
        """The link (a path and query, relative to the host) to the file at `path`."""
        fields = {
            "path": path.relative_to(self.root).as_posix(),
            "name": filename,
            "type": content_type,
            "expires": str(int(self._clock().timestamp()) + expires_in),
        }
        return f"{LOCAL_DOWNLOAD_PATH}?{urlencode({**fields, 'sig': self._sign(fields)})}"

    def open(self, query: str) -> LinkedFile:
        """The file a link's query string names; LinkRefused when it is forged, altered,
        expired, or its file is gone."""
        values = parse_qs(query, keep_blank_values=True)
        fields = {key: values.get(key, [""])[0] for key in _FIELDS}
        signature = values.get("sig", [""])[0]
        # As bytes: compare_digest refuses str with non-ASCII characters (a TypeError).
        if not hmac.compare_digest(signature.encode(), self._sign(fields).encode()):
            raise LinkRefused(403, "This download link is not valid; ask for a new one")
        expires = fields["expires"]
        if (
            not (expires.isascii() and expires.isdigit())
            or int(expires) <= self._clock().timestamp()
        ):
            raise LinkRefused(403, "This download link has expired; ask for a new one")
        path = self.root.joinpath(*validate_blob_name(fields["path"]).split("/"))
        if not path.is_file():
            raise LinkRefused(404, "File no longer exists")
        return LinkedFile(path, fields["name"], fields["type"])

    def _sign(self, fields: dict[str, str]) -> str:
        message = urlencode([(key, fields[key]) for key in _FIELDS]).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

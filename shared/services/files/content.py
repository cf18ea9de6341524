"""What a file may be: the allowed extensions, and whether its bytes are what its name says.

A file is accepted when its extension is allowed and a sniffer (filetype, pure Python: no
libmagic, whose absence made the reference reject its own PDFs) recognises its first bytes as
that kind. Text files have no signature; they must decode as UTF-8 text and not open as
markup, so an HTML page cannot arrive renamed `.txt` and be served back to a browser.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain.errors import RuleViolationError
from shared.domain.files import FileType


@dataclass(frozen=True)
class Kind:
    mime: str  # what is stored, and served
    file_type: FileType
    # The MIME types of the filetype matchers that recognise it; empty for text.
    signatures: tuple[str, ...] = ()

    @property
    def is_text(self) -> bool:
        return not self.signatures


_OOXML = "application/vnd.openxmlformats-officedocument"
KINDS: dict[str, Kind] = {
    "pdf": Kind("application/pdf", FileType.DOCUMENT, ("application/pdf",)),
    "doc": Kind("application/msword", FileType.DOCUMENT, ("application/msword",)),
    "docx": Kind(
        f"{_OOXML}.wordprocessingml.document",
        FileType.DOCUMENT,
        (f"{_OOXML}.wordprocessingml.document",),
    ),
    "xlsx": Kind(
        f"{_OOXML}.spreadsheetml.sheet", FileType.DOCUMENT, (f"{_OOXML}.spreadsheetml.sheet",)
    ),
    "pptx": Kind(
        f"{_OOXML}.presentationml.presentation",
        FileType.DOCUMENT,
        (f"{_OOXML}.presentationml.presentation",),
    ),
    "txt": Kind("text/plain", FileType.DOCUMENT),
    "csv": Kind("text/csv", FileType.DOCUMENT),
    "jpg": Kind("image/jpeg", FileType.IMAGE, ("image/jpeg",)),
    "jpeg": Kind("image/jpeg", FileType.IMAGE, ("image/jpeg",)),
    "png": Kind("image/png", FileType.IMAGE, ("image/png",)),
    "gif": Kind("image/gif", FileType.IMAGE, ("image/gif",)),
    "webp": Kind("image/webp", FileType.IMAGE, ("image/webp",)),
    "mp4": Kind("video/mp4", FileType.VIDEO, ("video/mp4",)),
    "mov": Kind("video/quicktime", FileType.VIDEO, ("video/quicktime",)),
    "avi": Kind("video/x-msvideo", FileType.VIDEO, ("video/x-msvideo",)),
    "mp3": Kind("audio/mpeg", FileType.OTHER, ("audio/mpeg",)),
    "zip": Kind("application/zip", FileType.OTHER, ("application/zip",)),
}
ALLOWED_EXTENSIONS = tuple(sorted(KINDS))
# What a text file may not start with: markup a browser would render or run.
_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe")


def extension_of(filename: str) -> str:
    """The lower-cased extension of `filename`, without the dot ('' when it has none)."""
    _, dot, extension = filename.rpartition(".")
    return extension.lower() if dot else ""


def kind_for(filename: str) -> tuple[str, Kind]:
    """The extension of `filename` and its kind; RuleViolationError when it is not allowed."""
    extension = extension_of(filename)
    kind = KINDS.get(extension)
    if kind is None:
        raise RuleViolationError(
            f"File extension '.{extension}' is not allowed; "
            f"allowed: {', '.join(ALLOWED_EXTENSIONS)}"
        )
    return extension, kind


def check_content(extension: str, head: bytes) -> None:
    """Raise RuleViolationError unless `head` (the file's first bytes) is an `extension`."""
    kind = KINDS[extension]
    if _matches(kind, head):
        return
    raise RuleViolationError(
        f"File content does not match expected extension '.{extension}'. Possible spoofing attempt."
    )


def _matches(kind: Kind, head: bytes) -> bool:
    import filetype  # imported by the upload that needs it, not at cold start

    if kind.is_text:
        return filetype.guess(head) is None and _is_plain_text(head)
    for mime in kind.signatures:
        matcher = filetype.get_type(mime=mime)
        if matcher is not None and matcher.match(head):
            return True
    return False


def _is_plain_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The head may end inside a character; anything else is not UTF-8.
        if exc.start < len(head) - 3:
            return False
        text = head[: exc.start].decode("utf-8")
    if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
        return False
    start = text.lstrip("\ufeff \t\r\n").encode().lower()
    return not start.startswith(_MARKUP)

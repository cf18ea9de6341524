"""MAIL_TRANSPORT=maildir, the local default: each e-mail becomes one file in a Maildir.

Nothing leaves the machine; open MAILDIR_PATH/new/ with any mail client or `cat` to read
what the app would have sent. Production refuses this transport.
"""

from __future__ import annotations

import mailbox
import tempfile
from pathlib import Path

from shared.config import Settings
from shared.domain.errors import DependencyUnavailableError
from shared.mail.delivery import DeliveryResult, MailTransportUnavailableError
from shared.mail.mime import build_message
from shared.mail.rendering import RenderedEmail


class MaildirTransport:
    name = "maildir"

    def __init__(self, path: Path, sender: str) -> None:
        self.path = path
        self.sender = sender

    @classmethod
    def from_settings(cls, settings: Settings) -> MaildirTransport:
        return cls(settings.MAILDIR_PATH, settings.MAIL_FROM)

    def __repr__(self) -> str:
        return f"MaildirTransport(path={str(self.path)!r})"

    def send(self, email: RenderedEmail, message_id: str) -> DeliveryResult:
        message = build_message(email, message_id, self.sender)
        try:
            # Maildir writes to tmp/ and renames into new/: a reader never sees half a file.
            key = self._maildir().add(message)
        except OSError as exc:
            raise MailTransportUnavailableError(self._problem(exc)) from exc
        return DeliveryResult.sent(self.name, key)

    def check(self) -> None:
        """Create the Maildir if it is missing, and write (and remove) a file in its tmp/."""
        try:
            self._maildir()
            with tempfile.NamedTemporaryFile(dir=self.path / "tmp", prefix=".ready-"):
                pass
        except OSError as exc:
            raise DependencyUnavailableError(self._problem(exc)) from exc

    def _maildir(self) -> mailbox.Maildir:
        # mailbox creates the folder but not its parents (a fresh checkout has no .lms/ yet),
        # nor tmp/, new/ and cur/ in a folder that exists empty: every delivery would fail.
        for folder in (self.path / "tmp", self.path / "new", self.path / "cur"):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        return mailbox.Maildir(self.path, create=False)

    def _problem(self, exc: OSError) -> str:
        return (
            f"cannot write to the Maildir at {self.path} ({type(exc).__name__}: "
            f"{exc.strerror}); check MAILDIR_PATH and its permissions"
        )

"""One rendered e-mail as a MIME message: multipart/alternative, text first, then HTML.

Used by the transports that write MIME themselves (Maildir, SMTP); the sendEmail function
builds its own from the same fields.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from shared.mail.rendering import RenderedEmail


def sender_domain(sender: str) -> str:
    return parseaddr(sender)[1].rpartition("@")[2].lower()


def message_id_header(message_id: str, sender: str) -> str:
    """`<queue message id@sender's domain>`: the same for every copy of one queue message."""
    return f"<{message_id}@{sender_domain(sender)}>"


def build_message(email: RenderedEmail, message_id: str, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id_header(message_id, sender)
    # RFC 3834: vacation responders and the like do not answer machine-sent mail.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message

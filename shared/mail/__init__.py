"""E-mail: the messages of the `emails` queue (shared/messages/emails.py) rendered from
Jinja2 templates (rendering.py, templates/) and the transports that deliver them
(delivery.py: maildir.py, smtp.py, firebase.py), one chosen by MAIL_TRANSPORT.

Jinja2 and each transport load on first use, never at a cold start.
"""

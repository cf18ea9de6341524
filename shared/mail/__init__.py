"""E-mail: the messages of the `emails` queue rendered from Jinja2 templates (catalog.py,
rendering.py, templates/) and the transports that deliver them (delivery.py: maildir.py,
smtp.py, firebase.py), one chosen by MAIL_TRANSPORT.

Nothing here is imported at a cold start beyond the catalog: Jinja2 and each transport load
on first use.
"""

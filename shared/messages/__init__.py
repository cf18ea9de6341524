"""Every message the system queues: one pydantic model per type, in one place.

A message says what it is (`type`, `version`), where it goes (`queues`) and what it carries
(its fields, the payload). Producers publish instances (`uow.publish(EnrollmentCompleted(...))`),
consumers receive them parsed and validated, and the webhook event catalog and the e-mail
catalog are these same classes, so their JSON schemas come from the models.

    base.py      Message, and the field types payloads share
    emails.py    the e-mails (`emails` queue), each with its template and subject
    events.py    what happened: webhook events and the progress queue's course events
    commands.py  what is asked of a queue (certificate.issue)
    catalog.py   every class by type, and the queues each goes to
"""

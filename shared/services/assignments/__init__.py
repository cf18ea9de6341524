"""Assignments and submissions (/api/v1/assignments).

access.py       who sees an assignment and its submissions
authoring.py    create, read, list, change, delete assignments (the course's managers)
submitting.py   a student submits a version of their work (due dates, late policy)
reviewing.py    grade, give feedback, return for rework (the course's managers)
reading.py      read one submission, an assignment's, an enrollment's
reminders.py    the reminder mailed before a due date (the assignment_reminders timer)
views.py        assignments and submissions as the API shows them
"""

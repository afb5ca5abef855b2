"""Boards, meetings and scrutiny: bodies and their members, meetings with attendance and
quorum, agendas with papers (uploaded, or made by Safer Places and fixed when the agenda is
published), minutes, and lettered resolutions. A resolution that asks for something becomes a
work-plan action (plans.Action, made by its service, linked one-to-one from the resolution):
one mechanism for updates, RAG, overdue and stale flags, exports and the pack, instead of a
second action type to keep in step. It is shown at later meetings of the same body as a matter
arising until the action is closed.

The app follows the workspace's shape: models, services (writes, each audited), selectors
(reads, where exempt business is filtered), forms (GOV.UK base form), views (one shared
form view), urls, templates/meetings/, and api.py (a django-ninja Router mounted on the API).
"""

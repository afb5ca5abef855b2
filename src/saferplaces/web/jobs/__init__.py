"""Background jobs: the people-facing record of work done outside the web request.

The queue itself is django-q2 with its ORM broker (see :mod:`.engine`); the kinds of job and
their handlers are in :mod:`.registry` and :mod:`.handlers`.
"""

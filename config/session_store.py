"""The session engine: Django's database sessions, written only when they change.

viewflow's list pages (inbox, queue, archive, process lists) store the page's
path in the session on every request (``vf-pin-location``), and Django marks a
session modified on any assignment, equal or not: each page view of a list was
an ``UPDATE django_session`` and a new cookie. Assigning the value a key already
holds changes nothing here, so reading a list again writes nothing.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def __setitem__(self, key, value):
        if key in self._session and self._session[key] == value:
            return
        super().__setitem__(key, value)

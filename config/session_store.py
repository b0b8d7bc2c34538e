"""The session engine: Django's database sessions, written only when they change.

viewflow's list pages (inbox, queue, archive, process lists) store the page's
path in the session on every request (``vf-pin-location``), and Django marks a
session modified on any assignment, equal or not: each page view of a list was
an ``UPDATE django_session`` and a new cookie. Assigning the value a key already
holds changes nothing here, so reading a list again writes nothing.

With a shared cache (Redis, ``REDIS_URL``) the settings choose
``config.cached_session_store`` instead: the same sessions, kept in the database
and read from the cache (one statement fewer on every request). Not with the
embedded default's per-process memory cache: a session ended in one process
(logout) would live on in another's copy.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class WrittenOnChange:
    """Assigning a key the value it holds does not mark the session modified."""

    def __setitem__(self, key, value):
        if key in self._session and self._session[key] == value:
            return
        super().__setitem__(key, value)


class SessionStore(WrittenOnChange, DatabaseSessionStore):
    pass

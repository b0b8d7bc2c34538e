"""The session engine with a shared cache (Redis): database sessions read from
the cache (Django's ``cached_db``), written only when they change. Chosen by the
settings when ``REDIS_URL`` is set; see ``config.session_store``."""

from django.contrib.sessions.backends.cached_db import (
    SessionStore as CachedDatabaseSessionStore,
)

from .session_store import WrittenOnChange


class SessionStore(WrittenOnChange, CachedDatabaseSessionStore):
    pass

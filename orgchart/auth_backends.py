"""Who is signed in, read from the shared cache.

Django reads the signed-in person's row on every request. With a cache every
process shares (Redis, ``REDIS_URL``), :class:`CachedUserBackend` keeps that row
there for ``USER_CACHE_SECONDS`` instead: one statement less per request. A
change to the person (deactivated, a new password, new name) is seen from the
next request on, in every process: saving or deleting a user (but for the
time of their last login) leaves a marker in
the cache that makes every process read the row afresh until the cached copy
it could still meet has expired (a request that read the row just before the
change cannot put the old one back). Without a shared cache (one process's
memory, the demo) nothing is kept and every request reads the row, as Django
does. The rights themselves (roles, unit grants) are never cached: each action
reads them inside its own transaction (``orgchart.selectors``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

#: Marks a person whose row changed: read from the database until it expires.
_CHANGED = "changed"


def _key(user_id) -> str:
    return f"auth-user:{user_id}"


class CachedUserBackend(ModelBackend):
    """Django's model backend; the signed-in person's row is read from the shared
    cache when ``USER_CACHE_SECONDS`` is set (see the module's docstring)."""

    def get_user(self, user_id):
        seconds = settings.USER_CACHE_SECONDS
        if not seconds:
            return super().get_user(user_id)
        cached = cache.get(_key(user_id))
        if cached is not None and cached != _CHANGED:
            return cached if self.user_can_authenticate(cached) else None
        user = super().get_user(user_id)
        if user is not None and cached is None:
            # Not over a change marker, nor over a copy another request put.
            cache.add(_key(user_id), user, seconds)
        return user


def user_changed(sender, instance, **kwargs) -> None:
    """A user was saved or deleted: every process reads their row afresh, now and
    once the change is committed, until a copy cached before it has expired."""
    seconds = settings.USER_CACHE_SECONDS
    if not seconds or set(kwargs.get("update_fields") or ()) == {"last_login"}:
        # A login's own save: an older copy differs by nothing a request uses.
        return

    if kwargs.get("created"):
        # Nobody can have read this person before: only what a database that
        # was emptied since (a test run) left under their id is dropped.
        cache.delete(_key(instance.pk))
        return

    def mark():
        cache.set(_key(instance.pk), _CHANGED, seconds)

    mark()
    transaction.on_commit(mark)

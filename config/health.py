"""The liveness probe of an application process (``/healthz``).

A reverse proxy or an orchestrator asks it whether this gunicorn worker answers;
it reads nothing (no session, no database), so it stays cheap however often it is
polled, and it is the ceiling the load benchmark compares the real pages with.
"""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz(request):
    """200 "ok" while the process serves requests."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")

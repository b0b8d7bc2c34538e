"""The download of a generated official document (Word or PDF), for the people
who may see its dossier, whatever the dossier's kind (404 for anyone else)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import generic

from appraisal.models import Attachment
from appraisal.selectors.documents import document_file_get

from .views import attachment_response


class DocumentDownloadView(LoginRequiredMixin, generic.View):
    def get(self, request, pk: int):
        try:
            attachment = document_file_get(user=request.user, pk=pk)
        except Attachment.DoesNotExist as exc:
            raise Http404(_("No such document.")) from exc
        # A file that fails its SHA-256 check sends the person back where they
        # clicked, with the reason.
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}
        ):
            back = reverse("dossiers:index")
        return attachment_response(request, attachment, back_url=back)

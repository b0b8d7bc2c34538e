"""The download of a generated official document (Word or PDF), for the people
who may see its dossier, whatever the dossier's kind (404 for anyone else)."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
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
        return attachment_response(attachment)

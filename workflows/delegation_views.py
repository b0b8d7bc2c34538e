"""The page "Ủy quyền" (delegations, from the user menu): every signed-in person
sees the delegations they gave and received, names a colleague to act for them
during an absence and revokes one. And Home Affairs' "Giao lại hồ sơ": the
division head or the director moves every open dossier of an absent appraiser to
another appraiser in one step. The rules are the services'."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic

from appraisal.models import Delegation
from appraisal.selectors.delegations import (
    delegation_list_given,
    delegation_list_received,
)
from appraisal.services.delegations import (
    delegation_create,
    delegation_max_days,
    delegation_revoke,
)

from . import permissions
from .client_address import client_address
from .delegation_forms import DelegationForm, ReassignForm
from .services import appraiser_reassign


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        for error in exc.error_list:
            form.add_error(None, error)


class DelegationsView(LoginRequiredMixin, generic.FormView):
    """My delegations, given and received, and the form to give one."""

    template_name = "workflows/delegations.html"
    form_class = DelegationForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            given=delegation_list_given(user=user),
            received=delegation_list_received(user=user),
            today=timezone.localdate(),
            max_days=delegation_max_days(),
            may_reassign=permissions.may_reassign_appraisers(user),
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            delegation = delegation_create(
                delegator=self.request.user,
                delegate=data["delegate"],
                role=data["role"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(person)s will act for you from %(start)s to %(end)s.")
            % {
                "person": delegation.delegate.get_full_name()
                or delegation.delegate.get_username(),
                "start": delegation.starts_on.strftime("%d/%m/%Y"),
                "end": delegation.ends_on.strftime("%d/%m/%Y"),
            },
        )
        return HttpResponseRedirect(reverse("delegations"))


class DelegationRevokeView(LoginRequiredMixin, generic.View):
    """Ends a delegation at once (the people it names only; 404 for anyone
    else)."""

    def post(self, request, pk: int):
        user = request.user
        delegation = (
            Delegation.objects.filter(Q(delegator=user) | Q(delegate=user), pk=pk)
            .select_related("delegate", "delegator")
            .first()
        )
        if delegation is None:
            raise Http404(_("No such delegation."))
        try:
            delegation_revoke(delegation=delegation, actor=user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The delegation is revoked."))
        return HttpResponseRedirect(reverse("delegations"))


class ReassignView(LoginRequiredMixin, generic.FormView):
    """Home Affairs moves an absent appraiser's open dossiers to another
    appraiser (the division head and the director only: 403 for anyone else)."""

    template_name = "workflows/reassign.html"
    form_class = ReassignForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not permissions.may_reassign_appraisers(
            request.user
        ):
            raise PermissionDenied(
                _(
                    "Only the head of the organisation and payroll division or the "
                    "director reassigns an appraiser's dossiers."
                )
            )
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            moved = appraiser_reassign(
                actor=self.request.user,
                absent=data["absent"],
                appraiser=data["appraiser"],
                ip=client_address(self.request),
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(count)s dossier(s) moved from %(absent)s to %(appraiser)s.")
            % {
                "count": len(moved),
                "absent": data["absent"].get_full_name()
                or data["absent"].get_username(),
                "appraiser": data["appraiser"].get_full_name()
                or data["appraiser"].get_username(),
            },
        )
        return HttpResponseRedirect(reverse("delegations_reassign"))


urlpatterns = [
    path("", DelegationsView.as_view(), name="delegations"),
    path("<int:pk>/revoke/", DelegationRevokeView.as_view(), name="delegation_revoke"),
    path("reassign/", ReassignView.as_view(), name="delegations_reassign"),
]

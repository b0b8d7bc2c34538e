"""The person's notifications (Thông báo): the list, opening one (it is marked
read and leads to its dossier), marking every one read, and which events they
also want by mail. Each person reaches only their own (404 otherwise)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, ListView

from appraisal.models import Notification
from appraisal.selectors.notifications import (
    mail_preference_events,
    notification_list_for_user,
)
from appraisal.services.notifications import (
    mail_preference_set,
    notification_mark_read,
    notification_text,
)


class NotificationListView(LoginRequiredMixin, ListView):
    template_name = "workflows/notifications/list.html"
    paginate_by = 50
    context_object_name = "notifications"

    def get_queryset(self):
        return notification_list_for_user(user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for notification in context["notifications"]:
            notification.text = notification_text(notification)
        return context


class NotificationOpenView(LoginRequiredMixin, View):
    """POST: mark the notification read and go to its dossier."""

    def post(self, request, pk: int):
        notification = (
            notification_list_for_user(user=request.user).filter(pk=pk).first()
        )
        if notification is None:
            raise Http404
        notification_mark_read(user=request.user, notification_id=notification.pk)
        target = notification.url
        if not target or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}
        ):
            target = reverse("notifications:index")
        return HttpResponseRedirect(target)


class NotificationReadAllView(LoginRequiredMixin, View):
    def post(self, request):
        count = notification_mark_read(user=request.user)
        messages.success(
            request,
            _("%(count)s notification(s) marked read.") % {"count": count},
        )
        return redirect("notifications:index")


class MailPreferenceForm(forms.Form):
    events = forms.MultipleChoiceField(
        label=_("Also send me by mail"),
        required=False,
        choices=Notification.Event.choices,
        widget=forms.CheckboxSelectMultiple,
    )


class MailPreferenceView(LoginRequiredMixin, FormView):
    template_name = "workflows/notifications/preferences.html"
    form_class = MailPreferenceForm

    def get_initial(self):
        return {"events": mail_preference_events(user=self.request.user)}

    def form_valid(self, form):
        mail_preference_set(user=self.request.user, events=form.cleaned_data["events"])
        messages.success(self.request, _("Your mail preferences are saved."))
        return redirect("notifications:preferences")

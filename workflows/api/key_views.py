"""The page "API keys" (from the user menu): a person makes a key (shown once),
sees their keys with their expiry and last use, and revokes one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic

from ..models import ApiToken
from . import tokens


class KeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("What the key is for"),
        max_length=100,
        help_text=gettext_lazy("e.g. the one-stop system, our HR software"),
    )
    days = forms.IntegerField(
        label=gettext_lazy("Valid for (days)"),
        min_value=1,
        max_value=tokens.MAX_DAYS,
        initial=tokens.DEFAULT_DAYS,
    )


class SiteMenuMixin:
    """A page mounted outside the viewflow site (here ``/api-keys/``, a path the
    API's clients and documentation name) still shows the site's side menu:
    viewflow's middleware marks only the site's own routes with their site, and
    its base template reads the site from there, so the page marks itself the
    same way."""

    def setup(self, request, *args, **kwargs):
        from ..frontend import site

        super().setup(request, *args, **kwargs)
        if request.resolver_match is not None:
            request.resolver_match.site = site


class ApiKeysView(LoginRequiredMixin, SiteMenuMixin, generic.FormView):
    template_name = "workflows/api_keys.html"
    form_class = KeyForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["keys"] = tokens.token_list_for_user(user=self.request.user)
        return context

    def form_valid(self, form):
        try:
            token, key = tokens.token_create(
                user=self.request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            return self.form_invalid(form)
        # The key is shown on this answer only: it is not kept anywhere.
        return self.render_to_response(
            self.get_context_data(form=KeyForm(), new_key=key, new_token=token)
        )


class ApiKeyRevokeView(LoginRequiredMixin, generic.View):
    def post(self, request, pk: int):
        try:
            token = tokens.token_revoke(user=request.user, pk=pk)
        except ApiToken.DoesNotExist:
            raise Http404(_("No such key.")) from None
        messages.success(
            request, _("The key “%(name)s” is revoked.") % {"name": token.name}
        )
        return HttpResponseRedirect(reverse("api_keys"))

"""The administrator's reset of a person's two-factor authentication (a lost or
replaced phone): an action on the users' list, for those who may change users.
The devices themselves are listed under "OTP_TOTP" and "OTP_Static" with their
secrets hidden (``OTP_ADMIN_HIDE_SENSITIVE_DATA``)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services

User = get_user_model()


class PersonAdmin(UserAdmin):
    actions = ["reset_two_factor"]

    @admin.action(
        description=_("Reset two-factor authentication (lost phone)"),
        permissions=["change"],
    )
    def reset_two_factor(self, request, queryset):
        people = 0
        for user in queryset:
            if services.two_factor_reset(user=user):
                people += 1
                self.log_change(
                    request, user, str(_("Two-factor authentication reset"))
                )
        self.message_user(
            request,
            ngettext(
                "Two-factor authentication reset for %(count)d person: at the next "
                "login they set up their app again (or log in with the password, "
                "where it is optional).",
                "Two-factor authentication reset for %(count)d people: at the next "
                "login they set up their app again (or log in with the password, "
                "where it is optional).",
                people,
            )
            % {"count": people},
            messages.SUCCESS,
        )


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, PersonAdmin)

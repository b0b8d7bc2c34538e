from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _normalised_to_python(to_python):
    """``forms.CharField.to_python`` giving NFC text without control characters
    (``orgchart.text.clean_text``)."""
    from .text import clean_text

    def wrapper(self, value):
        value = to_python(self, value)
        return clean_text(value) if isinstance(value, str) else value

    wrapper.normalises_text = True
    return wrapper


class OrgchartConfig(AppConfig):
    name = "orgchart"
    verbose_name = _("Organisational chart")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .sessions import session_logged_in

        user_logged_in.connect(session_logged_in, dispatch_uid="orgchart.session_login")
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from .auth_backends import user_changed

        for signal in (post_save, post_delete):
            signal.connect(
                user_changed,
                sender=get_user_model(),
                dispatch_uid=f"orgchart.user_changed.{signal is post_save}",
            )
        # Every text typed into a form (ours, the admin's, viewflow's task forms,
        # the lists' search and filter boxes: all are ``forms.CharField`` or its
        # subclasses) is normalised where Django turns it into a value, rather
        # than by a form mixin each form would have to remember, or a middleware
        # rewriting raw request data (and file names) it does not understand.
        from django import forms

        if not getattr(forms.CharField.to_python, "normalises_text", False):
            forms.CharField.to_python = _normalised_to_python(forms.CharField.to_python)

"""Model fields of the project.

:class:`ForeignKey` is Django's, except in validation: Django's ``full_clean()``
asks the database whether the referenced row exists (one ``SELECT`` per foreign
key and row) even when the instance holds that row, just read from the
database, as its related object (``position.unit = unit``). A service that
assigns the object it read (the locked dossier, the person acting, a rank from
the form's choices) pays no query for it; a bare id, or an object not read from
the database, is still checked there. Whatever was validated, the database's
foreign key constraint refuses a row whose reference has gone.

It lives in ``orgchart``, the app every other depends on, so the models of every
app use it. It deconstructs as Django's own, so migrations do not see it.
"""

from __future__ import annotations

from django.db import models


class _HeldRowValidation:
    """Validation that takes a related object read from the database as proof
    that its row exists (see the module docstring)."""

    def validate(self, value, model_instance):
        if (
            value is not None
            and not self.remote_field.parent_link
            and not self.get_limit_choices_to()
            and self.is_cached(model_instance)
        ):
            held = self.get_cached_value(model_instance)
            if (
                held is not None
                and not held._state.adding
                and getattr(held, self.target_field.attname) == value
            ):
                # The field's own rules (null, blank, choices), not the query.
                models.Field.validate(self, value, model_instance)
                return
        super().validate(value, model_instance)


class ForeignKey(_HeldRowValidation, models.ForeignKey):
    """Django's ``ForeignKey``, not checked against the database when the
    instance holds the referenced row (see the module docstring)."""

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.ForeignKey", args, kwargs


class OneToOneField(_HeldRowValidation, models.OneToOneField):
    """Django's ``OneToOneField``, likewise."""

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.OneToOneField", args, kwargs

"""Roles and per-object permission plumbing.

Per-unit scope is granted only as guardian object permissions (``act_for_unit``,
``sign_for_unit`` on a unit, covering its sub-units); a global grant of those would
silently widen every check (viewflow's ``can_assign`` falls back to the global
permission). Province-wide roles get the distinct global ``view_all_units``.
"""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _


def get_content_type(obj):
    """Guardian's content-type hook: keep proxy models (viewflow processes) apart
    from their concrete model, so a proxy's own permissions can be granted."""
    model = obj if isinstance(obj, type) else type(obj)
    return ContentType.objects.get_for_model(model, for_concrete_model=False)


class Role:
    """The groups of the product (PRODUCT.md, "Who uses it")."""

    UNIT_OFFICER = "unit_officer"
    UNIT_HEAD = "unit_head"
    RECEPTION = "reception_officer"
    APPRAISER = "appraiser"
    DIVISION_HEAD = "division_head"
    DIRECTOR = "director"
    COMMITTEE = "committee"
    OBSERVER = "observer"
    ADMINISTRATOR = "administrator"


ROLE_LABELS = {
    Role.UNIT_OFFICER: _("Unit officer"),
    Role.UNIT_HEAD: _("Unit head"),
    Role.RECEPTION: _("Reception officer"),
    Role.APPRAISER: _("Appraiser"),
    Role.DIVISION_HEAD: _("Division head"),
    Role.DIRECTOR: _("Home Affairs director"),
    Role.COMMITTEE: _("Committee"),
    Role.OBSERVER: _("Observer"),
    Role.ADMINISTRATOR: _("Administrator"),
}

#: Roles whose scope is the units granted to each person (object permissions).
UNIT_SCOPED_ROLES = (Role.UNIT_OFFICER, Role.UNIT_HEAD)

#: Global (model-level) permissions per role. Unit-scoped roles get none of the
#: per-unit codenames here: those are object permissions only.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.UNIT_OFFICER: [],
    Role.UNIT_HEAD: [],
    Role.RECEPTION: ["orgchart.view_all_units"],
    Role.APPRAISER: ["orgchart.view_all_units"],
    Role.DIVISION_HEAD: ["orgchart.view_all_units"],
    Role.DIRECTOR: ["orgchart.view_all_units"],
    Role.COMMITTEE: ["orgchart.view_all_units"],
    Role.OBSERVER: ["orgchart.view_all_units"],
    Role.ADMINISTRATOR: [
        "orgchart.view_all_units",
        "orgchart.view_unit",
        "orgchart.add_unit",
        "orgchart.change_unit",
        "orgchart.view_rank",
        "orgchart.add_rank",
        "orgchart.change_rank",
        "orgchart.view_salarygroup",
        "orgchart.add_salarygroup",
        "orgchart.change_salarygroup",
        "orgchart.view_positioncategory",
        "orgchart.add_positioncategory",
        "orgchart.change_positioncategory",
        "orgchart.view_catalogueentry",
        "orgchart.add_catalogueentry",
        "orgchart.change_catalogueentry",
        "orgchart.view_jobposition",
        "orgchart.add_jobposition",
        # The payroll quotas in force when the province starts with the system
        # (imported; those a staffing plan allocated stay as the plan set them).
        "appraisal.view_unitquota",
        "appraisal.add_unitquota",
        "appraisal.change_unitquota",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        # The login lockouts (django-axes): see them and unlock by deleting.
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
    ],
}


#: Roles that must confirm each login with a second factor (a code from an
#: authenticator app): those who sign and decide for the province, and those who
#: administer everyone's rights. Staff and superusers too, whatever their groups.
TWO_FACTOR_ROLES = (Role.DIRECTOR, Role.COMMITTEE, Role.ADMINISTRATOR)


def object_permission_grant(perm: str, user, obj) -> None:
    """Give ``user`` the object permission ``perm`` ("app_label.codename") on
    ``obj``, as guardian's ``assign_perm`` does (same row, same content type),
    in one statement instead of its six: an INSERT that finds the permission
    itself and leaves an existing grant as it is (guardian's unique user,
    permission and object). A permission that does not exist is refused by the
    database (its column is required)."""
    from django.contrib.auth.models import Permission
    from django.db.models import Subquery
    from guardian.models import UserObjectPermission

    content_type = get_content_type(obj)
    app_label, _dot, codename = perm.rpartition(".")
    if app_label and app_label != content_type.app_label:
        raise ValueError(f"{perm} is not a permission of {content_type}")
    permission = Permission.objects.filter(
        content_type=content_type, codename=codename
    ).order_by()
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(
                user=user,
                permission_id=Subquery(permission.values("pk")[:1]),
                content_type=content_type,
                object_pk=str(obj.pk),
            )
        ],
        ignore_conflicts=True,
    )

"""Loading the reference data, the official administrative units and the demo
province.

Three loaders, each idempotent and each one transaction:

* ``reference_data_load``: the salary groups of Decree 204/2004/NĐ-CP, the ranks
  and professional titles, and the position categories of Decree 62/2020/NĐ-CP
  Art. 5, from the CSV files in ``orgchart/data``;
* ``admin_units_import``: a province's People's Committee and every commune, ward
  and special zone People's Committee under it, with their official statistics
  codes, from the ``vietnam-provinces`` package (the two-tier list in force from
  1 July 2025, Law 72/2025/QH15; Res. 76/2025/UBTVQH15);
* ``demo_seed``: a believable Nghệ An on top of them (the 14 specialised agencies
  of Decree 45/2025/NĐ-CP with their divisions, the standard commune divisions of
  Decree 150/2025/NĐ-CP, a sample position catalogue, an establishment for a few
  units and one login per role).

The management commands of the same names only call these and print the result.
"""

from __future__ import annotations

import csv
import datetime
from base64 import b32decode
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm

from .models import (
    CatalogueEntry,
    JobPosition,
    PositionCategory,
    Rank,
    SalaryGroup,
    Unit,
)
from .permissions import ROLE_LABELS, Role
from .services import position_create, roles_ensure, unit_bulk_create, unit_update
from .two_factor.services import demo_app_ensure, two_factor_required

DATA_DIR = Path(__file__).resolve().parent / "data"

#: First day of the two-tier local government (Law 72/2025/QH15; Res.
#: 76/2025/UBTVQH15) and of the department structure of Decree 150/2025/NĐ-CP.
TWO_TIER_REFORM_DATE = datetime.date(2025, 7, 1)

#: Nghệ An, the demo province (not merged in 2025, Res. 202/2025/QH15).
DEMO_PROVINCE_CODE = 40

#: The one documented password of every demo login (README, "Demo logins").
DEMO_PASSWORD = "demo12345"  # noqa: S105
#: The demo's authenticator-app key (base32) for the logins whose role requires
#: two-factor authentication: typed into any authenticator app, it gives their
#: codes. Demo only, as public as the demo password.
DEMO_TOTP_KEY = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105

SAMPLE_CATALOGUE_BASIS = "Phụ lục Nghị định 361/2025/NĐ-CP (mẫu minh họa)"
SAMPLE_CATALOGUE_NOTE = (
    "Dữ liệu mẫu để trình diễn, không phải danh mục chính thức: danh mục khung "
    "nằm trong các phụ lục của Nghị định 361/2025/NĐ-CP."
)


@dataclass
class Tally:
    """How many rows a loader created, changed and left as they were."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


# --------------------------------------------------------------------------- files


def _read_csv(name: str, data_dir: Path) -> list[tuple[int, dict[str, str]]]:
    """The rows of ``data_dir/name`` with their line numbers (the header is 1)."""
    path = data_dir / name
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            return [
                (line, {k: (v or "").strip() for k, v in row.items()})
                for line, row in enumerate(reader, start=2)
            ]
    except FileNotFoundError as exc:
        raise ValidationError(
            _("The data file %(file)s is missing."),
            code="missing_file",
            params={"file": name},
        ) from exc


def _optional(row: dict[str, str], *columns: str) -> dict[str, str]:
    """The columns a file may leave out (older files): absent, they change
    nothing."""
    return {column: row[column] for column in columns if column in row}


def _row_error(name: str, line: int, error: ValidationError) -> ValidationError:
    return ValidationError(
        _("%(file)s, line %(line)s: %(errors)s"),
        code="invalid_row",
        params={"file": name, "line": line, "errors": " ".join(error.messages)},
    )


def _decimal(value: str, *, name: str, line: int, column: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise ValidationError(
            _("%(file)s, line %(line)s: %(column)s is not a number (%(value)s)."),
            code="not_a_number",
            params={"file": name, "line": line, "column": column, "value": value},
        ) from exc


def _upsert(
    model: type[models.Model],
    existing: dict[str, models.Model],
    code: str,
    values: dict,
    *,
    update: bool,
    tally: Tally,
    source: tuple[str, int],
) -> models.Model:
    """Create the row ``code`` or bring it in line with ``values`` (when
    ``update``); a row that already matches is not written."""
    obj = existing.get(code)
    try:
        if obj is None:
            obj = model(code=code, **values)
            obj.full_clean()
            obj.save()
            existing[code] = obj
            tally.created += 1
            return obj
        changed = [k for k, v in values.items() if getattr(obj, k) != v]
        if not changed or not update:
            tally.unchanged += 1
            return obj
        for key in changed:
            setattr(obj, key, values[key])
        obj.full_clean()
        obj.save(update_fields=changed)
        tally.updated += 1
        return obj
    except ValidationError as error:
        raise _row_error(*source, error) from error


# ------------------------------------------------------------------ reference data


def _salary_group_values(line: int, row: dict[str, str], name: str) -> dict:
    """The columns of a salary group, after checking that the listed coefficients
    are exactly step 1 plus whole increments (Decree 204/2004/NĐ-CP, Table 2)."""
    step1 = _decimal(row["step1"], name=name, line=line, column="step1")
    increment = _decimal(row["increment"], name=name, line=line, column="increment")
    try:
        steps = int(row["steps"])
        months = int(row["months_per_step"])
    except ValueError as exc:
        raise ValidationError(
            _("%(file)s, line %(line)s: steps and months per step must be numbers."),
            code="not_a_number",
            params={"file": name, "line": line},
        ) from exc
    listed = [
        _decimal(v, name=name, line=line, column="coefficients")
        for v in row["coefficients"].split(";")
        if v.strip()
    ]
    if len(listed) != steps:
        raise ValidationError(
            _(
                "%(file)s, line %(line)s: salary group %(code)s has %(steps)s steps "
                "but %(count)s coefficients are listed."
            ),
            code="coefficient_count_mismatch",
            params={
                "file": name,
                "line": line,
                "code": row["code"],
                "steps": steps,
                "count": len(listed),
            },
        )
    for step, given in enumerate(listed, start=1):
        expected = step1 + (step - 1) * increment
        if given != expected:
            raise ValidationError(
                _(
                    "%(file)s, line %(line)s: salary group %(code)s, step %(step)s "
                    "is listed as %(given)s but step 1 plus the increments give "
                    "%(expected)s. Correct the file."
                ),
                code="coefficient_mismatch",
                params={
                    "file": name,
                    "line": line,
                    "code": row["code"],
                    "step": step,
                    "given": given,
                    "expected": expected,
                },
            )
    return {
        "name": row["name_vi"],
        "name_en": row["name_en"],
        "step1": step1,
        "increment": increment,
        "steps": steps,
        "months_per_step": months,
        "basis": row["basis"],
        **_optional(row, "internal_note"),
    }


@transaction.atomic
def reference_data_load(
    *, data_dir: Path = DATA_DIR, update: bool = True
) -> dict[str, Tally]:
    """Load the civil-service reference data from the project's CSV files.

    Salary groups with their steps (Decree 204/2004/NĐ-CP; each coefficient must be
    step 1 plus whole increments, or nothing is loaded), ranks and professional
    titles with their salary group and ladder level (Circular 11/2014/TT-BNV,
    Circular 02/2021/TT-BNV; Law 80/2025/QH15 Art. 24), and the position categories
    of Decree 62/2020/NĐ-CP Art. 5 in the order of the file. Rows are matched by
    code; with ``update`` off, existing rows are left as they are (the demo seeding
    must not undo an administrator's corrections).
    """
    result = {"salary_groups": Tally(), "ranks": Tally(), "categories": Tally()}

    name = "salary_groups.csv"
    groups = {g.code: g for g in SalaryGroup.objects.all()}
    for line, row in _read_csv(name, data_dir):
        values = _salary_group_values(line, row, name)
        _upsert(
            SalaryGroup,
            groups,
            row["code"],
            values,
            update=update,
            tally=result["salary_groups"],
            source=(name, line),
        )

    name = "ranks.csv"
    ranks = {r.code: r for r in Rank.objects.all()}
    for line, row in _read_csv(name, data_dir):
        group = groups.get(row["salary_group"])
        if group is None:
            raise ValidationError(
                _("%(file)s, line %(line)s: unknown salary group %(group)s."),
                code="unknown_salary_group",
                params={"file": name, "line": line, "group": row["salary_group"]},
            )
        values = {
            "name": row["name_vi"],
            "name_en": row["name_en"],
            "kind": row["kind"],
            "salary_group_id": group.pk,
            "ladder_level": row["ladder_level"],
            "basis": row["basis"],
            "note": row["note"],
            **_optional(row, "internal_note"),
        }
        _upsert(
            Rank,
            ranks,
            row["code"],
            values,
            update=update,
            tally=result["ranks"],
            source=(name, line),
        )

    name = "position_categories.csv"
    categories = {c.code: c for c in PositionCategory.objects.all()}
    for order, (line, row) in enumerate(_read_csv(name, data_dir), start=1):
        values = {
            "name": row["name_vi"],
            "name_en": row["name_en"],
            "basis": row["basis"],
            **_optional(row, "internal_note"),
            "order": order,
        }
        _upsert(
            PositionCategory,
            categories,
            row["code"],
            values,
            update=update,
            tally=result["categories"],
            source=(name, line),
        )
    return result


# ------------------------------------------------------------ administrative units

#: How the package names a level, and how the level reads inside a title.
_DIVISION_LABELS = {"thành phố trung ương": "thành phố"}

#: Prefix of the unit code of a commune-level People's Committee, by its type.
_COMMUNE_CODE_PREFIX = {"xã": "X", "phường": "P", "đặc khu": "DK"}


def _locality(division_type: str, name: str) -> str:
    """``xã Anh Sơn`` from (``xã``, ``Xã Anh Sơn``); ``tỉnh Nghệ An`` from
    (``tỉnh``, ``Nghệ An``): the locality as it reads after "Ủy ban nhân dân"."""
    label = _DIVISION_LABELS.get(division_type, division_type)
    if name.casefold().startswith(label.casefold()):
        return name[0].lower() + name[1:]
    return f"{label} {name}"


def _pc_names(locality: str) -> dict[str, str]:
    return {
        "name": f"Ủy ban nhân dân {locality}",
        "short_name": f"UBND {locality}"[:64],
    }


def _sync_names(unit: Unit, names: dict[str, str], *, update: bool, tally: Tally):
    if update and any(getattr(unit, k) != v for k, v in names.items()):
        unit_update(unit=unit, **names)
        tally.updated += 1
    else:
        tally.unchanged += 1


@transaction.atomic
def admin_units_import(*, province_code: int, update: bool = True) -> dict:
    """Build a province's People's Committee and every commune-level People's
    Committee under it from the official list of administrative units.

    The two-tier local government took effect on 1 July 2025 (Law 72/2025/QH15,
    Res. 76/2025/UBTVQH15), so every unit opens on that date. Units are matched by
    their official statistics code (``admin_code``: two digits for a province,
    five for a commune, ward or special zone): a second run creates nothing and,
    with ``update``, only renames units whose official name changed. A commune
    that has left the official list is counted in ``not_in_list`` and left open:
    closing it is a reorganisation, which needs a decision.

    Returns the province's committee (``province``) and the counts ``created``,
    ``updated``, ``unchanged``, ``communes`` and ``not_in_list``.
    """
    from vietnam_provinces import Province, ProvinceCode, Ward

    try:
        province = Province.from_code(ProvinceCode(province_code))
    except ValueError as exc:
        raise ValidationError(
            _(
                "There is no province with code %(code)s in the official list of "
                "administrative units (34 provinces since 12 June 2025, "
                "Res. 202/2025/QH15); Nghệ An is 40."
            ),
            code="unknown_province",
            params={"code": province_code},
        ) from exc

    tally = Tally()
    pc_admin_code = f"{int(province.code):02d}"
    pc_names = _pc_names(_locality(province.division_type.value, province.name))
    pc = Unit.objects.filter(valid_to__isnull=True, admin_code=pc_admin_code).first()
    if pc is None:
        [pc] = unit_bulk_create(
            units=[
                Unit(
                    code=f"UBND-{pc_admin_code}",
                    kind=Unit.Kind.PROVINCIAL_PC,
                    level=Unit.Level.PROVINCE,
                    admin_code=pc_admin_code,
                    valid_from=TWO_TIER_REFORM_DATE,
                    **pc_names,
                )
            ]
        )
        tally.created += 1
    else:
        _sync_names(pc, pc_names, update=update, tally=tally)

    wards = sorted(
        (w for w in Ward.iter_all() if w.province_code == province.code),
        key=lambda w: int(w.code),
    )
    wanted = {f"{int(w.code):05d}": w for w in wards}
    existing = {
        u.admin_code: u
        for u in Unit.objects.filter(
            valid_to__isnull=True, admin_code__in=list(wanted)
        ).select_related("parent")
    }
    new_units = []
    for admin_code, ward in wanted.items():
        division_type = ward.division_type.value
        names = _pc_names(_locality(division_type, ward.name))
        unit = existing.get(admin_code)
        if unit is not None:
            _sync_names(unit, names, update=update, tally=tally)
            continue
        prefix = _COMMUNE_CODE_PREFIX.get(division_type, "X")
        new_units.append(
            Unit(
                code=f"{prefix}{admin_code}",
                kind=Unit.Kind.COMMUNE_PC,
                level=Unit.Level.COMMUNE,
                parent=pc,
                admin_code=admin_code,
                valid_from=TWO_TIER_REFORM_DATE,
                **names,
            )
        )
    unit_bulk_create(units=new_units)
    tally.created += len(new_units)

    not_in_list = (
        Unit.objects.filter(parent=pc, kind=Unit.Kind.COMMUNE_PC, valid_to__isnull=True)
        .exclude(admin_code__in=list(wanted))
        .count()
    )
    return {
        "province": pc,
        "created": tally.created,
        "updated": tally.updated,
        "unchanged": tally.unchanged,
        "communes": len(wanted),
        "not_in_list": not_in_list,
    }


# ------------------------------------------------------------------ demo province

#: The standard organisations of a commune-level People's Committee (Decree
#: 150/2025/NĐ-CP; Decree 118/2025/NĐ-CP for the service centre): code suffix,
#: kind, name, short name; the economic division of a ward also covers
#: infrastructure and urban affairs.
COMMUNE_DIVISIONS = [
    (
        "VP",
        Unit.Kind.COMMUNE_DIVISION,
        "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân",
        "Văn phòng HĐND và UBND",
    ),
    ("KT", Unit.Kind.COMMUNE_DIVISION, "Phòng Kinh tế", "Phòng Kinh tế"),
    ("VHXH", Unit.Kind.COMMUNE_DIVISION, "Phòng Văn hóa - Xã hội", "Phòng VH-XH"),
    (
        "TTHCC",
        Unit.Kind.SERVICE_CENTRE,
        "Trung tâm Phục vụ hành chính công",
        "Trung tâm PVHCC",
    ),
]
WARD_ECONOMIC_DIVISION = ("Phòng Kinh tế, Hạ tầng và Đô thị", "Phòng KT-HT-ĐT")


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    full_name: str
    unit_code: str = ""
    superuser: bool = False


#: One login per role of PRODUCT.md. The unit officer and head act for Sở Tư pháp;
#: ``officer2`` for Phường Trường Vinh, to show that each sees only their own unit.
DEMO_USERS = [
    DemoUser("officer", Role.UNIT_OFFICER, "Nguyễn Thị Hoa", unit_code="STP"),
    DemoUser("officer2", Role.UNIT_OFFICER, "Lê Văn Nam", unit_code="P16690"),
    DemoUser("unithead", Role.UNIT_HEAD, "Trần Văn Minh", unit_code="STP"),
    DemoUser("reception", Role.RECEPTION, "Phạm Thị Lan"),
    DemoUser("appraiser", Role.APPRAISER, "Hoàng Văn Đức"),
    DemoUser("divisionhead", Role.DIVISION_HEAD, "Võ Thị Mai"),
    DemoUser("director", Role.DIRECTOR, "Đặng Văn Hùng"),
    DemoUser("committee", Role.COMMITTEE, "Bùi Văn Thắng"),
    DemoUser("observer", Role.OBSERVER, "Đỗ Thị Thu"),
    DemoUser("admin", Role.ADMINISTRATOR, "Quản trị hệ thống", superuser=True),
]


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str
    scope: str


@dataclass
class DemoSeedResult:
    reference: dict[str, Tally]
    admin_units: dict
    units_created: int = 0
    catalogue_created: int = 0
    positions_created: int = 0
    users_created: int = 0
    logins: list[DemoLogin] = field(default_factory=list)


def _agencies_ensure(*, pc: Unit, data_dir: Path) -> int:
    """The specialised agencies of the Provincial People's Committee (Decree
    45/2025/NĐ-CP: 12 uniform departments plus Foreign Affairs and Ethnic &
    Religious Affairs) and their divisions, from ``agencies.csv``; units whose code
    is already open are left as they are."""
    rows = _read_csv("agencies.csv", data_dir)
    taken = {
        u.code: u
        for u in Unit.objects.filter(
            valid_to__isnull=True, code__in=[row["code"] for _line, row in rows]
        )
    }
    created = 0
    for top_level in (True, False):
        batch = []
        for line, row in rows:
            if (not row["parent_code"]) != top_level or row["code"] in taken:
                continue
            parent = pc if top_level else taken.get(row["parent_code"])
            if parent is None:
                raise ValidationError(
                    _("agencies.csv, line %(line)s: unknown parent unit %(code)s."),
                    code="unknown_parent",
                    params={"line": line, "code": row["parent_code"]},
                )
            batch.append(
                Unit(
                    code=row["code"],
                    name=row["name"],
                    short_name=row["short_name"],
                    kind=row["kind"],
                    level=Unit.Level.PROVINCE,
                    parent=parent,
                    valid_from=TWO_TIER_REFORM_DATE,
                )
            )
        for unit in unit_bulk_create(units=batch):
            taken[unit.code] = unit
        created += len(batch)
    return created


def _commune_divisions_ensure(*, pc: Unit) -> int:
    """The standard divisions and the service centre of every open commune-level
    People's Committee under ``pc`` (Decree 150/2025/NĐ-CP)."""
    communes = list(
        Unit.objects.filter(
            parent=pc, kind=Unit.Kind.COMMUNE_PC, valid_to__isnull=True
        ).order_by("code")
    )
    taken = set(
        Unit.objects.filter(valid_to__isnull=True, parent__in=communes).values_list(
            "code", flat=True
        )
    )
    batch = []
    for commune in communes:
        locality = commune.name.removeprefix("Ủy ban nhân dân ").strip()
        is_ward = locality.startswith("phường")
        for suffix, kind, name, short_name in COMMUNE_DIVISIONS:
            code = f"{commune.code}-{suffix}"
            if code in taken:
                continue
            if suffix == "KT" and is_ward:
                name, short_name = WARD_ECONOMIC_DIVISION
            batch.append(
                Unit(
                    code=code,
                    name=f"{name} {locality}",
                    short_name=short_name,
                    kind=kind,
                    level=Unit.Level.COMMUNE,
                    parent=commune,
                    valid_from=max(commune.valid_from, TWO_TIER_REFORM_DATE),
                )
            )
    unit_bulk_create(units=batch)
    return len(batch)


def _catalogue_ensure(*, data_dir: Path) -> int:
    """The sample position catalogue (``is_sample``): about fifteen positions over
    the four categories of Decree 62/2020/NĐ-CP Art. 5, with rank ranges on the
    ladder of Law 80/2025/QH15 Art. 24. Existing entries are left as they are."""
    name = "sample_catalogue.csv"
    categories = {c.code: c for c in PositionCategory.objects.all()}
    existing = set(CatalogueEntry.objects.values_list("code", flat=True))
    created = 0
    for line, row in _read_csv(name, data_dir):
        if row["code"] in existing:
            continue
        entry = CatalogueEntry(
            code=row["code"],
            name=row["name"],
            category=categories.get(row["category"]),
            sector=row["sector"],
            highest_level=row["highest_level"],
            lowest_level=row["lowest_level"],
            unit_kinds=row["unit_kinds"],
            basis=SAMPLE_CATALOGUE_BASIS,
            internal_note=SAMPLE_CATALOGUE_NOTE,
            is_sample=True,
        )
        try:
            if entry.category is None:
                raise ValidationError(
                    _("Unknown position category %(code)s."),
                    code="unknown_category",
                    params={"code": row["category"]},
                )
            entry.full_clean()
        except ValidationError as error:
            raise _row_error(name, line, error) from error
        entry.save()
        created += 1
    return created


def _establishment_ensure(*, data_dir: Path) -> int:
    """The approved establishment of a few units (Sở Nội vụ and its divisions,
    Sở Tư pháp, Sở Tài chính, three communes), as approved on paper by the
    decisions named in the file. A unit that already has positions is left alone:
    only an applied decision changes an establishment."""
    name = "sample_establishment.csv"
    rows = _read_csv(name, data_dir)
    unit_codes = {row["unit_code"] for _line, row in rows}
    units = {
        u.code: u
        for u in Unit.objects.filter(valid_to__isnull=True, code__in=unit_codes)
    }
    staffed = set(
        JobPosition.objects.filter(unit__in=units.values()).values_list(
            "unit__code", flat=True
        )
    )
    ranks = {r.code: r for r in Rank.objects.all()}
    entries = {e.code: e for e in CatalogueEntry.objects.select_related("category")}
    created = 0
    for line, row in rows:
        if row["unit_code"] in staffed:
            continue
        unit = units.get(row["unit_code"])
        rank = ranks.get(row["rank_code"])
        entry = entries.get(row["catalogue_code"])
        try:
            if unit is None or rank is None or entry is None:
                raise ValidationError(
                    _("Unknown unit, rank or catalogue entry."),
                    code="unknown_reference",
                )
            position_create(
                unit=unit,
                catalogue_entry=entry,
                name=row["name"],
                rank=rank,
                headcount=int(row["headcount"]),
                valid_from=datetime.date.fromisoformat(row["valid_from"]),
                decision_number=row["decision_number"],
                decision_date=datetime.date.fromisoformat(row["decision_date"]),
            )
        except ValidationError as error:
            raise _row_error(name, line, error) from error
        created += 1
    return created


def _users_ensure(*, password: str) -> tuple[int, list[DemoLogin]]:
    """One login per role; the unit-scoped roles get guardian object permissions
    on their unit only (never a global grant, which would widen every check)."""
    User = get_user_model()
    groups = {g.name: g for g in Group.objects.filter(name__in=ROLE_LABELS)}
    units = {
        u.code: u
        for u in Unit.objects.filter(
            valid_to__isnull=True, code__in=[d.unit_code for d in DEMO_USERS]
        )
    }
    created = 0
    logins = []
    for demo in DEMO_USERS:
        user, is_new = User.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": demo.full_name,
                "email": f"{demo.username}@example.invalid",
            },
        )
        created += is_new
        if demo.superuser and not (user.is_staff and user.is_superuser):
            user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        user.groups.add(groups[demo.role])
        if demo.unit_code:
            unit = units[demo.unit_code]
            assign_perm("orgchart.act_for_unit", user, unit)
            if demo.role == Role.UNIT_HEAD:
                assign_perm("orgchart.sign_for_unit", user, unit)
            scope = _("%(unit)s and its sub-units") % {"unit": unit.name}
        elif demo.superuser:
            scope = str(_("Everything (superuser)"))
        else:
            scope = str(_("Every unit of the province"))
        if two_factor_required(user):
            demo_app_ensure(user=user, key=b32decode(DEMO_TOTP_KEY))
        logins.append(
            DemoLogin(demo.username, password, str(ROLE_LABELS[demo.role]), scope)
        )
    return created, logins


@transaction.atomic
def demo_seed(
    *, password: str = DEMO_PASSWORD, data_dir: Path = DATA_DIR
) -> DemoSeedResult:
    """Seed a believable Nghệ An for demonstration and evaluation.

    Loads whatever reference data and administrative units are missing (existing
    rows are not overwritten), then adds the 14 specialised agencies of Decree
    45/2025/NĐ-CP with their divisions, the standard divisions of each of the 130
    communes and wards (Decree 150/2025/NĐ-CP), the sample position catalogue, the
    establishment of a few units, the role groups, and one login per role with the
    demo password. Idempotent: a second run creates nothing and changes nothing but
    the demo logins' passwords (reset to the documented one) and their role and
    unit grants (re-added if removed).
    """
    reference = reference_data_load(data_dir=data_dir, update=False)
    admin_units = admin_units_import(province_code=DEMO_PROVINCE_CODE, update=False)
    pc = admin_units["province"]
    result = DemoSeedResult(reference=reference, admin_units=admin_units)
    result.units_created = _agencies_ensure(pc=pc, data_dir=data_dir)
    result.units_created += _commune_divisions_ensure(pc=pc)
    result.catalogue_created = _catalogue_ensure(data_dir=data_dir)
    result.positions_created = _establishment_ensure(data_dir=data_dir)
    roles_ensure()
    result.users_created, result.logins = _users_ensure(password=password)
    return result

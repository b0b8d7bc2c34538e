"""factory_boy factories for the org chart. Units go through the real service so
their tree paths are right."""

import datetime

import factory
from django.contrib.auth import get_user_model

from orgchart import services
from orgchart.models import (
    CatalogueEntry,
    JobPosition,
    LadderLevel,
    PositionCategory,
    Rank,
    SalaryGroup,
    Unit,
)

EPOCH = datetime.date(2025, 7, 1)


class SalaryGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalaryGroup
        django_get_or_create = ("code",)

    code = "A1"
    name = "Loại A1"
    step1 = "2.34"
    increment = "0.33"
    steps = 9
    months_per_step = 36


class RankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rank
        django_get_or_create = ("code",)

    code = "01.003"
    name = "Chuyên viên"
    kind = Rank.Kind.CIVIL_SERVANT_RANK
    salary_group = factory.SubFactory(SalaryGroupFactory)
    ladder_level = LadderLevel.SPECIALIST


class PositionCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PositionCategory
        django_get_or_create = ("code",)

    code = "specialised"
    name = "Chuyên môn, nghiệp vụ chuyên ngành"
    order = 2


class CatalogueEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CatalogueEntry

    code = factory.Sequence(lambda n: f"CAT-{n:03d}")
    name = factory.Sequence(lambda n: f"Vị trí mẫu {n}")
    category = factory.SubFactory(PositionCategoryFactory)
    highest_level = LadderLevel.PRINCIPAL_SPECIALIST
    lowest_level = LadderLevel.OFFICER


class UnitFactory(factory.django.DjangoModelFactory):
    """Builds through ``orgchart.services.unit_create`` (paths need the service)."""

    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"Đơn vị {n}")
    kind = Unit.Kind.DEPARTMENT
    level = Unit.Level.PROVINCE
    valid_from = EPOCH
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.unit_create(**kwargs)


class JobPositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobPosition

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"Chuyên viên quản lý {n}")
    category = factory.SubFactory(PositionCategoryFactory)
    rank = factory.SubFactory(RankFactory)
    headcount = 2
    valid_from = EPOCH
    decision_number = "100/QĐ-UBND"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.position_create(**kwargs)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("secret-pass-123")

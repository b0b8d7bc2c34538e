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


# --- appraisal: job-position project dossiers -----------------------------------

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402

from appraisal.models import JobPositionProject  # noqa: E402


def pdf_upload(name: str = "to-trinh.pdf", size: int = 0) -> SimpleUploadedFile:
    """A small real PDF (its signature and trailer), padded to ``size`` bytes."""
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    body += b"%" * max(0, size - len(body))
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def _zip_upload(name: str, members: dict[str, bytes], content_type: str):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=content_type)


def docx_upload(name: str = "de-an.docx") -> SimpleUploadedFile:
    """A minimal Word document (a zip with ``word/document.xml``)."""
    return _zip_upload(
        name,
        {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"},
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


def odt_upload(name: str = "de-an.odt") -> SimpleUploadedFile:
    """A minimal OpenDocument text (a zip whose ``mimetype`` says so)."""
    return _zip_upload(
        name,
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "content.xml": b"<x/>",
        },
        "application/vnd.oasis.opendocument.text",
    )


class JobPositionProjectFactory(factory.django.DjangoModelFactory):
    """A draft dossier row, written directly (for list and scope tests that need
    many dossiers; to move one through its states use the services)."""

    class Meta:
        model = JobPositionProject

    unit = factory.SubFactory(UnitFactory)
    kind = JobPositionProject.Kind.FIRST
    title = factory.Sequence(lambda n: f"Đề án vị trí việc làm {n}")
    created_by = factory.SubFactory(UserFactory)

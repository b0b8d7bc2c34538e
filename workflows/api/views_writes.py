"""Writes: a job-position project's draft (create, edit, attach, hand over),
its submission by the unit head (also the answer to a supplement or revision
request), and a unit's staffing proposal (save, hand over, submit). Each calls
the service the page calls, inside the same viewflow task (``steps``); each on
an existing dossier needs its ``ETag`` in ``If-Match``."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status

from appraisal.models import Dossier, StaffingProposal
from appraisal.selectors import dossiers as dossier_selectors
from appraisal.selectors import projects as project_selectors
from appraisal.services import dossiers as dossier_services
from appraisal.services import projects as project_services
from appraisal.services import staffing as staffing_services
from appraisal.services.attachments import attachment_add
from orgchart.models import Unit
from orgchart.selectors import unit_get

from ..flows import JobPositionProjectFlow, StaffingProposalFlow
from . import serializers
from .base import ApiView, if_match_required, if_match_version
from .steps import process_start, step_take
from .views_dossiers import detail_response, dossier_detail

IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    location=OpenApiParameter.HEADER,
    required=True,
    description=_("The dossier's ETag as last read."),
)
ERRORS = {
    code: OpenApiResponse(serializers.ErrorSerializer)
    for code in (400, 403, 404, 409, 412, 428)
}
DETAIL = {200: serializers.DossierDetailSerializer, **ERRORS}
UNIT_EDIT_NODES = ("draft", "revise")


def _current_version(dossier) -> int:
    return Dossier.objects.filter(pk=dossier.pk).values_list("version", flat=True)[0]


class DossierWriteView(ApiView):
    """A write on one visible dossier of this view's kind."""

    flow_class = None

    def dossier(self, pk: int):
        raise NotImplementedError

    def step(self, pk, *, nodes, perform, complete=True, status_code=200):
        """``perform(dossier, version)`` inside the open task of ``nodes``, once
        the person's right to the step is established; the ``If-Match`` version
        is compared under the flow's lock."""
        header = if_match_required(self.request)
        dossier = self.dossier(pk)

        def run(routed):
            routed.version = _current_version(routed)
            return perform(routed, if_match_version(header, routed))

        step_take(
            request=self.request,
            flow_class=self.flow_class,
            dossier=dossier,
            nodes=nodes,
            perform=run,
            complete=complete,
        )
        return detail_response(
            dossier_detail(user=self.request.user, pk=pk), status=status_code
        )

    #: A step whose body is only a comment: its nodes and its service call.
    comment_nodes: tuple[str, ...] = ()

    def comment_step(self, dossier, *, actor, comment: str, version: int, ip):
        raise NotImplementedError

    def post_comment_step(self, request, pk: int):
        data = self.body(serializers.CommentSerializer)

        def perform(dossier, version):
            self.comment_step(
                dossier,
                actor=request.user,
                comment=data.get("comment", ""),
                version=version,
                ip=self.ip(),
            )

        return self.step(pk, nodes=self.comment_nodes, perform=perform)

    def body(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class ProjectWriteView(DossierWriteView):
    flow_class = JobPositionProjectFlow

    def dossier(self, pk: int):
        return project_selectors.project_get(user=self.request.user, pk=pk)


class ProjectCreateView(ApiView):
    @extend_schema(
        summary=_("Open a draft job-position project"),
        description=_(
            "As “Lập đề án vị trí việc làm”: a unit officer of the unit opens the "
            "draft; its drafting task is theirs."
        ),
        request=serializers.ProjectCreateSerializer,
        responses={201: serializers.DossierDetailSerializer, **ERRORS},
    )
    def post(self, request):
        serializer = serializers.ProjectCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            unit = unit_get(user=request.user, pk=data["unit"])
        except Unit.DoesNotExist:
            raise Http404 from None

        def perform(activation):
            project = project_services.project_create(
                unit=unit,
                kind=data["kind"],
                title=data["title"],
                legal_basis=data.get("legal_basis", ""),
                justification=data.get("justification", ""),
                actor=request.user,
                ip=self.ip(),
            )
            activation.process.artifact = project
            return project

        project = process_start(
            request=request, node=JobPositionProjectFlow.start, perform=perform
        )
        return detail_response(
            dossier_detail(user=request.user, pk=project.pk),
            status=status.HTTP_201_CREATED,
        )


class ProjectEditView(ProjectWriteView):
    @extend_schema(
        summary=_("Edit a draft: its text and lines"),
        description=_(
            "As “Lưu” on the drafting or revision page (the task is taken if "
            "nobody holds it). `lines`, when given, replaces every line."
        ),
        parameters=[IF_MATCH],
        request=serializers.ProjectEditSerializer,
        responses=DETAIL,
    )
    def patch(self, request, pk: int):
        data = dict(self.body(serializers.ProjectEditSerializer))
        lines = data.pop("lines", None)

        def perform(project, version):
            project_services.project_draft_save(
                project=project,
                actor=request.user,
                fields=data,
                lines=None if lines is None else [_line(each) for each in lines],
                expected_version=version,
                ip=self.ip(),
            )

        return self.step(pk, nodes=UNIT_EDIT_NODES, perform=perform, complete=False)


def _line(item: dict) -> dict:
    line = {key: value for key, value in item.items() if value is not None}
    if "key" in line:
        line["key"] = str(line["key"])
    return line


class ProjectAttachView(ProjectWriteView):
    @extend_schema(
        summary=_("Attach a document"),
        parameters=[IF_MATCH],
        request={"multipart/form-data": serializers.AttachmentInputSerializer},
        responses={201: serializers.DossierDetailSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        data = self.body(serializers.AttachmentInputSerializer)

        def perform(project, version):
            attachment_add(
                dossier=project,
                actor=request.user,
                kind=data["kind"],
                file=data["file"],
                ip=self.ip(),
            )

        return self.step(
            pk,
            nodes=(*UNIT_EDIT_NODES, "submit"),
            perform=perform,
            complete=False,
            status_code=status.HTTP_201_CREATED,
        )


COMMENT_STEP = {
    "parameters": [IF_MATCH],
    "request": serializers.CommentSerializer,
    "responses": DETAIL,
}


class ProjectHandOverView(ProjectWriteView):
    comment_nodes = UNIT_EDIT_NODES

    @extend_schema(
        summary=_("Hand the draft to the unit head"),
        description=_(
            "As “Chuyển thủ trưởng ký” on the drafting or revision page (also the "
            "unit's answer to a supplement or revision request)."
        ),
        **COMMENT_STEP,
    )
    def post(self, request, pk: int):
        return self.post_comment_step(request, pk)

    def comment_step(self, dossier, *, actor, comment, version, ip):
        project_services.project_handover(
            project=dossier,
            actor=actor,
            comment=comment,
            expected_version=version,
            ip=ip,
        )


class ProjectSubmitView(ProjectWriteView):
    comment_nodes = ("submit",)

    @extend_schema(
        summary=_("Sign and submit (the unit head)"),
        description=_(
            "As “Ký và gửi” on the unit head's page: the first submission, or the "
            "answer to a supplement or revision request."
        ),
        **COMMENT_STEP,
    )
    def post(self, request, pk: int):
        return self.post_comment_step(request, pk)

    def comment_step(self, dossier, *, actor, comment, version, ip):
        dossier_services.dossier_submit(
            dossier=dossier, actor=actor, comment=comment, ip=ip
        )


class ProposalWriteView(DossierWriteView):
    flow_class = StaffingProposalFlow

    def dossier(self, pk: int):
        dossier = dossier_selectors.dossier_get(user=self.request.user, pk=pk)
        if not isinstance(dossier, StaffingProposal):
            raise Http404
        return dossier


class ProposalSaveView(ProposalWriteView):
    @extend_schema(
        summary=_("Save a unit's staffing proposal (the unit officer)"),
        description=_(
            "As “Lưu” on the proposal page; with `hand_over` true, as “Chuyển "
            "thủ trưởng”."
        ),
        parameters=[IF_MATCH],
        request=serializers.ProposalSaveSerializer,
        responses=DETAIL,
    )
    def post(self, request, pk: int):
        data = self.body(serializers.ProposalSaveSerializer)
        lines = {
            line["post_kind"]: {k: v for k, v in line.items() if k != "post_kind"}
            for line in data["lines"]
        }

        def perform(proposal, version):
            staffing_services.proposal_save(
                proposal=proposal,
                actor=request.user,
                lines=lines,
                expected_version=version,
                ip=self.ip(),
            )

        return self.step(
            pk, nodes=("draft",), perform=perform, complete=data["hand_over"]
        )


class ProposalSubmitView(ProposalWriteView):
    comment_nodes = ("submit",)

    @extend_schema(
        summary=_("Submit a unit's staffing proposal (the unit head)"),
        **COMMENT_STEP,
    )
    def post(self, request, pk: int):
        return self.post_comment_step(request, pk)

    def comment_step(self, dossier, *, actor, comment, version, ip):
        staffing_services.proposal_submit(
            proposal=dossier, actor=actor, comment=comment, ip=ip
        )

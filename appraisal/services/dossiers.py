"""The steps every kind of dossier shares, written once: the submission of a
revision, reception at the one-stop desk (accept, supplement, refuse), the
appraiser's assignment, remarks and revision requests, the appraisal report (draft,
completion, the division head's review, the director's signature, sending it back)
and the committee's decision. Beneath them, what every action does: lock the
dossier's rows, check the status, the version and the actor's right, enforce
separation of duties, save with a new version, write the audit row and hand the new
state back to the caller's instance.

A kind of dossier plugs its own rules into the shared steps through
:class:`KindRules` (its snapshot, what a complete dossier carries, its computed
checks, the report fields only it has, what an approval does), registered by its own
module (``projects``, ``staffing``). A reader finds "how is a dossier received,
appraised, signed, decided" here, once; "what is special about a staffing plan" in
``staffing``.
"""

from __future__ import annotations

import contextlib
import contextvars
import copy
import datetime
import ipaddress
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser as User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import remove_perm

from orgchart.frozen_queries import FrozenQuery
from orgchart.frozen_writes import row_insert, row_update
from orgchart.permissions import Role, object_permission_grant
from orgchart.selectors import person_name, person_rights_in_action
from orgchart.transactions import atomic, on_step_rollback

from ..documents.registry import Step
from ..models import (
    AppraisalReport,
    AuditEntry,
    ChecklistAnswer,
    ChecklistCriterion,
    Decision,
    Dossier,
    Remark,
    Revision,
)
from ..models.calendar import ProcessingStep
from ..selectors.delegations import appraiser_or_delegate
from ..selectors.projects import (
    ACT_FOR_UNIT,
    SIGN_FOR_UNIT,
    user_acts_for_unit,
    user_is_party_to_unit,
    user_roles,
)
from .deadlines import due_date_for, due_date_resume
from .documents import documents_request
from .notifications import notification_audit_enqueue
from .numbering import RECEIPT, SUBMISSION, full_clean_issued, number_issue

__all__ = [
    "COMMITTEE_ISSUER",
    "HOME_AFFAIRS_ISSUER",
    "KindRules",
    "appraiser_move",
    "appraiser_require_eligible",
    "audit_acting_for",
    "audit_record",
    "clean_ip",
    "dossier_accept",
    "dossier_assign_appraiser",
    "dossier_decide",
    "dossier_lock",
    "dossier_refuse",
    "dossier_request_revision",
    "dossier_request_supplement",
    "dossier_save",
    "dossier_submit",
    "dossier_sync",
    "dossier_transition",
    "kind_rules",
    "kind_rules_register",
    "remark_add",
    "remark_resolve",
    "report_complete",
    "report_review",
    "report_save",
    "report_send_back",
    "report_sign",
    "require_appraiser",
    "require_known_fields",
    "require_not_party",
    "require_role",
    "require_status",
    "require_text",
    "require_unit_head",
    "require_unit_officer",
    "require_version",
    "today",
]

Status = Dossier.Status
Action = AuditEntry.Action

#: Issuer abbreviations on the numbers (Decree 30/2020/NĐ-CP Appendix I):
#: the Department of Home Affairs receives and submits, the Provincial People's
#: Committee decides.
HOME_AFFAIRS_ISSUER = getattr(settings, "APPRAISAL_HOME_AFFAIRS_ISSUER", "SNV")
COMMITTEE_ISSUER = getattr(settings, "APPRAISAL_COMMITTEE_ISSUER", "UBND")


# --- what a kind of dossier adds -------------------------------------------------


def _nothing(*_args, **_kwargs) -> None:
    return None


def _no_criteria(_dossier: Dossier) -> QuerySet:
    return ChecklistCriterion.objects.none()


@dataclass(frozen=True)
class KindRules:
    """What one kind of dossier (its own model, joined one-to-one to ``Dossier``)
    brings to the shared steps.

    - ``appraise_permission``: the object permission the assigned appraiser holds
      on the dossier (``app_label.codename`` of the kind's model);
    - ``require_complete(dossier)``: raises while the dossier lacks what a
      submission must carry;
    - ``snapshot(dossier)``: the dossier as submitted, in plain JSON (a revision);
    - ``criteria(dossier)``: the manual checklist criteria the appraiser answers;
    - ``checks(dossier)``: the computed checks frozen into the completed report;
    - ``report_fields``: report fields only this kind has, each with its writer
      ``(locked, report, value)`` and ``report_state(report)`` to tell a change;
    - ``report_ready(dossier, report)``: raises while the report cannot be
      completed for a reason of the kind;
    - ``approve(dossier, report, decision, effective_date, comment)``: what the
      committee's approval does for the kind: fills and saves ``decision`` (and
      returns it) or returns ``None`` when the approval is not yet a numbered
      decision (a staffing plan goes to the People's Council first); raises to
      refuse the approval (the firm legal limits);
    - ``decide_message``: the refusal told to someone not of the committee;
    - ``require_submitter(actor, dossier)``: raises unless ``actor`` may sign and
      submit the dossier (default: the head of the dossier's unit; a consolidation
      Home Affairs proposed is signed by its director).
    """

    model: type[Dossier]
    appraise_permission: str
    decide_message: Any
    require_complete: Callable[[Dossier], None] = _nothing
    snapshot: Callable[[Dossier], dict] = lambda dossier: {}
    criteria: Callable[[Dossier], QuerySet] = _no_criteria
    checks: Callable[[Dossier], list] = lambda dossier: []
    report_fields: dict[str, Callable] = field(default_factory=dict)
    report_state: Callable[[AppraisalReport], tuple] = lambda report: ()
    report_ready: Callable[[Dossier, AppraisalReport], None] = _nothing
    approve: Callable[..., Decision | None] = _nothing
    require_submitter: Callable[[Any, Dossier], None] | None = None


_RULES: dict[type, KindRules] = {}


def kind_rules_register(rules: KindRules) -> KindRules:
    """Plug a kind of dossier into the shared steps (once, by its own module)."""
    _RULES[rules.model] = rules
    return rules


def kind_rules(dossier: Dossier) -> KindRules:
    """The rules of the dossier's kind."""
    try:
        return _RULES[type(dossier.specific)]
    except KeyError as exc:  # a kind without shared steps
        raise ValidationError(
            _("This step does not apply to this kind of dossier."),
            code="not_applicable",
        ) from exc


def today() -> datetime.date:
    """Today in the province's time zone."""
    return timezone.localdate()


def clean_ip(ip: str | None) -> str | None:
    """A valid IP address for the audit trail, or nothing."""
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        return None


def dossier_sync(source: Dossier, target: Dossier) -> None:
    """Give the caller's instance the state the service wrote."""
    if source is target:
        return
    for f in source._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))


def _state(dossier: Dossier) -> dict[str, Any]:
    """The dossier's column values (mutable ones copied), to tell later which
    of them an action changed."""
    fields = dossier._meta.concrete_fields
    values = {f.attname: getattr(dossier, f.attname) for f in fields}
    return {
        name: copy.deepcopy(value) if isinstance(value, dict | list) else value
        for name, value in values.items()
    }


def dossier_save(dossier: Dossier, *, issued: Iterable[str] = ()) -> None:
    """Validate and save the (locked) dossier with a new version, so a form built
    on the older state is refused. A dossier read by :func:`dossier_lock` has
    only the fields the action changed validated and written (with every rule
    of the whole row, ``clean()``, and the constraints on those fields): the
    others were valid when read under the lock and nobody else has changed them
    since. ``issued``: fields holding a number the register has just given out
    (:func:`~appraisal.services.numbering.full_clean_issued`)."""
    dossier.version += 1
    dossier.updated_at = timezone.now()
    read = getattr(dossier, "_locked_state", None)
    if read is None:
        full_clean_issued(dossier, *issued)
        dossier.save()
        return
    fields = dossier._meta.concrete_fields
    changed = [f for f in fields if getattr(dossier, f.attname) != read[f.attname]]
    full_clean_issued(
        dossier,
        *issued,
        exclude=[f.name for f in fields if f not in changed],
    )
    row_update(dossier, [f.name for f in changed])
    dossier._locked_state = _state(dossier)


#: Through which door the person is acting (the pages unless an API request says
#: otherwise); every audit row records it.
_CHANNEL: contextvars.ContextVar[str] = contextvars.ContextVar(
    "audit_channel", default=AuditEntry.Channel.WEB
)


@contextlib.contextmanager
def audit_channel(channel: str) -> Iterator[None]:
    """Record every audit row written inside the block as made through
    ``channel`` (``AuditEntry.Channel``): the API wraps each request in it, so
    the services write "via API" without a parameter of their own."""
    token = _CHANNEL.set(channel)
    try:
        yield
    finally:
        _CHANNEL.reset(token)


def audit_channel_current() -> str:
    return _CHANNEL.get()


#: The absent person the actor stands in for (a delegation), if any.
_ON_BEHALF_OF: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "audit_on_behalf_of", default=None
)


@contextlib.contextmanager
def audit_acting_for(person) -> Iterator[None]:
    """Record every audit row written inside the block as made for ``person``
    (the absent colleague the actor stands in for, ``Delegation``): the row
    says "X for Y". ``None`` records the actor acting in their own name."""
    token = _ON_BEHALF_OF.set(person)
    try:
        yield
    finally:
        _ON_BEHALF_OF.reset(token)


def audit_acting_for_current():
    return _ON_BEHALF_OF.get()


def _audit_entry(
    dossier: Dossier,
    *,
    actor: User | None,
    action: str,
    from_status: str,
    comment: str,
    ip: str | None,
    first: bool = False,
) -> AuditEntry:
    """The dossier's next audit line, sealed to the dossier's chain head (not
    saved). The head is the one read with the dossier's lock by
    :func:`dossier_lock` and kept on that instance since; any other instance
    reads it afresh under the lock. ``first``: the first line of a dossier this
    transaction has just written, whose head is empty."""
    if first:
        previous = ""
    elif getattr(dossier, "_audit_locked", False):
        previous = dossier.audit_head
    else:
        previous = (
            Dossier.objects.select_for_update()
            .values_list("audit_head", flat=True)
            .get(pk=dossier.pk)
        )
    entry = AuditEntry(
        dossier=dossier,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=dossier.status,
        revision_number=dossier.current_revision,
        comment=comment or "",
        ip=clean_ip(ip),
        channel=_CHANNEL.get(),
    )
    on_behalf_of = _ON_BEHALF_OF.get()
    if on_behalf_of is not None and actor is not None and on_behalf_of.pk != actor.pk:
        entry.on_behalf_of = on_behalf_of
    entry.seal(previous or "")
    return entry


def audit_record(
    dossier: Dossier,
    *,
    actor: User | None,
    action: str,
    from_status: str,
    comment: str = "",
    ip: str | None = None,
    new: bool = False,
) -> AuditEntry:
    """One line of the dossier's history (Circular 01/2018/TT-VPCP, forms 05–06),
    chained by its hash to the dossier's previous line, whose hash the dossier's
    row keeps (``audit_head``): the row is locked (by the caller's
    :func:`dossier_lock`, or here) so that two lines of one dossier are never
    chained to the same predecessor. ``new``: the dossier's row was just
    written by this transaction (its first line), which nobody else sees before
    the commit: its empty head is not read again. The people concerned by a
    supplement, a revision or a decision are told after commit
    (``notifications``)."""
    with transaction.atomic(savepoint=False):
        entry = _audit_entry(
            dossier,
            actor=actor,
            action=action,
            from_status=from_status,
            comment=comment,
            ip=ip,
            first=new,
        )
        row_insert(entry)
        Dossier.objects.filter(pk=dossier.pk).update(audit_head=entry.chain_hash)
    dossier.audit_head = entry.chain_hash
    notification_audit_enqueue(entry, dossier)
    return entry


def audit_created(dossier: Dossier, *, actor: User | None, ip: str | None = None):
    """The first line of the history of a dossier this transaction has just
    opened (a draft), sealed to its empty chain head."""
    return audit_record(
        dossier,
        actor=actor,
        action=Action.CREATED,
        from_status=Status.DRAFT,
        ip=ip,
        new=True,
    )


def dossier_transition(
    locked: Dossier,
    dossier: Dossier,
    *,
    actor: User | None,
    action: str,
    from_status: str,
    comment: str = "",
    ip: str | None = None,
    issued: Iterable[str] = (),
) -> None:
    """Save a status change of the locked dossier, record it in the audit trail and
    hand the new state to the caller's instance: the last step of every action.
    The new chain head is written in the same update as the status. ``issued``:
    as :func:`dossier_save`'s."""
    entry = _audit_entry(
        locked,
        actor=actor,
        action=action,
        from_status=from_status,
        comment=comment,
        ip=ip,
    )
    locked.audit_head = entry.chain_hash
    dossier_save(locked, issued=issued)
    row_insert(entry)
    notification_audit_enqueue(entry, locked)
    dossier_sync(locked, dossier)


def require_status(dossier: Dossier, *allowed: str) -> None:
    if dossier.status not in allowed:
        raise ValidationError(
            _(
                "This is not possible while the dossier is “%(status)s”. Someone may "
                "have acted on it already: reload the page to see its current state."
            ),
            code="wrong_status",
            params={"status": dossier.get_status_display()},
        )


def require_version(dossier: Dossier, expected: int | None) -> None:
    if expected is not None and int(expected) != dossier.version:
        raise ValidationError(
            _(
                "The dossier was changed by someone else since you opened it. Reload "
                "the page, check their changes and make yours again."
            ),
            code="stale",
        )


def require_role(actor, role: str, code: str, message) -> None:
    """``actor`` holds the product role ``role`` (read afresh, inside the action's
    transaction)."""
    if role not in user_roles(actor):
        raise ValidationError(message, code=code)


def require_not_party(actor, dossier: Dossier) -> None:
    """Separation of duties: nobody who drafts or signs for the dossier's unit
    appraises or decides it (Decree 62/2020/NĐ-CP Art. 7)."""
    if user_is_party_to_unit(actor, dossier.unit):
        raise ValidationError(
            _(
                "You draft or sign for %(unit)s, so you may neither appraise nor "
                "decide its dossiers (separation of duties)."
            ),
            code="conflict_of_interest",
            params={"unit": dossier.unit},
        )


#: The dossiers read and locked by the request's action so far, by primary key
#: (None outside an action: see :func:`dossier_locks_in_action`).
_HELD: contextvars.ContextVar[dict[int, Dossier] | None] = contextvars.ContextVar(
    "dossiers_held", default=None
)


#: The dossiers an action read with its task, not yet asked for by
#: :func:`dossier_visible_get`, by kind, relations and key.
_PREREAD: contextvars.ContextVar[dict[tuple, Dossier] | None] = contextvars.ContextVar(
    "dossiers_preread", default=None
)


@contextlib.contextmanager
def dossier_locks_in_action() -> Iterator[None]:
    """Inside one transaction (a task's POST), the page's own read of its
    dossier (:func:`dossier_visible_get`) takes the lock the service would take, and
    the service's :func:`dossier_lock` returns that reading instead of reading
    the rows a second time."""
    token = _HELD.set({})
    preread = _PREREAD.set({})
    try:
        yield
    finally:
        _PREREAD.reset(preread)
        _HELD.reset(token)


def _lock_of(model) -> tuple[str, ...]:
    return ("self",) if model is Dossier else ("self", "dossier_ptr")


def _mark_locked(locked: Dossier) -> Dossier:
    # Its audit chain head was read under the lock: the audit lines written
    # through this instance chain to it without reading it again.
    locked._audit_locked = True
    locked._locked_state = _state(locked)
    return locked


#: The read of one dossier of a kind by its key, with its relations, locked or
#: not (compiled once: :mod:`orgchart.frozen_queries`).
_KEY_READS: dict[tuple, FrozenQuery] = {}


def _key_query(model, related: tuple[str, ...], lock: bool, pk) -> QuerySet:
    query = model.objects.select_related(*related).filter(pk=pk)
    if lock:
        query = query.select_for_update(of=_lock_of(model))
    return query


def _key_read(model, related: tuple[str, ...], lock: bool) -> FrozenQuery:
    read = _KEY_READS.get((model, related, lock))
    if read is None:

        def build(pk):
            return _key_query(model, related, lock, pk)

        read = _KEY_READS.setdefault((model, related, lock), FrozenQuery(build))
    return read


def _action_related(related: Iterable[str]) -> tuple[str, ...]:
    # In an action the report comes with the dossier (:func:`report_of`).
    return (*related, "report")


def dossier_action_query(model, pk, *, related: Iterable[str] = ()) -> QuerySet:
    """The query :func:`dossier_visible_get` makes in an action for ``model``'s
    dossier ``pk`` (a value or an expression: the key a process points at), for
    a caller reading it in the same statement as something else (the task of
    the step, :mod:`workflows.nodes`); hand its row to :func:`dossier_preread`."""
    return _key_query(model, _action_related(related), True, pk)


def dossier_preread(dossier: Dossier | None, *, related: Iterable[str] = ()) -> None:
    """``dossier``, read by :func:`dossier_action_query` with ``related`` in this
    action, is what :func:`dossier_visible_get` answers for it next, instead of
    reading it (still asking whether the person may see it)."""
    preread = _PREREAD.get()
    if preread is not None and dossier is not None:
        preread[type(dossier), _action_related(related), dossier.pk] = dossier


def dossier_visible_get(
    model, pk, *, visible: Callable[[Dossier], bool], related: Iterable[str] = ()
) -> Dossier | None:
    """``model``'s dossier ``pk`` with ``related`` joined if ``visible`` says the
    person may see it (a kind's scope evaluated on the row: the same rule as its
    lists' query), or None. In an action (:func:`dossier_locks_in_action`) its
    rows are locked as :func:`dossier_lock` locks them, and kept for it. The read
    is by the key alone, so its SQL is compiled once, not per person. In an
    action its appraisal report comes joined as well (:func:`report_of`)."""
    held = _HELD.get()
    related = tuple(related)
    dossier = None
    if held is not None:
        related = _action_related(related)
        dossier = (_PREREAD.get() or {}).pop((model, related, pk), None)
    if dossier is None:
        found = _key_read(model, related, held is not None)(pk=pk)
        dossier = found[0] if found else None
    if dossier is None or not visible(dossier):
        return None
    if held is not None:
        dossier._report_held = True
        held[dossier.pk] = _mark_locked(dossier)
    return dossier


_REPORT = Dossier.report.related


def report_of(locked: Dossier, *, lock: bool = False) -> AppraisalReport | None:
    """The appraisal report of the ``locked`` dossier, or None. In an action,
    the one read with the dossier under the flow's lock
    (:func:`dossier_visible_get`): every step writing a report holds that lock
    and the dossier's, so the row cannot change under it. Otherwise read, and
    locked with ``lock``."""
    if getattr(locked, "_report_held", False) and _REPORT.is_cached(locked):
        return _REPORT.get_cached_value(locked)
    query = AppraisalReport.objects.filter(dossier=locked)
    if lock:
        query = query.select_for_update()
    return query.first()


def _report_kept(locked: Dossier, report: AppraisalReport) -> None:
    """``report``, just created for ``locked``, is the one :func:`report_of`
    answers for the rest of the action."""
    if getattr(locked, "_report_held", False):
        _REPORT.set_cached_value(locked, report)


def _report_required(locked: Dossier) -> AppraisalReport:
    report = report_of(locked, lock=True)
    if report is None:
        raise AppraisalReport.DoesNotExist(f"Dossier {locked.pk} has no report.")
    return report


def _held(dossier: Dossier | int) -> Dossier | None:
    held = _HELD.get()
    if not held:
        return None
    found = held.get(getattr(dossier, "pk", dossier))
    if found is None or (
        isinstance(dossier, Dossier)
        and type(dossier) is not Dossier
        and not isinstance(found, type(dossier))
    ):
        return None
    # Should the step fail, the page shows the dossier as it is again.
    read = _state(found)
    on_step_rollback(lambda: _restore(found, read))
    return found


#: What a step keeps on a dossier read under its lock besides its columns: its
#: prefetched relations and the services' readings (a consolidation's pending
#: operations with their positions, the decision just approved, a project's with
#: its lines).
KEPT_READINGS = (
    "_prefetched_objects_cache",
    "_pending_read",
    "_approved_decision",
    "_approved_decision_lines",
)


def _restore(dossier: Dossier, state: dict[str, Any]) -> None:
    for name, value in state.items():
        setattr(dossier, name, value)
    # Relations and readings kept on it may hold what the step wrote.
    for name in KEPT_READINGS:
        dossier.__dict__.pop(name, None)
    # Its report too, read again when asked (the step may have changed it).
    dossier.__dict__.pop("_report_held", None)
    dossier._locked_state = _state(dossier)


def dossier_lock(dossier: Dossier | int, *, related: Iterable[str] = ()) -> Dossier:
    """The dossier as its own kind, its rows locked until the transaction ends, so
    two people acting on the same dossier at once are served one after the other
    (PostgreSQL: the row locks; SQLite ignores ``FOR UPDATE`` but its transactions
    take the database's write lock when they begin, see ``config.settings``).
    Both rows are locked: the status and dates live in the dossier's row, and
    PostgreSQL re-reads after a lock wait only the rows it locked. In an action
    whose page read the dossier under the lock already, that reading. Its unit
    is joined, and the relations ``related`` names."""
    held = _held(dossier)
    if held is not None:
        return held
    if isinstance(dossier, Dossier) and type(dossier) is not Dossier:
        model = type(dossier)
    else:
        pk = getattr(dossier, "pk", dossier)
        model = type(Dossier.objects.get(pk=pk).specific)
    pk = getattr(dossier, "pk", dossier)
    query = model.objects.select_for_update(of=_lock_of(model))
    return _mark_locked(query.select_related("unit", *related).get(pk=pk))


def require_known_fields(fields, allowed) -> None:
    """Refuse, by name, the fields of ``fields`` not in ``allowed``."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s."),
            code="field_not_editable",
            params={"fields": ", ".join(sorted(unknown))},
        )


def require_text(value: str, *, field: str, message) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: ValidationError(message, code="required")})
    return value


def require_unit_officer(actor, dossier: Dossier) -> None:
    if not user_acts_for_unit(actor, dossier.unit, ACT_FOR_UNIT):
        raise ValidationError(
            _("Only an officer of %(unit)s may prepare its dossier."),
            code="not_unit_officer",
            params={"unit": dossier.unit},
        )


def require_unit_head(actor, dossier: Dossier) -> None:
    if not user_acts_for_unit(actor, dossier.unit, SIGN_FOR_UNIT):
        raise ValidationError(
            _("Only the head of %(unit)s may sign and submit its dossier."),
            code="not_unit_head",
            params={"unit": dossier.unit},
        )


def require_appraiser(actor, dossier: Dossier) -> None:
    """The appraiser assigned to the dossier, or a colleague standing in for them
    (``Delegation``), still an appraiser, not a party."""
    if (
        not actor.is_active
        or not appraiser_or_delegate(actor, dossier)
        or Role.APPRAISER not in user_roles(actor)
    ):
        raise ValidationError(
            _("Only the appraiser assigned to this dossier may appraise it."),
            code="not_assigned_appraiser",
        )
    require_not_party(actor, dossier)


def _require_reception(actor) -> None:
    require_role(
        actor,
        Role.RECEPTION,
        "not_reception",
        _("Only the one-stop reception of Home Affairs may receive dossiers."),
    )


def _require_division_head(actor, message) -> None:
    require_role(actor, Role.DIVISION_HEAD, "not_division_head", message)


def _require_director(actor) -> None:
    require_role(
        actor,
        Role.DIRECTOR,
        "not_director",
        _("Only the director of Home Affairs signs the appraisal report."),
    )


# --- submission and reception ----------------------------------------------------


@atomic
def dossier_submit(
    *, dossier: Dossier, actor: User, comment: str = "", ip: str | None = None
) -> Revision:
    """The unit head signs and submits the dossier (Tờ trình): it is frozen as the
    next numbered revision. A first submission or an answer to a supplement request
    goes to reception; an answer to a revision request goes back to the appraiser,
    and the stopped clock restarts (the due date moves by the working days the unit
    held it). Refused while the dossier lacks what its kind requires."""
    locked = dossier_lock(dossier)
    rules = kind_rules(locked)
    (rules.require_submitter or require_unit_head)(actor, locked)
    require_status(locked, *locked.EDITABLE_STATUSES)
    rules.require_complete(locked)
    on = today()
    from_status = locked.status
    number = locked.current_revision + 1
    revision = Revision.objects.create(
        dossier=locked,
        number=number,
        snapshot=rules.snapshot(locked),
        submitted_by=actor,
    )
    locked.attachments.filter(submitted_in__isnull=True).update(submitted_in=number)
    locked.current_revision = number
    locked.submitted_on = on
    if from_status == Status.DRAFT:
        locked.status = Status.SUBMITTED
        locked.due_on = due_date_for(
            dossier_kind=locked.dossier_kind, step=ProcessingStep.RECEIVE, start=on
        )
    else:
        locked.status = (
            Status.SUBMITTED
            if from_status == Status.SUPPLEMENT_REQUESTED
            else Status.UNDER_APPRAISAL
        )
        if locked.due_on and locked.clock_paused_on:
            locked.due_on = due_date_resume(
                due=locked.due_on, paused_on=locked.clock_paused_on, resumed_on=on
            )
    locked.clock_paused_on = None
    documents_request(dossier=locked, step=Step.SUBMIT, signer=actor)
    dossier_transition(
        locked,
        dossier,
        actor=actor,
        action=Action.SUBMITTED,
        from_status=from_status,
        comment=comment,
        ip=ip,
    )
    return revision


@atomic
def dossier_accept(
    *, dossier: Dossier, actor: User, comment: str = "", ip: str | None = None
) -> Dossier:
    """Reception finds the dossier complete and receives it: a receipt number of the
    one-stop register (form No. 01 of Circular 01/2018/TT-VPCP), the receipt date,
    and the due date of the whole appraisal in working days from receipt (for a
    job-position project Decree 106/2020/NĐ-CP Art. 7(3); each kind's time limit
    is configured)."""
    locked = dossier_lock(dossier)
    _require_reception(actor)
    require_status(locked, Status.SUBMITTED)
    on = today()
    issued = number_issue(
        issuer=HOME_AFFAIRS_ISSUER,
        doc_type=RECEIPT,
        on=on,
        subject=str(_("Receipt of dossier %(pk)s") % {"pk": locked.pk}),
    )
    from_status = locked.status
    locked.receipt_number = issued.text
    locked.received_on = on
    locked.due_on = due_date_for(
        dossier_kind=locked.dossier_kind, step=ProcessingStep.TOTAL, start=on
    )
    locked.status = Status.RECEIVED
    dossier_transition(
        locked,
        dossier,
        actor=actor,
        action=Action.ACCEPTED,
        from_status=from_status,
        comment=comment,
        ip=ip,
        issued=["receipt_number"],
    )
    return dossier


@atomic
def dossier_request_supplement(
    *, dossier: Dossier, actor: User, reason: str, ip: str | None = None
) -> Dossier:
    """Reception finds the dossier incomplete and sends it back to the unit with
    what to add (form No. 02 of Circular 01/2018/TT-VPCP); the clock stops until the
    unit head submits it again. The reason is also left as a general remark."""
    reason = require_text(
        reason, field="reason", message=_("Say what the unit must add or correct.")
    )
    locked = dossier_lock(dossier)
    _require_reception(actor)
    require_status(locked, Status.SUBMITTED)
    from_status = locked.status
    Remark.objects.create(
        dossier=locked,
        revision_number=locked.current_revision,
        text=reason,
        author=actor,
    )
    locked.status = Status.SUPPLEMENT_REQUESTED
    locked.clock_paused_on = today()
    dossier_transition(
        locked,
        dossier,
        actor=actor,
        action=Action.SUPPLEMENT_REQUESTED,
        from_status=from_status,
        comment=reason,
        ip=ip,
    )
    return dossier


@atomic
def dossier_refuse(
    *, dossier: Dossier, actor: User, reason: str, ip: str | None = None
) -> Dossier:
    """Reception refuses the dossier with the reason (form No. 03 of Circular
    01/2018/TT-VPCP), e.g. a matter outside the Department's remit. The dossier
    ends here."""
    reason = require_text(
        reason, field="reason", message=_("Give the reason for the refusal.")
    )
    locked = dossier_lock(dossier)
    _require_reception(actor)
    require_status(locked, Status.SUBMITTED)
    from_status = locked.status
    locked.status = Status.REFUSED
    locked.outcome = Dossier.Outcome.REFUSED
    locked.clock_paused_on = None
    dossier_transition(
        locked,
        dossier,
        actor=actor,
        action=Action.REFUSED,
        from_status=from_status,
        comment=reason,
        ip=ip,
    )
    return dossier


# --- appraisal ---------------------------------------------------------------------


def appraiser_require_eligible(appraiser, locked: Dossier) -> None:
    """``appraiser`` may appraise ``locked``: an active appraiser who neither
    drafts nor signs for its unit (separation of duties). Their roles and
    grants are read once, inside the action's transaction."""
    with person_rights_in_action(appraiser):
        _appraiser_require_eligible(appraiser, locked)


def _appraiser_require_eligible(appraiser, locked: Dossier) -> None:
    if not appraiser.is_active or Role.APPRAISER not in user_roles(appraiser):
        raise ValidationError(
            {
                "appraiser": ValidationError(
                    _("%(user)s is not an appraiser."),
                    code="not_an_appraiser",
                    params={"user": appraiser},
                )
            }
        )
    if user_is_party_to_unit(appraiser, locked.unit):
        raise ValidationError(
            {
                "appraiser": ValidationError(
                    _(
                        "%(user)s drafts or signs for %(unit)s and cannot appraise its "
                        "dossier (separation of duties)."
                    ),
                    code="conflict_of_interest",
                    params={"user": appraiser, "unit": locked.unit},
                )
            }
        )


def appraiser_move(locked: Dossier, appraiser) -> None:
    """Give the (locked) dossier to ``appraiser``: the kind's object permission to
    appraise it moves from the previous appraiser to them (the caller saves)."""
    rules = kind_rules(locked)
    previous = locked.assigned_appraiser
    if previous is not None:
        remove_perm(rules.appraise_permission, previous, locked)
    object_permission_grant(rules.appraise_permission, appraiser, locked)
    locked.assigned_appraiser = appraiser


@atomic
def dossier_assign_appraiser(
    *,
    dossier: Dossier,
    actor: User,
    appraiser: User,
    comment: str = "",
    ip: str | None = None,
) -> Dossier:
    """The head of the organisation and payroll division assigns a received dossier
    to an appraiser (or reassigns it during the appraisal). The appraiser must hold
    the appraiser role and must not draft or sign for the unit (separation of
    duties). The appraiser also gets the kind's object permission to appraise the
    dossier (``KindRules.appraise_permission``)."""
    locked = dossier_lock(dossier)
    require_role(
        actor,
        Role.DIVISION_HEAD,
        "not_division_head",
        _("Only the head of the organisation and payroll division assigns appraisers."),
    )
    require_status(locked, Status.RECEIVED, Status.UNDER_APPRAISAL)
    appraiser_require_eligible(appraiser, locked)
    if locked.assigned_appraiser_id == appraiser.pk:
        raise ValidationError(
            _("%(user)s is already the appraiser of this dossier."),
            code="already_assigned",
            params={"user": appraiser},
        )
    from_status = locked.status
    appraiser_move(locked, appraiser)
    locked.status = Status.UNDER_APPRAISAL
    dossier_transition(
        locked,
        dossier,
        actor=actor,
        action=Action.APPRAISER_ASSIGNED,
        from_status=from_status,
        comment=comment or person_name(appraiser),
        ip=ip,
    )
    return dossier


@atomic
def remark_add(
    *,
    dossier: Dossier,
    actor: User,
    text: str,
    line=None,
    ip: str | None = None,
) -> Remark:
    """The appraiser notes a remark on a line or on the whole dossier, for the unit
    to answer in its next revision."""
    text = require_text(text, field="text", message=_("Write the remark."))
    locked = dossier_lock(dossier)
    require_appraiser(actor, locked)
    require_status(locked, Status.UNDER_APPRAISAL)
    if line is not None and line.project_id != locked.pk:
        raise ValidationError(
            {
                "line": ValidationError(
                    _("This line is not of this dossier."), code="invalid"
                )
            }
        )
    remark = Remark.objects.create(
        dossier=locked,
        revision_number=locked.current_revision,
        line=line,
        line_key=line.key if line is not None else None,
        text=text,
        author=actor,
    )
    dossier_transition(
        locked,
        locked,
        actor=actor,
        action=Action.REMARK_ADDED,
        from_status=locked.status,
        comment=text,
        ip=ip,
    )
    dossier_sync(locked, dossier)
    return remark


@atomic
def remark_resolve(*, remark: Remark, actor: User, ip: str | None = None) -> Remark:
    """The appraiser marks a remark as answered by the unit."""
    locked = dossier_lock(remark.dossier_id)
    require_appraiser(actor, locked)
    require_status(locked, Status.UNDER_APPRAISAL)
    remark = Remark.objects.get(pk=remark.pk, dossier=locked)
    if remark.resolved:
        raise ValidationError(
            _("This remark is already resolved."), code="already_resolved"
        )
    remark.resolved = True
    remark.save(update_fields=["resolved"])
    dossier_transition(
        locked,
        locked,
        actor=actor,
        action=Action.REMARK_RESOLVED,
        from_status=locked.status,
        comment=remark.text,
        ip=ip,
    )
    return remark


@atomic
def dossier_request_revision(
    *, dossier: Dossier, actor: User, comment: str = "", ip: str | None = None
) -> Dossier:
    """The appraiser sends the dossier back to the unit to revise it with the open
    remarks (the comment, if any, is added as a general remark). The clock stops
    until the unit head submits the next revision."""
    comment = (comment or "").strip()
    locked = dossier_lock(dossier)
    require_appraiser(actor, locked)
    require_status(locked, Status.UNDER_APPRAISAL)
    if not comment and not locked.remarks.filter(resolved=False).exists():
        raise ValidationError(
            _("Add a remark or a comment telling the unit what to revise."),
            code="no_remarks",
        )
    if comment:
        Remark.objects.create(
            dossier=locked,
            revision_number=locked.current_revision,
            text=comment,
            author=actor,
        )
    from_status = locked.status
    locked.status = Status.REVISION_REQUESTED
    locked.clock_paused_on = today()
    dossier_transition(
        locked,
        dossier,
        actor=actor,
        action=Action.REVISION_REQUESTED,
        from_status=from_status,
        comment=comment,
        ip=ip,
    )
    return dossier


# --- the appraisal report ------------------------------------------------------------


def _answers_read(answers) -> list[tuple[str, str, str, ChecklistCriterion | None]]:
    """``(code, result, note, criterion)`` from ``{code: result}``, ``{code:
    {"result", "note"}}`` or a list of dicts with ``criterion``/``code``,
    ``result``, ``note``; ``criterion`` when the caller gave it as an instance
    read from the database (a form's criteria, read in the same transaction),
    which is not read again, else ``None``."""
    if isinstance(answers, dict):
        raw = [
            {"code": code, **(value if isinstance(value, dict) else {"result": value})}
            for code, value in answers.items()
        ]
    else:
        raw = list(answers)
    items = []
    for entry in raw:
        criterion = entry.get("criterion", entry.get("code"))
        code = getattr(criterion, "code", criterion)
        read = (
            criterion
            if isinstance(criterion, ChecklistCriterion)
            and not criterion._state.adding
            and criterion.pk is not None
            else None
        )
        items.append(
            (str(code), entry.get("result") or "", entry.get("note") or "", read)
        )
    return items


_REPORT_FIELDS = frozenset({"recommendation", "text", "answers"})


def _report_state(report: AppraisalReport, rules: KindRules) -> tuple:
    """What the report says besides its answers, to tell whether a save changed
    anything (the answers tell it themselves, :func:`_answers_save`)."""
    return (report.recommendation, report.text, rules.report_state(report))


def _report_write(
    locked: Dossier, *, actor: User, fields: dict
) -> tuple[AppraisalReport, bool]:
    """Write the report's draft fields (no audit row); whether anything changed.
    The dossier's lock guards the creation of its one report (no savepoint for
    a race there cannot be; the table's unique dossier stays the last word)."""
    rules = kind_rules(locked)
    require_known_fields(fields, {*_REPORT_FIELDS, *rules.report_fields})
    report = report_of(locked)
    created = report is None
    if created:
        report = AppraisalReport(dossier=locked)
    report.dossier = locked  # held: its row is not looked up again to validate
    before = None if created else _report_state(report, rules)
    if "recommendation" in fields:
        report.recommendation = fields["recommendation"] or ""
    if "text" in fields:
        report.text = fields["text"] or ""
    report.author = actor
    report.draft = True
    report.updated_at = timezone.now()
    report.full_clean(validate_unique=False)
    report.save()
    if created:
        _report_kept(locked, report)
    answered = "answers" in fields and _answers_save(
        report, fields["answers"], existing=() if created else None
    )
    for name, write in rules.report_fields.items():
        if name in fields:
            write(locked, report, fields[name])
    return report, created or answered or before != _report_state(report, rules)


@atomic
def report_save(
    *,
    dossier: Dossier,
    actor: User,
    expected_version: int | None = None,
    ip: str | None = None,
    **fields,
) -> AppraisalReport:
    """Save the appraisal report as a draft (any number of times over several
    days): ``recommendation``, ``text``, ``answers`` to the manual criteria
    (``{code: "pass" | "fail" | "remark" | {"result": …, "note": …}}``; an empty
    result clears an answer) and the fields of the dossier's kind
    (``KindRules.report_fields``, e.g. a project's ``proposed_lines`` for "approve
    with changes"). A save that changes
    nothing writes no audit row (the task page saves the report it holds before
    every other action of the appraiser)."""
    locked = dossier_lock(dossier)
    require_appraiser(actor, locked)
    require_status(locked, Status.UNDER_APPRAISAL)
    require_version(locked, expected_version)
    report, changed = _report_write(locked, actor=actor, fields=fields)
    if changed:
        dossier_transition(
            locked,
            locked,
            actor=actor,
            action=Action.REPORT_SAVED,
            from_status=locked.status,
            ip=ip,
        )
    dossier_sync(locked, dossier)
    return report


def _answers_save(report: AppraisalReport, answers, *, existing=None) -> bool:
    """Write the report's answers as given; whether any changed. ``existing=()``:
    the report is new and has none yet (not read)."""
    items = _answers_read(answers)
    criteria = {code: read for code, _r, _n, read in items if read is not None}
    unread = [code for code, _r, _n, _read in items if code not in criteria]
    if unread:
        criteria.update(
            (c.code, c) for c in ChecklistCriterion.objects.filter(code__in=unread)
        )
    if existing is None:
        existing = report.answers.all()
    existing = {a.criterion_id: a for a in existing}
    errors = []
    created, changed, dropped = [], [], []
    for code, result, note, _read in items:
        criterion = criteria.get(code)
        if criterion is None:
            errors.append(
                ValidationError(
                    _("Unknown checklist criterion %(code)s."),
                    code="unknown_criterion",
                    params={"code": code},
                )
            )
            continue
        answer = existing.get(criterion.pk)
        if not result:
            if answer is not None:
                dropped.append(answer.pk)
            continue
        if answer is None:
            answer = ChecklistAnswer(report=report, criterion=criterion)
        elif (answer.result, answer.note) == (result, note.strip()):
            continue
        answer.result, answer.note = result, note.strip()
        try:
            answer.full_clean(exclude=["report"], validate_unique=False)
        except ValidationError as exc:
            errors.extend(
                ValidationError(
                    _("%(criterion)s: %(reason)s"),
                    code="invalid_answer",
                    params={"criterion": criterion.label, "reason": message},
                )
                for message in exc.messages
            )
            continue
        (created if answer.pk is None else changed).append(answer)
    if errors:
        raise ValidationError(errors)
    # Written together once every answer is valid (a statement each at most).
    if dropped:
        ChecklistAnswer.objects.filter(pk__in=dropped).delete()
    if created:
        ChecklistAnswer.objects.bulk_create(created)
    if changed:
        ChecklistAnswer.objects.bulk_update(changed, ["result", "note"])
    return bool(dropped or created or changed)


@atomic
def report_complete(
    *,
    dossier: Dossier,
    actor: User,
    comment: str = "",
    ip: str | None = None,
    expected_version: int | None = None,
    **report_fields,
) -> AppraisalReport:
    """The appraiser completes the report and hands it to the director, with the
    report as the page holds it if given (the fields of :func:`report_save`).
    Refused, with nothing written, while an active manual criterion is unanswered
    (error on ``answers``, the codes in its params), without a recommendation (on
    ``recommendation``), or while the kind's own rule refuses it
    (``KindRules.report_ready``: a project recommending changes without the
    proposed lines). The computed checks are frozen into the report; the
    completion is the one audit row of the action."""
    locked = dossier_lock(dossier)
    require_appraiser(actor, locked)
    require_status(locked, Status.UNDER_APPRAISAL)
    require_version(locked, expected_version)
    report = None
    if report_fields:
        report, _changed = _report_write(locked, actor=actor, fields=report_fields)
    if report is None:
        report = report_of(locked)
    if report is None or not report.recommendation:
        raise ValidationError(
            {
                "recommendation": ValidationError(
                    _("Choose the report's recommendation."), code="required"
                )
            }
        )
    rules = kind_rules(locked)
    unanswered = list(
        rules.criteria(locked)
        .exclude(answers__report=report)
        .values_list("code", "label")
    )
    if unanswered:
        raise ValidationError(
            {
                "answers": ValidationError(
                    _("Answer every checklist criterion first: %(criteria)s."),
                    code="unanswered_criteria",
                    params={
                        "criteria": "; ".join(label for _code, label in unanswered),
                        "codes": [code for code, _label in unanswered],
                    },
                )
            }
        )
    rules.report_ready(locked, report)
    report.checklist_results = [result.as_dict() for result in rules.checks(locked)]
    report.draft = False
    report.completed_at = timezone.now()
    report.save()
    from_status = locked.status
    locked.status = Status.REPORT_COMPLETED
    dossier_transition(
        locked,
        dossier,
        actor=actor,
        action=Action.REPORT_COMPLETED,
        from_status=from_status,
        comment=comment,
        ip=ip,
    )
    return report


@atomic
def report_sign(
    *,
    dossier: Dossier,
    actor: User,
    comment: str = "",
    ip: str | None = None,
) -> AppraisalReport:
    """The director signs the report and the Department's submission to the
    committee, numbered in the Department's register (``…/TTr-SNV``, Decree
    30/2020/NĐ-CP)."""
    locked = dossier_lock(dossier)
    _require_director(actor)
    require_not_party(actor, locked)
    require_status(locked, Status.REPORT_REVIEWED)
    report = _report_required(locked)
    report.number = number_issue(
        issuer=HOME_AFFAIRS_ISSUER,
        doc_type=SUBMISSION,
        on=today(),
        subject=str(locked)[:255],
    ).text
    report.signed_by = actor
    report.signed_at = timezone.now()
    report.save()
    documents_request(dossier=locked, step=Step.REPORT_SIGN, signer=actor)
    from_status = locked.status
    locked.status = Status.AWAITING_DECISION
    dossier_transition(
        locked,
        dossier,
        actor=actor,
        action=Action.REPORT_SIGNED,
        from_status=from_status,
        comment=comment or report.number,
        ip=ip,
    )
    return report


_REVIEWS = _(
    "Only the head of the organisation and staffing division reviews the report."
)


@atomic
def report_review(
    *,
    dossier: Dossier,
    actor: User,
    comment: str = "",
    ip: str | None = None,
) -> AppraisalReport:
    """The head of the organisation and staffing division reviews the appraiser's
    completed report and passes it to the director for signature (the division
    prepares the Department's appraisal, Decree 62/2020/NĐ-CP Art. 7(2); the
    director signs it)."""
    locked = dossier_lock(dossier)
    _require_division_head(actor, _REVIEWS)
    require_not_party(actor, locked)
    require_status(locked, Status.REPORT_COMPLETED)
    report = _report_required(locked)
    from_status = locked.status
    locked.status = Status.REPORT_REVIEWED
    dossier_transition(
        locked,
        dossier,
        actor=actor,
        action=Action.REPORT_REVIEWED,
        from_status=from_status,
        comment=comment,
        ip=ip,
    )
    return report


@atomic
def report_send_back(
    *, dossier: Dossier, actor: User, comment: str, ip: str | None = None
) -> AppraisalReport:
    """The division head (reviewing) or the director (signing) sends the report
    back to the appraiser with what to change."""
    comment = require_text(
        comment, field="comment", message=_("Say what the appraiser must change.")
    )
    locked = dossier_lock(dossier)
    if locked.status == Status.REPORT_COMPLETED:
        _require_division_head(actor, _REVIEWS)
    else:
        _require_director(actor)
    require_not_party(actor, locked)
    require_status(locked, Status.REPORT_COMPLETED, Status.REPORT_REVIEWED)
    report = _report_required(locked)
    report.draft = True
    report.save(update_fields=["draft"])
    from_status = locked.status
    locked.status = Status.UNDER_APPRAISAL
    dossier_transition(
        locked,
        dossier,
        actor=actor,
        action=Action.REPORT_SENT_BACK,
        from_status=from_status,
        comment=comment,
        ip=ip,
    )
    return report


# --- decision ------------------------------------------------------------------------


@atomic
def dossier_decide(
    *,
    dossier: Dossier,
    actor: User,
    outcome: str,
    effective_date: datetime.date | None = None,
    comment: str = "",
    ip: str | None = None,
) -> Decision | None:
    """The committee answers the Department's submission (Decree 62/2020/NĐ-CP Art.
    7(3)): approve (what an approval does is the kind's: ``KindRules.approve``;
    a job-position project gets a decision numbered ``…/QĐ-UBND`` with its lines),
    return it to Home Affairs (the report goes back to the appraiser as a draft)
    or reject it, both with the reasons (Decree 106/2020/NĐ-CP Art. 7(3)). Nobody
    who drafts or signs for the unit may decide. Returns the decision recorded
    (``None`` when an approval is not yet a numbered decision)."""
    locked = dossier_lock(dossier)
    rules = kind_rules(locked)
    require_role(actor, Role.COMMITTEE, "not_committee", rules.decide_message)
    require_not_party(actor, locked)
    require_status(locked, Status.AWAITING_DECISION)
    if outcome not in Decision.Outcome.values:
        raise ValidationError(
            {"outcome": ValidationError(_("Choose the decision."), code="invalid")}
        )
    from_status = locked.status
    report = report_of(locked)
    decision = Decision(dossier=locked, outcome=outcome, date=today(), signer=actor)
    if outcome == Decision.Outcome.APPROVED:
        decision = rules.approve(locked, report, decision, effective_date, comment)
        if decision is not None:
            documents_request(dossier=locked, step=Step.DECIDE, signer=actor)
        locked.status = Status.APPROVED
        action = Action.APPROVED
    else:
        comment = require_text(
            comment,
            field="comment",
            message=_("Give the reasons for returning or rejecting the dossier."),
        )
        decision.reason = comment
        decision.full_clean()
        decision.save()
        if outcome == Decision.Outcome.REJECTED:
            locked.status = Status.REJECTED
            locked.outcome = Dossier.Outcome.REJECTED
            action = Action.REJECTED
        else:
            if report is not None:
                report.draft = True
                report.save(update_fields=["draft"])
            locked.status = Status.UNDER_APPRAISAL
            action = Action.RETURNED
    dossier_transition(
        locked,
        dossier,
        actor=actor,
        action=action,
        from_status=from_status,
        comment=comment or (decision.number if decision is not None else ""),
        ip=ip,
    )
    return decision

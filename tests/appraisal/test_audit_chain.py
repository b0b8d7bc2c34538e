"""The audit trail is tamper-evident: every entry is chained by its hash to the
dossier's entry before it, ``verify_audit`` names the first broken entry after
a row is changed or removed directly in the database, and PostgreSQL itself
refuses to change or delete an entry."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from appraisal.models import AuditEntry
from appraisal.selectors.audit import audit_chains_verify
from tests.appraisal.project_fixtures import *  # noqa: F403
from tests.appraisal.project_fixtures import Status, advance

TABLE = AuditEntry._meta.db_table


@pytest.fixture
def history(draft, people):
    """A project taken to the committee: a dozen entries, several dossiers'
    worth of steps in one chain."""
    advance(draft, people, to=Status.AWAITING_DECISION)
    return list(draft.audit_entries.order_by("pk"))


def verify() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out, stderr=out)
    return out.getvalue()


def verify_fails() -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit", stdout=out, stderr=out)
    return out.getvalue() + str(failure.value)


def tamper(sql: str, params) -> None:
    """Change the table directly, as someone with the database's password
    would; on PostgreSQL only a superuser can, by switching triggers off for
    the session (replication mode)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


def test_every_entry_is_chained_to_the_one_before(history):
    assert len(history) >= 8
    assert all(len(entry.chain_hash) == 64 for entry in history)
    assert len({entry.chain_hash for entry in history}) == len(history)
    output = verify()
    assert f"{len(history)} audit entries of 1 dossiers verified" in output
    assert "every chain is intact" in output


def test_the_dossier_row_keeps_the_hash_the_next_entry_chains_to(history, draft):
    draft.refresh_from_db()
    assert draft.audit_head == history[-1].chain_hash
    assert "every chain is intact" in verify()


def test_a_comment_changed_in_the_database_is_named(history):
    target = history[3]
    tamper(f"UPDATE {TABLE} SET comment = %s WHERE id = %s", ["đã sửa", target.pk])

    output = verify_fails()

    assert f"Dossier {target.dossier_id}: entry {target.pk} ({target.action}" in output
    assert "1 of 1 dossiers have a broken audit chain" in output


def test_an_entry_removed_in_the_database_breaks_the_next_one(history):
    removed, following = history[2], history[3]
    tamper(f"DELETE FROM {TABLE} WHERE id = %s", [removed.pk])

    output = verify_fails()

    assert f"entry {following.pk} " in output


def test_an_entry_inserted_with_a_made_up_hash_is_named(history, people):
    forged = AuditEntry(
        dossier_id=history[0].dossier_id,
        actor=people["committee"],
        action=AuditEntry.Action.APPROVED,
        from_status=Status.AWAITING_DECISION,
        to_status=Status.APPROVED,
        chain_hash="0" * 64,
    )
    forged.save()

    report = audit_chains_verify()

    assert [link.entry_id for link in report.broken] == [forged.pk]


def test_other_dossiers_chains_are_not_affected(history, draft, people, units):
    from appraisal import services as svc

    other = svc.project_create(
        actor=people["officer"], unit=units["a"], title="Đề án khác", kind="adjustment"
    )
    tamper(f"UPDATE {TABLE} SET comment = %s WHERE id = %s", ["x", history[1].pk])

    report = audit_chains_verify()

    assert [link.dossier_id for link in report.broken] == [draft.pk]
    assert audit_chains_verify(dossier_ids=[other.pk]).broken == []


def test_the_database_refuses_to_change_or_delete_an_entry(history):
    entry = history[0]
    if connection.vendor == "postgresql":
        # Whoever connects: raw SQL, not only the application's models.
        for sql in (
            f"UPDATE {TABLE} SET comment = 'x' WHERE id = %s",
            f"DELETE FROM {TABLE} WHERE id = %s",
        ):
            with pytest.raises(IntegrityError, match="append-only"):
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(sql, [entry.pk])
    else:
        # SQLite (the embedded demo): the models refuse it.
        with pytest.raises(ValidationError):
            AuditEntry.objects.filter(pk=entry.pk).update(comment="x")
        with pytest.raises(ValidationError):
            AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.comment == history[0].comment
    assert "every chain is intact" in verify()

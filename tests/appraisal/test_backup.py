"""Backup and restore drill: a backup of a database with dossiers, audit entries
and documents restores into a scratch database that matches its manifest, and a
backup tampered with afterwards (a document file changed, rows that are not the
ones counted, an audit entry altered in the dump) fails the drill, which names
what is wrong.

Runs on PostgreSQL (``pg_dump``/``pg_restore``) and on SQLite (the online backup
API): the same commands and the same checks on each.
"""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from appraisal.backup import DATABASE_DUMP, MANIFEST, database_dump
from appraisal.models import Attachment, AuditEntry
from tests.appraisal.project_fixtures import *  # noqa: F403
from tests.appraisal.project_fixtures import Status, advance
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db(transaction=True)

AUDIT = AuditEntry._meta.db_table


@pytest.fixture
def backup(draft, people, tmp_path) -> Path:
    """A project taken to the committee (a dozen audit entries, three documents),
    backed up."""
    advance(draft, people, to=Status.AWAITING_DECISION)
    folder = tmp_path / "backup"
    call_command("backup", output=folder, stdout=io.StringIO())
    return folder


def drill(folder: Path, *args) -> str:
    out = io.StringIO()
    call_command("restore_drill", str(folder), *args, stdout=out, stderr=out)
    return out.getvalue()


def drill_fails(folder: Path) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("restore_drill", str(folder), stdout=out, stderr=out)
    return out.getvalue() + str(failure.value)


def scratch_exists(name: str) -> bool:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            return cursor.fetchone() is not None
    return Path(name).exists()


def redump(folder: Path) -> None:
    """Replace the backup's database by a dump of the database as it is now,
    leaving the manifest as it was."""
    manifest = json.loads((folder / MANIFEST).read_text())
    target = folder / manifest["database"]
    target.unlink()
    database_dump(path=target)


def test_a_backup_restores_into_a_scratch_database_and_verifies(backup, draft):
    manifest = json.loads((backup / MANIFEST).read_text())
    assert manifest["tables"][AUDIT] == draft.audit_entries.count() >= 8
    assert manifest["audit_heads"] == {
        str(draft.pk): draft.audit_entries.order_by("pk").last().chain_hash
    }
    assert manifest["attachments"] == dict(
        Attachment.objects.values_list("file", "sha256")
    )
    assert len(manifest["attachments"]) == 3
    assert manifest["app_version"] and manifest["created_at"]
    if connection.vendor == "postgresql":
        assert (backup / DATABASE_DUMP).read_bytes().startswith(b"PGDMP")

    output = drill(backup)

    assert "The restore drill passed" in output
    assert f"{draft.audit_entries.count()} audit entries of 1 dossiers" in output
    assert "3 documents checked" in output
    scratch = output.split("Restored into ", 1)[1].split(":", 1)[0]
    assert not scratch_exists(scratch)


def test_keep_leaves_the_scratch_database_to_inspect(backup, tmp_path):
    name = (
        "test_drill_kept"
        if connection.vendor == "postgresql"
        else str(tmp_path / "kept.sqlite3")
    )
    try:
        output = drill(backup, "--scratch-db", name, "--keep")
        assert "The scratch copies are kept" in output
        assert scratch_exists(name)
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_changed_document_file_is_named(backup, draft):
    changed = draft.attachments.order_by("pk").first().file.name
    archive = backup / "media.tar.gz"
    unpacked = backup.parent / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    (unpacked / "media" / changed).write_bytes(b"%PDF-1.4 another document")
    archive.unlink()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(unpacked / "media", arcname="media")
    shutil.rmtree(unpacked)

    output = drill_fails(backup)

    assert f"Document file {changed} is not the one attached" in output
    assert "The restore drill failed: 1 problems." in output


def test_a_missing_document_file_is_named(backup, draft):
    archive = backup / "media.tar.gz"
    archive.unlink()
    with tarfile.open(archive, "w:gz"):
        pass

    output = drill_fails(backup)

    for attachment in draft.attachments.all():
        assert f"Document file {attachment.file.name} is missing" in output


def test_rows_that_are_not_the_ones_counted_are_named(backup):
    UnitFactory(code="SC", name="Sở C")
    redump(backup)

    output = drill_fails(backup)

    assert "Table orgchart_unit: " in output
    assert "rows restored" in output


def test_an_audit_entry_altered_in_the_dump_is_named(backup, draft):
    target = draft.audit_entries.order_by("pk")[3]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Only a superuser can: the table refuses UPDATE otherwise.
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(
            f"UPDATE {AUDIT} SET comment = %s WHERE id = %s", ["đã sửa", target.pk]
        )
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")
    redump(backup)

    output = drill_fails(backup)

    assert f"Dossier {draft.pk}: audit entry {target.pk} does not match" in output


def test_a_folder_without_a_backup_is_refused_clearly(tmp_path):
    with pytest.raises(CommandError, match="no readable backup manifest"):
        call_command("restore_drill", str(tmp_path))


def test_a_backup_is_not_written_over_another(backup):
    with pytest.raises(CommandError, match="is not empty"):
        call_command("backup", output=backup, stdout=io.StringIO())


def test_a_document_row_changed_in_the_dump_is_named(backup, draft):
    attachment = draft.attachments.order_by("pk").first()
    Attachment.objects.filter(pk=attachment.pk).update(sha256="0" * 64)
    redump(backup)

    output = drill_fails(backup)

    assert f"Document {attachment.file.name}: its row in the restored" in output

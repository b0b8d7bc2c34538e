"""Backups and the restore drill.

A backup is a folder: the database (``pg_dump -Fc`` on PostgreSQL; a copy made
with SQLite's online backup API on the embedded database), a tar of the media
folder (the dossiers' documents) and ``manifest.json``, which records what the
backup must contain: the row count of every table, the last hash of every
dossier's audit chain and the SHA-256 of every attachment, taken from the same
snapshot as the dump.

The drill restores a backup where it cannot harm anything (a scratch database,
a scratch folder), then checks it against its manifest: the same rows per
table, every audit chain intact and ending where it did, every document's file
the one that was attached. A backup that was never restored is not known to be
one: run the drill after every backup you mean to keep.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Attachment, AuditEntry
from .selectors.audit import audit_chains_verify

MANIFEST = "manifest.json"
DATABASE_DUMP = "database.dump"
DATABASE_COPY = "database.sqlite3"
MEDIA_ARCHIVE = "media.tar.gz"
FORMAT = 1
DRILL_ALIAS = "restore_drill"


class BackupError(Exception):
    """The backup or the drill could not run at all (a tool missing, a database
    that cannot be created); the message says what to do."""


@dataclass
class Problem:
    """One thing the restored copy does not have as the manifest says."""

    #: "rows", "audit", "audit_head", "file_row", "file_missing", "file_changed"
    what: str
    message: str


@dataclass
class DrillReport:
    scratch_db: str
    tables: int = 0
    rows: int = 0
    audit_entries: int = 0
    dossiers: int = 0
    files: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# -- the manifest ----------


def _snapshot_facts(cursor, ops, tables: list[str]) -> dict:
    """Row counts, audit chain heads and attachment hashes, read through
    ``cursor`` (one snapshot)."""
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {ops.quote_name(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    audit = ops.quote_name(AuditEntry._meta.db_table)
    cursor.execute(
        f"SELECT a.dossier_id, a.chain_hash FROM {audit} a JOIN ("  # noqa: S608
        f"SELECT dossier_id, MAX(id) AS last FROM {audit} GROUP BY dossier_id"
        ") heads ON a.id = heads.last ORDER BY a.dossier_id"
    )
    heads = {str(dossier): chain for dossier, chain in cursor.fetchall()}
    attachment = ops.quote_name(Attachment._meta.db_table)
    cursor.execute(f"SELECT file, sha256 FROM {attachment} ORDER BY file")  # noqa: S608
    files = dict(cursor.fetchall())
    return {"tables": counts, "audit_heads": heads, "attachments": files}


def _app_version() -> str:
    try:
        return importlib.metadata.version("positionflow")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# -- PostgreSQL tools ----------


def _pg_env(settings_dict: dict) -> dict:
    env = {**os.environ}
    for key, name in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
    ):
        if settings_dict.get(name):
            env[key] = str(settings_dict[name])
    return env


def _pg_tool(name: str) -> str:
    folder = getattr(settings, "BACKUP_PG_BIN_DIR", "") or ""
    path = shutil.which(name, path=folder or None)
    if not path:
        raise BackupError(
            _(
                "%(tool)s was not found. Install the PostgreSQL client of the "
                "server's version (Debian: postgresql-client)."
            )
            % {"tool": name}
        )
    return path


def _pg_check_version(tool: str, connection) -> None:
    """pg_dump refuses a newer server, and an older pg_restore cannot read a
    newer dump: the client's major version must be the server's."""
    output = subprocess.run(  # noqa: S603 - a fixed tool, no shell
        [tool, "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    client = int(found.group(1)) if found else 0
    server = connection.pg_version // 10000
    if client != server:
        raise BackupError(
            _(
                "%(tool)s is version %(client)s but the database server is "
                "version %(server)s: install the client of the server's version."
            )
            % {"tool": Path(tool).name, "client": client, "server": server}
        )


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(  # noqa: S603 - fixed tools, no shell
        command, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise BackupError(
            _("%(tool)s failed: %(error)s")
            % {"tool": Path(command[0]).name, "error": done.stderr.strip()[-2000:]}
        )


# -- backup ----------


def backup_create(*, output: Path, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Write a backup of database ``using`` and of the media folder into the
    empty (or new) folder ``output``; return its manifest.

    On PostgreSQL the counts, heads and hashes are read in a repeatable-read
    transaction whose snapshot ``pg_dump`` shares (``--snapshot``), so the
    manifest describes exactly the dump even while people keep working. The media
    folder is archived after the dump: a document attached meanwhile is in the
    archive without a row, which is harmless (``sweep_attachments``)."""
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    if any(output.iterdir()):
        raise BackupError(
            _("The folder %(folder)s is not empty; choose a new one.")
            % {"folder": output}
        )
    connection = connections[using]
    if connection.vendor == "postgresql":
        facts = _backup_postgresql(output, using)
        database = DATABASE_DUMP
    elif connection.vendor == "sqlite":
        facts = _backup_sqlite(output, using)
        database = DATABASE_COPY
    else:
        raise BackupError(
            _("Backups support PostgreSQL and SQLite, not %(vendor)s.")
            % {"vendor": connection.vendor}
        )
    _archive_media(output / MEDIA_ARCHIVE)
    manifest = {
        "format": FORMAT,
        "app_version": _app_version(),
        "created_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "database": database,
        "media": MEDIA_ARCHIVE,
        **facts,
    }
    (output / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return manifest


def database_dump(*, path: Path, using: str = DEFAULT_DB_ALIAS) -> None:
    """Dump database ``using`` alone into ``path`` (what ``backup_create``
    writes as the backup's database, without the manifest)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        tool = _pg_tool("pg_dump")
        _pg_check_version(tool, connection)
        _pg_dump(tool, connection.settings_dict, path, snapshot=None)
    else:
        _sqlite_copy(connection, path)


def _pg_dump(tool: str, settings_dict: dict, path: Path, snapshot) -> None:
    command = [tool, "--format=custom", "--no-owner", f"--file={path}"]
    if snapshot:
        command.append(f"--snapshot={snapshot}")
    command.append(settings_dict["NAME"])
    _run(command, _pg_env(settings_dict))


def _backup_postgresql(output: Path, using: str) -> dict:
    connection = connections.create_connection(using)
    try:
        connection.ensure_connection()
        tool = _pg_tool("pg_dump")
        _pg_check_version(tool, connection)
        connection.set_autocommit(False)
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = connection.introspection.table_names(cursor)
            facts = _snapshot_facts(cursor, connection.ops, tables)
            _pg_dump(tool, connection.settings_dict, output / DATABASE_DUMP, snapshot)
        connection.rollback()
    finally:
        connection.close()
    return facts


def _sqlite_copy(connection, path: Path) -> None:
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        # The online backup API copies a consistent state of the database, even
        # an in-memory one, while other connections keep working.
        connection.connection.backup(target)
    finally:
        target.close()


def _backup_sqlite(output: Path, using: str) -> dict:
    path = output / DATABASE_COPY
    connection = connections[using]
    _sqlite_copy(connection, path)
    copy = sqlite3.connect(path)
    try:
        cursor = copy.cursor()
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        return _snapshot_facts(cursor, connection.ops, tables)
    finally:
        copy.close()


def _archive_media(path: Path) -> None:
    root = Path(settings.MEDIA_ROOT)
    with tarfile.open(path, "w:gz") as archive:
        if root.is_dir():
            archive.add(root, arcname="media")


# -- the drill ----------


def _file_sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stored:
            for chunk in iter(lambda: stored.read(65536), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def manifest_read(backup: Path) -> dict:
    try:
        manifest = json.loads((Path(backup) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(
            _("%(folder)s holds no readable backup manifest (%(error)s).")
            % {"folder": backup, "error": exc}
        ) from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(_("This backup's format is not one this version reads."))
    return manifest


def restore_drill(
    *,
    backup: Path,
    scratch_db: str | None = None,
    keep: bool = False,
    using: str = DEFAULT_DB_ALIAS,
) -> DrillReport:
    """Restore the backup in folder ``backup`` into a scratch database (named
    ``scratch_db``, or after the configured one) and its media into a scratch
    folder, verify them against the manifest, and drop both unless ``keep``.
    The configured database is only read (to connect to the server)."""
    backup = Path(backup)
    manifest = manifest_read(backup)
    source = connections[using]
    if manifest["vendor"] != source.vendor:
        raise BackupError(
            _("This is a %(backup)s backup; the configured database is %(db)s.")
            % {"backup": manifest["vendor"], "db": source.vendor}
        )
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    media = Path(tempfile.mkdtemp(prefix="restore-drill-media-"))
    if source.vendor == "postgresql":
        name = scratch_db or f"{source.settings_dict['NAME']}_drill_{stamp}"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name):
            raise BackupError(
                _("A scratch database name has letters, digits and underscores.")
            )
        if name == source.settings_dict["NAME"]:
            raise BackupError(_("The scratch database cannot be the configured one."))
        _pg_restore(source, backup / manifest["database"], name)
    else:
        name = scratch_db or str(media.parent / f"restore-drill-{stamp}.sqlite3")
        shutil.copyfile(backup / manifest["database"], name)
    report = DrillReport(scratch_db=name)
    # A connection of this thread only, under its own alias so that the same
    # queries (``audit_chains_verify(using=…)``) read the scratch copy; it is not
    # left among the configured databases.
    connections.settings[DRILL_ALIAS] = {**source.settings_dict, "NAME": name}
    scratch = connections[DRILL_ALIAS]
    del connections.settings[DRILL_ALIAS]
    try:
        with tarfile.open(backup / manifest["media"]) as archive:
            archive.extractall(media, filter="data")
        _verify(report, manifest, scratch, media / "media")
    finally:
        scratch.close()
        del connections[DRILL_ALIAS]
        if not keep:
            shutil.rmtree(media, ignore_errors=True)
            _scratch_drop(source, name)
    return report


def _pg_restore(source, dump: Path, name: str) -> None:
    tool = _pg_tool("pg_restore")
    source.ensure_connection()
    _pg_check_version(tool, source)
    admin = connections.create_connection(source.alias)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:
        raise BackupError(
            _("The scratch database %(name)s could not be created: %(error)s")
            % {"name": name, "error": exc}
        ) from exc
    finally:
        admin.close()
    try:
        _run(
            [tool, "--no-owner", "--exit-on-error", f"--dbname={name}", str(dump)],
            _pg_env(source.settings_dict),
        )
    except BackupError:
        _scratch_drop(source, name)
        raise


def _scratch_drop(source, name: str) -> None:
    if source.vendor == "postgresql":
        admin = connections.create_connection(source.alias)
        try:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            admin.close()
    else:
        Path(name).unlink(missing_ok=True)


def _verify(report: DrillReport, manifest: dict, connection, media: Path) -> None:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        found = _snapshot_facts(cursor, connection.ops, tables)
    expected = manifest["tables"]
    report.tables = len(expected)
    report.rows = sum(found["tables"].values())
    for table in sorted(set(expected) | set(found["tables"])):
        want, got = expected.get(table), found["tables"].get(table)
        if want != got:
            report.problems.append(
                Problem(
                    "rows",
                    _("Table %(table)s: %(got)s rows restored, %(want)s backed up.")
                    % {"table": table, "got": got or 0, "want": want or 0},
                )
            )
    chains = audit_chains_verify(using=connection.alias)
    report.audit_entries, report.dossiers = chains.entries, chains.dossiers
    for link in chains.broken:
        report.problems.append(
            Problem(
                "audit",
                _(
                    "Dossier %(dossier)s: audit entry %(entry)s does not match its "
                    "chain (changed, removed or inserted)."
                )
                % {"dossier": link.dossier_id, "entry": link.entry_id},
            )
        )
    for dossier, head in manifest["audit_heads"].items():
        if found["audit_heads"].get(dossier) != head:
            report.problems.append(
                Problem(
                    "audit_head",
                    _(
                        "Dossier %(dossier)s: its audit trail does not end with the "
                        "entry it ended with when backed up."
                    )
                    % {"dossier": dossier},
                )
            )
    rows = found["attachments"]
    for name in sorted(set(rows) | set(manifest["attachments"])):
        if rows.get(name) != manifest["attachments"].get(name):
            report.problems.append(
                Problem(
                    "file_row",
                    _(
                        "Document %(name)s: its row in the restored database is "
                        "not the one backed up."
                    )
                    % {"name": name},
                )
            )
    for name, sha256 in manifest["attachments"].items():
        report.files += 1
        digest = _file_sha256(media / name)
        if digest is None:
            report.problems.append(
                Problem(
                    "file_missing",
                    _("Document file %(name)s is missing from the media archive.")
                    % {"name": name},
                )
            )
        elif digest != sha256:
            report.problems.append(
                Problem(
                    "file_changed",
                    _(
                        "Document file %(name)s is not the one attached (its "
                        "SHA-256 differs)."
                    )
                    % {"name": name},
                )
            )


__all__ = [
    "BackupError",
    "DrillReport",
    "Problem",
    "backup_create",
    "database_dump",
    "manifest_read",
    "restore_drill",
]

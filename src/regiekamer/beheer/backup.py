"""A backup is a folder: one Parquet file per table and ``manifest.json``.

Consistent while the server runs: every table is written inside ONE read transaction, so all
files show the store at the same moment (DuckDB's MVCC), whatever the server writes meanwhile.
The manifest, written last, holds per table its row count and a content checksum (order-free:
the sum of a 64-bit md5 of each row's text), the sha256 of each file, the schema version, when
and by which regiekamer version it was made. `regiekamer check --manifest` compares a store
with it; restore compares the files with it before it loads anything.

Parquet rather than a copy of the DuckDB file: the copy is only consistent with the writer
stopped, and Parquet is readable by any tool and by later DuckDB storage versions.

Not in a backup: the pseudonymisation key (the key together with the pseudonyms lets anyone
with a list of BSNs recompute who is who, so it must not travel with the data; back it up
separately, see docs/beheer.md) and the sessions (``sessie``: a restored session would log
someone in again).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from pathlib import Path

import duckdb

from regiekamer import __version__
from regiekamer.errors import StoreError
from regiekamer.store import schema

MANIFEST = "manifest.json"
NOT_BACKED_UP = frozenset({"sessie"})


def tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table of the store, in name order."""
    return [
        t
        for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        ).fetchall()
    ]


def table_facts(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, object]:
    """Row count and content checksum of one table (the same for equal contents, any order)."""
    n, total = con.execute(
        f'SELECT count(*), coalesce(sum(md5_number_lower(t::VARCHAR)), 0)::VARCHAR FROM "{table}" t'
    ).fetchone()
    return {"rijen": n, "controlegetal": total}


def key_fingerprint(key: bytes) -> str:
    """Tells whether a key is the one a backup was made with, without revealing it."""
    return hmac.new(key, b"regiekamer-sleutel-vingerafdruk", hashlib.sha256).hexdigest()[:16]


def _literal(path: Path) -> str:
    """A path as an SQL string literal (COPY and read_parquet take no parameters)."""
    return "'" + str(path).replace("'", "''") + "'"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def snapshot(
    con: duckdb.DuckDBPyConnection, out: Path, *, fingerprint: str | None = None
) -> dict[str, object]:
    """Write the backup of the store behind ``con`` into ``out`` (new or empty; mode 0700)."""
    if out.exists() and any(out.iterdir()):
        raise StoreError(f"Map {out} is niet leeg; kies een nieuwe map voor de backup.")
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)  # pseudonymised, but still the region's data
    facts: dict[str, dict[str, object]] = {}
    con.execute("BEGIN TRANSACTION")
    try:
        version = schema.version(con)
        for table in tables(con):
            if table in NOT_BACKED_UP:
                continue
            target = out / f"{table}.parquet"
            con.execute(f'COPY "{table}" TO {_literal(target)} (FORMAT parquet, COMPRESSION zstd)')
            facts[table] = table_facts(con, table) | {"sha256": _sha256(target)}
    finally:
        con.execute("ROLLBACK")  # read only: nothing to keep
    manifest = {
        "regiekamer": __version__,
        "schemaversie": version,
        "gemaakt_op": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sleutel_vingerafdruk": fingerprint,
        "tabellen": facts,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def read_manifest(folder: Path) -> dict:
    """The manifest of a backup folder (a folder without one is no complete backup)."""
    path = folder / MANIFEST if folder.is_dir() else folder
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise StoreError(f"Geen {MANIFEST} in {folder}: dit is geen (volledige) backup.") from exc
    except json.JSONDecodeError as exc:
        raise StoreError(f"{path} is geen geldig manifest ({exc}).") from exc


def damaged_files(folder: Path, manifest: dict) -> list[str]:
    """The tables whose file is missing or differs from the manifest's sha256."""
    return [
        table
        for table, facts in manifest["tabellen"].items()
        if not (folder / f"{table}.parquet").exists()
        or _sha256(folder / f"{table}.parquet") != facts["sha256"]
    ]


def restore(folder: Path, store: Path, *, replace: bool = False, memory_limit: str = "3GB") -> dict:
    """Build ``store`` from the backup in ``folder``; returns the manifest. Refuses an existing
    store unless ``replace``, a damaged backup and one of another schema version."""
    manifest = read_manifest(folder)
    if manifest["schemaversie"] != schema.CURRENT_VERSION:
        raise StoreError(
            f"De backup heeft schemaversie {manifest['schemaversie']}, deze regiekamer "
            f"{schema.CURRENT_VERSION}: herstel met regiekamer {manifest['regiekamer']}."
        )
    damaged = damaged_files(folder, manifest)
    if damaged:
        raise StoreError(
            f"De backup in {folder} is beschadigd of onvolledig: {', '.join(damaged)} wijkt af "
            "van het manifest. Er is niets hersteld."
        )
    wal = store.with_name(store.name + ".wal")
    if store.exists() and not replace:
        raise StoreError(f"Store {store} bestaat al; herstel in een nieuwe map of geef --force.")
    # Build beside the target and move it into place: a failed restore leaves no half store.
    partial = store.with_name(store.name + ".herstel")
    partial.unlink(missing_ok=True)
    partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
    store.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(partial), config={"memory_limit": memory_limit})
    try:
        schema.migrate(con)
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM schema_versie")
        for table in manifest["tabellen"]:
            source = folder / f"{table}.parquet"
            con.execute(f'INSERT INTO "{table}" SELECT * FROM read_parquet({_literal(source)})')
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        partial.unlink(missing_ok=True)
        raise
    con.close()
    wal.unlink(missing_ok=True)
    partial.replace(store)
    return manifest

"""Staging: parsed, minimised rows wait in Arrow files until the loader takes them in.

Rows are kept as text columns (DuckDB casts them on insert into the typed store tables) and
flushed in batches to Arrow IPC stream files, so that memory stays flat however large the
input is, and so that parsing can run in another process. Staged rows hold pseudonyms only:
minimisation happens before a row reaches the stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from regiekamer.ingest.findings import Finding

BATCH_ROWS = 50_000
_LIST_COLUMNS = {"retourcodes"}


class Stage:
    """Collects rows per store table and writes them to ``folder/<table>.arrows``."""

    def __init__(self, folder: Path, tag: str) -> None:
        self.folder = folder
        self.tag = tag
        self._columns: dict[str, dict[str, list]] = {}
        self._writers: dict[str, ipc.RecordBatchStreamWriter] = {}
        self._schemas: dict[str, pa.Schema] = {}
        self.rows: dict[str, int] = {}

    def add(self, table: str, row: dict[str, object]) -> None:
        cols = self._columns.get(table)
        if cols is None:
            cols = self._columns[table] = {name: [] for name in row}
        for name, values in cols.items():
            values.append(row.get(name))
        self.rows[table] = self.rows.get(table, 0) + 1
        if len(next(iter(cols.values()))) >= BATCH_ROWS:
            self._flush(table)

    def _flush(self, table: str) -> None:
        cols = self._columns[table]
        n = len(next(iter(cols.values())))
        if n == 0:
            return
        if table not in self._schemas:
            self._schemas[table] = pa.schema(
                [
                    (
                        name,
                        pa.list_(pa.string())
                        if name in _LIST_COLUMNS
                        else pa.int64()
                        if name == "regel"
                        else pa.string(),
                    )
                    for name in cols
                ]
            )
            path = self.folder / f"{self.tag}.{table}.arrows"
            self._writers[table] = ipc.new_stream(str(path), self._schemas[table])
        batch = pa.record_batch(
            [pa.array(v, type=f.type) for v, f in zip(cols.values(), self._schemas[table])],
            schema=self._schemas[table],
        )
        self._writers[table].write_batch(batch)
        for values in cols.values():
            values.clear()

    def close(self) -> dict[str, Path]:
        """Flush what is left; return the staged file of every table that got rows."""
        for table in self._columns:
            self._flush(table)
        for writer in self._writers.values():
            writer.close()
        return {t: self.folder / f"{self.tag}.{t}.arrows" for t in self._writers}

    def discard(self) -> None:
        """Drop everything staged (the whole message was rejected)."""
        self.close()
        for path in self.folder.glob(f"{self.tag}.*.arrows"):
            path.unlink()
        self._writers.clear()
        self._columns.clear()
        self.rows.clear()


def read_staged(path: Path) -> pa.RecordBatchReader:
    """A streaming reader over a staged file (DuckDB scans it batch by batch)."""
    return ipc.open_stream(pa.memory_map(str(path)))


@dataclass
class Parsed:
    """What parsing one file produced: counts, findings and staged rows, nothing loaded yet."""

    path: str
    naam: str
    sha256: str
    soort: str  # JW323, WMO301, tabel:toewijzing, onbekend
    wet: str | None = None
    bericht: dict[str, str] | None = None  # afzender, ontvanger, identificatie, dagtekening
    gelezen: int = 0
    afgewezen: int = 0
    findings: list[Finding] = field(default_factory=list)
    staged: dict[str, Path] = field(default_factory=dict)
    reference: bool = False  # a reference table: upsert instead of append

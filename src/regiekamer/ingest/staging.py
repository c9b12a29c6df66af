"""Staging: parsed, minimised rows wait in Arrow files until the loader takes them in.

Rows are kept as text (DuckDB casts them on insert into the typed store tables) and flushed
in batches to Arrow IPC stream files, so that memory stays flat however large the input is,
and so that parsing can run in another process. Values that are the same for a whole message
(law, municipality, provider, Dagtekening, message id) are kept once as constants and only
spread out at flush time. Staged rows hold pseudonyms only: minimisation comes first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from regiekamer.ingest.findings import Finding

BATCH_ROWS = 50_000
# Staged rows of one table: in memory (small, at most one batch) or an Arrow IPC stream file.
Staged = pa.Table | Path


def _arrow_type(column: str) -> pa.DataType:
    if column == "retourcodes":
        return pa.list_(pa.string())
    if column == "regel":
        return pa.int64()
    return pa.string()


class StagedTable:
    """Rows of one store table: per-row columns plus constants, flushed in batches."""

    def __init__(self, path: Path, columns: list[str], constants: dict[str, object]) -> None:
        self.path = path
        self.columns = columns
        self.constants = dict(constants)
        self.rows: list[list] = []
        self.count = 0
        self._writer: ipc.RecordBatchStreamWriter | None = None

    def append(self, values: list) -> None:
        self.rows.append(values)
        self.count += 1
        if len(self.rows) >= BATCH_ROWS:
            self.flush()

    def _batch(self) -> pa.RecordBatch:
        n = len(self.rows)
        names = self.columns + list(self.constants)
        arrays = [
            pa.array(col, type=_arrow_type(c))
            for c, col in zip(self.columns, zip(*self.rows, strict=True), strict=True)
        ]
        arrays += [pa.array([v] * n, type=_arrow_type(c)) for c, v in self.constants.items()]
        self.rows.clear()
        return pa.record_batch(arrays, names=names)

    def flush(self) -> None:
        if not self.rows:
            return
        batch = self._batch()
        if self._writer is None:
            self._writer = ipc.new_stream(str(self.path), batch.schema)
        self._writer.write_batch(batch)

    def close(self) -> Staged | None:
        """Finish: a small table stays in memory, a large one is the file it was flushed to."""
        if self._writer is None:
            return pa.Table.from_batches([self._batch()]) if self.rows else None
        self.flush()
        self._writer.close()
        return self.path


class Stage:
    """The staged tables of one input file, in ``folder/<tag>.<table>.arrows``."""

    def __init__(self, folder: Path, tag: str) -> None:
        self.folder = folder
        self.tag = tag
        self.tables: dict[str, StagedTable] = {}

    def table(
        self, name: str, columns: list[str], constants: dict[str, object] | None = None
    ) -> StagedTable:
        """Declare (or get) a staged table with its per-row columns and constants."""
        if name not in self.tables:
            path = self.folder / f"{self.tag}.{name}.arrows"
            self.tables[name] = StagedTable(path, columns, constants or {})
        return self.tables[name]

    def add(self, name: str, row: dict[str, object]) -> None:
        """Convenience for low-volume rows given as dicts (same keys every time)."""
        table = self.table(name, list(row))
        table.append([row.get(c) for c in table.columns])

    def close(self) -> dict[str, Staged]:
        """Finish every table that got rows: in memory when small, else its file."""
        out = {name: t.close() for name, t in self.tables.items()}
        return {name: staged for name, staged in out.items() if staged is not None}

    def discard(self) -> None:
        """Drop everything staged (the whole file was rejected)."""
        for t in self.tables.values():
            t.rows.clear()
            t.close()
            t.path.unlink(missing_ok=True)
        self.tables.clear()


def read_staged(staged: Staged) -> pa.RecordBatchReader:
    """A streaming reader over staged rows (DuckDB scans a file batch by batch)."""
    if isinstance(staged, pa.Table):
        return staged.to_reader()
    # Read, not memory-mapped: mapped pages would count against the memory of a large ingest.
    return ipc.open_stream(pa.OSFile(str(staged)))


def staged_bytes(staged: Staged) -> int:
    return staged.nbytes if isinstance(staged, pa.Table) else Path(staged).stat().st_size


def drop_staged(staged: Staged) -> None:
    if not isinstance(staged, pa.Table):
        Path(staged).unlink(missing_ok=True)


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
    staged: dict[str, Staged] = field(default_factory=dict)
    reference: bool = False  # a reference table: upsert instead of append

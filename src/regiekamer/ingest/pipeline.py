"""The ingest pipeline: find files -> order them -> parse in parallel -> load one by one.

Parsing (read, validate, minimise, stage) is CPU-bound and runs in worker processes, one file
each; loading is serial, one transaction per file, in the order of the messages' Dagtekening
(then message id, then file name) so that a change or delete follows what it changes.
Reference tables load first. A file already in the store (same sha256) is not parsed at all.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from regiekamer.errors import IngestError
from regiekamer.ingest import findings as F
from regiekamer.ingest.load import Outcome, already_loaded, load
from regiekamer.ingest.staging import Parsed, Stage
from regiekamer.ingest.table_source import TABLE_SUFFIXES, parse_table
from regiekamer.ingest.xml_source import parse_message
from regiekamer.privacy.pseudonym import Pseudonymiser
from regiekamer.standards.reader import sniff

# Parallel parsing pays off only when there is enough to parse.
_PARALLEL_MIN_BYTES = 4 * 1024 * 1024


@dataclass
class Report:
    """Per-file outcomes and their totals; gelezen = geaccepteerd + afgewezen always."""

    files: list[Outcome] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        new = [o for o in self.files if o.status == "ingelezen"]
        return {
            "bestanden": len(self.files),
            "nieuw": len(new),
            "al_ingelezen": len(self.files) - len(new),
            "gelezen": sum(o.gelezen for o in new),
            "geaccepteerd": sum(o.geaccepteerd for o in new),
            "afgewezen": sum(o.afgewezen for o in new),
            "bevindingen": sum(o.bevindingen for o in new),
        }


@dataclass(frozen=True)
class _Job:
    path: str
    naam: str
    sha256: str
    size: int
    order: tuple


def expand(paths: list[Path]) -> list[Path]:
    """Files and folders (recursively) -> files, sorted; a missing path is an error."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(
                sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith("."))
            )
        elif p.is_file():
            out.append(p)
        else:
            raise IngestError(f"Pad {p} bestaat niet.")
    return out


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _order(path: Path) -> tuple:
    """Reference tables first, then messages by Dagtekening, message id, file name."""
    if path.suffix.lower() in TABLE_SUFFIXES:
        return (0, "", "", path.name)
    _mt, ident, dagt = sniff(str(path))
    return (1, dagt or "9999", ident or "", path.name)


def run(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    key: bytes,
    *,
    workers: int = 2,
    on_file: Callable[[Outcome, int], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
) -> Report:
    """Ingest files into the store behind ``con``; callbacks drive a progress bar."""
    files = expand(paths)
    report = Report()
    jobs: list[_Job] = []
    for f in files:
        sha = sha256_of(f)
        known = already_loaded(con, sha)
        if known:
            report.files.append(Outcome(f.name, "-", "al ingelezen", *known, 0))
            if on_file:
                on_file(report.files[-1], f.stat().st_size)
            continue
        jobs.append(_Job(str(f), f.name, sha, f.stat().st_size, _order(f)))
    jobs.sort(key=lambda j: j.order)
    if on_plan:
        on_plan(len(jobs), sum(j.size for j in jobs))
    received_at = datetime.now()
    with tempfile.TemporaryDirectory(prefix="regiekamer-stage-") as tmp:
        os.chmod(tmp, 0o700)
        for job, parsed in _parse_all(jobs, key, Path(tmp), workers):
            outcome = load(con, parsed, received_at)
            for path in parsed.staged.values():
                path.unlink(missing_ok=True)
            report.files.append(outcome)
            if on_file:
                on_file(outcome, job.size)
    return report


def _parse_all(
    jobs: list[_Job], key: bytes, stage_dir: Path, workers: int
) -> Iterator[tuple[_Job, Parsed]]:
    """Parse jobs in order; in worker processes when there is enough work for them."""
    total = sum(j.size for j in jobs)
    if workers <= 1 or len(jobs) < 2 or total < _PARALLEL_MIN_BYTES:
        pseudonymise = Pseudonymiser(key)
        for i, job in enumerate(jobs):
            yield job, parse_file(job.path, job.naam, job.sha256, pseudonymise, stage_dir, i)
        return
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(key,)
    ) as pool:
        # map() keeps the order; chunks amortise the inter-process cost of small files.
        results = pool.map(
            _parse_in_worker,
            [(j.path, j.naam, j.sha256, str(stage_dir), i) for i, j in enumerate(jobs)],
            chunksize=max(1, min(32, len(jobs) // (workers * 8))),
        )
        yield from zip(jobs, results)


_worker_pseudonymise: Pseudonymiser | None = None


def _init_worker(key: bytes) -> None:
    global _worker_pseudonymise
    _worker_pseudonymise = Pseudonymiser(key)


def _parse_in_worker(args: tuple) -> Parsed:
    path, naam, sha, stage_dir, i = args
    return parse_file(path, naam, sha, _worker_pseudonymise, Path(stage_dir), i)


def parse_file(
    path: str, naam: str, sha256: str, pseudonymise: Pseudonymiser, stage_dir: Path, index: int
) -> Parsed:
    """Parse one file of any supported kind; never raises for bad content."""
    stage = Stage(stage_dir, f"f{index}")
    suffix = Path(path).suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return parse_table(path, naam, sha256, pseudonymise, stage)
    mt, _ident, _dagt = sniff(path)
    if mt is None:
        return _unknown(path, naam, sha256)
    return parse_message(path, naam, sha256, mt, pseudonymise, stage)


def _unknown(path: str, naam: str, sha256: str) -> Parsed:
    """Not a message we know and not a table: one rejected record, with the reason."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
        reason = (
            "leeg bestand"
            if not head
            else "geen XML van iJw/iWmo 3.2 (onbekende namespace of geen geldige XML)"
        )
        code = "RK-BESTAND-01"
    except OSError as exc:
        reason, code = exc.strerror or str(exc), "RK-BESTAND-02"
    result = Parsed(path=path, naam=naam, sha256=sha256, soort="onbekend", gelezen=1, afgewezen=1)
    result.findings.append(F.finding(code, bestand=naam, locatie="bestand", reden=reason))
    return result

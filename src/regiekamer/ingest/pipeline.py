"""The ingest pipeline: find files -> order them -> parse in parallel -> load one by one.

Parsing (read, validate, minimise, stage) is CPU-bound and runs in worker processes, one file
each; loading is serial, in batches, in the order of the messages' Dagtekening (then message
id, then file name) so that a change or delete follows what it changes, and the whole ingest
is one transaction. Reference tables load first. A file already in the store (same sha256) is
not parsed at all.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

import duckdb

from regiekamer.errors import IngestError
from regiekamer.ingest import findings as F
from regiekamer.ingest.contract_yaml import YAML_SUFFIXES, parse_contracts
from regiekamer.ingest.load import Outcome, already_loaded, load_batch, next_bestand_id
from regiekamer.ingest.staging import Parsed, Stage, drop_staged, staged_bytes
from regiekamer.ingest.table_source import TABLE_SUFFIXES, parse_table
from regiekamer.ingest.xml_source import parse_message
from regiekamer.privacy.pseudonym import Pseudonymiser
from regiekamer.standards.messages import by_soort
from regiekamer.standards.reader import sniff

# A shared integer (multiprocessing.Value("q")): bytes parsed so far, for the progress bar.
Counter = Any

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
    soort: str | None  # message type from the header (sniffed once), None for tables/unknown


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


def _job(path: Path, sha: str) -> _Job:
    """A file to parse, with its place: reference tables first, then messages by Dagtekening,
    message id, file name."""
    if path.suffix.lower() in TABLE_SUFFIXES | YAML_SUFFIXES:
        return _Job(str(path), path.name, sha, path.stat().st_size, (0, "", "", path.name), None)
    mt, ident, dagt = sniff(str(path))
    order = (1, dagt or "9999", ident or "", path.name)
    return _Job(str(path), path.name, sha, path.stat().st_size, order, mt.soort if mt else None)


def run(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    key: bytes,
    *,
    workers: int = 2,
    on_file: Callable[[Outcome], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> Report:
    """Ingest files into the store behind ``con``, as ONE transaction.

    Callbacks drive a progress bar: ``on_plan(files, bytes)`` once for the new files,
    ``on_bytes(parsed)`` several times a second with the bytes parsed so far (also from inside
    one large file), ``on_file(outcome)`` for each file once it is loaded or known already.
    """
    files = expand(paths)
    report = Report()
    jobs: list[_Job] = []
    seen: set[str] = set()
    shas = [sha256_of(f) for f in files]
    loaded = already_loaded(con, shas)
    for f, sha in zip(files, shas, strict=True):
        known = loaded.get(sha)
        if known or sha in seen:  # the same bytes twice in one ingest count once
            outcome = Outcome(f.name, "-", "al ingelezen", *(known or (0, 0, 0)), 0)
            report.files.append(outcome)
            if on_file:
                on_file(outcome)
            continue
        seen.add(sha)
        jobs.append(_job(f, sha))
    jobs.sort(key=lambda j: j.order)
    if on_plan:
        on_plan(len(jobs), sum(j.size for j in jobs))
    received_at = datetime.now()
    ctx = multiprocessing.get_context("spawn")  # no fork of a threaded process
    counter = ctx.Value("q", 0)
    done = threading.Event()
    poller = threading.Thread(target=_poll, args=(counter, done, on_bytes), daemon=True)
    poller.start()
    pooled = _use_pool(jobs, workers)
    if pooled:  # the workers have the cores; DuckDB loads alongside them on one thread
        con.execute("SET threads = 1")
    con.execute("BEGIN TRANSACTION")
    try:
        _remove_orphaned_stages()
        with tempfile.TemporaryDirectory(prefix=f"regiekamer-stage-{os.getpid()}-") as tmp:
            os.chmod(tmp, 0o700)
            next_id = next_bestand_id(con)
            parsed = (p for _job, p in _parse_all(jobs, key, Path(tmp), workers, counter, ctx))
            for batch, stream in _batches(parsed):
                outcomes = load_batch(con, batch, next_id, received_at, stream=stream)
                next_id += len(batch)
                for p in batch:
                    for staged in p.staged.values():
                        drop_staged(staged)
                for outcome in outcomes:
                    report.files.append(outcome)
                    if on_file:
                        on_file(outcome)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        done.set()
        poller.join()
        if pooled:
            con.execute("RESET threads")
    return report


def _remove_orphaned_stages() -> None:
    """Staging folders of ingests that were killed (their process is gone) are removed.

    They hold only pseudonymised rows, but nothing should linger.
    """
    for folder in Path(tempfile.gettempdir()).glob("regiekamer-stage-*-*"):
        pid = folder.name.split("-")[2]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# A batch ends at this many files or staged bytes; a file above the byte limit is streamed alone.
_BATCH_FILES = 500
_BATCH_BYTES = 64 * 1024 * 1024


def _batches(parsed: Iterator[Parsed]) -> Iterator[tuple[list[Parsed], bool]]:
    """Group parsed files for set-wise loading, keeping their order."""
    batch: list[Parsed] = []
    size = 0
    for p in parsed:
        staged = sum(staged_bytes(s) for s in p.staged.values())
        if staged > _BATCH_BYTES:
            if batch:
                yield batch, False
                batch, size = [], 0
            yield [p], True
            continue
        batch.append(p)
        size += staged
        if len(batch) >= _BATCH_FILES or size >= _BATCH_BYTES:
            yield batch, False
            batch, size = [], 0
    if batch:
        yield batch, False


def _poll(counter: Counter, done: threading.Event, on_bytes: Callable[[int], None] | None) -> None:
    """Report parsed bytes a few times a second until the ingest is done."""
    while on_bytes is not None:
        on_bytes(counter.value)
        if done.wait(0.2):
            on_bytes(counter.value)
            return


def _use_pool(jobs: list[_Job], workers: int) -> bool:
    return workers > 1 and len(jobs) > 1 and sum(j.size for j in jobs) >= _PARALLEL_MIN_BYTES


def _parse_all(
    jobs: list[_Job],
    key: bytes,
    stage_dir: Path,
    workers: int,
    counter: Counter,
    ctx: BaseContext,
) -> Iterator[tuple[_Job, Parsed]]:
    """Parse jobs in order; in worker processes when there is enough work for them."""
    if not _use_pool(jobs, workers):
        pseudonymise = Pseudonymiser(key)
        for i, job in enumerate(jobs):
            yield (
                job,
                parse_file(
                    job.path, job.naam, job.sha256, job.soort, pseudonymise, stage_dir, i, counter
                ),
            )
        return
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=ctx, initializer=_init_worker, initargs=(key, counter)
    ) as pool:
        # map() keeps the order; chunks amortise the inter-process cost of small files.
        results = pool.map(
            _parse_in_worker,
            [(j.path, j.naam, j.sha256, j.soort, str(stage_dir), i) for i, j in enumerate(jobs)],
            chunksize=max(1, min(32, len(jobs) // (workers * 8))),
        )
        yield from zip(jobs, results, strict=True)


_worker: dict[str, object] = {}


def _init_worker(key: bytes, counter: Counter) -> None:
    _worker["pseudonymise"] = Pseudonymiser(key)
    _worker["counter"] = counter


def _parse_in_worker(args: tuple) -> Parsed:
    path, naam, sha, soort, stage_dir, i = args
    return parse_file(
        path, naam, sha, soort, _worker["pseudonymise"], Path(stage_dir), i, _worker["counter"]
    )


class _CountingFile:
    """A binary file that adds the bytes read to a shared counter (for the progress bar)."""

    def __init__(self, path: str, counter: Counter) -> None:
        self._fh = open(path, "rb")  # noqa: SIM115 - closed by parse_file
        self._counter = counter
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self._fh.read(size)
        self.read_bytes += len(data)
        if self._counter is not None:
            with self._counter.get_lock():
                self._counter.value += len(data)
        return data

    def close(self) -> None:
        self._fh.close()


def parse_file(
    path: str,
    naam: str,
    sha256: str,
    soort: str | None,
    pseudonymise: Pseudonymiser,
    stage_dir: Path,
    index: int,
    counter: Counter | None = None,
) -> Parsed:
    """Parse one file of any supported kind; never raises, whatever the content.

    ``soort`` is the message type read from the file's header when it was ordered (None when
    the header named no message we know).
    """
    stage = Stage(stage_dir, f"f{index}")
    size = Path(path).stat().st_size
    source = None
    # Parsing makes millions of short-lived containers and no reference cycles; the cyclic
    # garbage collector would only rescan them (measured: about 14 % of the parse time).
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        if Path(path).suffix.lower() in TABLE_SUFFIXES:
            return parse_table(path, naam, sha256, pseudonymise, stage)
        if Path(path).suffix.lower() in YAML_SUFFIXES:
            return parse_contracts(path, naam, sha256, stage)
        if soort is None:
            return _unknown(path, naam, sha256)
        source = _CountingFile(path, counter)
        return parse_message(path, naam, sha256, by_soort(soort), pseudonymise, stage, source)
    except Exception as exc:  # a bug must not stop the other files: reject this one, loudly
        stage.discard()
        result = Parsed(
            path=path, naam=naam, sha256=sha256, soort="onbekend", gelezen=1, afgewezen=1
        )
        result.findings.append(
            F.finding(
                "RK-BESTAND-02",
                bestand=naam,
                locatie="bestand",
                reden=f"interne fout {type(exc).__name__}: {exc}",
            )
        )
        return result
    finally:
        if gc_was_on:
            gc.enable()
        done = source.read_bytes if source else 0
        if source:
            source.close()
        if counter is not None and size > done:
            with counter.get_lock():
                counter.value += size - done


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

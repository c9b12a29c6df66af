"""Crash consistency: an ingest killed at any moment leaves the store as before or as after.

The real ``regiekamer ingest`` runs in its own process and is killed with SIGKILL at
``REGIEKAMER_CRASH_KILLS`` (200) moments, picked from a watched run: while parsing, while the
write-ahead log is written and checkpointed into the store (the process checkpoints when it
closes the store), and around the end. A file loads in one transaction, and DuckDB replays (or
drops) its write-ahead log when the store is opened again, so a SIGKILL at any point must never
leave half a file behind; running the same ingest again must then reach exactly the state of an
uninterrupted run.
"""

from __future__ import annotations

import collections
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from stdnum.nl import bsn as stdnum_bsn

from regiekamer.facade import Regiekamer
from regiekamer.settings import Settings

KEY = "test-key"
SRC = Path(__file__).resolve().parents[1] / "src"
# Columns that hold the wall-clock time of an ingest or migration: not part of the content.
VOLATILE = {"ontvangen_op", "toegepast_op"}

KILLS = int(os.environ.get("REGIEKAMER_CRASH_KILLS", "200"))
LANES = 2  # kills run two at a time: the machine has two cores and a run is mostly waiting


def fingerprint(store: Path) -> tuple[str, dict[str, int]]:
    """Hash of the sorted contents of every table (and the row counts, for messages).

    Opens the store read-write, as the product does, so DuckDB replays or discards its WAL.
    """
    con = duckdb.connect(str(store))
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1"
            ).fetchall()
        ]
        digest, counts = hashlib.sha256(), {}
        for t in tables:
            cols = [
                f'"{c}"'
                for (c,) in con.execute(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
                    [t],
                ).fetchall()
                if c not in VOLATILE
            ]
            rows = con.execute(f"SELECT {', '.join(cols)} FROM {t} ORDER BY ALL").fetchall()
            digest.update(repr((t, cols, rows)).encode())
            counts[t] = len(rows)
        return digest.hexdigest(), counts
    finally:
        con.close()


def bestand_counts_add_up(store: Path) -> None:
    con = duckdb.connect(str(store), read_only=True)
    try:
        bad = con.execute(
            "SELECT naam, gelezen, geaccepteerd, afgewezen FROM bestand "
            "WHERE gelezen <> geaccepteerd + afgewezen"
        ).fetchall()
    finally:
        con.close()
    assert bad == []


def big_declaration(sample: Path, target: Path, clients: int) -> int:
    """A valid JW323 of ``clients`` clients, copied from the sample's two; returns its lines."""
    data = sample.read_text(encoding="utf-8")
    blocks = list(re.finditer(r"[ \t]*<jw323:Client>.*?</jw323:Client>\s*", data, re.DOTALL))
    head, tail = data[: blocks[0].start()], data[blocks[-1].end() :]
    head = re.sub(r"<ijw:Identificatie>[^<]*<", "<ijw:Identificatie>CRASH0000001<", head, count=1)
    bsns = (str(n) for n in range(999_900_000, 1_000_000_000) if stdnum_bsn.is_valid(str(n)))
    parts, total, lines = [], 0, 0
    for i in range(clients):
        block = blocks[i % len(blocks)].group(0)
        block = re.sub(r"<jw323:Bsn>\d{9}<", f"<jw323:Bsn>{next(bsns)}<", block)
        refs = iter(range(100))
        block = re.sub(
            r"<ijw:ReferentieNummer>[^<]*<",
            lambda _m, i=i, refs=refs: f"<ijw:ReferentieNummer>C{i:07d}R{next(refs)}<",
            block,
        )
        total += sum(int(b) for b in re.findall(r"<ijw:Bedrag>(\d+)<", block))
        lines += block.count("<jw323:Prestatie>")
        parts.append(block)
    head = re.sub(r"<ijw:TotaalBedrag>\d+<", f"<ijw:TotaalBedrag>{total}<", head)
    target.write_text(head + "".join(parts) + tail, encoding="utf-8")
    return lines


def run_ingest(store: Path, inputs: list[Path], tmpdir: Path) -> subprocess.Popen:
    """The real command line: ``regiekamer ingest --strict`` in its own process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIEKAMER_")}
    env["REGIEKAMER_KEY"] = KEY
    env["TMPDIR"] = str(tmpdir)  # the staging folder shows when the transaction has begun
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return subprocess.Popen(
        [sys.executable, "-m", "regiekamer", "ingest", "--strict", "--store", str(store)]
        + [str(p) for p in inputs],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@dataclass
class Phases:
    """When, in an uninterrupted run, the stages of an ingest can be seen from outside:
    the staging folder appears (transaction begun, parsing), the write-ahead log appears
    (commit), the log is gone again (checkpoint done), the process has ended."""

    stage: float
    wal: float
    checkpointed: float
    end: float


def observe(store: Path, inputs: list[Path], tmpdir: Path) -> Phases:
    """One run, watched every millisecond: its phases (a measured run, for the kill points)."""
    wal = store.with_name(store.name + ".wal")
    started = time.monotonic()
    proc = run_ingest(store, inputs, tmpdir)
    seen: dict[str, float] = {}
    while proc.poll() is None:
        now = time.monotonic() - started
        if "stage" not in seen and any(tmpdir.glob("regiekamer-stage-*")):
            seen["stage"] = now
        if wal.exists():
            seen.setdefault("wal", now)
        elif "wal" in seen:
            seen.setdefault("checkpointed", now)
        time.sleep(0.001)
    end = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
    stage = seen.get("stage", 0.5 * end)
    wal_at = seen.get("wal", stage + 0.9 * (end - stage))
    return Phases(stage, wal_at, seen.get("checkpointed", end), end)


# Where a kill is aimed: at a moment after the start, or after a phase is seen to begin (the
# staging folder, the write-ahead log, its removal by the checkpoint). Aiming at what is seen
# keeps the kills where they matter even when a run is slower or faster than the measured one.
AIMS = ("start", "stage", "wal", "checkpointed")


def kill_points(rng: random.Random, ph: Phases, n: int) -> list[tuple[str, float]]:
    """``n`` (aim, delay after it) pairs, a quarter per aim, the delays within the phase's
    measured length (a little beyond for the short commit/checkpoint phase)."""
    spans = {
        "start": ph.end,
        "stage": ph.wal - ph.stage,
        "wal": 1.5 * (ph.checkpointed - ph.wal) + 0.005,
        "checkpointed": ph.end - ph.checkpointed,
    }
    return [(AIMS[i % 4], rng.uniform(0.0, max(spans[AIMS[i % 4]], 0.001))) for i in range(n)]


def kill_at(store: Path, inputs: list[Path], tmpdir: Path, aim: str, delay: float) -> str:
    """Start the ingest and SIGKILL it ``delay`` s after ``aim`` is seen (watched every
    millisecond, as in :func:`observe`); returns the last phase seen before the kill."""
    wal = store.with_name(store.name + ".wal")
    started = time.monotonic()
    proc = run_ingest(store, inputs, tmpdir)
    where, aimed_at = "bij het starten", started if aim == "start" else None
    while aimed_at is None or time.monotonic() - aimed_at < delay:
        if proc.poll() is not None:
            where = "na afloop"
            break
        if wal.exists():
            where = "tijdens commit/checkpoint"
        elif where == "tijdens commit/checkpoint":
            where = "na checkpoint, bij het afsluiten"
        elif where == "bij het starten" and any(tmpdir.glob("regiekamer-stage-*")):
            where = "tijdens inlezen"
        if aimed_at is None and where == {
            "stage": "tijdens inlezen",
            "wal": "tijdens commit/checkpoint",
            "checkpointed": "na checkpoint, bij het afsluiten",
        }.get(aim, where):
            aimed_at = time.monotonic()
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=120)
    return where


@pytest.mark.slow
def test_a_killed_ingest_leaves_the_store_before_or_after_never_between(
    tmp_path: Path, samples: Path, figures: list[str]
) -> None:
    # A baseline store with some samples in it, checkpointed (no WAL).
    base = tmp_path / "baseline.duckdb"
    kamer = Regiekamer(Settings(store=base, key=KEY, workers=1))
    kamer.init()
    kamer.ingest([samples / "iwmo", samples / "ijw" / "JW301.xml", samples / "ijw" / "JW315.xml"])
    assert not base.with_name(base.name + ".wal").exists()
    baseline, base_counts = fingerprint(base)

    # A large input: one valid declaration (one file, so one transaction).
    big = tmp_path / "in" / "JW323_groot.xml"
    big.parent.mkdir()
    lines = big_declaration(samples / "ijw" / "JW323.xml", big, clients=600)
    inputs = [big]

    # One uninterrupted, watched run in a copy: the target state and the phases of a run.
    full_store = tmp_path / "full.duckdb"
    shutil.copy(base, full_store)
    scratch = tmp_path / "tmp-full"
    scratch.mkdir()
    phases = observe(full_store, inputs, scratch)
    full, full_counts = fingerprint(full_store)
    assert full != baseline
    assert full_counts["prestatie"] == base_counts["prestatie"] + lines
    bestand_counts_add_up(full_store)

    rng = random.Random(20260401)
    points = kill_points(rng, phases, KILLS)

    def one(n: int) -> tuple[float, str, str]:
        store = tmp_path / f"kill{n}.duckdb"
        scratch = tmp_path / f"tmp{n}"
        scratch.mkdir()
        shutil.copy(base, store)
        aim, delay = points[n]
        where = kill_at(store, inputs, scratch, aim, delay)
        state, counts = fingerprint(store)
        outcome = "voor" if state == baseline else "na" if state == full else "half"
        assert outcome != "half", (
            f"kill {delay:.3f}s na {aim} ({where}) liet een halve store achter / a torn store: "
            f"{counts} (voor: {base_counts}, na: {full_counts})"
        )
        bestand_counts_add_up(store)
        # Running the same ingest again completes it, exactly as an uninterrupted run.
        report = Regiekamer(Settings(store=store, key=KEY, workers=1)).ingest(inputs)
        assert report.totals["afgewezen"] == 0
        assert fingerprint(store)[0] == full, f"na kill {delay:.3f}s na {aim} en opnieuw inlezen"
        for f in store.parent.glob(store.name + "*"):
            f.unlink()
        shutil.rmtree(scratch)
        return aim, where, outcome

    with ThreadPoolExecutor(LANES) as pool:
        results = list(pool.map(one, range(len(points))))
    landed = collections.Counter(where for _p, where, _o in results)
    outcomes = collections.Counter((where, o) for _p, where, o in results)
    line = (
        f"crash: {len(results)} kills; volle run {phases.end:.2f}s (staging {phases.stage:.2f}s, "
        f"WAL {phases.wal:.2f}-{phases.checkpointed:.2f}s); plek: {dict(landed)}; "
        f"uitkomst: {dict(outcomes)}"
    )
    figures.append(line)
    assert len(results) >= KILLS
    # The kills must reach the places that matter, or the test proves little.
    assert landed["tijdens inlezen"] and landed["tijdens commit/checkpoint"], landed


def test_ingesting_the_same_folder_twice_changes_nothing(kamer: Regiekamer, samples: Path) -> None:
    first = kamer.ingest([samples])
    assert {o.status for o in first.files} == {"ingelezen"}
    before = fingerprint(kamer.store)

    second = kamer.ingest([samples])
    assert len(second.files) == len(first.files) == 21
    assert {o.status for o in second.files} == {"al ingelezen"}
    assert second.totals["nieuw"] == 0
    assert second.totals["al_ingelezen"] == 21
    assert {(o.naam, o.gelezen, o.geaccepteerd, o.afgewezen) for o in second.files} == {
        (o.naam, o.gelezen, o.geaccepteerd, o.afgewezen) for o in first.files
    }
    assert fingerprint(kamer.store) == before

"""Crash consistency: an ingest killed at any moment leaves the store as before or as after.

A file loads in one transaction, and DuckDB replays (or drops) its write-ahead log when the
store is opened again, so a SIGKILL at any point must never leave half a file behind; running
the same ingest again must then reach exactly the state of an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from stdnum.nl import bsn as stdnum_bsn

from regiekamer.facade import Regiekamer
from regiekamer.settings import Settings

KEY = "test-key"
# Columns that hold the wall-clock time of an ingest or migration: not part of the content.
VOLATILE = {"ontvangen_op", "toegepast_op"}

INGEST = """
import sys
from pathlib import Path
from regiekamer.facade import Regiekamer
from regiekamer.settings import Settings

kamer = Regiekamer(Settings(store=Path(sys.argv[1]), key=sys.argv[2], workers=1))
report = kamer.ingest([Path(p) for p in sys.argv[3:]])
assert report.totals["afgewezen"] == 0, report.totals
"""


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
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIEKAMER_")}
    env["TMPDIR"] = str(tmpdir)  # staging leftovers of a killed run stay in the test's folder
    return subprocess.Popen(
        [sys.executable, "-c", INGEST, str(store), KEY, *map(str, inputs)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
def test_a_killed_ingest_leaves_the_store_before_or_after_never_between(
    tmp_path: Path, samples: Path
) -> None:
    # A baseline store with some samples in it, checkpointed (no WAL).
    base = tmp_path / "baseline.duckdb"
    kamer = Regiekamer(Settings(store=base, key=KEY, workers=1))
    kamer.init()
    kamer.ingest([samples / "iwmo", samples / "ijw" / "JW301.xml", samples / "ijw" / "JW315.xml"])
    assert not base.with_name(base.name + ".wal").exists()
    baseline, base_counts = fingerprint(base)

    # A large input: one valid declaration of several MB (one file, so one transaction).
    big = tmp_path / "in" / "JW323_groot.xml"
    big.parent.mkdir()
    lines = big_declaration(samples / "ijw" / "JW323.xml", big, clients=2400)
    assert big.stat().st_size > 4_000_000
    inputs = [big]
    scratch = tmp_path / "tmp"
    scratch.mkdir()

    # One uninterrupted run in a copy: the target state, and how long a run takes.
    full_store = tmp_path / "full.duckdb"
    shutil.copy(base, full_store)
    started = time.monotonic()
    proc = run_ingest(full_store, inputs, scratch)
    _out, err = proc.communicate(timeout=120)
    duration = time.monotonic() - started
    assert proc.returncode == 0, err.decode()
    full, full_counts = fingerprint(full_store)
    assert full != baseline
    assert full_counts["prestatie"] == base_counts["prestatie"] + lines
    bestand_counts_add_up(full_store)

    rng = random.Random(20260401)
    # Half the kills anywhere in a run, half late, where the transaction commits and the
    # store checkpoints on close (parsing takes most of a run; loading comes last).
    points = sorted(
        [rng.uniform(0.05, duration) for _ in range(5)]
        + [rng.uniform(0.75 * duration, 1.05 * duration) for _ in range(5)]
    )
    outcomes = []
    for n, delay in enumerate(points):
        store = tmp_path / f"kill{n}.duckdb"
        shutil.copy(base, store)
        proc = run_ingest(store, inputs, scratch)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)

        state, counts = fingerprint(store)
        outcomes.append("before" if state == baseline else "after" if state == full else "torn")
        assert state in (baseline, full), (
            f"kill after {delay:.2f}s left a torn store: {counts} "
            f"(before: {base_counts}, after: {full_counts})"
        )
        bestand_counts_add_up(store)

        # Running the same ingest again completes it, exactly as an uninterrupted run.
        Regiekamer(Settings(store=store, key=KEY, workers=1)).ingest(inputs)
        assert fingerprint(store)[0] == full, f"after kill at {delay:.2f}s and a re-run"
        for f in store.parent.glob(store.name + "*"):
            f.unlink()
    kills = [(round(p, 2), o) for p, o in zip(points, outcomes, strict=True)]
    print(f"full run {duration:.2f}s; kills: {kills}")
    assert "torn" not in outcomes


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

"""The restore drill on the demo store: time of `regiekamer backup`, `restore` and `check`,
against a plain file copy of the DuckDB file measured in the same run.

The copy is the baseline: the least any backup costs (it is only consistent with the writer
stopped, and restores nothing else). backup, restore and check run as the CLI does, in this
process, on a copy of the demo store (made with `regiekamer demo --no-serve` when missing, or
given with --store); DuckDB memory is capped. Each step is timed best of ``--repeat``; the
restored store must pass `check` with the manifest's checksums, else exit 1.

Usage: python benchmarks/bench_restore.py [--store demo/regiekamer.duckdb] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from regiekamer.beheer.rules import failed
from regiekamer.facade import Regiekamer
from regiekamer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data"


def _demo_store() -> Path:
    store = DATA / "demo" / "regiekamer.duckdb"
    if not store.exists():
        env = dict(os.environ, CI="1", PYTHONPATH=str(ROOT / "src"))
        subprocess.run(
            [sys.executable, "-m", "regiekamer", "demo", "--dir", str(store.parent), "--no-serve"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    return store


def _best(step: Callable[[int], object], repeat: int) -> float:
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        step(i)
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    source = args.store or _demo_store()
    key_file = source.with_name(source.name + ".key")
    work = Path(tempfile.mkdtemp(prefix="bench-restore-"))
    try:
        store = work / "live" / "regiekamer.duckdb"
        store.parent.mkdir()
        shutil.copy(source, store)
        settings = Settings(store=store, key_file=key_file, kpi_memory_limit="2GB")
        rk = Regiekamer(settings)
        size = store.stat().st_size

        copy = _best(lambda i: shutil.copyfile(store, work / f"kopie{i}.duckdb"), args.repeat)
        backup = _best(lambda i: rk.backup(work / f"backup{i}"), args.repeat)
        manifest = rk.backup(work / "backup")
        targets = [work / f"herstel{i}" / "regiekamer.duckdb" for i in range(args.repeat)]

        def restore(i: int) -> None:
            Regiekamer(settings.model_copy(update={"store": targets[i]})).restore(work / "backup")

        restored = _best(restore, args.repeat)
        fresh = Regiekamer(settings.model_copy(update={"store": targets[0]}))
        check = _best(lambda i: fresh.check(manifest), args.repeat)
        rules = fresh.check(manifest)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = sum(t["rijen"] for t in manifest["tabellen"].values())
    print(
        f"store {source}: {size / 2**20:.1f} MiB, {len(manifest['tabellen'])} tabellen, "
        f"{rows} rijen"
    )
    print(f"{'stap':<28}{'tijd (s)':>10}{'x kopie':>10}")
    for label, seconds in (
        ("kopie van het bestand", copy),
        ("backup", backup),
        ("restore", restored),
        ("check (met manifest)", check),
        ("drill: backup+restore+check", backup + restored + check),
    ):
        print(f"{label:<28}{seconds:>10.3f}{seconds / copy:>10.1f}")
    for r in rules:
        print(f"{r.status:<15} {r.regel}: {r.toelichting}")
    return 1 if failed(rules) else 0


if __name__ == "__main__":
    sys.exit(main())

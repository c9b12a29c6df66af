"""Ingest throughput against a bare lxml iterparse pass over the same files, in one run.

Target (issue "Foundation"): end-to-end XML ingest (parse + XSD + pseudonymise + load) at
least 0.5x the throughput of a bare single-process ``iterparse`` pass; several files use both
cores. Usage: python benchmarks/bench_ingest.py [--files 4] [--mb 100] [--workers 2]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from lxml import etree

from regiekamer.facade import Regiekamer
from regiekamer.settings import Settings
from regiekamer.synth import write_large_jw323

PRESTATIE = "{http://www.istandaarden.nl/ijw/3_2/jw323/schema}Prestatie"
DATA = Path(__file__).parent / ".data"


def make_files(n: int, mb: int) -> list[Path]:
    """n JW323 files of about mb MB each, cached in benchmarks/.data between runs."""
    DATA.mkdir(exist_ok=True)
    files = []
    for i in range(n):
        path = DATA / f"jw323_{mb}mb_{i}.xml"
        if not path.exists():
            write_large_jw323(path, target_bytes=mb * 1024 * 1024, seed=100 + i)
        files.append(path)
    return files


def bare_pass(files: list[Path]) -> tuple[int, float]:
    """The baseline: count Prestatie elements with iterparse, clearing as we go."""
    start = time.perf_counter()
    n = 0
    for f in files:
        for _event, el in etree.iterparse(str(f), events=("end",), tag=PRESTATIE):
            n += 1
            el.clear()
    return n, time.perf_counter() - start


def ingest_pass(files: list[Path], workers: int) -> tuple[int, float]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        kamer = Regiekamer(Settings(store=tmp / "b.duckdb", key="bench", workers=workers))
        kamer.init()
        start = time.perf_counter()
        report = kamer.ingest(files)
        elapsed = time.perf_counter() - start
        t = report.totals
        assert t["gelezen"] == t["geaccepteerd"] + t["afgewezen"]
        return t["geaccepteerd"], elapsed
    finally:
        shutil.rmtree(tmp)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--mb", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    files = make_files(args.files, args.mb)
    size = sum(f.stat().st_size for f in files) / 2**20
    n_bare, t_bare = bare_pass(files)
    n_ing, t_ing = ingest_pass(files, args.workers)
    assert n_bare == n_ing, (n_bare, n_ing)
    bare_rate, ing_rate = n_bare / t_bare, n_ing / t_ing
    print(f"{len(files)} JW323-bestanden, {size:.0f} MiB, {n_bare:,} prestaties")
    print(f"bare iterparse (1 proces):   {t_bare:7.1f} s  {bare_rate:10,.0f} prestaties/s")
    print(
        f"ingest ({args.workers} werkers, end-to-end): {t_ing:7.1f} s  {ing_rate:10,.0f} "
        f"prestaties/s"
    )
    print(f"verhouding ingest/bare: {ing_rate / bare_rate:.2f}x  (doel >= 0.50x)")


if __name__ == "__main__":
    main()

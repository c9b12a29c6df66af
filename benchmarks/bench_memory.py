"""Peak memory of ingesting one large JW323 file (target: below 1 GiB for a 1 GB file).

Runs `regiekamer ingest` in a subprocess and samples the resident memory of it and its
children every 50 ms. Usage: python benchmarks/bench_memory.py [--mb 1024]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from regiekamer.synth import write_large_jw323

DATA = Path(__file__).parent / ".data"


def peak_rss(cmd: list[str], env: dict[str, str]) -> tuple[int, float, int]:
    """(peak resident bytes over the process tree, seconds, exit code)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [ps, *ps.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.05)
    return peak, time.perf_counter() - start, proc.returncode


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mb", type=int, default=1024)
    args = ap.parse_args()
    DATA.mkdir(exist_ok=True)
    big = DATA / f"jw323_{args.mb}mb_single.xml"
    if not big.exists():
        n = write_large_jw323(big, target_bytes=args.mb * 1024 * 1024, seed=7)
        print(f"gegenereerd: {big} ({n:,} prestaties)")
    with tempfile.TemporaryDirectory(prefix="bench-mem-") as tmp:
        env = {**os.environ, "REGIEKAMER_KEY": "bench", "REGIEKAMER_STORE": f"{tmp}/m.duckdb"}
        regiekamer = [sys.executable, "-m", "regiekamer"]
        subprocess.run([*regiekamer, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
        peak, secs, rc = peak_rss([*regiekamer, "ingest", str(big)], env)
    size = big.stat().st_size / 2**20
    print(f"bestand {size:.0f} MiB; ingest {secs:.1f} s, exitcode {rc}")
    print(f"piekgeheugen (RSS, proces + kinderen): {peak / 2**20:.0f} MiB  (doel < 1024 MiB)")


if __name__ == "__main__":
    main()

"""The page Prognose & scenario's (issue 7, item 5): how long a moved knob takes.

Target: a knob moved on the page answers in <= 2 s (a slider), for a gemeente user and for the
region. The page keeps the fitted model and the baseline forecast per store version, so a moved
knob only simulates the scenario and renders.

Baseline measured in the same run: the first request on a fresh server, which reads the
history, fits the model and simulates the baseline too (what every knob would cost without the
kept model and baseline).

Data: a synthetic region (``synth.generate_region``, 3 municipalities) generated into
benchmarks/.data/web_prognose_<clients>/ and served by a real uvicorn server on loopback, as in
the tests. Each figure is the best of 3 requests with a different knob value.

Usage: python benchmarks/bench_web_prognose.py [--clients 2000]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import httpx

# The loopback uvicorn server of the web tests (tests/live.py): measured as the tests run it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from live import serve
from regiekamer.facade import Regiekamer
from regiekamer.faces.web.app import create_app
from regiekamer.settings import Settings
from regiekamer.synth import generate_region

DATA = Path(__file__).parent / ".data"
PASSWORD = "een-lang-wachtwoord-2025"


def prepare(clients: int) -> Path:
    base = DATA / f"web_prognose_{clients}"
    store = base / "regio.duckdb"
    if not store.exists():
        shutil.rmtree(base, ignore_errors=True)
        generate_region(base / "regio", clients=clients, seed=5)
        rk = Regiekamer(Settings(store=store, key="bench", workers=1))
        rk.init()
        rk.ingest([base / "regio" / "referentie", base / "regio" / "berichten"])
    fresh = base / "bench.duckdb"  # a copy: users and the caches of an earlier run go
    shutil.copy(store, fresh)
    return fresh


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=2000)
    args = ap.parse_args()
    store = prepare(args.clients)
    rk = Regiekamer(Settings(store=store, key="bench", workers=1))
    con = rk._connect(read_only=True)
    try:
        gemeente = con.execute("SELECT min(gemeente) FROM prestatie").fetchone()[0]
    finally:
        con.close()
    rk.add_user("gem", f"gemeente:{gemeente}", PASSWORD)
    rk.add_user("regio", "regio", PASSWORD)
    app = create_app(rk.settings)
    with serve(app) as url:
        results = {}
        for naam in ("gem", "regio"):
            client = httpx.Client(base_url=url, timeout=600)
            client.post("/inloggen", data={"naam": naam, "wachtwoord": PASSWORD})
            t = time.perf_counter()
            assert client.get("/prognose").status_code == 200
            cold = time.perf_counter() - t
            best = float("inf")
            for pct in (-10, -20, -30):
                t = time.perf_counter()
                r = client.get("/prognose", params={"instroom_huisarts": pct, "duur_pct": -10})
                best = min(best, time.perf_counter() - t)
                assert r.status_code == 200
            results[naam] = (cold, best)
            client.close()
    print(f"\nPrognose & scenario's op een synthetische regio van {args.clients:,} cliënten:")
    cold = results["gem"][0]
    for naam, (_, best) in results.items():
        who = f"gemeente {gemeente}" if naam == "gem" else "regio"
        ok = "gehaald" if best <= 2 else "NIET gehaald"
        print(f"  {who:15} knop verschoven {best:6.2f} s (beste van 3; doel <= 2 s: {ok}; "
              f"{cold / best:.0f}x sneller dan de basislijn)")  # fmt: skip
    print(f"  basislijn: eerste verzoek, verse server (lezen + schatten + basis) {cold:.2f} s")


if __name__ == "__main__":
    main()

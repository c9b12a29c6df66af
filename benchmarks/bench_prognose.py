"""Forecast benchmark (issue 7) on the national-scale synthetic history.

Targets, on this 2-core machine:

- the forecast with 80 %/95 % intervals for all 342 municipalities x wet x productcategorie,
  36 months ahead (read the history, fit, simulate, quantiles per cell and month) in <= 5 min;
- one scenario re-run for one region (the jeugdregio with the most municipalities) in <= 2 s
  (a slider: the fitted model is kept, only the simulation runs again), with 200 simulations
  behind the band (``--rerun-sims``; the figure at ``--sims`` is printed too).

Baselines measured in the same run:

- for the national forecast: the same history aggregates (spend and starts per cell and month)
  in one hand-written DuckDB SQL query, the floor of reading the history at all;
- for the re-run: the same region forecast from scratch (read the store, fit, simulate), which is
  what every slider move would cost without the kept model.

Data: ``regiekamer.synth.national`` writes the national year as Parquet into
benchmarks/.data/national[_N]/ (shared with bench_kpi.py), loaded once into
benchmarks/.data/prognose_national[_N].duckdb. The simulation's cost depends on the number of
cells, simulations and months, not on the number of clients (all 342 municipalities and 13
categories are present at any --clients); reading and fitting grow with the clients: run with a
smaller --clients when the full 2 M clients take too long to generate here, and say so.

Usage: python benchmarks/bench_prognose.py [--clients 2000000] [--sims 500] [--months 36]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb
import ibis

from regiekamer.analyses.prognose import history, model, simulate
from regiekamer.analyses.prognose.scenario import parse
from regiekamer.facade import Regiekamer
from regiekamer.settings import Settings
from regiekamer.store.connection import connect
from regiekamer.synth.national import FACTS, REFS, generate_national

DATA = Path(__file__).parent / ".data"
NATIONAL = 2_000_000
SCENARIO = "naam: preventie\ninstroom_pct: {huisarts: -20}\nduur_pct: -10\ntarief_pct_per_jaar: 1"

BASELINE_SQL = """
WITH p AS (
  SELECT wet, gemeente, productcategorie,
         year(begindatum) * 12 + month(begindatum) - 1 AS maand,
         sum(CASE WHEN debet_credit = 'C' THEN -bedrag_cent ELSE bedrag_cent END) AS cent
  FROM prestatie GROUP BY ALL),
s AS (
  SELECT wet, gemeente, productcategorie,
         year(begindatum) * 12 + month(begindatum) - 1 AS maand, count(*) AS gestart
  FROM levering WHERE soort = 'start' GROUP BY ALL)
SELECT count(*), sum(cent), sum(gestart)
FROM p FULL JOIN s USING (wet, gemeente, productcategorie, maand)
"""


def prepare(clients: int) -> Path:
    tag = "national" if clients == NATIONAL else f"national_{clients}"
    pq_dir, store = DATA / tag, DATA / f"prognose_{tag}.duckdb"
    if not (pq_dir / "prestatie.parquet").exists():
        t = time.perf_counter()
        generate_national(pq_dir, clients=clients)
        print(f"gegenereerd: {clients:,} cliënten in {time.perf_counter() - t:.0f} s")
    if not store.exists():
        t = time.perf_counter()
        Regiekamer(Settings(store=store, key="bench")).init()
        con = connect(store)
        try:
            for name in (*FACTS, *REFS):
                if name == "gemeente":
                    continue  # init filled it from the same list
                con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM '{pq_dir / name}.parquet'")
        finally:
            con.close()
        print(f"store geladen in {time.perf_counter() - t:.0f} s")
    return store


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=NATIONAL)
    ap.add_argument("--sims", type=int, default=500)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument(
        "--rerun-sims", type=int, default=200, help="simulations behind a slider's band"
    )
    args = ap.parse_args()
    store = prepare(args.clients)
    con = duckdb.connect(str(store), read_only=True)
    backend = ibis.duckdb.from_connection(con)

    t = time.perf_counter()
    con.execute(BASELINE_SQL).fetchall()
    sql_s = time.perf_counter() - t

    t0 = time.perf_counter()
    origin = history.default_origin(backend)
    h = history.read(backend, origin)
    t1 = time.perf_counter()
    fitted = model.fit(h)
    t2 = time.perf_counter()
    f = simulate.run(fitted, months=args.months, sims=args.sims, detail=True)
    t3 = time.perf_counter()
    total = t3 - t0
    cells = len({(r["wet"], r["gemeente"], r["productcategorie"]) for r in f.cells})

    regions = con.execute(
        "SELECT jeugdregio, list(gemeentecode) FROM gemeente GROUP BY 1 ORDER BY count(*) DESC"
    ).fetchall()
    region, codes = regions[0][0], set(regions[0][1])
    sc = parse(SCENARIO)
    rerun: dict[int, float] = {}
    for n in dict.fromkeys((args.rerun_sims, args.sims)):
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            simulate.run(fitted, sc, months=args.months, sims=n, gemeenten=codes)
            best = min(best, time.perf_counter() - t)
        rerun[n] = best
    t = time.perf_counter()
    fresh = model.fit(history.read(backend, origin))
    simulate.run(fresh, sc, months=args.months, sims=args.rerun_sims, gemeenten=codes)
    scratch = time.perf_counter() - t
    con.close()

    print(f"\nNationale historie: {args.clients:,} cliënten, {h.cells:,} cellen met historie, "
          f"{len(h.zp_cell):,} zorgperioden; prognose voor {cells:,} cellen x {args.months} "
          f"maanden, {args.sims} simulaties")  # fmt: skip
    print(f"  historie lezen       {t1 - t0:7.1f} s")
    print(f"  model schatten       {t2 - t1:7.1f} s")
    print(f"  simuleren + banden   {t3 - t2:7.1f} s")
    print(f"  totaal               {total:7.1f} s  (doel <= 300 s: "
          f"{'gehaald' if total <= 300 else 'NIET gehaald'})")  # fmt: skip
    print(f"  basislijn: dezelfde aggregaten in kale DuckDB-SQL {sql_s:.2f} s "
          f"-> prognose = {total / sql_s:.1f}x de SQL-vloer")  # fmt: skip
    print(
        f"\nScenario opnieuw voor regio {region} ({len(codes)} gemeenten), {args.months} maanden:"
    )
    for n, secs in rerun.items():
        print(f"  met bewaard model, {n} simulaties: {secs:6.2f} s  (beste van 3; doel <= 2 s: "
              f"{'gehaald' if secs <= 2 else 'NIET gehaald'})")  # fmt: skip
    first = rerun[args.rerun_sims]
    print(f"  basislijn: vanaf de store (lezen + schatten + simuleren, {args.rerun_sims} "
          f"simulaties) {scratch:.1f} s -> {scratch / first:.0f}x sneller")  # fmt: skip


if __name__ == "__main__":
    main()

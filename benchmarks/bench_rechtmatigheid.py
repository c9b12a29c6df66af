"""Lawfulness checks on the national-scale synthetic year against hand-written DuckDB SQL.

Targets (issue "Contracts and lawfulness"), on the national synthetic year (342 municipalities,
~2 M clients, ~40 M invoice lines) on this 2-core machine:

- all checks (``Regiekamer.rechtmatigheid(2025)``: every line tested, totals, findings) in
  <= 60 s, wall time in a fresh process (so the SQL is compiled once, as on a first run);
- the most expensive single check within 1.2x a hand-written DuckDB SQL anti-join doing the
  same, both on the same DuckDB connection, best of ``--repeat``. The single checks timed are
  the two anti-joins over all lines: 9338 (no allocation of this provider for this client) and
  RK-RECHT-01 (no zorgperiode overlapping the productperiode). Both sides must count the same
  lines before any timing counts.

The data is the one bench_kpi.py makes and caches (benchmarks/.data/national*, ~5 min the first
time). The store has no contract tariffs, so 0611 tests against the regional product tariffs.

Usage: python benchmarks/bench_rechtmatigheid.py [--clients 2000000] [--repeat 3] [--store S]
Exit status 0 whether targets are met or not; 1 when regiekamer and the SQL disagree.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import ibis

from regiekamer.analyses import rechtmatigheid as R

sys.path.insert(0, str(Path(__file__).parent))
from bench_kpi import NATIONAL, YEAR, prepare

KEY = "bench"
_SEG = ("wet", "gemeente", "aanbieder", "client_id", "toewijzing_nummer")
_ON = " AND ".join(f"t.{k} = p.{k}" for k in _SEG)

SQL_9338 = f"""
SELECT count(*) FROM prestatie p
WHERE p.debet_credit = 'D' AND year(p.begindatum) = {YEAR}
  AND NOT EXISTS (SELECT 1 FROM toewijzing t WHERE {_ON})"""

SQL_ZP = f"""
WITH zp AS (
  SELECT s.wet, s.gemeente, s.aanbieder, s.client_id, s.toewijzing_nummer, s.begindatum,
         e.einddatum AS eind
  FROM levering s LEFT JOIN levering e
    ON e.soort = 'stop' AND {" AND ".join(f"e.{k} = s.{k}" for k in (*_SEG, "begindatum"))}
  WHERE s.soort = 'start'),
lines AS (
  SELECT p.* FROM prestatie p JOIN toewijzing t ON {_ON}
  WHERE p.debet_credit = 'D' AND year(p.begindatum) = {YEAR})
SELECT count(*) FROM lines p
WHERE NOT EXISTS (
  SELECT 1 FROM zp z WHERE {" AND ".join(f"z.{k} = p.{k}" for k in _SEG)}
    AND z.begindatum <= p.einddatum AND (z.eind IS NULL OR z.eind >= p.begindatum))"""


def _debit(con: ibis.BaseBackend):
    p = con.table("prestatie")
    p = p.filter((p.debet_credit == "D") & (p.begindatum.year() == YEAR))
    return p.mutate(_decl=p.declaratie_nummer.fill_null(""))


def ibis_9338(con: ibis.BaseBackend):
    """Check 9338 as assess() makes it: the allocation joined on, then the test."""
    t = R.with_allocation(_debit(con), con.table("toewijzing"))
    missing = t.t_aanbieder.isnull() | (t.t_aanbieder != t.aanbieder) | (t.t_client != t.client_id)
    return t.filter(missing).count()


def ibis_zp(con: ibis.BaseBackend):
    """Check RK-RECHT-01 as assess() makes it: lines with an allocation, zorgperioden from
    the start/stop messages (trajectories.zorgperioden), the anti-join."""
    t = R.with_allocation(_debit(con), con.table("toewijzing"))
    matched = t.filter(
        t.t_aanbieder.notnull() & (t.t_aanbieder == t.aanbieder) & (t.t_client == t.client_id)
    )
    return R.lacking_zorgperiode(matched, con.table("levering")).count()


def best(fn, repeat: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def full_run(store: Path) -> dict:
    """All checks in a child process: wall time of the facade call, and its totals."""
    code = (
        "import json, time\n"
        "from regiekamer.facade import Regiekamer\n"
        "from regiekamer.settings import Settings\n"
        f"rk = Regiekamer(Settings(store={str(store)!r}, key={KEY!r}))\n"
        "t0 = time.perf_counter()\n"
        f"v = rk.rechtmatigheid({YEAR})\n"
        "s = time.perf_counter() - t0\n"
        "print(json.dumps({'seconden': s, 'totaal': v.totaal,\n"
        "                  'per_toets': {p['code']: p['regels'] for p in v.per_toets}}))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if run.returncode != 0:
        tail = run.stderr.strip().splitlines()[-3:]
        return {"fout": " / ".join(tail)}
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=NATIONAL)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--store", type=Path, help="An existing store instead of the national year.")
    args = ap.parse_args()
    store = args.store or prepare(args.clients)[1]
    con = duckdb.connect(str(store), read_only=True)
    lines = con.execute(
        f"SELECT count(*) FROM prestatie WHERE year(begindatum) = {YEAR}"
    ).fetchone()[0]
    print(f"store {store} ({store.stat().st_size / 2**30:.2f} GiB), {lines:,} regels in {YEAR}")

    full = full_run(store)
    if "fout" in full:
        print(f"alle toetsen: NIET GEHAALD, de berekening faalde: {full['fout']}")
        return 1
    t = full["totaal"]
    print(
        f"alle toetsen: {full['seconden']:.1f} s (doel <= 60 s) "
        f"{'GEHAALD' if full['seconden'] <= 60 else 'NIET GEHAALD'}; "
        f"{t['regels']:,} regels getoetst, {t['regels_fout']:,} afgekeurd, "
        f"onzeker € {t['onzeker_cent'] / 100:,.2f}"
    )
    print("  per toets: " + ", ".join(f"{k} {v:,}" for k, v in full["per_toets"].items() if v))
    if (
        t["gedeclareerd_cent"]
        != t["geaccepteerd_cent"] + t["onzeker_cent"] + t["saldo_gecrediteerd_cent"]
    ):
        print("FOUT: de totalen sluiten niet aan")
        return 1

    backend = ibis.duckdb.from_connection(con)
    status = 0
    results = []
    for name, ours, sql in (
        ("9338 geen toewijzing", lambda: ibis_9338(backend).execute(), SQL_9338),
        ("RK-RECHT-01 geen zorgperiode", lambda: ibis_zp(backend).execute(), SQL_ZP),
    ):
        base_s, base_n = best(lambda sql=sql: con.execute(sql).fetchone()[0], args.repeat)
        our_s, our_n = best(ours, args.repeat)
        agree = int(our_n) == int(base_n)
        status |= 0 if agree else 1
        results.append((our_s, name, base_s))
        print(
            f"{name}: regiekamer {our_s:.2f} s, SQL anti-join {base_s:.2f} s, "
            f"factor {our_s / base_s:.2f}x; {our_n:,} regels "
            f"{'(gelijk)' if agree else f'(SQL: {base_n:,}: VERSCHIL)'}"
        )
    our_s, name, base_s = max(results)
    ratio = our_s / base_s
    print(
        f"duurste toets ({name}): {ratio:.2f}x de handgeschreven SQL (doel <= 1.2x) "
        f"{'GEHAALD' if ratio <= 1.2 else 'NIET GEHAALD'}"
    )
    return status


if __name__ == "__main__":
    raise SystemExit(main())

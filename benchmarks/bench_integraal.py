"""Stapeling and the bijstand KPIs at municipal-region scale, against pandas and DuckDB SQL.

A store is filled directly with SQL (no XML): 20 municipalities, ``--people`` youth and Wmo
clients (one start each, open), about a third of them in households of two, bijstand for
``--people``/2 persons (a tenth of them also in care, sharing their household), and four invoice
lines per care client. Then, best of ``--repeat``:

- ``Regiekamer.stapeling(year=2025)`` (Ibis on DuckDB, the product's path: zorgperioden from
  start/stop pairs, households, spend) against the same per-municipality combination counts
  in pandas (reading the same tables) and in hand-written DuckDB SQL;
- the four bijstand KPIs per gemeente x maand (``Regiekamer.kpi``, cache off) against
  hand-written DuckDB SQL for ``instroom`` and ``uitstroom_naar_werk_pct``.

Every peer must give the same household counts per (gemeente, combinatie) as the product before
any timing counts. Prints seconds and ratios; exit 1 only when the answers differ.

Usage: python benchmarks/bench_integraal.py [--people 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from regiekamer.facade import Regiekamer
from regiekamer.settings import Settings

GEMEENTEN = [
    "0363", "0599", "0518", "0344", "0014", "0772", "0855", "0034", "0080", "0268",
    "0193", "0153", "0202", "0200", "0439", "0392", "0375", "0396", "0453", "0394",
]  # fmt: skip


def fill(store: Path, people: int) -> None:
    con = duckdb.connect(str(store))
    g = "['" + "','".join(GEMEENTEN) + "']"
    con.execute("INSERT INTO bestand VALUES (1, 'bench', 'bench', 'bench', now(), 0, 0, 0)")
    con.execute(f"""
        INSERT INTO levering (wet, gemeente, aanbieder, client_id, dagtekening, soort,
            toewijzing_nummer, begindatum, status_aanlevering, bestand_id, regel)
        SELECT CASE WHEN i % 3 = 0 THEN 'wmo' ELSE 'jeugd' END, {g}[1 + i % 20], '12345678',
               'c' || i, DATE '2024-01-01' + CAST(i % 700 AS INTEGER), 'start', 'T' || i,
               DATE '2024-01-01' + CAST(i % 700 AS INTEGER), '1', 1, i
        FROM range({people}) t(i)""")
    con.execute(f"""
        INSERT INTO prestatie (wet, gemeente, aanbieder, client_id, dagtekening,
            referentie_nummer, productcategorie, begindatum, einddatum, geleverd_volume,
            eenheid, bedrag_cent, debet_credit, bestand_id, regel)
        SELECT 'jeugd', {g}[1 + (i // 4) % 20], '12345678', 'c' || (i // 4), DATE '2025-06-30',
               'R' || i, '45', DATE '2025-01-01' + CAST(30 * (i % 4) AS INTEGER),
               DATE '2025-01-28' + CAST(30 * (i % 4) AS INTEGER), 1, '14', 10000 + i % 5000,
               'D', 1, i
        FROM range({4 * people}) t(i)""")
    con.execute(f"""
        INSERT INTO huishouden (client_id, huishouden_id, bestand_id, regel)
        SELECT 'c' || i, 'h' || CASE WHEN i % 3 = 1 THEN i - 1 ELSE i END, 1, i
        FROM range({people}) t(i)""")
    # Bijstand: one in ten is a care client's household member, the rest on their own.
    con.execute(f"""
        INSERT INTO uitkering (gemeente, client_id, huishouden_id, begindatum, einddatum,
            reden_beeindiging, maandbedrag_cent, bestand_id, regel)
        SELECT {g}[1 + i % 20],
               'b' || i,
               CASE WHEN i % 10 = 0 THEN 'h' || CASE WHEN i % 3 = 1 THEN i - 1 ELSE i END
                    ELSE 'u' || i END,
               DATE '2023-06-01' + CAST(i % 900 AS INTEGER),
               CASE WHEN i % 4 = 0 THEN DATE '2023-06-01' + CAST(i % 900 AS INTEGER) + 300 END,
               CASE WHEN i % 4 = 0 THEN (CASE WHEN i % 8 = 0 THEN 'werk' ELSE 'overig' END) END,
               135000, 1, i
        FROM range({people // 2}) t(i)""")
    con.execute("""
        INSERT INTO populatie SELECT gemeentecode, 2025, 20000, 100000, 1 FROM gemeente
        WHERE gemeentecode IN (SELECT DISTINCT gemeente FROM uitkering)""")
    con.close()


def product_counts(rk: Regiekamer) -> dict[tuple, int]:
    rows = rk.stapeling(year=2025)
    return {
        (r["gemeente"], r["combinatie"]): r["huishoudens"]
        for r in rows
        if r["gemeente"] and r["combinatie"] != "totaal" and r["huishoudens"]
    }


_SQL = """
WITH use AS (
    SELECT DISTINCT wet AS v, gemeente, client_id FROM levering
    WHERE soort = 'start' AND begindatum <= DATE '2025-12-31'
    UNION
    SELECT DISTINCT 'bijstand', gemeente, client_id FROM uitkering
    WHERE begindatum <= DATE '2025-12-31'
      AND coalesce(einddatum, DATE '9999-12-31') >= DATE '2025-01-01'),
hh AS (
    SELECT u.client_id, coalesce(h.huishouden_id, b.huishouden_id, u.client_id) AS huishouden
    FROM (SELECT DISTINCT client_id FROM use) u
    LEFT JOIN (SELECT client_id, max(huishouden_id) AS huishouden_id FROM huishouden
               GROUP BY ALL) h USING (client_id)
    LEFT JOIN (SELECT client_id, max(huishouden_id) AS huishouden_id FROM uitkering
               GROUP BY ALL) b USING (client_id)),
flags AS (
    SELECT gemeente, huishouden, bool_or(v = 'jeugd') j, bool_or(v = 'wmo') w,
           bool_or(v = 'bijstand') b
    FROM use JOIN hh USING (client_id) GROUP BY ALL)
SELECT gemeente,
       concat_ws('+', CASE WHEN j THEN 'jeugd' END, CASE WHEN w THEN 'wmo' END,
                 CASE WHEN b THEN 'bijstand' END) AS combinatie,
       count(*) AS n
FROM flags GROUP BY ALL
"""


def sql_counts(store: Path) -> dict[tuple, int]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return {(g, c): n for g, c, n in con.execute(_SQL).fetchall()}
    finally:
        con.close()


def pandas_counts(store: Path) -> dict[tuple, int]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        lev = con.execute("SELECT wet, gemeente, client_id, soort, begindatum FROM levering").df()
        uit = con.execute(
            "SELECT gemeente, client_id, huishouden_id, begindatum, einddatum FROM uitkering"
        ).df()
        hh = con.execute("SELECT client_id, huishouden_id FROM huishouden").df()
    finally:
        con.close()
    start, stop = pd.Timestamp("2025-01-01"), pd.Timestamp("2025-12-31")
    care = lev[(lev.soort == "start") & (lev.begindatum <= stop)]
    care = care.rename(columns={"wet": "v"})[["v", "gemeente", "client_id"]]
    end = uit.einddatum.fillna(pd.Timestamp("2262-01-01"))
    b = uit[(uit.begindatum <= stop) & (end >= start)]
    bij = b.assign(v="bijstand")[["v", "gemeente", "client_id"]]
    use = pd.concat([care, bij]).drop_duplicates()
    h1 = hh.groupby("client_id").huishouden_id.max()
    h2 = uit.groupby("client_id").huishouden_id.max()
    people = pd.Series(use.client_id.unique())
    household = people.map(h1).fillna(people.map(h2)).fillna(people)
    use = use.merge(pd.DataFrame({"client_id": people, "hh": household}), on="client_id")
    for v in ("jeugd", "wmo", "bijstand"):
        use[v] = use.v == v
    flags = use.groupby(["gemeente", "hh"])[["jeugd", "wmo", "bijstand"]].any().reset_index()
    label = flags[["jeugd", "wmo", "bijstand"]].apply(
        lambda r: "+".join(k for k in ("jeugd", "wmo", "bijstand") if r[k]), axis=1
    )
    counts = flags.assign(c=label).groupby(["gemeente", "c"]).size()
    return {(g, c): int(n) for (g, c), n in counts.items()}


def best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "bench.duckdb"
        rk = Regiekamer(Settings(store=store, key="bench", workers=1))
        rk.init()
        t = time.perf_counter()
        fill(store, a.people)
        print(f"store gevuld: {a.people} zorgcliënten, {a.people // 2} uitkeringen, "
              f"{4 * a.people} declaratieregels in {time.perf_counter() - t:.1f} s")  # fmt: skip
        t_prod, prod = best(lambda: product_counts(rk), a.repeat)
        t_sql, sql = best(lambda: sql_counts(store), a.repeat)
        t_pd, pdc = best(lambda: pandas_counts(store), a.repeat)
        if not (prod == sql == pdc):
            print("FOUT: de uitkomsten verschillen", file=sys.stderr)
            return 1
        print(f"stapeling ({sum(prod.values())} huishoudens in {len(prod)} cellen):")
        print(f"  regiekamer (Ibis/DuckDB, met zorgperioden en uitgaven): {t_prod:.2f} s")
        print(f"  DuckDB SQL (alleen tellingen):                         {t_sql:.2f} s "
              f"-> regiekamer/SQL {t_prod / t_sql:.2f}x")  # fmt: skip
        print(f"  pandas (alleen tellingen):                             {t_pd:.2f} s "
              f"-> regiekamer/pandas {t_prod / t_pd:.2f}x")  # fmt: skip
        kpis = ["bijstand_per_1000", "instroom", "uitstroom", "uitstroom_naar_werk_pct"]
        t_kpi, _ = best(
            lambda: rk.kpi(year=2025, per="month", by=["gemeente"], kpis=kpis, cache=False),
            a.repeat,
        )
        con = duckdb.connect(str(store), read_only=True)
        sql = """
            SELECT gemeente, month(begindatum) m, count(*) FROM uitkering
            WHERE year(begindatum) = 2025 GROUP BY ALL;
            SELECT gemeente, month(einddatum) m, 100.0 * count(*) FILTER
                   (WHERE reden_beeindiging = 'werk') / count(*) FROM uitkering
            WHERE year(einddatum) = 2025 GROUP BY ALL"""
        t_raw, _ = best(lambda: [con.execute(q).fetchall() for q in sql.split(";")], a.repeat)
        con.close()
        print(f"bijstand-KPI's per gemeente x maand (vier KPI's): {t_kpi:.2f} s; "
              f"DuckDB SQL voor twee ervan: {t_raw:.3f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())

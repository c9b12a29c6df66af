"""KPI catalogue on the national-scale synthetic year against DuckDB SQL, Polars and pandas.

Targets (issue "KPI catalogue"), on the national synthetic year (342 municipalities, ~2 M clients,
~40 M invoice lines) on a 2-core machine:

- the full catalogue per gemeente x productcategorie x maand in <= 60 s, peak memory <= 4 GiB
  (measured in a child process: wall time and peak RSS);
- three representative KPIs against peers in the same run, best of up to 3:
  ``uitgaven`` (+ distinct clients) per gemeente x productcategorie x maand,
  ``wachttijd_dagen_mediaan`` per gemeente, ``herhaald_beroep_pct`` per gemeente (both per year):
  catalogue <= 1.1x hand-written DuckDB SQL, <= 1.0x Polars lazy and not slower than the fastest
  peer; the factor against pandas is reported.

The peers compute exactly the definitions of /tmp/shared/kpi_contract.md (DOMAIN.md section 4):
DuckDB SQL over the store's own tables (native DuckDB storage), Polars lazy scanning the Parquet
files the store was filled from (Polars on its own, no DuckDB involved), pandas reading the same
Parquet files. Every timing includes reading the data. Before timing, the peers must agree with
each other (same cells, same n, values within 1e-9 relative) and, when the catalogue exists, with
the catalogue.

The data is made once and cached: regiekamer.synth.national writes the year as Parquet into
benchmarks/.data/national/ (~2 min, 1.7 GiB), then a store benchmarks/.data/national.duckdb is
filled from it (~3 min, 2.7 GiB). The synthetic year has no reden-20 stops, no StatusAanlevering 3,
no credit lines, and no allocation carries a referentie_aanbieder (so no request links to one
under the contract's key); a small hand-made case run first checks those rules in every engine.

Usage: python benchmarks/bench_kpi.py [--clients 2000000] [--repeat 3] [--budget 90]
                                      [--skip-pandas] [--peers-only]
``--clients 100000`` generates (and caches) a separate, smaller dataset for a quick check.
Exit status 0 whether targets are met or not (a failing full-catalogue child is reported too);
1 when the catalogue's answers differ from the peers' or from the hand-made case.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import psutil
import pyarrow as pa
import pyarrow.parquet as pq
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from regiekamer.facade import Regiekamer
from regiekamer.settings import Settings
from regiekamer.synth.national import FACTS, REFS, generate_national, store_schemas

DATA = Path(__file__).parent / ".data"
YEAR = 2025
NATIONAL = 2_000_000
KEY = "bench"
# A zorgperiode's allocation: the columns a start and its stop are matched on (with begindatum).
K = ["wet", "gemeente", "aanbieder", "client_id", "toewijzing_nummer"]
Cell = tuple  # (periode, *dims, waarde, n)


# --- data ------------------------------------------------------------------------------------


def locations(clients: int) -> tuple[Path, Path]:
    """Parquet folder and store for a dataset; the national one is benchmarks/.data/national."""
    tag = "national" if clients == NATIONAL else f"national_{clients}"
    return DATA / tag, DATA / f"{tag}.duckdb"


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )


def prepare(clients: int) -> tuple[Path, Path]:
    """Generate the Parquet year once, then a store filled from it; both cached."""
    pq_dir, store = locations(clients)
    counts_file = pq_dir / "counts.json"  # written last: its presence means the files are whole
    if not counts_file.exists():
        with _bar() as bar:
            task = bar.add_task(f"Parquet genereren ({clients:,} cliënten)", total=None)
            counts = generate_national(
                pq_dir,
                year=YEAR,
                clients=clients,
                progress=lambda k, n: bar.update(task, completed=k, total=n),
            )
        counts_file.write_text(json.dumps(counts, indent=1))
    ready = store.with_name(store.name + ".ready")
    if not ready.exists():
        for p in (store, store.with_name(store.name + ".wal")):
            p.unlink(missing_ok=True)
        Regiekamer(Settings(store=store, key=KEY, workers=2)).init()
        # Straight from Parquet into the store tables: the generator writes the store's own
        # columns and types, and this is minutes faster than generating XML or tables and
        # running them through the ingest (which is not what this benchmark measures).
        con = duckdb.connect(str(store))
        tables = FACTS + REFS
        with _bar() as bar:
            task = bar.add_task("Store vullen", total=len(tables))
            for t in tables:
                bar.update(task, description=f"Store vullen: {t}")
                src = f"read_parquet('{pq_dir / (t + '.parquet')}')"
                if t == "gemeente":  # init() already loaded the municipality list
                    con.execute(
                        f"INSERT INTO gemeente BY NAME SELECT * FROM {src} "
                        "WHERE gemeentecode NOT IN (SELECT gemeentecode FROM gemeente)"
                    )
                else:
                    con.execute(f"INSERT INTO {t} BY NAME SELECT * FROM {src}")
                bar.advance(task)
        con.execute("CHECKPOINT")
        con.close()
        ready.touch()
    return pq_dir, store


def describe(pq_dir: Path, store: Path) -> list[str]:
    """Row counts, sizes, and what in the data does (not) exercise the KPI definitions."""
    con = duckdb.connect(str(store), read_only=True)
    q = lambda sql: con.execute(sql).fetchall()  # noqa: E731
    counts = {t: q(f"SELECT count(*) FROM {t}")[0][0] for t in ("client", *FACTS[:-1], *REFS)}
    size = sum(f.stat().st_size for f in pq_dir.glob("*.parquet")) / 2**30
    lines = [
        "rijen: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()),
        f"Parquet {size:.2f} GiB, store {store.stat().st_size / 2**30:.2f} GiB",
    ]
    reden20 = q("SELECT count(*) FROM levering WHERE soort = 'stop' AND reden_beeindiging = '20'")
    status3 = q("SELECT count(*) FROM levering WHERE status_aanlevering = '3'")
    dup_stop = q(
        f"SELECT count(*) FROM (SELECT 1 FROM levering WHERE soort = 'stop' "
        f"GROUP BY {', '.join(K)}, begindatum HAVING count(*) > 1)"
    )
    linked = q(
        "SELECT count(*) FILTER (WHERE t.referentie_aanbieder IS NOT NULL), count(v.wet) "
        "FROM toewijzing t LEFT JOIN (SELECT DISTINCT wet, gemeente, aanbieder, client_id, "
        "referentie_aanbieder FROM verzoek) v USING (wet, gemeente, aanbieder, client_id, "
        "referentie_aanbieder)"
    )
    credit = q("SELECT count(*) FROM prestatie WHERE debet_credit = 'C'")
    outside = q(f"SELECT count(*) FROM prestatie WHERE year(begindatum) <> {YEAR}")
    lines += [
        f"levering: {reden20[0][0]:,} stops met reden 20, {status3[0][0]:,} berichten met "
        f"status 3, {dup_stop[0][0]:,} dubbele stops",
        f"toewijzing: {linked[0][0]:,} met referentie_aanbieder, {linked[0][1]:,} gekoppeld aan "
        "een verzoek (contractsleutel)",
        f"prestatie: {credit[0][0]:,} creditregels, {outside[0][0]:,} buiten {YEAR}",
    ]
    con.close()
    return lines


# --- the contract's definitions, three times ---------------------------------------------------

_Y0, _Y1 = f"DATE '{YEAR}-01-01'", f"DATE '{YEAR}-12-31'"
_KEYS = ", ".join(K)

UITGAVEN_SQL = f"""
SELECT printf('{YEAR}-%02d', month(begindatum)) AS periode, gemeente, productcategorie,
       sum(CASE WHEN debet_credit = 'C' THEN -bedrag_cent ELSE bedrag_cent END) / 100 AS waarde,
       count(DISTINCT client_id) AS n
FROM prestatie
WHERE begindatum BETWEEN {_Y0} AND {_Y1}
GROUP BY month(begindatum), gemeente, productcategorie
"""

# Zorgperioden: starts matched to their (latest) stop; a segment whose predecessor on the same
# allocation stopped with reden 20 continues that zorgperiode.
ZORGPERIODE_SQL = f"""
WITH stops AS (
    SELECT {_KEYS}, begindatum, einddatum, reden_beeindiging AS reden, true AS gestopt
    FROM levering WHERE soort = 'stop'
    QUALIFY row_number() OVER (PARTITION BY {_KEYS}, begindatum
        ORDER BY dagtekening DESC, einddatum DESC NULLS LAST, reden_beeindiging DESC NULLS LAST) = 1
), seg AS (
    SELECT s.{_KEYS.replace(", ", ", s.")}, s.begindatum, s.productcategorie,
           p.einddatum, p.reden, coalesce(p.gestopt, false) AS gestopt
    FROM levering s LEFT JOIN stops p USING ({_KEYS}, begindatum)
    WHERE s.soort = 'start'
), flagged AS (
    SELECT *, coalesce(lag(gestopt AND reden = '20') OVER w, false) AS vervolg
    FROM seg WINDOW w AS (PARTITION BY {_KEYS} ORDER BY begindatum)
), numbered AS (
    SELECT *, sum(CASE WHEN vervolg THEN 0 ELSE 1 END) OVER (PARTITION BY {_KEYS}
        ORDER BY begindatum ROWS UNBOUNDED PRECEDING) AS zp
    FROM flagged
), zorgperiode AS (
    SELECT {_KEYS}, min(begindatum) AS begin,
           first(productcategorie ORDER BY begindatum) AS productcategorie,
           first(einddatum ORDER BY begindatum DESC) AS eind,
           first(reden ORDER BY begindatum DESC) AS reden
    FROM numbered GROUP BY {_KEYS}, zp
)"""

WACHTTIJD_SQL = f"""{ZORGPERIODE_SQL}, verzoek1 AS (
    SELECT wet, gemeente, aanbieder, client_id, referentie_aanbieder,
           min(dagtekening) AS verzoekdatum
    FROM verzoek GROUP BY ALL
), alloc AS (
    SELECT t.wet, t.gemeente, t.toewijzing_nummer,
           coalesce(v.verzoekdatum, t.toewijzingsdatum) AS wachtstart
    FROM toewijzing t LEFT JOIN verzoek1 v
      ON v.wet = t.wet AND v.gemeente = t.gemeente AND v.aanbieder = t.aanbieder
     AND v.client_id = t.client_id AND v.referentie_aanbieder = t.referentie_aanbieder
)
SELECT '{YEAR}' AS periode, z.gemeente, quantile_cont(z.begin - a.wachtstart, 0.5) AS waarde,
       count(DISTINCT z.client_id) AS n
FROM zorgperiode z JOIN alloc a USING (wet, gemeente, toewijzing_nummer)
WHERE z.begin BETWEEN {_Y0} AND {_Y1}
GROUP BY ALL
"""

HERHAALD_SQL = f"""{ZORGPERIODE_SQL}, plan AS (
    SELECT gemeente, wet, client_id, eind FROM zorgperiode
    WHERE eind BETWEEN {_Y0} AND {_Y1}
      AND ((wet = 'jeugd' AND reden = '31') OR (wet = 'wmo' AND reden = '19'))
), flag AS (
    SELECT p.gemeente, p.client_id, EXISTS (
        SELECT 1 FROM zorgperiode z
        WHERE z.client_id = p.client_id AND z.wet = p.wet
          AND z.begin > p.eind AND z.begin <= CAST(p.eind + INTERVAL 12 MONTH AS DATE)
    ) AS terug
    FROM plan p
)
SELECT '{YEAR}' AS periode, gemeente,
       100.0 * count(DISTINCT client_id) FILTER (WHERE terug) / count(DISTINCT client_id)
           AS waarde,
       count(DISTINCT client_id) AS n
FROM flag GROUP BY gemeente
"""


def duckdb_peer(sql: str) -> Callable[[Path, Path], list[Cell]]:
    def run(pq_dir: Path, store: Path) -> list[Cell]:
        con = duckdb.connect(str(store), read_only=True)
        try:
            return [tuple(r) for r in con.execute(sql).fetchall()]
        finally:
            con.close()

    return run


# Polars: lazy scans of the Parquet files.

_Y0_D, _Y1_D = pd.Timestamp(f"{YEAR}-01-01").date(), pd.Timestamp(f"{YEAR}-12-31").date()


def _pl_cells(df: pl.DataFrame) -> list[Cell]:
    return [tuple(r) for r in df.iter_rows()]


def polars_uitgaven(pq_dir: Path, store: Path) -> list[Cell]:
    signed = (
        pl.when(pl.col("debet_credit") == "C")
        .then(-pl.col("bedrag_cent"))
        .otherwise(pl.col("bedrag_cent"))
    )
    df = (
        pl.scan_parquet(pq_dir / "prestatie.parquet")
        .filter(pl.col("begindatum").is_between(_Y0_D, _Y1_D))
        .group_by(pl.col("begindatum").dt.month().alias("maand"), "gemeente", "productcategorie")
        .agg((signed.sum() / 100).alias("waarde"), pl.col("client_id").n_unique().alias("n"))
        .select(
            pl.format("{}-{}", pl.lit(YEAR), pl.col("maand").cast(pl.String).str.zfill(2)).alias(
                "periode"
            ),
            "gemeente",
            "productcategorie",
            "waarde",
            "n",
        )
        .collect()
    )
    return _pl_cells(df)


def polars_zorgperioden(pq_dir: Path) -> pl.LazyFrame:
    lev = pl.scan_parquet(pq_dir / "levering.parquet")
    starts = lev.filter(pl.col("soort") == "start").select(*K, "begindatum", "productcategorie")
    stops = (
        lev.filter(pl.col("soort") == "stop")
        .select(*K, "begindatum", "einddatum", "dagtekening", reden="reden_beeindiging")
        .sort(["dagtekening", "einddatum", "reden"], descending=True, nulls_last=True)
        .unique([*K, "begindatum"], keep="first")
        .select(*K, "begindatum", "einddatum", "reden", gestopt=pl.lit(True))
    )
    seg = (
        starts.join(stops, on=[*K, "begindatum"], how="left")
        .with_columns(pl.col("gestopt").fill_null(False))
        .sort([*K, "begindatum"])
    )
    same = pl.all_horizontal([pl.col(k) == pl.col(k).shift(1) for k in K])
    vervolg = (same & pl.col("gestopt").shift(1) & (pl.col("reden").shift(1) == "20")).fill_null(
        False
    )
    return (
        seg.with_columns(zp=(~vervolg).cast(pl.Int64).cum_sum())
        .group_by("zp")  # within a group rows keep their (begindatum) order
        .agg(
            *[pl.col(k).first() for k in K],
            pl.col("begindatum").first().alias("begin"),
            pl.col("productcategorie").first(),
            pl.col("einddatum").last().alias("eind"),
            pl.col("reden").last(),
        )
    )


def polars_wachttijd(pq_dir: Path, store: Path) -> list[Cell]:
    zp = polars_zorgperioden(pq_dir)
    req = (
        pl.scan_parquet(pq_dir / "verzoek.parquet")
        .group_by("wet", "gemeente", "aanbieder", "client_id", "referentie_aanbieder")
        .agg(pl.col("dagtekening").min().alias("verzoekdatum"))
    )
    alloc = (
        pl.scan_parquet(pq_dir / "toewijzing.parquet")
        .join(
            req,
            on=["wet", "gemeente", "aanbieder", "client_id", "referentie_aanbieder"],
            how="left",
        )  # null keys never match, as in SQL
        .select(
            "wet",
            "gemeente",
            "toewijzing_nummer",
            wachtstart=pl.coalesce("verzoekdatum", "toewijzingsdatum"),
        )
    )
    df = (
        zp.filter(pl.col("begin").is_between(_Y0_D, _Y1_D))
        .join(alloc, on=["wet", "gemeente", "toewijzing_nummer"], how="inner")
        .with_columns(wacht=(pl.col("begin") - pl.col("wachtstart")).dt.total_days())
        .group_by("gemeente")
        .agg(
            pl.col("wacht").quantile(0.5, interpolation="linear").alias("waarde"),
            pl.col("client_id").n_unique().alias("n"),
        )
        .select(pl.lit(str(YEAR)).alias("periode"), "gemeente", "waarde", "n")
        .collect()
    )
    return _pl_cells(df)


def polars_herhaald(pq_dir: Path, store: Path) -> list[Cell]:
    zp = polars_zorgperioden(pq_dir).collect().lazy()  # used twice: build once
    plan = zp.filter(
        pl.col("eind").is_between(_Y0_D, _Y1_D)
        & (
            ((pl.col("wet") == "jeugd") & (pl.col("reden") == "31"))
            | ((pl.col("wet") == "wmo") & (pl.col("reden") == "19"))
        )
    ).select("gemeente", "wet", "client_id", "eind")
    terug = (
        plan.join(zp.select("client_id", "wet", "begin"), on=["client_id", "wet"])
        .filter(
            (pl.col("begin") > pl.col("eind"))
            & (pl.col("begin") <= pl.col("eind").dt.offset_by("12mo"))
        )
        .group_by("gemeente")
        .agg(pl.col("client_id").n_unique().alias("k"))
    )
    df = (
        plan.group_by("gemeente")
        .agg(pl.col("client_id").n_unique().alias("n"))
        .join(terug, on="gemeente", how="left")
        .select(
            pl.lit(str(YEAR)).alias("periode"),
            "gemeente",
            (100.0 * pl.col("k").fill_null(0) / pl.col("n")).alias("waarde"),
            "n",
        )
        .collect()
    )
    return _pl_cells(df)


# pandas: read the Parquet columns needed (dates as datetime64), then plain pandas.


def _pd_read(pq_dir: Path, table: str, columns: list[str]) -> pd.DataFrame:
    return pd.read_parquet(
        pq_dir / f"{table}.parquet", columns=columns, to_pandas_kwargs={"date_as_object": False}
    )


def _pd_cells(df: pd.DataFrame, cols: list[str]) -> list[Cell]:
    return list(df[cols].itertuples(index=False, name=None))


def pandas_uitgaven(pq_dir: Path, store: Path) -> list[Cell]:
    cols = ["gemeente", "productcategorie", "client_id", "begindatum", "bedrag_cent"]
    df = _pd_read(pq_dir, "prestatie", [*cols, "debet_credit"])
    df = df[(df.begindatum >= pd.Timestamp(_Y0_D)) & (df.begindatum <= pd.Timestamp(_Y1_D))]
    df["signed"] = df.bedrag_cent.where(df.debet_credit != "C", -df.bedrag_cent)
    df["maand"] = df.begindatum.dt.month
    out = (
        df.groupby(["maand", "gemeente", "productcategorie"], sort=False, observed=True)
        .agg(som=("signed", "sum"), n=("client_id", "nunique"))
        .reset_index()
    )
    out["waarde"] = out.som / 100
    out["periode"] = [f"{YEAR}-{m:02d}" for m in out.maand]
    return _pd_cells(out, ["periode", "gemeente", "productcategorie", "waarde", "n"])


def pandas_zorgperioden(pq_dir: Path) -> pd.DataFrame:
    lev = _pd_read(
        pq_dir,
        "levering",
        [
            *K,
            "soort",
            "begindatum",
            "einddatum",
            "dagtekening",
            "productcategorie",
            "reden_beeindiging",
        ],
    ).rename(columns={"reden_beeindiging": "reden"})
    starts = lev.loc[lev.soort == "start", [*K, "begindatum", "productcategorie"]]
    stops = (
        lev.loc[lev.soort == "stop", [*K, "begindatum", "einddatum", "dagtekening", "reden"]]
        .sort_values(["dagtekening", "einddatum", "reden"], ascending=False, na_position="last")
        .drop_duplicates([*K, "begindatum"], keep="first")
        .drop(columns="dagtekening")
        .assign(gestopt=True)
    )
    del lev
    seg = starts.merge(stops, on=[*K, "begindatum"], how="left")
    seg["gestopt"] = seg.gestopt.eq(True)
    seg = seg.sort_values([*K, "begindatum"], ignore_index=True)
    prev = seg.shift(1)
    same = (seg[K] == prev[K]).all(axis=1)
    vervolg = same & prev.gestopt.eq(True) & prev.reden.eq("20")
    first = ~vervolg
    last = first.shift(-1, fill_value=True)  # the next segment opens a new zorgperiode
    zp = seg.loc[first, [*K, "begindatum", "productcategorie"]].reset_index(drop=True)
    tail = seg.loc[last, ["einddatum", "reden"]].reset_index(drop=True)
    return zp.rename(columns={"begindatum": "begin"}).assign(eind=tail.einddatum, reden=tail.reden)


def pandas_wachttijd(pq_dir: Path, store: Path) -> list[Cell]:
    zp = pandas_zorgperioden(pq_dir)
    rk = ["wet", "gemeente", "aanbieder", "client_id", "referentie_aanbieder"]
    req = (
        _pd_read(pq_dir, "verzoek", [*rk, "dagtekening"])
        .dropna(subset=rk)  # SQL: a null key matches nothing
        .groupby(rk, sort=False, observed=True)
        .dagtekening.min()
        .rename("verzoekdatum")
        .reset_index()
    )
    alloc = _pd_read(pq_dir, "toewijzing", [*rk, "toewijzing_nummer", "toewijzingsdatum"])
    alloc = alloc.merge(req, on=rk, how="left")
    alloc["wachtstart"] = alloc.verzoekdatum.fillna(alloc.toewijzingsdatum)
    alloc = alloc[["wet", "gemeente", "toewijzing_nummer", "wachtstart"]]
    zp = zp[(zp.begin >= pd.Timestamp(_Y0_D)) & (zp.begin <= pd.Timestamp(_Y1_D))]
    m = zp.merge(alloc, on=["wet", "gemeente", "toewijzing_nummer"], how="inner")
    m["wacht"] = (m.begin - m.wachtstart).dt.days
    out = (
        m.groupby("gemeente", sort=False)
        .agg(waarde=("wacht", "median"), n=("client_id", "nunique"))
        .reset_index()
        .assign(periode=str(YEAR))
    )
    out["waarde"] = out.waarde.astype(float)
    return _pd_cells(out, ["periode", "gemeente", "waarde", "n"])


def pandas_herhaald(pq_dir: Path, store: Path) -> list[Cell]:
    zp = pandas_zorgperioden(pq_dir)
    ok = ((zp.wet == "jeugd") & (zp.reden == "31")) | ((zp.wet == "wmo") & (zp.reden == "19"))
    inyear = (zp.eind >= pd.Timestamp(_Y0_D)) & (zp.eind <= pd.Timestamp(_Y1_D))
    plan = zp.loc[ok & inyear, ["gemeente", "wet", "client_id", "eind"]]
    m = plan.merge(zp[["client_id", "wet", "begin"]], on=["client_id", "wet"])
    m = m[(m.begin > m.eind) & (m.begin <= m.eind + pd.DateOffset(months=12))]
    k = m.groupby("gemeente").client_id.nunique().rename("k")
    out = plan.groupby("gemeente").client_id.nunique().rename("n").to_frame().join(k)
    out["waarde"] = 100.0 * out.k.fillna(0) / out.n
    out = out.reset_index().assign(periode=str(YEAR))
    return _pd_cells(out, ["periode", "gemeente", "waarde", "n"])


# --- the catalogue ---------------------------------------------------------------------------

# (label, kpi id, per, by, peers)
KPIS = [
    (
        "uitgaven (gemeente x productcategorie x maand)",
        "uitgaven",
        "month",
        ["gemeente", "productcategorie"],
        {
            "duckdb-sql": duckdb_peer(UITGAVEN_SQL),
            "polars": polars_uitgaven,
            "pandas": pandas_uitgaven,
        },
    ),
    (
        "wachttijd_dagen_mediaan (gemeente, jaar)",
        "wachttijd_dagen_mediaan",
        "year",
        ["gemeente"],
        {
            "duckdb-sql": duckdb_peer(WACHTTIJD_SQL),
            "polars": polars_wachttijd,
            "pandas": pandas_wachttijd,
        },
    ),
    (
        "herhaald_beroep_pct (gemeente, jaar)",
        "herhaald_beroep_pct",
        "year",
        ["gemeente"],
        {
            "duckdb-sql": duckdb_peer(HERHAALD_SQL),
            "polars": polars_herhaald,
            "pandas": pandas_herhaald,
        },
    ),
]


def kamer(store: Path) -> Regiekamer:
    return Regiekamer(Settings(store=store, key=KEY, workers=2))


def catalogue_available() -> bool:
    try:
        return callable(Regiekamer.kpi)
    except AttributeError:
        return False


def _rows(result: object) -> list[dict]:
    return getattr(result, "rows", result)  # a Result with .rows, or the rows themselves


def catalogue_peer(kpi: str, per: str, by: list[str]) -> Callable[[Path, Path], list[Cell]]:
    def run(pq_dir: Path, store: Path) -> list[Cell]:
        rows = _rows(kamer(store).kpi(year=YEAR, per=per, by=by, kpis=[kpi], cache=False))
        return [
            (r["periode"], *(r[d] for d in by), r["waarde"], r["n"])
            for r in rows
            if r["kpi"] == kpi
        ]

    return run


def catalogue_child(store: Path) -> None:
    """In a child process: the whole catalogue (no ``kpis``: all of them), timed; one JSON line."""
    start = time.perf_counter()
    rows = _rows(
        kamer(store).kpi(year=YEAR, per="month", by=["gemeente", "productcategorie"], cache=False)
    )
    seconds = time.perf_counter() - start
    kpis = sorted({r["kpi"] for r in rows})
    print(json.dumps({"seconds": seconds, "rows": len(rows), "kpis": kpis, "hwm": _high_water()}))


def _high_water() -> int:
    """Peak RSS of this process image in bytes (VmHWM). Not ru_maxrss: Linux carries the
    parent's peak over into a spawned child's ru_maxrss, so after the in-process peers (pandas
    takes GiBs) it would report the parent's memory, not the catalogue's."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def full_catalogue(store: Path, clients: int) -> dict:
    """Run catalogue_child in a fresh process; wall time and peak RSS of its process tree
    (sampled every 50 ms, and the kernel's high-water mark of the child itself)."""
    cmd = [sys.executable, __file__, "--clients", str(clients), "--catalogue-child"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps, peak_tree, done = psutil.Process(proc.pid), 0, threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.is_set():
            try:
                rss = ps.memory_info().rss + sum(
                    c.memory_info().rss for c in ps.children(recursive=True)
                )
                peak_tree = max(peak_tree, rss)
            except psutil.Error:
                pass
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    result = {"wall": wall, "peak": peak_tree, "exit": proc.returncode}
    if proc.returncode == 0:
        child = json.loads(out.strip().splitlines()[-1])
        # The kernel's peak of the child (VmHWM) or the sampled peak of its tree, the larger.
        return result | child | {"peak": max(peak_tree, child.pop("hwm"))}
    lines = [ln for ln in err.splitlines() if ln.strip()]
    return result | {"error": next((ln for ln in reversed(lines) if "Error" in ln), "?")}


# --- a hand-made case for the rules the synthetic year does not exercise ----------------------


def _case_tables() -> dict[str, list[dict]]:
    """Two jeugd clients in one municipality. c1: allocation T1 after two requests (earliest,
    3 Jan, counts), care 1 Feb - 1 Mar stopped with reden 20 and resumed 1 Apr - 30 Jun
    (reden 31; the store holds one stop per start: ingest replaces an earlier one), then T2
    (no request) from 15 Aug: a return within 12 months. c2: T3 1 Mar - 1 May, reden 20 and
    never resumed (not definitive); T4 10 May - 1 Sep, reden 31, no return. A stop without a
    start is ignored."""
    d = dt.date
    base = {"wet": "jeugd", "gemeente": "0014", "aanbieder": "A1", "bestand_id": 0, "regel": 1}

    def lev(client, nr, soort, begin, sent, end=None, reden=None, cat="45"):
        return base | {
            "client_id": client, "toewijzing_nummer": nr, "soort": soort,
            "begindatum": begin, "einddatum": end, "reden_beeindiging": reden,
            "dagtekening": sent, "productcategorie": cat, "status_aanlevering": "1",
        }  # fmt: skip

    def toew(client, nr, date, ref=None):
        return base | {
            "client_id": client, "toewijzing_nummer": nr, "toewijzingsdatum": date,
            "ingangsdatum": date, "dagtekening": date, "referentie_aanbieder": ref,
            "productcategorie": "45",
        }  # fmt: skip

    def prest(client, begin, cents, dc="D"):
        return base | {
            "client_id": client, "begindatum": begin, "einddatum": begin, "bedrag_cent": cents,
            "debet_credit": dc, "dagtekening": begin, "referentie_nummer": f"R{begin}{cents}",
            "productcategorie": "45", "geleverd_volume": 1, "eenheid": "14",
        }  # fmt: skip

    return {
        "levering": [
            lev("c1", "T1", "start", d(2025, 2, 1), d(2025, 2, 2)),
            lev("c1", "T1", "stop", d(2025, 2, 1), d(2025, 3, 2), d(2025, 3, 1), "20"),
            lev("c1", "T1", "start", d(2025, 4, 1), d(2025, 4, 2), cat="46"),
            lev("c1", "T1", "stop", d(2025, 4, 1), d(2025, 7, 3), d(2025, 6, 30), "31"),
            lev("c1", "T2", "start", d(2025, 8, 15), d(2025, 8, 16)),
            lev("c1", "T9", "stop", d(2025, 2, 2), d(2025, 3, 3), d(2025, 3, 1), "31"),
            lev("c2", "T3", "start", d(2025, 3, 1), d(2025, 3, 2)),
            lev("c2", "T3", "stop", d(2025, 3, 1), d(2025, 5, 2), d(2025, 5, 1), "20"),
            lev("c2", "T4", "start", d(2025, 5, 10), d(2025, 5, 11)),
            lev("c2", "T4", "stop", d(2025, 5, 10), d(2025, 9, 2), d(2025, 9, 1), "31"),
        ],
        "toewijzing": [
            toew("c1", "T1", d(2025, 1, 10), "REF1"),
            toew("c1", "T2", d(2025, 7, 1)),
            toew("c2", "T3", d(2025, 1, 20)),
            toew("c2", "T4", d(2025, 5, 1)),
        ],
        "verzoek": [
            base | {"client_id": "c1", "referentie_aanbieder": "REF1", "dagtekening": day}
            for day in (d(2025, 1, 5), d(2025, 1, 3))
        ],
        "prestatie": [
            prest("c1", d(2025, 1, 1), 1000),
            prest("c1", d(2025, 1, 15), 300, "C"),
            prest("c2", d(2025, 1, 1), 500),
            prest("c2", d(2024, 12, 1), 9999),
        ],
    }


# Worked by hand: waits 29 (T1: 1 Feb - 3 Jan), 45, 40, 9 days -> median 34.5; plan ends c1 and
# c2, c1 returns -> 50 %; January: 10.00 - 3.00 + 5.00 euro from 2 clients.
CASE_EXPECTED = {
    "uitgaven": [(f"{YEAR}-01", "0014", "45", 12.0, 2)],
    "wachttijd_dagen_mediaan": [(str(YEAR), "0014", 34.5, 2)],
    "herhaald_beroep_pct": [(str(YEAR), "0014", 50.0, 2)],
}


def selftest(with_catalogue: bool) -> list[str]:
    """Every peer (and the catalogue, when there) on the hand-made case; peers must be exact.
    Returns the KPIs where the catalogue differs from the hand computation."""
    wrong = []
    schemas = store_schemas()
    with tempfile.TemporaryDirectory(prefix="bench-kpi-") as tmp:
        pq_dir, store = Path(tmp), Path(tmp) / "case.duckdb"
        Regiekamer(Settings(store=store, key=KEY, workers=1)).init()
        con = duckdb.connect(str(store))
        for t in ("levering", "toewijzing", "verzoek", "prestatie"):
            rows = _case_tables()[t]
            pq.write_table(pa.Table.from_pylist(rows, schemas[t]), pq_dir / f"{t}.parquet")
            con.execute(f"INSERT INTO {t} BY NAME SELECT * FROM '{pq_dir / t}.parquet'")
        con.close()
        for _label, kpi, per, by, peers in KPIS:
            for name, fn in peers.items():
                diff = same(CASE_EXPECTED[kpi], fn(pq_dir, store))
                if diff:
                    raise SystemExit(
                        f"zelftest {kpi}: {name} wijkt af van de handberekening: {diff}"
                    )
            if with_catalogue:
                diff = same(CASE_EXPECTED[kpi], catalogue_peer(kpi, per, by)(pq_dir, store))
                if diff:
                    wrong.append(f"{kpi} (zelftest)")
                    print(
                        f"  LET OP zelftest {kpi}: catalogus wijkt af van de handberekening: {diff}"
                    )
    print("zelftest (reden 20, verzoek, credit): peers kloppen met de handberekening")
    return wrong


# --- comparing and timing ---------------------------------------------------------------------


def same(a: list[Cell], b: list[Cell], rel: float = 1e-9) -> str | None:
    """None when equal (cells, n exact, waarde within rel); else what differs first."""
    a, b = sorted(a, key=lambda c: c[:-2]), sorted(b, key=lambda c: c[:-2])
    if [c[:-2] for c in a] != [c[:-2] for c in b]:
        ka, kb = {c[:-2] for c in a}, {c[:-2] for c in b}
        return f"{len(a)} vs {len(b)} cellen; bv. {sorted(ka ^ kb)[:3]}"
    for x, y in zip(a, b, strict=True):
        wx, wy = x[-2], y[-2]
        if x[-1] != y[-1]:
            return f"n verschilt in {x[:-2]}: {x[-1]} vs {y[-1]}"
        if (wx is None) != (wy is None) or (
            wx is not None and not math.isclose(wx, wy, rel_tol=rel, abs_tol=0.0)
        ):
            return f"waarde verschilt in {x[:-2]}: {wx!r} vs {wy!r}"
    return None


def best_of(fn: Callable[[], object], repeat: int, budget: float) -> tuple[float, int]:
    """Best wall time of up to ``repeat`` runs; stops early once ``budget`` seconds are spent."""
    times: list[float] = []
    while len(times) < repeat and sum(times) < budget:
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), len(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clients", type=int, default=NATIONAL)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per engine (best counts)")
    ap.add_argument(
        "--budget", type=float, default=90, help="stop repeating an engine after this many s"
    )
    ap.add_argument("--skip-pandas", action="store_true")
    ap.add_argument("--peers-only", action="store_true", help="leave the catalogue out")
    ap.add_argument("--catalogue-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    pq_dir, store = locations(args.clients)
    if args.catalogue_child:
        catalogue_child(store)
        return

    pq_dir, store = prepare(args.clients)
    cpus = os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Synthetisch jaar {YEAR}, {args.clients:,} cliënten; {cpus} cores, load {load}")
    for line in describe(pq_dir, store):
        print("  " + line)
    have_catalogue = catalogue_available() and not args.peers_only
    if not catalogue_available():
        print("catalogue not available yet: Regiekamer.kpi ontbreekt; alleen de peers draaien")
    wrong = selftest(have_catalogue)  # KPIs where the catalogue's answer is not the contract's

    results = []  # (label, {engine: (seconds, runs)})
    for label, kpi, per, by, peers in KPIS:
        engines = dict(peers)
        if args.skip_pandas:
            engines.pop("pandas")
        if have_catalogue:
            engines = {"catalogus": catalogue_peer(kpi, per, by), **engines}
        # Correctness first (this run also warms the OS cache for everyone).
        answers = {}
        for name, fn in engines.items():
            answers[name] = fn(pq_dir, store)
        ref = "duckdb-sql"
        for name, cells in answers.items():
            diff = same(answers[ref], cells)
            if diff and name != "catalogus":  # the peers disagree: nothing here can be trusted
                raise SystemExit(f"{kpi}: {name} wijkt af van {ref}: {diff}")
            if diff:
                wrong.append(kpi)
                print(f"  LET OP {kpi}: catalogus wijkt af van de peers: {diff}")
        agree = "de peers" if kpi in wrong else "alle engines"
        print(f"{label}: {len(answers[ref]):,} cellen, {agree} gelijk")
        timings = {}
        for name, fn in engines.items():
            timings[name] = best_of(lambda fn=fn: fn(pq_dir, store), args.repeat, args.budget)
        results.append((label, timings))

    print()
    peers = ["duckdb-sql", "polars"] + ([] if args.skip_pandas else ["pandas"])
    engines = ["catalogus", *peers] if have_catalogue else peers
    print(f"{'seconden (beste van n runs)':48}" + "".join(f"{e:>16}" for e in engines))
    for label, timings in results:
        cells = (f"{timings[e][0]:9.2f} s ({timings[e][1]})" for e in engines)
        print(f"{label:48}" + "".join(f"{c:>16}" for c in cells))
    print("(elke tijd is inclusief het lezen van de data; n = aantal getimede runs)")
    if have_catalogue:
        targets = {"duckdb-sql": 1.10, "polars": 1.00}
        heads = [f"cat/{p}" + (f" <={targets[p]:.2f}" if p in targets else "") for p in peers]
        print(f"\n{'verhouding catalogus / peer':48}" + "".join(f"{h:>20}" for h in heads), end="")
        print(f"{'<= snelste peer':>18}")
        for label, timings in results:
            cat = timings["catalogus"][0]
            cells = []
            for p in peers:
                r = cat / timings[p][0]
                ok = "" if p not in targets else (" ok" if r <= targets[p] else " NEE")
                cells.append(f"{r:.2f}x{ok}")
            fastest = min(timings[p][0] for p in peers)
            line = f"{label:48}" + "".join(f"{c:>20}" for c in cells)
            print(line + f"{'ja' if cat <= fastest else 'nee':>18}")
    else:
        fastest = {label: min(t[0] for t in timings.values()) for label, timings in results}
        print(f"\n{'verhouding peer / snelste peer':48}" + "".join(f"{p:>16}" for p in peers))
        for label, timings in results:
            cells = (f"{timings[p][0] / fastest[label]:.2f}x" for p in peers)
            print(f"{label:48}" + "".join(f"{c:>16}" for c in cells))

    if have_catalogue:
        full = full_catalogue(store, args.clients)
        what = "\nvolledige catalogus (gemeente x productcategorie x maand, kindproces): "
        if full["exit"] == 0:
            print(
                f"{what}{full['seconds']:.1f} s in kpi(), {full['wall']:.1f} s wandklok, "
                f"piek-RSS {full['peak'] / 2**30:.2f} GiB; {full['rows']:,} rijen, "
                f"{len(full['kpis'])} KPI's  (doel <= 60 s, <= 4 GiB)"
            )
        else:
            print(
                f"{what}MISLUKT (exit {full['exit']}) na {full['wall']:.1f} s, "
                f"piek-RSS {full['peak'] / 2**30:.2f} GiB: {full['error']}"
            )
    elif args.peers_only:
        print("\nvolledige catalogus: overgeslagen (--peers-only)")
    else:
        print("\nvolledige catalogus: catalogue not available yet")
    if wrong:  # a missed target is a result (exit 0); a wrong answer is not
        raise SystemExit(f"catalogus geeft andere antwoorden: {', '.join(wrong)}")


if __name__ == "__main__":
    main()

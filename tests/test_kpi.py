"""The KPI catalogue over a real store: outputs, grains, cache invalidation, public suppression.

The numbers themselves are checked against hand-made stores in test_golden.py and against
Spark in test_parity.py; here the behaviour around them.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from regiekamer.analyses.kpi import engine as kpi_engine
from regiekamer.analyses.kpi.definitions import CATALOGUE
from regiekamer.errors import RegiekamerError
from regiekamer.facade import Regiekamer
from regiekamer.store.connection import connect

KEYS = {"kpi", "periode", "waarde", "eenheid", "n", "onderdrukt", "voorlopig"}


def test_catalogue_ids_are_the_domain_ids() -> None:
    ids = {k.id for k in CATALOGUE}
    base = {
        "clienten", "gestarte_trajecten", "beeindigde_trajecten", "toewijzingen", "uitgaven",
        "uitgaven_toegekend", "uitgaven_per_client", "budgetuitputting_pct", "prognose_jaar",
        "verzoek_binnen_5_werkdagen_pct", "wachttijd_binnen_norm_pct", "wachtenden",
        "beeindigd_volgens_plan_pct", "uitval_pct", "herhaald_beroep_pct",
        "verwijzer_aandeel_pct", "verblijf_aandeel_pct", "clienten_per_1000",
        "tijdige_berichten_pct", "declaraties_afgewezen_pct",
        "bijstand_per_1000", "instroom", "uitstroom", "uitstroom_naar_werk_pct",
    }  # fmt: skip
    dist = ("doorlooptijd_verzoek_toewijzing_dagen", "wachttijd_dagen", "wachttijd_lopend_dagen")
    dist += ("trajectduur_dagen",)
    assert ids == base | {f"{d}_{s}" for d in dist for s in ("mediaan", "p90")}
    for k in CATALOGUE:
        assert k.titel and k.title and k.eenheid and k.uitleg and k.voor and k.bronnen


def test_whole_catalogue_per_month_and_grain(region_kamer: Regiekamer) -> None:
    res = region_kamer.kpi(year=2025, per="month", by=["gemeente", "productcategorie"])
    got = {r["kpi"] for r in res.rows}
    assert got | set(res.skipped) == {k.id for k in CATALOGUE}
    assert set(res.skipped) == {
        "budgetuitputting_pct", "prognose_jaar", "verblijf_aandeel_pct", "clienten_per_1000",
        "bijstand_per_1000", "instroom", "uitstroom", "uitstroom_naar_werk_pct",
    }  # fmt: skip
    assert {r["periode"] for r in res.rows} == {f"2025-{m:02d}" for m in range(1, 13)}
    for r in res.rows:
        assert KEYS | {"gemeente", "productcategorie"} <= set(r)
        assert r["n"] is None or r["n"] >= 0
    # Distinct clients per gemeente and month add up to no more than the sum over categories.
    total = region_kamer.kpi(year=2025, per="month", by=["gemeente"], kpis=["clienten"]).rows
    split = {}
    for r in res.rows:
        if r["kpi"] == "clienten":
            key = (r["periode"], r["gemeente"])
            split[key] = split.get(key, 0) + r["waarde"]
    for r in total:
        assert r["waarde"] <= split[(r["periode"], r["gemeente"])]


def test_spend_equals_the_invoice_lines(region_kamer: Regiekamer) -> None:
    rows = region_kamer.kpi(year=2025, by=["wet"], kpis=["uitgaven"]).rows
    con = duckdb.connect(str(region_kamer.store), read_only=True)
    cents = dict(
        con.execute(
            "SELECT wet, sum(CASE WHEN debet_credit = 'C' THEN -bedrag_cent ELSE bedrag_cent END) "
            "FROM prestatie WHERE year(begindatum) = 2025 GROUP BY wet"
        ).fetchall()
    )
    con.close()
    assert {r["wet"]: r["waarde"] for r in rows} == {w: c / 100 for w, c in cents.items()}


def test_cache_answers_and_an_ingest_invalidates_what_it_touched(
    region_kamer: Regiekamer, tmp_path: Path
) -> None:
    first = region_kamer.kpi(year=2025, by=["gemeente"], kpis=["clienten", "clienten_per_1000"])
    computed: list[str] = []
    again = region_kamer.kpi(
        year=2025, by=["gemeente"], kpis=["clienten", "clienten_per_1000"], on_kpi=computed.append
    )
    assert again.rows == first.rows
    con = connect(region_kamer.store)
    cached = con.execute("SELECT count(*) FROM kpi_berekening").fetchone()[0]
    con.close()
    assert cached == 2
    # Cells are stored per KPI: asking for one of them alone is answered from the same entry.
    alone = region_kamer.kpi(year=2025, by=["gemeente"], kpis=["clienten"])
    assert alone.rows == [r for r in first.rows if r["kpi"] == "clienten"]
    con = connect(region_kamer.store)
    assert con.execute("SELECT count(*) FROM kpi_berekening").fetchone()[0] == 2
    con.close()
    # A new population table touches only clienten_per_1000.
    codes = {r["gemeente"] for r in first.rows}
    csv = tmp_path / "populatie.csv"
    lines = ["gemeentecode,jaar,inwoners_0_17,inwoners_totaal", *(f"{c},2025,1,2" for c in codes)]
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    region_kamer.ingest([csv])
    con = connect(region_kamer.store)
    before = dict(con.execute("SELECT kpi, berekend_op FROM kpi_berekening").fetchall())
    con.close()
    after = region_kamer.kpi(year=2025, by=["gemeente"], kpis=["clienten", "clienten_per_1000"])
    con = connect(region_kamer.store)
    now = dict(con.execute("SELECT kpi, berekend_op FROM kpi_berekening").fetchall())
    con.close()
    assert now["clienten"] == before["clienten"]  # untouched: served from the cache
    assert now["clienten_per_1000"] > before["clienten_per_1000"]
    per_1000 = [r for r in after.rows if r["kpi"] == "clienten_per_1000"]
    clients = {r["gemeente"]: r["waarde"] for r in after.rows if r["kpi"] == "clienten"}
    for r in per_1000:
        assert r["waarde"] > 1000  # one youngster / one inhabitant now
        assert r["n"] <= clients[r["gemeente"]]


def test_public_suppresses_small_cells(region_kamer: Regiekamer) -> None:
    own = region_kamer.kpi(
        year=2025, per="month", by=["gemeente", "verwijzer"], kpis=["toewijzingen"]
    )
    pub = region_kamer.kpi(
        year=2025, per="month", by=["gemeente", "verwijzer"], kpis=["toewijzingen"], public=True
    )
    assert len(own.rows) == len(pub.rows)
    small = [r for r in own.rows if r["n"] < 10]
    assert small and not any(r["onderdrukt"] for r in own.rows)
    hidden = [r for r in pub.rows if r["onderdrukt"]]
    assert len(hidden) >= len(small)
    assert all(r["waarde"] is None and r["n"] is None for r in hidden)
    assert all(r["n"] >= 10 for r in pub.rows if not r["onderdrukt"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"year": 2025, "per": "week"}, "Onbekende periode"),
        ({"year": 2025, "by": ["postcode"]}, "Onbekende dimensie"),
        ({"year": 2025, "kpis": ["geluk"]}, "Onbekende KPI"),
        ({}, "Geef een jaar"),
    ],
)
def test_bad_requests_are_refused_in_dutch(region_kamer: Regiekamer, kwargs, message) -> None:
    with pytest.raises(RegiekamerError, match=message):
        region_kamer.kpi(**kwargs)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "regiekamer", *args], capture_output=True, text=True, timeout=300
    )


def test_cli_json_csv_parquet_and_list(region_kamer: Regiekamer, tmp_path: Path) -> None:
    store = str(region_kamer.store)
    run = _cli("kpi", "--store", store, "--from", "2025-01-01", "--to", "2025-06-30",
               "--per", "quarter", "--by", "wet", "--kpi", "uitgaven,wachtenden",
               "--format", "json")  # fmt: skip
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    assert {r["periode"] for r in rows} == {"2025-K1", "2025-K2"}
    assert all(set(r) == KEYS | {"wet"} for r in rows)
    run = _cli("kpi", "--store", store, "--year", "2025", "--kpi", "uitgaven", "--format", "csv")
    assert run.stdout.splitlines()[0].startswith("kpi,periode,waarde")
    out = tmp_path / "k.parquet"
    run = _cli("kpi", "--store", store, "--year", "2025", "--format", "parquet", "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert pq.read_table(out).num_rows > 20
    listed = _cli("kpi", "--list", "--format", "json")
    assert len(json.loads(listed.stdout)) == len(CATALOGUE)
    bad = _cli("kpi", "--store", store, "--year", "2025", "--by", "postcode")
    assert bad.returncode == 2 and "Onbekende dimensie" in bad.stderr


def test_too_little_memory_is_a_clear_error(region_kamer: Regiekamer) -> None:
    small = Regiekamer(region_kamer.settings.model_copy(update={"kpi_memory_limit": "1MB"}))
    with pytest.raises(RegiekamerError, match="REGIEKAMER_KPI_MEMORY_LIMIT"):
        small.kpi(year=2025, per="month", by=["gemeente", "aanbieder"], cache=False)


def test_concurrent_first_requests_share_the_cache_without_errors(region_kamer) -> None:
    """Requests that miss the cache at the same moment all compute and save the same cells;
    the loser of a save conflict answers from its own computation (no 500 under load)."""
    import threading

    region_kamer.serve_store()
    errors, answers = [], []

    def ask() -> None:
        try:
            answers.append(region_kamer.kpi(year=2025, by=["gemeente"]).rows)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert all(a == answers[0] for a in answers[1:])
    assert region_kamer.kpi(year=2025, by=["gemeente"]).rows == answers[0]


def test_a_dimension_asked_twice_is_refused_in_dutch() -> None:
    request = kpi_engine.Request(start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31),
                                 by=("gemeente", "gemeente"))  # fmt: skip
    with pytest.raises(RegiekamerError, match="meer dan één keer"):
        kpi_engine.validate(request)


def test_the_memo_answers_only_the_same_source_version_and_stays_bounded() -> None:
    from regiekamer.store.kpi_cache import Memo

    memo = Memo(max_rows=3)
    memo.put("k", "clienten", "levering:1", [{"waarde": 1}, {"waarde": 2}])
    assert memo.get("k", "clienten", "levering:1") == [{"waarde": 1}, {"waarde": 2}]
    assert memo.get("k", "clienten", "levering:2") is None  # a new ingest: not the old rows
    memo.put("k", "uitgaven", "prestatie:1", [{"waarde": 3}, {"waarde": 4}])
    assert memo.get("k", "clienten", "levering:1") is None  # least recently used went out
    assert memo.get("k", "uitgaven", "prestatie:1") is not None
    memo.put("k", "groot", "x:1", [{}] * 4)  # larger than the whole memo: not kept
    assert memo.get("k", "groot", "x:1") is None


def test_a_served_store_answers_repeated_requests_from_the_memo_the_same(region_kamer) -> None:
    region_kamer.serve_store()
    first = region_kamer.kpi(year=2025, by=["gemeente"]).rows
    again = region_kamer.kpi(year=2025, by=["gemeente"]).rows  # from this process's memo
    fresh = Regiekamer(region_kamer.settings).kpi(year=2025, by=["gemeente"]).rows  # the store
    assert first == again == fresh

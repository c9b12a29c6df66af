"""Ibis smoke test: the few Ibis calls regiekamer relies on, on a real DuckDB file and on Spark.

ibis-framework 12.0.0 broke with DuckDB 2.x and with sqlglot >= 30.18 (ARCHITECTURE.md); this file
stays small so that the next upstream break shows here first, not deep inside a KPI. The Spark half
also checks that the engine backend copies store tables into Spark intact (dates, list columns,
empty tables) and cleans up after itself.
"""

from __future__ import annotations

import datetime as dt
import sys

import duckdb
import ibis
import pytest

from regiekamer.analyses import backends
from regiekamer.analyses.backends import open_backend
from regiekamer.errors import ConfigError, StoreError
from regiekamer.facade import Regiekamer

SMOKE = {
    "waarde": [7, 28],
    "begin": [dt.date(2025, 2, 3)] * 2,
    "eind": [dt.date(2025, 5, 30)] * 2,
}


def core_checks(con: ibis.BaseBackend, name: str) -> None:
    """What every KPI leans on: table(), sql(), exact quantiles and day differences."""
    t = con.table(name)
    assert t.count().execute() == 2
    assert con.sql(f"SELECT sum(waarde) AS s FROM {name}").execute()["s"].tolist() == [35]
    # exact quantiles (quantile_cont on DuckDB, percentile on Spark), linear interpolation
    assert t.waarde.quantile(0.5).execute() == pytest.approx(17.5)
    assert t.waarde.quantile(0.9).execute() == pytest.approx(25.9)
    days = t.select(d=t.eind.delta(t.begin, unit="day")).d.execute().tolist()
    assert days == [116, 116]


def test_ibis_on_a_duckdb_file(tmp_path):
    con = ibis.duckdb.connect(str(tmp_path / "smoke.duckdb"))
    con.create_table("smoke", ibis.memtable(SMOKE))
    assert "smoke" in con.list_tables()
    core_checks(con, "smoke")
    con.drop_table("smoke")
    assert "smoke" not in con.list_tables()
    con.disconnect()


def fill(kamer: Regiekamer) -> None:
    """Two prestaties, a start and a stop levering, a rejected line; retourbericht stays empty."""
    con = duckdb.connect(str(kamer.store))
    con.execute(
        """INSERT INTO prestatie BY NAME SELECT * FROM (VALUES
            ('jeugd', '0363', '12345678', 'p1', DATE '2025-02-10', 'R1', 'T1', '45',
             DATE '2025-01-01', DATE '2025-01-31', 10, '01', 123456, 'D', 1, 1),
            ('wmo', '0518', '87654321', 'p2', DATE '2025-03-10', 'R2', NULL, '02',
             DATE '2025-02-01', DATE '2025-02-28', 4, '04', 5000, 'C', 1, 2))
        AS v(wet, gemeente, aanbieder, client_id, dagtekening, referentie_nummer,
             toewijzing_nummer, productcategorie, begindatum, einddatum, geleverd_volume,
             eenheid, bedrag_cent, debet_credit, bestand_id, regel)"""
    )
    con.execute(
        """INSERT INTO levering BY NAME SELECT * FROM (VALUES
            ('jeugd', '0363', '12345678', 'p1', DATE '2025-02-05', 'start', 'T1',
             DATE '2025-02-03', NULL, NULL, 1),
            ('jeugd', '0363', '12345678', 'p1', DATE '2025-06-02', 'stop', 'T1',
             DATE '2025-02-03', DATE '2025-05-30', '31', 2))
        AS v(wet, gemeente, aanbieder, client_id, dagtekening, soort, toewijzing_nummer,
             begindatum, einddatum, reden_beeindiging, regel),
        (SELECT 'aanlevering' AS status_aanlevering, 1 AS bestand_id)"""
    )
    con.execute(
        """INSERT INTO declaratie_antwoord BY NAME SELECT 'jeugd' AS wet, '0363' AS gemeente,
            '12345678' AS aanbieder, 'p1' AS client_id, DATE '2025-02-20' AS dagtekening,
            'R1' AS referentie_nummer, 123456 AS bedrag_cent, 'D' AS debet_credit,
            ['0200', '8001', 'XX01'] AS retourcodes, 1 AS bestand_id, 1 AS regel"""
    )
    con.close()


def test_open_backend_duckdb_reads_the_store_read_only(kamer):
    fill(kamer)
    with open_backend(kamer.settings, "duckdb", ["prestatie"]) as con:
        p = con.table("prestatie")
        assert p.bedrag_cent.sum().execute() == 128456
        cached = p.filter(p.wet == "jeugd").cache()
        assert cached.count().execute() == 1
        with pytest.raises(duckdb.Error, match="read-only"):
            con.raw_sql("DELETE FROM prestatie")
    # the cache was dropped before the connection closed (else: an error at interpreter exit)
    assert not con._cache_name_to_entry


def test_open_backend_refuses_unknown_engine_and_missing_pyspark(kamer, monkeypatch):
    with (
        pytest.raises(ConfigError, match="Onbekende rekenmachine"),
        open_backend(kamer.settings, "polars", []),
    ):
        pass
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # import now fails as if absent
    with (
        pytest.raises(ConfigError, match=r"installeer regiekamer\[spark\]"),
        open_backend(kamer.settings, "spark", ["prestatie"]),
    ):
        pass


COPIED = ["prestatie", "levering", "declaratie_antwoord", "retourbericht"]


def nullable(schema: ibis.Schema) -> dict:
    """Column types without the NOT NULL marks (Arrow from DuckDB says nullable everywhere)."""
    return {name: typ.copy(nullable=True) for name, typ in schema.items()}


@pytest.mark.spark
def test_spark_backend_copies_store_tables_intact(kamer):
    pytest.importorskip("pyspark")
    fill(kamer)
    with open_backend(kamer.settings, "duckdb", COPIED) as ddb:
        expected = {
            name: (ddb.table(name).schema(), ddb.table(name).order_by("regel").to_pyarrow())
            for name in COPIED
        }
    with open_backend(kamer.settings, "spark", COPIED) as con:
        assert set(COPIED) <= set(con.list_tables())
        for name, (schema, rows) in expected.items():
            t = con.table(name)
            assert nullable(t.schema()) == nullable(schema), name
            assert t.order_by("regel").to_pyarrow().to_pylist() == rows.to_pylist(), name
        assert expected["retourbericht"][1].num_rows == 0  # empty, yet typed:
        assert con.table("retourbericht").schema()["retourcodes"] == ibis.dtype("array<string>")
        da = con.table("declaratie_antwoord")
        assert da.retourcodes.length().execute().tolist() == [3]

        # the smoke checks, on a managed table (lands in the per-process warehouse folder)
        con.create_table("smoke", ibis.memtable(SMOKE), overwrite=True)
        assert "smoke" in con.list_tables()
        core_checks(con, "smoke")
        con.drop_table("smoke")
        assert "smoke" not in con.list_tables()

        cached = con.table("levering").cache()
        assert cached.count().execute() == 2
        session = con._session

    # views and cached data are gone; the shared context lives on for the next call
    assert not any(t.name in COPIED for t in session.catalog.listTables())
    assert backends._local._jsparkSession.sharedState().cacheManager().isEmpty()
    with open_backend(kamer.settings, "spark", ["levering"]) as con:
        assert "prestatie" not in con.list_tables()  # each call has its own views
        last = con.table("levering").einddatum.max()
        assert con.to_pyarrow(last).as_py() == dt.date(2025, 5, 30)  # execute() gives Timestamp


@pytest.mark.spark
def test_spark_backend_names_a_missing_table(kamer):
    pytest.importorskip("pyspark")
    with (
        pytest.raises(StoreError, match="geen tabel 'bestaat_niet'"),
        open_backend(kamer.settings, "spark", ["prestatie", "bestaat_niet"]),
    ):
        pass

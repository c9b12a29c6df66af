"""Same numbers everywhere: the whole catalogue on DuckDB and on PySpark (local mode) must agree.

Counts, dimensions and flags exactly; floats within 1e-9 relative.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest

from regiekamer.facade import Regiekamer

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _key(row: dict) -> tuple:
    return tuple((k, row[k]) for k in row if k not in ("waarde", "n"))


@pytest.mark.parametrize(
    ("per", "by"),
    [("quarter", ["gemeente", "wet"]), ("year", ["aanbieder", "verwijzer", "leeftijdsgroep"])],
)
def test_duckdb_and_spark_give_the_same_catalogue(
    region_kamer: Regiekamer, per: str, by: list[str]
) -> None:
    duck = region_kamer.kpi(year=2025, per=per, by=by, engine="duckdb")
    spark = region_kamer.kpi(year=2025, per=per, by=by, engine="spark")
    assert duck.skipped == spark.skipped
    assert len(duck.rows) > 50
    d = {_key(r): r for r in duck.rows}
    s = {_key(r): r for r in spark.rows}
    assert d.keys() == s.keys()
    for key, row in d.items():
        other = s[key]
        assert row["n"] == other["n"], key
        if row["waarde"] is None or other["waarde"] is None:
            assert row["waarde"] is other["waarde"] is None, key
        else:
            assert math.isclose(row["waarde"], other["waarde"], rel_tol=1e-9), (key, row, other)


def test_prognose_jaar_is_the_same_on_both_backends(region_kamer: Regiekamer) -> None:
    """prognose_jaar adds the forecast model's expected remainder (computed once on the store)
    to each backend's own declared spend: a year with declarations (2025) and a year that is
    all forecast (2026, after the peilmaand) must agree cell by cell."""
    kw = {"per": "year", "by": ["wet", "gemeente", "productcategorie"]}
    kw |= {"kpis": ["prognose_jaar"], "start": dt.date(2025, 1, 1), "end": dt.date(2026, 12, 31)}
    duck = region_kamer.kpi(engine="duckdb", cache=False, **kw)
    spark = region_kamer.kpi(engine="spark", cache=False, **kw)
    d = {_key(r): r for r in duck.rows}
    s = {_key(r): r for r in spark.rows}
    assert d.keys() == s.keys()
    ahead = [r for r in duck.rows if r["periode"] == "2026"]
    assert len(ahead) > 10 and sum(r["waarde"] for r in ahead) > 0
    for key, row in d.items():
        assert row["n"] == s[key]["n"], key
        assert math.isclose(row["waarde"], s[key]["waarde"], rel_tol=1e-9), (key, row, s[key])

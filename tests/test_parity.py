"""Same numbers everywhere: the whole catalogue on DuckDB and on PySpark (local mode) must agree.

Counts, dimensions and flags exactly; floats within 1e-9 relative.
"""

from __future__ import annotations

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

"""Fact tables replaced by key (``layouts.KEYED_FACTS``): uitkering, huishouden, cbs_cijfer.

A municipality exports its benefits again with end dates filled in, CBS publishes a revised
figure: the later row must replace the earlier one, not stand beside it. Unlike reference
tables these rows keep their full provenance (file, row).
"""

from __future__ import annotations

import duckdb


def upsert_keyed_fact(con: duckdb.DuckDBPyConnection, table: str, key: tuple[str, ...]) -> None:
    """Load ``staged`` into ``table``: per key the last row (file order, then row) wins."""
    on = " AND ".join(f"t.{k} IS NOT DISTINCT FROM s.{k}" for k in key)
    con.execute(f"CREATE OR REPLACE TEMP TABLE stg AS SELECT * FROM {table} LIMIT 0")
    con.execute(f"""
        INSERT INTO stg BY NAME SELECT * FROM staged
        QUALIFY row_number() OVER (PARTITION BY {", ".join(key)}
                                   ORDER BY bestand_id DESC, regel DESC) = 1""")
    con.execute(f"DELETE FROM {table} t WHERE EXISTS (SELECT 1 FROM stg s WHERE {on})")
    con.execute(f"INSERT INTO {table} SELECT * FROM stg")

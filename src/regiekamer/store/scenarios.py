"""Saved forecast scenarios (table ``prognose_scenario``, migration 5): by name, as YAML."""

from __future__ import annotations

import duckdb


def save(con: duckdb.DuckDBPyConnection, naam: str, text: str) -> None:
    """Save (or replace) the scenario ``naam``."""
    con.execute(
        "INSERT OR REPLACE INTO prognose_scenario VALUES (?, ?, current_timestamp)", [naam, text]
    )


def load(con: duckdb.DuckDBPyConnection, naam: str) -> str | None:
    row = con.execute("SELECT yaml FROM prognose_scenario WHERE naam = ?", [naam]).fetchone()
    return row[0] if row else None


def listing(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, object]]:
    """(naam, yaml, opgeslagen_op) of every saved scenario, by name."""
    return con.execute(
        "SELECT naam, yaml, opgeslagen_op FROM prognose_scenario ORDER BY naam"
    ).fetchall()


def delete(con: duckdb.DuckDBPyConnection, naam: str) -> bool:
    found = load(con, naam) is not None
    con.execute("DELETE FROM prognose_scenario WHERE naam = ?", [naam])
    return found

"""The one door every face calls: a store with its settings, and what can be done with it.

Faces (CLI, later API and web) parse input, call a method here, and render the result. They
hold no logic of their own.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from regiekamer.ingest import pipeline
from regiekamer.ingest.findings import CATALOGUE, FINDING_FIELDS
from regiekamer.ingest.load import Outcome
from regiekamer.privacy.pseudonym import create_key_file, load_key
from regiekamer.settings import Settings
from regiekamer.standards.messages import DATA
from regiekamer.store import schema
from regiekamer.store.connection import connect

FINDING_KEYS = FINDING_FIELDS


@dataclass
class InitResult:
    store: Path
    key_file: Path | None
    created_store: bool
    created_key: bool


class Regiekamer:
    """A store and its settings."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()

    @property
    def store(self) -> Path:
        return self.settings.store

    def init(self) -> InitResult:
        """Create (or migrate) the store, the key file beside it, and the municipality list."""
        existed = self.store.exists()
        self.store.parent.mkdir(parents=True, exist_ok=True)
        key_file = None if self.settings.key else self.settings.resolved_key_file()
        created_key = create_key_file(key_file) if key_file else False
        con = connect(self.store, create=True)
        try:
            if con.execute("SELECT count(*) FROM gemeente").fetchone()[0] == 0:
                with (DATA / "gemeenten_2026.csv").open(encoding="utf-8") as fh:
                    rows = [
                        (r["gemeentecode"], r["gemeentenaam"], r["provincie"], r["jeugdregio"])
                        for r in csv.DictReader(fh)
                    ]
                con.executemany("INSERT INTO gemeente VALUES (?, ?, ?, ?, NULL)", rows)
        finally:
            con.close()
        return InitResult(self.store, key_file, not existed, created_key)

    def _connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return connect(self.store, read_only=read_only)

    def ingest(
        self,
        paths: list[Path],
        *,
        on_file: Callable[[Outcome], None] | None = None,
        on_plan: Callable[[int, int], None] | None = None,
        on_bytes: Callable[[int], None] | None = None,
    ) -> pipeline.Report:
        """Read files and folders into the store; see ingest/pipeline.py."""
        key = load_key(self.settings)
        con = self._connect()
        try:
            con.execute("SET memory_limit = ?", [self.settings.ingest_memory_limit])
            return pipeline.run(
                con,
                paths,
                key,
                workers=self.settings.workers,
                on_file=on_file,
                on_plan=on_plan,
                on_bytes=on_bytes,
            )
        finally:
            con.close()

    def findings(self, *, code: str | None = None, ernst: str | None = None) -> list[dict]:
        """All findings of all ingests, oldest first, optionally filtered."""
        sql = f"SELECT {', '.join(FINDING_KEYS)} FROM bevinding WHERE 1=1"
        params: list[str] = []
        if code:
            sql += " AND code = ?"
            params.append(code)
        if ernst:
            sql += " AND ernst = ?"
            params.append(ernst)
        sql += " ORDER BY bestand_id, volgnummer"
        con = self._connect(read_only=True)
        try:
            return [
                dict(zip(FINDING_KEYS, r, strict=True)) for r in con.execute(sql, params).fetchall()
            ]
        finally:
            con.close()

    @staticmethod
    def catalogue() -> list[dict[str, str]]:
        """The rule catalogue: every code a finding can carry."""
        return [
            {"code": r.code, "ernst": r.ernst, "titel": r.titel, "melding": r.sjabloon}
            for r in CATALOGUE.values()
        ]

    def summary(self) -> dict[str, object]:
        """Row counts per table, files and findings: what is in the store."""
        con = self._connect(read_only=True)
        try:
            counts = {
                t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("client", *schema.FACT_TABLES, *schema.REFERENCE_TABLES)
            }
            files = con.execute(
                "SELECT count(*), coalesce(sum(gelezen), 0), coalesce(sum(geaccepteerd), 0), "
                "coalesce(sum(afgewezen), 0) FROM bestand"
            ).fetchone()
            by_code = con.execute(
                "SELECT code, ernst, count(*) FROM bevinding GROUP BY ALL ORDER BY 3 DESC, 1"
            ).fetchall()
            spend = con.execute(
                "SELECT wet, year(begindatum) AS jaar, "
                "sum(CASE WHEN debet_credit = 'C' THEN -bedrag_cent ELSE bedrag_cent END) "
                "FROM prestatie GROUP BY ALL ORDER BY 1, 2"
            ).fetchall()
            return {
                "schemaversie": schema.version(con),
                "tabellen": counts,
                "bestanden": dict(
                    zip(("aantal", "gelezen", "geaccepteerd", "afgewezen"), files, strict=True)
                ),
                "bevindingen": [{"code": c, "ernst": e, "aantal": n} for c, e, n in by_code],
                "gedeclareerd": [{"wet": w, "jaar": j, "bedrag_cent": b} for w, j, b in spend],
            }
        finally:
            con.close()

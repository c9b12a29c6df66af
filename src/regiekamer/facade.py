"""The one door every face calls: a store with its settings, and what can be done with it.

Faces (CLI, later API and web) parse input, call a method here, and render the result. They
hold no logic of their own.
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb
import ibis

from regiekamer.analyses import contracten, verantwoording
from regiekamer.analyses import rechtmatigheid as lawfulness  # the method has the module's name
from regiekamer.analyses.backends import open_backend
from regiekamer.analyses.incentive import config as incentive_config
from regiekamer.analyses.incentive import run as incentive_run
from regiekamer.analyses.kpi import engine as kpi_engine
from regiekamer.analyses.kpi.context import Remainder
from regiekamer.analyses.kpi.definitions import BY_ID
from regiekamer.analyses.kpi.definitions import CATALOGUE as KPI_CATALOGUE
from regiekamer.analyses.verantwoording import Verantwoording
from regiekamer.analyses.verevening import config as verevening_config
from regiekamer.analyses.verevening import inputs as verevening_inputs
from regiekamer.analyses.verevening import run as verevening_run
from regiekamer.beheer import backup, channel, selftest
from regiekamer.beheer import check as store_check
from regiekamer.beheer.rules import NOT_RUN, Rule
from regiekamer.errors import (
    ConfigError,
    LoginError,
    QueryLimitError,
    RegiekamerError,
    ScopeError,
    StoreError,
)
from regiekamer.ingest import pipeline, yaml_aliases
from regiekamer.ingest.findings import CATALOGUE, FINDING_FIELDS
from regiekamer.ingest.load import Outcome
from regiekamer.privacy import access_log, accounts
from regiekamer.privacy.disclosure import suppress
from regiekamer.privacy.pseudonym import create_key_file, load_key
from regiekamer.privacy.scope import Scope
from regiekamer.settings import Settings
from regiekamer.standards.messages import DATA
from regiekamer.store import kpi_cache, query_limits, schema
from regiekamer.store.connection import connect, is_served, share_one_instance

if TYPE_CHECKING:  # imported where used: statsmodels is slow to import for every command
    from regiekamer.analyses.prognose import backtest, model, simulate, summary
    from regiekamer.analyses.prognose.history import History
    from regiekamer.analyses.prognose.scenario import Scenario

FINDING_KEYS = FINDING_FIELDS
_PROGNOSE_LOCK = threading.Lock()  # the kept baseline forecasts, shared by server threads
T = TypeVar("T")


@dataclass
class InitResult:
    store: Path
    key_file: Path | None
    created_store: bool
    created_key: bool


@dataclass
class StoreFacts:
    """Municipality names and how far the data reaches (for report headers and pages)."""

    namen: dict[str, str]
    laatste_bericht: dt.date | None
    laatste_declaratie: dt.date | None


@dataclass
class LogCheck:
    """The access log's hash chain: how many rows, and the first broken one (None: whole)."""

    regels: int
    gebroken: int | None


@contextmanager
def _transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


class Regiekamer:
    """A store and its settings."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._memo = kpi_cache.Memo()  # recent KPI results of this process (see kpi())

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
            report = pipeline.run(
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
        self.keep_signals_current()  # the signals follow the ingest (see there)
        return report

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

    def kpi(
        self,
        *,
        year: int | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        per: str = "year",
        by: Sequence[str] = (),
        kpis: Sequence[str] = (),
        engine: str = "duckdb",
        public: bool = False,
        cache: bool = True,
        on_kpi: Callable[[str], None] | None = None,
    ) -> kpi_engine.Result:
        """KPI rows for a window (a year, or start..end) per period and grain.

        Results are materialised in the store per request and KPI; a cached result is used while
        the tables it read are unchanged (``cache=False`` computes afresh and stores nothing,
        e.g. for a benchmark). ``public`` applies disclosure control (small cells and
        their complements suppressed), as every output outside the owner's scope must.
        """
        if year is not None:
            start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        if start is None or end is None:
            raise RegiekamerError("Geef een jaar, of een begin- en einddatum.")
        request = kpi_engine.Request(
            start=start,
            end=end,
            per=per,
            by=tuple(by),
            kpis=tuple(kpis),
            norm_days=self.settings.wachttijd_norm_dagen,
            norm_per_category=tuple(sorted(self.settings.wachttijd_norm_per_categorie.items())),
        )
        kpi_engine.validate(request)
        key = f"{engine}|{request.key()}"
        result, cells, todo, versions = kpi_engine.Result(), {}, [], {}
        con = self._connect()  # read-write: the cache lives in the store
        try:
            current = kpi_cache.table_versions(con)  # one query for every KPI's sources
            wanted = {}
            for k in request.selected():
                why = k.unsupported(request.by, request.per)
                if why:
                    result.skipped[k.id] = why
                    continue
                versions[k.id] = kpi_cache.source_version(con, k.bronnen, current)
                wanted[k.id] = (versions[k.id], kpi_engine.output_dims(k, request.by))
            if cache:  # first this process's memo, then the store's cache for the rest
                for k_id, (version, _) in wanted.items():
                    memo = self._memo.get(key, k_id, version)
                    if memo is not None:
                        cells[k_id] = memo
                missing = {k: w for k, w in wanted.items() if k not in cells}
                for k_id, hit in kpi_cache.lookup(con, key, missing).items():
                    cells[k_id] = kpi_engine.rows(BY_ID[k_id], hit, request)
                    self._memo.put(key, k_id, versions[k_id], cells[k_id])
            for k_id in wanted:
                if k_id not in cells:
                    todo.append(k_id)
                elif on_kpi:
                    on_kpi(k_id)
        finally:
            con.close()
        if todo:
            tables = sorted({t for k in todo for t in BY_ID[k].bronnen})
            rest = self._prognose_remainder(end) if "prognose_jaar" in todo else None
            try:
                with open_backend(self.settings, engine, tables) as backend:
                    todo_request = replace(request, kpis=tuple(todo))
                    fresh = kpi_engine.compute(backend, todo_request, on_kpi=on_kpi, remainder=rest)
            except duckdb.OutOfMemoryException as exc:
                raise RegiekamerError(
                    "Te weinig geheugen voor deze KPI-berekening binnen de grens van "
                    f"{self.settings.kpi_memory_limit}: verhoog REGIEKAMER_KPI_MEMORY_LIMIT of "
                    "vraag minder tegelijk (minder dimensies, een kortere periode)."
                ) from exc
            for k in todo:
                cells[k] = []
            for row in fresh.rows:
                cells[row["kpi"]].append(row)
            if cache:
                con = self._connect()
                try:
                    for k in todo:
                        try:
                            kpi_cache.save(con, key, k, versions[k], cells[k])
                        except (duckdb.TransactionException, duckdb.ConstraintException):
                            # A concurrent request computed and saved the same cells first;
                            # the cache is an optimisation, so this answer stands as it is.
                            continue
                        self._memo.put(key, k, versions[k], cells[k])
                finally:
                    con.close()
        for k in request.selected():
            result.rows.extend(cells.get(k.id, ()))
        result.versie = repr((key, public, list(versions.items())))
        if public:
            result.rows = suppress(result.rows, list(request.by), self.settings.min_cell)
        return result

    def store_facts(self) -> StoreFacts:
        """Municipality names and the latest message and invoice dates in the store."""
        con = self._connect(read_only=True)
        try:
            namen = dict(con.execute("SELECT gemeentecode, gemeentenaam FROM gemeente").fetchall())
            bericht = con.execute("SELECT max(dagtekening) FROM bericht").fetchone()[0]
            declaratie = con.execute("SELECT max(einddatum) FROM prestatie").fetchone()[0]
        finally:
            con.close()
        return StoreFacts(namen, bericht, declaratie)

    @staticmethod
    def kpi_catalogue() -> list[dict[str, object]]:
        """The KPI catalogue as data: what each indicator is, for whom, at which grains."""
        return [
            {
                "id": k.id,
                "titel": k.titel,
                "title": k.title,
                "eenheid": k.eenheid,
                "uitleg": k.uitleg,
                "voor": list(k.voor),
                "dimensies": list(k.dims),
                "perioden": list(k.per),
            }
            for k in KPI_CATALOGUE
        ]

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

    # Users, sessions, tokens and the access log (privacy/accounts.py, privacy/access_log.py).
    # ``door`` is who acts (a user's name, or "cli" for the command line); it goes in the log.

    def add_user(self, naam: str, rol: str, password: str, *, door: str = "cli") -> accounts.User:
        """Create a user with a role (``gemeente:0482``, ``regio``, …) and a strong password."""
        con = self._connect()
        try:
            with self._journal.exclusive(), _transaction(con):
                user = accounts.add_user(con, naam, accounts.parse_role(rol, con), password)
                access_log.record(con, door, None, f"gebruiker toevoegen {naam} ({rol})", "ok")
            return user
        finally:
            con.close()

    def list_users(self) -> list[dict[str, object]]:
        """Every user with role and lock state (never a password hash)."""
        con = self._connect()  # read-write: an older store is migrated first
        try:
            return accounts.list_users(con)
        finally:
            con.close()

    def new_token(self, naam: str, omschrijving: str | None = None, *, door: str = "cli") -> str:
        """A new API token for a user; shown once, only its hash is kept."""
        con = self._connect()
        try:
            with self._journal.exclusive(), _transaction(con):
                token = accounts.new_api_token(con, naam, omschrijving)
                access_log.record(con, door, naam, "API-token aanmaken", "ok")
            return token
        finally:
            con.close()

    def login(self, naam: str, password: str) -> accounts.Session:
        """Check name and password and start a session; every attempt is logged."""
        con = self._connect()
        try:
            try:
                user = accounts.login(con, naam, password)  # autocommit: failures must count
            except LoginError as exc:
                with self._journal.exclusive():
                    access_log.record(con, naam, None, "inloggen", f"geweigerd: {exc}")
                raise
            with self._journal.exclusive(), _transaction(con):
                session = accounts.new_session(con, user)
                access_log.record(con, naam, None, "inloggen", "ok")
            return session
        finally:
            con.close()

    def session_user(self, token: str) -> accounts.SessionUser | None:
        """Whom a session token belongs to (None: unknown or expired)."""
        con = self._connect(read_only=True)
        try:
            return accounts.session_user(con, token)
        finally:
            con.close()

    def token_user(self, token: str) -> accounts.User | None:
        """Whom an API token belongs to (None: unknown)."""
        con = self._connect(read_only=True)
        try:
            return accounts.token_user(con, token)
        finally:
            con.close()

    def logout(self, token: str) -> None:
        con = self._connect()
        try:
            accounts.end_session(con, token)
        finally:
            con.close()

    def verify_log(self) -> LogCheck:
        """Check the access log's hash chain from its first row to its last."""
        con = self._connect()
        try:
            return LogCheck(access_log.count(con), access_log.verify(con))
        finally:
            con.close()

    # -- the server: sessions, scoped figures, access log ----------------------------------------
    def serve_store(self) -> None:
        """Prepare this process to serve the store: one read-write instance for every request
        (see store.connection.share_one_instance), kept open while the process runs."""
        share_one_instance(self.store, time_limit=self.settings.query_seconds)
        self.serve_operations()

    def kpi_for(self, user: accounts.User, **request: object) -> kpi_engine.Result:
        """KPI rows as ``user`` may see them: the own cells as they are, every other cell
        through disclosure control (DOMAIN.md §8); the access is logged (and refused when the
        log cannot be written)."""
        return self.kpis_for(user, [request])[0]

    def kpis_for(self, user: accounts.User, requests: list[dict]) -> list[kpi_engine.Result]:
        """Several `kpi_for` requests of one page, logged as one access."""
        scope = Scope.of(user)
        results = [self._scoped(scope, request) for request in requests]
        what = "; ".join(
            "kpi " + " ".join(f"{k}={v}" for k, v in sorted(request.items()) if v)
            for request in requests
        )
        for result in results:
            result.rows = self._row_limit(user, what, result.rows)
        self._log(user, what, " + ".join(f"{len(r.rows)} rijen" for r in results))
        return results

    def _scoped(self, scope: Scope, request: dict) -> kpi_engine.Result:
        result = self.kpi(**request)
        if scope.column is None:
            return result
        # Disclosure control of the same rows for the same tenant gives the same rows, and a
        # server answers the same request many times: keep the outcome (measured: suppress
        # took a tenth of a served request's CPU).
        seen = repr((str(scope.role), self.settings.min_cell))
        scoped = self._memo.get(result.versie, "onderdrukt", seen)
        if scoped is None:
            hidden = suppress(result.rows, list(request.get("by") or ()), self.settings.min_cell)
            scoped = [
                row if scope.sees_unsuppressed(row) else safe
                for row, safe in zip(result.rows, hidden, strict=True)
            ]
            self._memo.put(result.versie, "onderdrukt", seen, scoped)
        result.rows = scoped
        return result

    def findings_for(self, user: accounts.User, *, code: str | None = None) -> list[dict]:
        """Findings as ``user`` may see them: a gemeente or aanbieder sees those of the files
        it sent or received; the region roles see all."""
        scope = Scope.of(user)
        sql = f"SELECT {', '.join(FINDING_KEYS)} FROM bevinding WHERE (? IS NULL OR code = ?)"
        params: list[object] = [code, code]
        if scope.column is not None:
            sql += (
                " AND bestand_id IN (SELECT bestand_id FROM bericht"
                " WHERE ? IN (afzender, ontvanger))"
            )
            params.append(user.role.tenant)
        what = f"bevindingen code={code or ''}"
        con = self._connect(read_only=True)
        try:
            cur = con.execute(sql + " ORDER BY bestand_id, volgnummer", params)
            rows = self._row_limit(user, what, query_limits.fetch(cur))
        finally:
            con.close()
        self._log(user, what, f"{len(rows)} rijen")
        return [dict(zip(FINDING_KEYS, r, strict=True)) for r in rows]

    def _log(self, user: accounts.User, wat: str, resultaat: str) -> None:
        self._journal.append(self._connect, user.naam, str(user.role), wat, resultaat)

    @property
    def _journal(self) -> access_log.Journal:
        return access_log.journal(self.store)

    # --- verevening (risk equalisation, DOMAIN.md §7) and the joint incentive system ---
    def verevening(
        self,
        config: Path,
        year: int,
        *,
        years: int | None = None,
        seed: int | None = None,
        on_step: Callable[[str], None] | None = None,
    ) -> verevening_run.Result:
        """Every variant of ``config`` (verevening.yaml) for ``year``, side by side, with risk
        and the multi-year view; see analyses/verevening/. ``years``/``seed`` override the
        simulation settings of the file; the simulation draws in ``settings.workers`` threads
        (same outcome). Region-wide figures for the region's own use."""
        cfg = verevening_config.load(config)
        with open_backend(self.settings, "duckdb", verevening_inputs.TABLES) as backend:
            raw = verevening_inputs.read(backend, cfg)
        if on_step:
            on_step("Invoer gelezen")
        return verevening_run.run(
            raw, cfg, year, years=years, seed=seed, workers=self.settings.workers, on_step=on_step
        )

    def incentive(
        self, config: Path, year: int, *, on_step: Callable[[str], None] | None = None
    ) -> incentive_run.Result:
        """The settlement per provider of every arrangement in ``config`` (incentive.yaml) for
        ``year``: gain/pain sharing and bonus/malus on KPI bands, every step kept. KPI values
        come from the KPI engine (``kpi`` above), per provider and wet."""
        cfg = incentive_config.load(config)
        with open_backend(self.settings, "duckdb", incentive_run.TABLES) as backend:
            realised = incentive_run.read_costs(backend, cfg, year)
        if on_step:
            on_step("Kosten gelezen")
        kpis = sorted({a.kpi for r in cfg.regelingen for a in r.afspraken})
        cells = self.kpi(year=year, by=["wet", "aanbieder"], kpis=kpis).rows if kpis else []
        if on_step:
            on_step("KPI's berekend")
        return incentive_run.settle_all(cfg, year, realised, cells)

    # --- integraal: Participatiewet, stapeling, CBS benchmarks (analyses/integraal/) ---------
    def stapeling(
        self,
        *,
        year: int | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        wijk: bool = False,
        public: bool = False,
    ) -> list[dict]:
        """Households per municipality (and wijk) by the combination of provisions they use in
        the window (jeugd, wmo, bijstand): counts, shares, users and spend. ``public`` applies
        disclosure control to every cell (DOMAIN.md §8)."""
        from regiekamer.analyses.integraal import stapeling

        start, end, periode = _window(year, start, end)
        with open_backend(self.settings, "duckdb", stapeling.TABLES) as backend:
            rows = stapeling.table(backend, start, end, periode, by_wijk=wijk)
        return self._stapeling_public(rows, wijk) if public else rows

    def stapeling_for(self, user: accounts.User, **request: object) -> list[dict]:
        """Stapeling as ``user`` may see it: the own municipality's cells as they are, every
        other cell (other municipalities, the region total) through disclosure control; the
        access is logged."""
        request.pop("public", None)
        rows = self.stapeling(**request)  # type: ignore[arg-type]
        scope = Scope.of(user)
        if scope.column is not None:
            hidden = self._stapeling_public(rows, bool(request.get("wijk")))
            rows = [
                row if scope.sees_unsuppressed(row) else safe
                for row, safe in zip(rows, hidden, strict=True)
            ]
        what = "stapeling " + " ".join(f"{k}={v}" for k, v in sorted(request.items()) if v)
        rows = self._row_limit(user, what, rows)
        self._log(user, what, f"{len(rows)} rijen")
        return rows

    def _stapeling_public(self, rows: list[dict], wijk: bool) -> list[dict]:
        from regiekamer.privacy.table_disclosure import suppress_table

        dims = ["gemeente", *(["wijk"] if wijk else []), "combinatie"]
        hidden = ("huishoudens", "aandeel_pct", "clienten", "uitgaven")
        return suppress_table(rows, dims, "huishoudens", hidden, self.settings.min_cell)

    def benchmarks(self, gemeente: str, year: int) -> list[dict]:
        """The CBS figures beside the municipality: per CBS table, measure and category, the
        municipality's figure, its youth-care region's and the national one (published
        aggregates: no disclosure control needed)."""
        from regiekamer.analyses.integraal import benchmarks

        con = self._connect(read_only=True)
        try:
            return benchmarks.beside(con, gemeente, year)
        finally:
            con.close()

    # --- prognose: forecasts, scenarios and the backtest (analyses/prognose) -------------------
    def _prognose_fit(self, origin: int | None = None) -> tuple[History, model.Model]:
        """History and fitted model at ``origin`` (default: the last complete invoice month),
        kept per process while the tables they read are unchanged: a scenario re-run (a
        slider) then only simulates."""
        from regiekamer.analyses.prognose import history
        from regiekamer.analyses.prognose import model as prognose_model

        con = self._connect()
        try:
            versions = kpi_cache.table_versions(con)
        finally:
            con.close()
        tables = ("levering", "toewijzing", "verzoek", "prestatie", "populatie")
        with open_backend(self.settings, "duckdb", tables) as backend:
            origin = history.default_origin(backend) if origin is None else origin
            key = (str(self.store), origin, tuple(versions.get(t) for t in tables))
            cache = self.__dict__.setdefault("_prognose_cache", {})
            if key not in cache:
                cache.clear()
                h = history.read(backend, origin)
                cache[key] = (h, prognose_model.fit(h))
        return cache[key]

    def _prognose_remainder(self, end: dt.date) -> Remainder:
        """What the forecast model expects per cell and month after the peilmaand, up to
        ``end``: the part of the KPI prognose_jaar that is not yet declared (computed here, on
        the store, whichever backend runs the catalogue)."""
        from regiekamer.analyses.prognose import expected
        from regiekamer.analyses.prognose.history import TooLittleHistory, month_end, month_key

        try:
            _, fitted = self._prognose_fit()
        except TooLittleHistory:
            return Remainder(None, expected.SCHEMA.empty_table())
        months = min(max(month_key(end) - fitted.origin, 0), 120)
        return Remainder(month_end(fitted.origin), expected.expected_spend(fitted, months))

    def prognose(
        self,
        *,
        year: int | None = None,
        months: int = 36,
        scenarios: Sequence[object] = (),
        gemeenten: Sequence[str] = (),
        sims: int = 500,
        seed: int = 1,
        detail: bool = False,
    ) -> summary.Result:
        """Forecast clients and spend per wet and year under the baseline and each scenario
        (a Scenario, or the name of a saved one); see docs/prognose.md."""
        from regiekamer.analyses.prognose import simulate
        from regiekamer.analyses.prognose import summary as prognose_summary
        from regiekamer.analyses.prognose.history import month_label
        from regiekamer.analyses.prognose.scenario import Scenario as Basis

        h, fitted = self._prognose_fit()
        if year is not None:
            if year * 12 + 11 <= fitted.origin:
                raise RegiekamerError(
                    f"{year} ligt niet na de peilmaand {month_label(fitted.origin)}: daarvoor "
                    "zijn de uitgaven bekend (regiekamer kpi)."
                )
            months = max(1, year * 12 + 11 - fitted.origin)
        if not 1 <= months <= 120:
            raise RegiekamerError("Kies 1 tot 120 maanden vooruit.")
        chosen = [s if isinstance(s, Basis) else self.scenario(str(s)) for s in scenarios]
        only = set(gemeenten) or None
        result = prognose_summary.Result(
            month_label(fitted.origin), ["basis", *(s.naam for s in chosen)]
        )
        result.historie = prognose_summary.history(h, only)
        base_rows: list[dict] = []
        for sc in [Basis(), *chosen]:
            if sc.is_baseline:  # every knob at zero is the baseline exactly (same draws)
                f = self._prognose_baseline(fitted, months, sims, seed, only, detail)
            else:
                f = simulate.run(
                    fitted, sc, months=months, sims=sims, seed=seed, gemeenten=only, detail=detail
                )
            rows = prognose_summary.years(f, sc.naam, only)
            if year is not None:
                rows = [r for r in rows if r["jaar"] == str(year)]
                prognose_summary.add_realised(rows, h, year, only)  # the current year: year-end
            if sc.naam == "basis" and not base_rows:
                base_rows = rows
            else:
                result.verschillen.extend(prognose_summary.differences(base_rows, rows))
            result.jaren.extend(rows)
            result.maanden.extend(prognose_summary.months(f, sc.naam))
            if detail and f.cells:
                result.cellen.extend(dict(r, scenario=sc.naam) for r in f.cells)
        return result

    def _prognose_baseline(
        self,
        fitted: model.Model,
        months: int,
        sims: int,
        seed: int,
        only: set[str] | None,
        detail: bool,
    ) -> simulate.Forecast:
        """The baseline forecast, kept per fitted model (so per store version) and request:
        the page re-runs only the scenario when a knob moves."""
        from regiekamer.analyses.prognose import simulate

        key = (months, sims, seed, frozenset(only or ()), detail)
        with _PROGNOSE_LOCK:
            held = self.__dict__.get("_prognose_base")
            if held is None or held[0] is not fitted:
                held = (fitted, {})
                self.__dict__["_prognose_base"] = held
            found = held[1].get(key)
        if found is None:
            found = simulate.run(
                fitted, None, months=months, sims=sims, seed=seed, gemeenten=only, detail=detail
            )
            with _PROGNOSE_LOCK:
                if len(held[1]) > 32:  # a bound on memory: requests differ in few ways
                    held[1].clear()
                held[1][key] = found
        return found

    def prognose_backtest(
        self,
        *,
        origins: int = 1,
        sims: int = 500,
        seed: int = 1,
        on_step: Callable[[str], None] | None = None,
    ) -> backtest.Backtest:
        """Train 12 (24, …) months before the end, forecast those months, compare."""
        from regiekamer.analyses.prognose import backtest as bt

        tables = ("levering", "toewijzing", "verzoek", "prestatie", "populatie")
        with open_backend(self.settings, "duckdb", tables) as backend:
            return bt.run(backend, origins=origins, sims=sims, seed=seed, on_step=on_step)

    def save_scenario(self, text: str, default_name: str = "scenario") -> Scenario:
        """Check a scenario's YAML and save it in the store under its name."""
        from regiekamer.analyses.prognose.scenario import parse
        from regiekamer.store import scenarios

        sc = parse(text, default_name)
        con = self._connect()
        try:
            scenarios.save(con, sc.naam, text)
        finally:
            con.close()
        return sc

    def scenario(self, naam: str) -> Scenario:
        """A saved scenario by name."""
        from regiekamer.analyses.prognose.scenario import ScenarioError, parse
        from regiekamer.store import scenarios

        con = self._connect()  # read-write: an older store gets the scenario table first
        try:
            text = scenarios.load(con, naam)
        finally:
            con.close()
        if text is None:
            raise ScenarioError(
                f"Geen opgeslagen scenario {naam!r}; zie regiekamer prognose --list."
            )
        return parse(text, naam)

    def list_scenarios(self) -> list[dict[str, object]]:
        from regiekamer.analyses.prognose.scenario import parse
        from regiekamer.store import scenarios

        con = self._connect()
        try:
            rows = scenarios.listing(con)
        finally:
            con.close()
        return [
            {"naam": n, "omschrijving": parse(t, n).omschrijving, "opgeslagen_op": str(o)[:19]}
            for n, t, o in rows
        ]

    def delete_scenario(self, naam: str) -> bool:
        from regiekamer.store import scenarios

        con = self._connect()
        try:
            return scenarios.delete(con, naam)
        finally:
            con.close()

    # Saved scenarios per tenant (the web page): a municipality's are stored under its own
    # prefix ("gemeente:0363/preventie") and only it sees them; the region's have no prefix
    # (as the CLI saves them) and everyone may load them; the region roles save those.
    SCENARIO_SAVERS = frozenset({"gemeente", "regio", "beheerder"})

    @staticmethod
    def _scenario_prefix(user: accounts.User) -> str:
        return f"gemeente:{user.role.tenant}/" if user.role.rol == "gemeente" else ""

    def scenarios_for(self, user: accounts.User) -> list[dict[str, object]]:
        """The saved scenarios ``user`` may load: the tenant's own first, then the region's."""
        own = self._scenario_prefix(user)
        mine, region = [], []
        for row in self.list_scenarios():
            naam = str(row["naam"])
            if own and naam.startswith(own):
                mine.append(row | {"naam": naam[len(own) :], "eigen": True})
            elif "/" not in naam:
                region.append(row | {"eigen": not own})
        return mine + region

    def scenario_for(self, user: accounts.User, naam: str) -> Scenario:
        """A saved scenario ``user`` may load (own, else the region's); any other answers as
        not found, whether or not another tenant has one of that name."""
        from regiekamer.analyses.prognose.scenario import ScenarioError

        own = self._scenario_prefix(user)
        if "/" not in naam:
            for key in ([own + naam] if own else []) + [naam]:
                try:
                    return replace(self.scenario(key), naam=naam)
                except ScenarioError:
                    continue
        raise ScenarioError(f"Geen opgeslagen scenario {naam!r}.")

    def save_scenario_for(self, user: accounts.User, sc: Scenario) -> None:
        """Save ``sc`` in the user's own space (refused for roles that may not save)."""
        from regiekamer.errors import AccountError
        from regiekamer.store import scenarios

        if user.role.rol not in self.SCENARIO_SAVERS:
            raise AccountError("Uw rol mag geen scenario's opslaan.")
        con = self._connect()
        try:
            scenarios.save(con, self._scenario_prefix(user) + sc.naam, sc.to_yaml())
        finally:
            con.close()
        self._log(user, f"prognose scenario opgeslagen naam={sc.naam}", "opgeslagen")

    def prognose_for(
        self, user: accounts.User, scenario: Scenario, *, months: int = 36, sims: int = 200
    ) -> summary.Result:
        """Baseline and ``scenario`` as ``user`` may see them: a municipality its own, the other
        roles the region (forecast totals per wet, no client-level data); the access is
        logged."""
        own = [user.role.tenant] if user.role.rol == "gemeente" and user.role.tenant else []
        result = self.prognose(months=months, scenarios=[scenario], gemeenten=own, sims=sims)
        self._log(user, f"prognose scenario={scenario.naam} maanden={months}", "berekend")
        return result

    # --- contracten en rechtmatigheid (analyses/rechtmatigheid.py, verantwoording.py) ---

    def rechtmatigheid(
        self, year: int, *, engine: str = "duckdb", door: str | None = None
    ) -> Verantwoording:
        """Every invoice line of ``year`` tested against allocations, zorgperioden and contracts
        (DOMAIN.md §5): totals that reconcile, per check/provider/municipality, the
        financiele_onzekerheid and the failed lines (clients only as pseudonyms). The failed
        lines are client-level data: with ``door`` (who asks) the access is logged."""
        with open_backend(self.settings, engine, lawfulness.SOURCES) as backend:
            if engine == "duckdb":
                limit = self.settings.rechtmatigheid_memory_limit
                backend.con.execute("SET memory_limit = ?", [limit])
            outcome = lawfulness.evaluate(backend, year)
        result = verantwoording.build(outcome)
        con = self._connect(read_only=door is None)
        try:
            result.namen = dict(
                con.execute(
                    "SELECT gemeentecode, gemeentenaam FROM gemeente "
                    "UNION ALL SELECT agb_code, naam FROM aanbieder"
                ).fetchall()
            )
            if door is not None:
                with self._journal.exclusive():
                    access_log.record(
                        con,
                        door,
                        None,
                        f"rechtmatigheid jaar={year}",
                        f"{len(result.bevindingen)} afgekeurde regels",
                    )
        finally:
            con.close()
        return result

    def contract(
        self, aanbieder: str, year: int, *, user: accounts.User | None = None
    ) -> list[dict]:
        """Agreed against delivered for each contract of ``aanbieder`` in ``year`` (DOMAIN.md
        §6): targets with traffic light and trend, spend against ceiling, price per client
        against the region, taakgericht by lump sum and volumes. Realisations come from the KPI
        engine (``kpi``); analyses/contracten.py compares them. With ``user`` every KPI cell
        outside the user's scope is disclosure-controlled first (``contracts_for``)."""
        con = self._connect(read_only=True)
        try:
            rows = con.execute(
                "SELECT contract_id, wet, any_value(inkoopmodel), any_value(uitvoeringsvariant), "
                "min(begindatum), max(einddatum), list(gemeentecode ORDER BY gemeentecode), "
                "sum(plafond_cent), sum(lumpsum_cent) FROM contract WHERE agb_code = ? "
                "AND begindatum <= ? AND (einddatum IS NULL OR einddatum >= ?) "
                "GROUP BY contract_id, wet ORDER BY wet, contract_id",
                [aanbieder, dt.date(year, 12, 31), dt.date(year, 1, 1)],
            ).fetchall()
            goals = con.execute(
                "SELECT contract_id, kpi, richting, waarde FROM contract_doel ORDER BY 1, 2"
            ).fetchall()
            through = con.execute(
                "SELECT max(einddatum) FROM prestatie WHERE year(begindatum) = ?", [year]
            ).fetchone()[0]
            naam = con.execute(
                "SELECT any_value(naam) FROM aanbieder WHERE agb_code = ?", [aanbieder]
            ).fetchone()[0]
        finally:
            con.close()
        if not rows:
            raise RegiekamerError(f"Geen contract van aanbieder {aanbieder} in {year}.")
        contracts = [contracten.Contract(*r) for r in rows]
        for c in contracts:
            c.doelen = [
                {"kpi": k, "richting": "<=" if d in ("<=", "≤") else ">=", "waarde": w}
                for cid, k, d, w in goals
                if cid == c.contract_id and k in BY_ID
            ]
        wanted = sorted(
            {d["kpi"] for c in contracts for d in c.doelen} | set(contracten.VOLUME_KPIS)
        )

        def cells(**request: object) -> list[dict]:
            if user is None:
                return self.kpi(**request).rows  # type: ignore[arg-type]
            return self._scoped(Scope.of(user), request).rows

        by_prov = ["wet", "aanbieder"]
        per_cat = ["wet", "productcategorie"]
        price = [contracten.PRICE_KPI]
        items = contracten.view(
            aanbieder,
            year,
            contracts,
            titles={k.id: k.titel for k in KPI_CATALOGUE},
            yearly=cells(year=year, by=by_prov, kpis=wanted),
            quarterly=cells(year=year, per="quarter", by=by_prov, kpis=wanted),
            monthly_spend=cells(
                year=year, per="month", by=["wet", "gemeente", "aanbieder"], kpis=["uitgaven"]
            ),
            prices=cells(year=year, by=by_prov, kpis=price)
            + cells(year=year, by=[*per_cat, "aanbieder"], kpis=price),
            regional_prices=cells(year=year, by=["wet"], kpis=price)
            + cells(year=year, by=per_cat, kpis=price),
            through=through or dt.date(year, 1, 1),
        )
        for item in items:
            item |= {"aanbieder": aanbieder, "aanbieder_naam": naam or aanbieder, "jaar": year}
        return items

    # --- paginas: contracts, lawfulness, settlements for a user (the dashboard's pages) -------
    def contracts_for(
        self,
        user: accounts.User,
        year: int,
        *,
        aanbieder: str | None = None,
        gemeente: str | None = None,
    ) -> list[dict]:
        """The contracts of ``year`` as ``user`` may see them (``contract`` per provider): an
        aanbieder its own, a gemeente those its municipality is party to, the region roles all;
        ``aanbieder``/``gemeente`` narrow further. Every KPI cell outside the user's scope (a
        provider's realisation over all its clients, seen by a gemeente; the regional price,
        seen by a provider) is disclosure-controlled; spend that rests on a suppressed cell is
        not shown (``besteding_onderdrukt``) rather than understated. The access is logged."""
        scope = Scope.of(user)
        with open_backend(self.settings, "duckdb", ("contract",)) as backend:
            t = scope.rows(backend.table("contract"), gemeente="gemeentecode", aanbieder="agb_code")
            t = t.filter(t.begindatum <= dt.date(year, 12, 31))
            t = t.filter(t.einddatum.isnull() | (t.einddatum >= dt.date(year, 1, 1)))
            if aanbieder:
                t = t.filter(t.agb_code == aanbieder)
            if gemeente:
                t = t.filter(t.gemeentecode == gemeente)
            seen = backend.to_pyarrow(t.select("agb_code", "contract_id").distinct()).to_pylist()
        visible = {(r["agb_code"], r["contract_id"]) for r in seen}
        spend = {"year": year, "per": "month", "by": ["wet", "gemeente", "aanbieder"],
                 "kpis": [contracten.SPEND_KPI]}  # fmt: skip
        hidden = {
            (r["wet"], r["gemeente"], r["aanbieder"])
            for r in self._scoped(scope, spend).rows
            if r["onderdrukt"]
        }
        items = []
        for agb in sorted({a for a, _ in visible}):
            for c in self.contract(agb, year, user=user):
                if (agb, c["contract_id"]) not in visible:
                    continue
                cut = any((c["wet"], g, agb) in hidden for g in c["gemeenten"])
                c["besteding_onderdrukt"] = cut
                if cut:
                    c["besteding"] = None
                items.append(c)
        what = f"contracten jaar={year} aanbieder={aanbieder or ''} gemeente={gemeente or ''}"
        self._log(user, what, f"{len(items)} contracten")
        return items

    def rechtmatigheid_for(
        self,
        user: accounts.User,
        year: int,
        *,
        aanbieder: str | None = None,
        gemeente: str | None = None,
    ) -> Verantwoording:
        """The lawfulness of ``year`` (``rechtmatigheid``) over the invoice lines ``user`` may
        see: a gemeente its own municipality's, an aanbieder its own (the lines it invoiced),
        the region roles every line; ``aanbieder``/``gemeente`` narrow further. The totals are
        built from those lines, so they reconcile within the selection. The failed lines are
        client-level data (pseudonyms): the access is logged."""
        outcome = self._lawfulness(year)
        scope = Scope.of(user)
        with open_backend(self.settings, "duckdb", ()) as backend:

            def keep(table: object) -> object:
                t = scope.rows(ibis.memtable(table))
                if aanbieder:
                    t = t.filter(t.aanbieder == aanbieder)
                if gemeente:
                    t = t.filter(t.gemeente == gemeente)
                return backend.to_pyarrow(t)

            mine = lawfulness.Outcome(
                year, keep(outcome.bevindingen), keep(outcome.samenvatting), keep(outcome.credit)
            )
        result = verantwoording.build(mine)
        con = self._connect(read_only=True)
        try:
            result.namen = dict(
                con.execute(
                    "SELECT gemeentecode, gemeentenaam FROM gemeente "
                    "UNION ALL SELECT agb_code, naam FROM aanbieder"
                ).fetchall()
            )
        finally:
            con.close()
        what = f"rechtmatigheid jaar={year} aanbieder={aanbieder or ''} gemeente={gemeente or ''}"
        result.bevindingen = self._row_limit(user, what, result.bevindingen)
        self._log(user, what, f"{len(result.bevindingen)} afgekeurde regels")
        return result

    def _lawfulness(self, year: int) -> lawfulness.Outcome:
        """The checks over ``year``, kept per process while the tables they read are unchanged
        (a page and its downloads ask for the same year; the checks take seconds)."""
        con = self._connect()
        try:
            versions = kpi_cache.table_versions(con)
        finally:
            con.close()
        key = (str(self.store), year, tuple(versions.get(t) for t in lawfulness.SOURCES))
        cache = self.__dict__.setdefault("_lawfulness_cache", {})
        if key not in cache:
            with open_backend(self.settings, "duckdb", lawfulness.SOURCES) as backend:
                outcome = lawfulness.evaluate(backend, year)
            cache.clear()
            cache[key] = outcome
        return cache[key]

    def verevening_for(self, user: accounts.User, year: int) -> dict | None:
        """The risk equalisation of the configured regulation (``settings.verevening_config``)
        for ``year``: per municipality and variant the contribution and its difference from
        user-pays, the years before, the notes and the file used (None: none configured). A
        gemeente sees its own municipality's rows; an aanbieder has no part in it (refused).
        The access is logged."""
        scope = Scope.of(user)
        if scope.column == "aanbieder":
            raise ScopeError("De verevening is een afspraak tussen gemeenten; u ziet haar niet.")
        path = self.settings.verevening_config
        if path is None:
            return None
        result = self.verevening(path, year)
        rows = verevening_run.rows(result)
        history = result.historie
        if scope.column == "gemeente":
            rows = [r for r in rows if r["gemeente"] == user.role.tenant]
            history = [r for r in history if r.get("gemeente") == user.role.tenant]
        self._log(user, f"verevening jaar={year} bestand={path.name}", f"{len(rows)} rijen")
        return {
            "regio": result.config.regio,
            "jaar": year,
            "bestand": path.name,
            "tekst": path.read_text(encoding="utf-8"),
            "varianten": [(v.id, v.naam) for v in result.config.varianten],
            "rijen": rows,
            "meerjarig": history,
            "notities": result.notities,
        }

    def incentive_for(self, user: accounts.User, year: int) -> dict | None:
        """The incentive settlement of the configured regulation (``settings.incentive_config``)
        for ``year``, per provider and arrangement with every step (None: none configured). An
        aanbieder sees its own settlement; a gemeente none (a provider's result rests on every
        municipality's clients; its own part reaches it through the verevening). Logged."""
        scope = Scope.of(user)
        if scope.column == "gemeente":
            raise ScopeError("De incentiveafrekening is per aanbieder over de hele regio.")
        path = self.settings.incentive_config
        if path is None:
            return None
        result = self.incentive(path, year)
        settled = [
            s
            for s in result.afrekeningen
            if scope.column is None or s.aanbieder == user.role.tenant
        ]
        shown = replace(result, afrekeningen=settled)
        rows = incentive_run.rows(shown)
        for row, s in zip(rows, settled, strict=True):
            row["stappen"] = [*s.stappen, *(k.reden for k in s.kpi)]
        self._log(user, f"incentive jaar={year} bestand={path.name}", f"{len(rows)} rijen")
        return {"jaar": year, "bestand": path.name, "tekst": path.read_text(encoding="utf-8"),
                "rijen": rows}  # fmt: skip

    # --- afspraken: agreements, signals, improvement actions, evaluation (docs/afspraken.md) ---
    # ``user`` None is the command line: the store's operator sees and owns everything. A user
    # sees what its role may (analyses/afspraken.py); a foreign object is "not found".
    def _afspraken_known(self, con: duckdb.DuckDBPyConnection) -> object:
        from regiekamer.analyses.afspraken import Known
        from regiekamer.store import afspraken as stored

        return Known(
            frozenset(g for (g,) in con.execute("SELECT gemeentecode FROM gemeente").fetchall()),
            frozenset(a for (a,) in con.execute("SELECT agb_code FROM aanbieder").fetchall()),
            stored.contract_scopes(con),
        )

    def import_afspraken(self, path: Path, *, door: str = "cli") -> dict[str, object]:
        """Read afspraken.yaml into the register: each agreement new, changed (a new version) or
        unchanged. Any error: nothing is stored (``ConfigInvalid`` carries the findings)."""
        from regiekamer.analyses import afspraken as A
        from regiekamer.store import afspraken as stored

        con = self._connect()
        try:
            items, warnings = A.load(path, self._afspraken_known(con))
            counts = {"nieuw": 0, "gewijzigd": 0, "ongewijzigd": 0}
            with _transaction(con):
                for a in items:
                    counts[stored.save_agreement(con, a, door)] += 1
        finally:
            con.close()
        return {**counts, "waarschuwingen": warnings}

    def export_afspraken(self) -> str:
        """The register's current agreements as afspraken.yaml (imports back unchanged)."""
        items = [a.export() for a in self.afspraken()]
        return yaml_aliases.dump({"afspraken": items})

    def afspraken(self, user: accounts.User | None = None) -> list:
        """The current version of every agreement ``user`` may see."""
        from regiekamer.analyses import afspraken as A
        from regiekamer.store import afspraken as stored

        con = self._connect()  # read-write: an older store gets the tables first
        try:
            items = stored.agreements(con)
        finally:
            con.close()
        return [a for a in items if user is None or A.can_see(user.role, a)]

    def afspraak(self, user: accounts.User | None, afspraak_id: str) -> tuple[object, list]:
        """One agreement and its versions (newest first); ``NotFound`` outside the scope."""
        from regiekamer.analyses import afspraken as A
        from regiekamer.store import afspraken as stored

        con = self._connect()
        try:
            versions = stored.history(con, afspraak_id)
        finally:
            con.close()
        if not versions or (user is not None and not A.can_see(user.role, versions[0])):
            raise A.NotFound(f"Afspraak {afspraak_id} bestaat niet.")
        return versions[0], versions

    def save_afspraak(
        self, user: accounts.User, values: dict, afspraak_id: str | None = None
    ) -> tuple[object, list]:
        """A new agreement (``afspraak_id`` None) or a new version of one, from a form: checked
        as afspraken.yaml is; refused unless ``user`` owns it (and owned the old version)."""
        from regiekamer.analyses import afspraken as A
        from regiekamer.store import afspraken as stored

        if afspraak_id is not None:
            current, _ = self.afspraak(user, afspraak_id)
            if not A.owns(user.role, current):
                raise A.NotOwner(f"Afspraak {afspraak_id} is niet van {user.role}.")
            values = {**values, "id": afspraak_id}
        con = self._connect()
        try:
            a, warnings = A.from_form(values, self._afspraken_known(con))
            if not A.owns(user.role, a):
                raise A.NotOwner(f"Een afspraak op dit niveau is niet van {user.role}.")
            with _transaction(con):
                if afspraak_id is None and stored.agreements(con, a.afspraak_id):
                    # "New" never overwrites an agreement (perhaps another's) by its id.
                    raise RegiekamerError(f"Afspraak {a.afspraak_id} bestaat al.")
                stored.save_agreement(con, a, user.naam)
        finally:
            con.close()
        self._log(user, f"afspraak vastleggen {a.afspraak_id}", "ok")
        return self.afspraak(user, a.afspraak_id)[0], warnings

    def sign_afspraak(self, user: accounts.User, afspraak_id: str) -> object:
        """A provider co-signs its agreement: a new version with ``aanbieder`` among the
        parties."""
        from dataclasses import replace as changed

        from regiekamer.analyses import afspraken as A
        from regiekamer.store import afspraken as stored

        current, _ = self.afspraak(user, afspraak_id)
        if not A.may_sign(user.role, current):
            raise A.NotOwner(f"Afspraak {afspraak_id} kan {user.role} niet ondertekenen.")
        con = self._connect()
        try:
            signed = changed(current, afgesproken_door=A.with_parties(current, ["aanbieder"]))
            stored.save_agreement(con, signed, user.naam)
        finally:
            con.close()
        self._log(user, f"afspraak ondertekenen {afspraak_id}", "ok")
        return self.afspraak(user, afspraak_id)[0]

    def realisaties(self, user: accounts.User | None, items: Sequence) -> list[dict]:
        """Each agreement beside its realisation (KPI engine, scoped to ``user``): value,
        traffic light and trend per quarter (analyses/afspraken.assess)."""
        from regiekamer.analyses import afspraken as A

        wanted: dict[tuple, set[str]] = {}
        for a in items:
            for per in {a.per, "quarter"}:
                wanted.setdefault((a.jaar, per, tuple(a.by)), set()).add(a.kpi)
        rows: dict[tuple, list[dict]] = {}
        for (jaar, per, by), kpis in wanted.items():
            request = {"year": jaar, "per": per, "by": list(by), "kpis": sorted(kpis)}
            got = self.kpi_for(user, **request) if user else self.kpi(**request)
            rows[(jaar, per, by)] = got.rows
        out = []
        for a in items:
            mine = [
                r
                for per in {a.per, "quarter"}
                for r in rows[(a.jaar, per, tuple(a.by))]
                if r["kpi"] == a.kpi
            ]
            out.append({"afspraak": a, **A.assess(a, mine)})
        return out

    _signal_lock = threading.Lock()  # one computation of the signals at a time per process

    def keep_signals_current(self) -> None:
        """Recompute the signals when their sources changed, in a store that uses them (whose
        signals were computed before). A store nobody asked signals of pays nothing at ingest;
        the first question computes them (``signals_for``)."""
        from regiekamer.analyses.signalen import SOURCES
        from regiekamer.store import afspraken as stored

        con = self._connect()
        try:
            stamp = stored.signal_stamp(con)
            now = stored.sources(con, SOURCES, self.settings.wachttijd_norm_dagen)
        finally:
            con.close()
        if stamp is not None and stamp != now:
            self.compute_signals()

    def compute_signals(self, years: Sequence[int] | None = None) -> list:
        """Run every signal rule (analyses/signalen.py) over the last two years with data (or
        ``years``) and store the outcome; returns the signals that fire."""
        from regiekamer.analyses import signalen as S
        from regiekamer.analyses.afspraken import parse_period
        from regiekamer.store import afspraken as stored

        con = self._connect()
        try:
            horizon = con.execute(
                "SELECT greatest(max(p), max(l)) FROM (SELECT max(begindatum) AS p FROM "
                "prestatie), (SELECT max(begindatum) AS l FROM levering)"
            ).fetchone()[0]
            budgets = {
                (g, w, j): c / 100
                for g, w, j, c in con.execute(
                    "SELECT gemeentecode, wet, jaar, budget_cent FROM budget"
                ).fetchall()
            }
        finally:
            con.close()
        if horizon is None:
            return []
        years = sorted(years or {horizon.year - 1, horizon.year})
        start = dt.date(years[0], 1, 1)
        end = min(dt.date(years[-1], 12, 31), parse_period(f"{horizon:%Y-%m}").end)
        fired: list[S.Signaal] = []
        for y in years:
            rows = self.kpi(year=y, by=["wet", "gemeente"], kpis=[S.BUDGET_KPI]).rows
            fired += S.budget_overrun(rows, budgets)
        for by in (["wet", "gemeente"], ["wet", "aanbieder"]):
            waits = self.kpi(start=start, end=end, per="quarter", by=by, kpis=[S.WAIT_KPI])
            fired += S.waiting_above_norm(waits.rows, self.settings.wachttijd_norm_dagen)
            lists = self.kpi(start=start, end=end, per="month", by=by, kpis=[S.LIST_KPI])
            fired += S.waiting_list_growing(lists.rows)
        current = [a for a in self.afspraken() if a.jaar in years and not a.vervallen]
        for item in self.realisaties(None, current):
            fired += S.agreement_missed(item["afspraak"], item)
        con = self._connect()
        try:
            stamp = stored.sources(con, S.SOURCES, self.settings.wachttijd_norm_dagen)
            with self._signal_lock, _transaction(con):
                stored.save_signals(con, years, fired, stamp)
        finally:
            con.close()
        return fired

    def signals_for(self, user: accounts.User | None, *, actief: bool = True) -> list[dict]:
        """The stored signals ``user`` may see (a tenant: those of its own municipality or
        provider), newest period first; computed first when their sources changed."""
        from regiekamer.analyses.signalen import RULES
        from regiekamer.store import afspraken as stored

        con = self._connect()
        try:
            computed = stored.signal_stamp(con) is not None
        finally:
            con.close()
        if computed:
            self.keep_signals_current()
        else:
            self.compute_signals()
        con = self._connect()
        try:
            rows = stored.signals(con)
        finally:
            con.close()
        out = []
        for s in rows:
            if actief and not s["actief"]:
                continue
            # A signal's values are raw KPI cells: a tenant sees only those of its own cell.
            if user is not None and not Scope.of(user).sees_unsuppressed(s):
                continue
            out.append(s | {"titel": RULES[s["code"]]})
        return out

    def _subject(self, user: accounts.User | None, soort: str, onderwerp: str) -> dict:
        """The gemeente and aanbieder an action's subject fixes (None: free to choose)."""
        from regiekamer.analyses import afspraken as A

        if soort == "signaal":
            found = [
                s for s in self.signals_for(user, actief=False) if s["signaal_id"] == onderwerp
            ]
            if not found:
                raise A.NotFound(f"Signaal {onderwerp} bestaat niet.")
            return {"gemeente": found[0]["gemeente"], "aanbieder": found[0]["aanbieder"]}
        if soort == "afspraak":
            a, _ = self.afspraak(user, onderwerp)
            return {"gemeente": a.gemeente, "aanbieder": a.aanbieder}
        if soort == "kpi" and onderwerp in BY_ID:
            return {"gemeente": None, "aanbieder": None}
        raise A.NotFound(f"Onderwerp {soort} {onderwerp} bestaat niet.")

    def add_action(self, user: accounts.User | None, values: dict) -> int:
        """Record an improvement action on a signal, an agreement or a KPI. It is shared with
        the municipality and the provider its subject concerns (or that are named, where the
        subject leaves them open); a tenant's own code is always among them."""
        from regiekamer.analyses import acties
        from regiekamer.store import afspraken as stored

        clean = acties.check_new(values)
        fixed = self._subject(user, clean["onderwerp_soort"], clean["onderwerp"])
        clean |= {k: v or clean.get(k) for k, v in fixed.items()}
        if user is not None:
            acties.require_writer(user.role)
            if user.role.tenant is not None:
                clean[user.role.rol] = clean.get(user.role.rol) or user.role.tenant
                acties.require_visible(user.role, clean)
        con = self._connect()
        try:
            with _transaction(con):
                door, rol = (user.naam, str(user.role)) if user else ("cli", "cli")
                actie_id = stored.add_action(con, clean, door, rol)
        finally:
            con.close()
        if user is not None:
            self._log(user, f"actie vastleggen {actie_id}", "ok")
        return actie_id

    def actions_for(self, user: accounts.User | None) -> list[dict]:
        """The actions ``user`` may see, each with its history."""
        from regiekamer.analyses import acties
        from regiekamer.store import afspraken as stored

        con = self._connect()
        try:
            rows = stored.actions(con)
            changes = stored.action_history(con)
        finally:
            con.close()
        by_id: dict[int, list[dict]] = {}
        for c in changes:
            by_id.setdefault(c["actie_id"], []).append(c)
        return [
            r | {"wijzigingen": by_id.get(r["actie_id"], [])}
            for r in rows
            if user is None or acties.visible(user.role, r)
        ]

    def action_for(self, user: accounts.User | None, actie_id: int) -> dict:
        from regiekamer.analyses import afspraken as A

        found = [r for r in self.actions_for(user) if r["actie_id"] == actie_id]
        if not found:
            raise A.NotFound(f"Actie {actie_id} bestaat niet.")
        return found[0]

    def update_action(self, user: accounts.User | None, actie_id: int, values: dict) -> dict:
        """Change an action's status, owner or due date and/or add a note; every change is
        kept in its history. The municipality and the provider it is shared with may both."""
        from regiekamer.analyses import acties
        from regiekamer.store import afspraken as stored

        current = self.action_for(user, actie_id)
        if user is not None:
            acties.require_writer(user.role)
        changes, notitie = acties.check_update(current, values)
        con = self._connect()
        try:
            with _transaction(con):
                door, rol = (user.naam, str(user.role)) if user else ("cli", "cli")
                stored.update_action(con, actie_id, changes, notitie, door, rol)
        finally:
            con.close()
        if user is not None:
            self._log(user, f"actie wijzigen {actie_id}", "ok")
        return self.action_for(user, actie_id)

    def evaluation(
        self, user: accounts.User | None, period: str, aanbieder: str | None = None
    ) -> dict:
        """The evaluation of a quarter (or month, or year): per agreement its target against
        the realisation with the trend, then the signals of the period, then the actions and
        what became of them. ``aanbieder``: only what concerns that provider (the contract
        talk)."""
        from regiekamer.analyses import afspraken as A

        try:
            span = A.parse_period(period)
        except ValueError as exc:
            raise RegiekamerError(f"Periode: {exc}.") from exc

        def overlaps(label: str) -> bool:
            return span.holds(label) or A.parse_period(label).holds(span.label)

        def concerns(row: object) -> bool:
            return aanbieder is None or getattr(row, "aanbieder", None) == aanbieder

        items = [a for a in self.afspraken(user) if overlaps(a.periode) and concerns(a)]
        items = [a for a in items if not a.vervallen]
        signals = [
            s
            for s in self.signals_for(user, actief=False)
            if overlaps(s["periode"]) and (aanbieder is None or s["aanbieder"] == aanbieder)
        ]
        subjects = {("signaal", s["signaal_id"]) for s in signals}
        subjects |= {("afspraak", a.afspraak_id) for a in items}
        actions = [
            r
            for r in self.actions_for(user)
            if (
                (r["onderwerp_soort"], r["onderwerp"]) in subjects
                or span.begin <= r["aangemaakt_op"].date() <= span.end
            )
            and (aanbieder is None or r["aanbieder"] == aanbieder)
        ]
        return {
            "periode": span,
            "aanbieder": aanbieder,
            "afspraken": self.realisaties(user, items),
            "signalen": signals,
            "acties": actions,
        }

    # --- beheer: query limits, backup, restore, check, selftest (beheer/, docs/beheer.md) ------
    def _row_limit(self, user: accounts.User, wat: str, rows: Iterable[T]) -> list[T]:
        """At most ``query_max_rows`` of the rows of a scoped answer for ``user``; more raises
        RK-LIMIET-RIJEN (store/query_limits.py), and that refusal is logged as the access."""
        try:
            return query_limits.take(rows, self.settings.query_max_rows)
        except QueryLimitError as exc:
            self._log(user, wat, f"geweigerd: {exc.code}")
            raise

    def serve_operations(self) -> None:
        """Let `backup`, `check` and `selftest` of other processes reach this served store
        (beheer/channel.py: DuckDB lets no other process open it meanwhile)."""
        channel.open_channel(self.store, self._operation)

    def _operation(self, opdracht: str, args: dict) -> object:
        if opdracht == "backup":
            return self.backup(Path(args["out"]))
        if opdracht == "check":
            return [r.as_dict() for r in self.check(args.get("manifest"))]
        if opdracht == "selftest":
            return [r.as_dict() for r in self.selftest()]
        raise RegiekamerError(f"Onbekende beheeropdracht {opdracht!r}.")

    def _via_server(self, opdracht: str, **args: object) -> object | None:
        """The answer of a server that holds this store, or None: no server, do it here."""
        if is_served(self.store):
            return None  # this process is the server
        return channel.ask(self.store, opdracht, args)

    def _key(self) -> bytes | None:
        """The pseudonymisation key, or None when none is set up here."""
        try:
            return load_key(self.settings)
        except ConfigError:
            return None

    def backup(self, out: Path) -> dict:
        """A consistent backup of the store in folder ``out`` (beheer/backup.py), also while
        a server runs (then the server makes it); returns the manifest."""
        remote = self._via_server("backup", out=str(out.resolve()))
        if remote is not None:
            return remote  # type: ignore[return-value]
        con = connect(self.store, watch=False)  # a backup may take longer than a query
        con.execute("SET memory_limit = ?", [self.settings.kpi_memory_limit])
        try:
            key = self._key()
            return backup.snapshot(
                con, out, fingerprint=backup.key_fingerprint(key) if key else None
            )
        finally:
            con.close()

    def restore(self, source: Path, *, replace: bool = False) -> dict:
        """Build the store from the backup in ``source`` (verified against its manifest first);
        an existing store only with ``replace``, and never under a running server."""
        if channel.listening(self.store):
            raise StoreError(f"Een server heeft {self.store} open; stop die eerst.")
        return backup.restore(
            source, self.store, replace=replace, memory_limit=self.settings.kpi_memory_limit
        )

    def check(self, manifest: dict | None = None) -> list[Rule]:
        """Every rule of `regiekamer check` (beheer/check.py); with a backup's manifest also
        its row counts and checksums, and whether the key is the backup's."""
        remote = self._via_server("check", manifest=manifest)
        if remote is not None:
            return [Rule(**r) for r in remote]  # type: ignore[union-attr]
        key = self._key()
        con = connect(self.store, read_only=True, watch=False)
        con.execute("SET memory_limit = ?", [self.settings.kpi_memory_limit])
        try:
            rules = store_check.run(con, manifest, key)
        finally:
            con.close()
        if manifest is not None and manifest.get("sleutel_vingerafdruk"):
            mine = backup.key_fingerprint(key) if key else None
            name = "sleutel van de backup"
            if mine is None:
                rules.append(Rule(name, NOT_RUN, "geen sleutel ingesteld om te vergelijken"))
            else:
                same = mine == manifest["sleutel_vingerafdruk"]
                rules.append(
                    Rule.of(name, same, "dezelfde" if same else "een andere sleutel dan bij de "
                            "backup: nieuwe pseudoniemen passen niet bij de oude")
                )  # fmt: skip
        return rules

    def selftest(self) -> list[Rule]:
        """The deployment self-check (beheer/selftest.py), one rule per line."""
        remote = self._via_server("selftest")
        if remote is not None:
            return [Rule(**r) for r in remote]  # type: ignore[union-attr]
        con = connect(self.store, read_only=True, watch=False)
        try:
            return selftest.run(con, self.settings)
        finally:
            con.close()


def _window(
    year: int | None, start: dt.date | None, end: dt.date | None
) -> tuple[dt.date, dt.date, str]:
    """(start, end, period label) of a year or of start..end."""
    if year is not None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31), str(year)
    if start is None or end is None:
        raise RegiekamerError("Geef een jaar, of een begin- en einddatum.")
    if end < start:
        raise RegiekamerError("De einddatum ligt voor de begindatum.")
    return start, end, f"{start.isoformat()}..{end.isoformat()}"

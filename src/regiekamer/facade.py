"""The one door every face calls: a store with its settings, and what can be done with it.

Faces (CLI, later API and web) parse input, call a method here, and render the result. They
hold no logic of their own.
"""

from __future__ import annotations

import csv
import datetime as dt
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
from regiekamer.ingest import pipeline
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
    from regiekamer.analyses.prognose import backtest, model, summary
    from regiekamer.analyses.prognose.history import History
    from regiekamer.analyses.prognose.scenario import Scenario

FINDING_KEYS = FINDING_FIELDS
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
            try:
                with open_backend(self.settings, engine, tables) as backend:
                    todo_request = replace(request, kpis=tuple(todo))
                    fresh = kpi_engine.compute(backend, todo_request, on_kpi=on_kpi)
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

    # --- contracten en rechtmatigheid (analyses/rechtmatigheid.py, verantwoording.py) ---

    def rechtmatigheid(
        self, year: int, *, engine: str = "duckdb", door: str | None = None
    ) -> Verantwoording:
        """Every invoice line of ``year`` tested against allocations, zorgperioden and contracts
        (DOMAIN.md §5): totals that reconcile, per check/provider/municipality, the
        financiele_onzekerheid and the failed lines (clients only as pseudonyms). The failed
        lines are client-level data: with ``door`` (who asks) the access is logged."""
        with open_backend(self.settings, engine, lawfulness.SOURCES) as backend:
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

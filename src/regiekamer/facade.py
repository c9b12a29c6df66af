"""The one door every face calls: a store with its settings, and what can be done with it.

Faces (CLI, later API and web) parse input, call a method here, and render the result. They
hold no logic of their own.
"""

from __future__ import annotations

import csv
import datetime as dt
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

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
from regiekamer.errors import LoginError, RegiekamerError
from regiekamer.ingest import pipeline
from regiekamer.ingest.findings import CATALOGUE, FINDING_FIELDS
from regiekamer.ingest.load import Outcome
from regiekamer.privacy import access_log, accounts
from regiekamer.privacy.disclosure import suppress
from regiekamer.privacy.pseudonym import create_key_file, load_key
from regiekamer.privacy.scope import Scope
from regiekamer.settings import Settings
from regiekamer.standards.messages import DATA
from regiekamer.store import kpi_cache, schema
from regiekamer.store.connection import connect, share_one_instance

if TYPE_CHECKING:  # imported where used: statsmodels is slow to import for every command
    from regiekamer.analyses.prognose import backtest, model, summary
    from regiekamer.analyses.prognose.history import History
    from regiekamer.analyses.prognose.scenario import Scenario

FINDING_KEYS = FINDING_FIELDS
_LOG_LOCK = threading.Lock()  # the access log takes one writer at a time in this process


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
            with _transaction(con):
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
            with _transaction(con):
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
                with _LOG_LOCK:
                    access_log.record(con, naam, None, "inloggen", f"geweigerd: {exc}")
                raise
            with _LOG_LOCK, _transaction(con):
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
        share_one_instance(self.store)

    def kpi_for(self, user: accounts.User, **request: object) -> kpi_engine.Result:
        """KPI rows as ``user`` may see them: the own cells as they are, every other cell
        through disclosure control (DOMAIN.md §8); the access is logged (and refused when the
        log cannot be written)."""
        scope = Scope.of(user)
        result = self.kpi(**request)  # type: ignore[arg-type]
        if scope.column is not None:
            by = list(request.get("by") or ())  # type: ignore[call-overload]
            hidden = suppress(result.rows, by, self.settings.min_cell)
            result.rows = [
                row if scope.sees_unsuppressed(row) else safe
                for row, safe in zip(result.rows, hidden, strict=True)
            ]
        what = "kpi " + " ".join(f"{k}={v}" for k, v in sorted(request.items()) if v)
        self._log(user, what, f"{len(result.rows)} rijen")
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
        con = self._connect(read_only=True)
        try:
            rows = con.execute(sql + " ORDER BY bestand_id, volgnummer", params).fetchall()
        finally:
            con.close()
        self._log(user, f"bevindingen code={code or ''}", f"{len(rows)} rijen")
        return [dict(zip(FINDING_KEYS, r, strict=True)) for r in rows]

    def _log(self, user: accounts.User, wat: str, resultaat: str) -> None:
        # One writer at a time: two requests appending at once would both take the next number.
        with _LOG_LOCK:
            con = self._connect()
            try:
                access_log.record(con, user.naam, str(user.role), wat, resultaat)
            finally:
                con.close()

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
                with _LOG_LOCK:
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

    def contract(self, aanbieder: str, year: int) -> list[dict]:
        """Agreed against delivered for each contract of ``aanbieder`` in ``year`` (DOMAIN.md
        §6): targets with traffic light and trend, spend against ceiling, price per client
        against the region, taakgericht by lump sum and volumes. Realisations come from the KPI
        engine (``kpi``); analyses/contracten.py compares them."""
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
        by_prov = ["wet", "aanbieder"]
        per_cat = ["wet", "productcategorie"]
        price = [contracten.PRICE_KPI]
        items = contracten.view(
            aanbieder,
            year,
            contracts,
            titles={k.id: k.titel for k in KPI_CATALOGUE},
            yearly=self.kpi(year=year, by=by_prov, kpis=wanted).rows,
            quarterly=self.kpi(year=year, per="quarter", by=by_prov, kpis=wanted).rows,
            monthly_spend=self.kpi(
                year=year, per="month", by=["wet", "gemeente", "aanbieder"], kpis=["uitgaven"]
            ).rows,
            prices=self.kpi(year=year, by=by_prov, kpis=price).rows
            + self.kpi(year=year, by=[*per_cat, "aanbieder"], kpis=price).rows,
            regional_prices=self.kpi(year=year, by=["wet"], kpis=price).rows
            + self.kpi(year=year, by=per_cat, kpis=price).rows,
            through=through or dt.date(year, 1, 1),
        )
        for item in items:
            item |= {"aanbieder": aanbieder, "aanbieder_naam": naam or aanbieder, "jaar": year}
        return items


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

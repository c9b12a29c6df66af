"""The KPI catalogue as data: every indicator of DOMAIN.md §4, defined once.

Each entry says what it is (titles, unit, a plain-Dutch explanation), who needs it, which grains
it supports, which store tables it reads (for cache invalidation) and how to compute it: a builder
that turns a Context into an Ibis table of cells ``periode, <dims>, waarde, n``. ``n`` is the
number of distinct clients a cell rests on (for disclosure control). Distribution KPIs are
declared once and appear as ``<id>_mediaan`` and ``<id>_p90``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from regiekamer.analyses import periods as P
from regiekamer.analyses import trajectories as T
from regiekamer.analyses.kpi.context import DIMS, OPEN_END, Context
from regiekamer.analyses.periods import PER, PER_NL

Builder = Callable[[Context], ir.Table]
# Observations of a distribution: rows, their cell keys, the value, optionally extra measures.
Observations = Callable[[Context], tuple]

GEMEENTE, AANBIEDER, ACCOUNTANT = "gemeente", "aanbieder", "accountant"

# Reasons for a definitive end (iJw / iWmo RedenBeeindiging), DOMAIN.md §4.
PLANNED = {"jeugd": ("31",), "wmo": ("19",)}
DROPOUT = {"jeugd": ("32", "33"), "wmo": ("21", "22")}
ENDED_PLANNED_OR_EARLY = {"jeugd": ("31", "32", "33", "34", "35"), "wmo": ("19", "21", "22", "23")}
RESIDENTIAL = ("43", "44", "35", "36", "37", "38")

_ZP = ("levering", "toewijzing", "verzoek", "client")
_ALLOC = ("toewijzing", "verzoek", "client")
_SPEND = ("prestatie", "toewijzing", "verzoek", "client")


@dataclass(frozen=True)
class KPI:
    id: str
    titel: str
    title: str
    eenheid: str
    uitleg: str
    voor: tuple[str, ...]
    bronnen: tuple[str, ...]
    build: Builder
    dims: tuple[str, ...] = DIMS
    per: tuple[str, ...] = PER
    adds: tuple[str, ...] = ()

    def unsupported(self, by: Sequence[str], per: str) -> str | None:
        """Why this KPI cannot be computed at this grain (None when it can)."""
        if per not in self.per:
            return "alleen per " + ", ".join(PER_NL[p] for p in self.per)
        bad = [d for d in by if d not in self.dims]
        return f"niet uit te splitsen naar {', '.join(bad)}" if bad else None


# -- cell aggregations ------------------------------------------------------------------------
def _cells(t: ir.Table, keys: list[str], waarde: ir.NumericValue) -> ir.Table:
    return t.group_by(keys).aggregate(waarde=waarde.cast("float64"), n=t.client_id.nunique())


def _client_share(t: ir.Table, keys: list[str], hit: ir.BooleanValue) -> ir.Table:
    """The share of a cell's distinct clients for whom ``hit`` holds. Each distinct count is
    spelled once: DuckDB computes a repeated COUNT(DISTINCT) again."""
    c = t.group_by(keys).aggregate(_hit=t.client_id.nunique(where=hit), n=t.client_id.nunique())
    return c.select(*keys, waarde=_share(c._hit, c.n), n=c.n)


def _share(part: ir.NumericValue, whole: ir.NumericValue, scale: int = 100) -> ir.FloatingValue:
    """``scale`` × part / whole in double precision. Integer literals on purpose: Spark reads a
    literal like 100.0 as a DECIMAL and would round the result to a few decimals."""
    return part.cast("float64") * scale / whole.cast("float64")


def _pct(t: ir.Table, keys: list[str], hit: ir.BooleanValue) -> ir.Table:
    return _cells(t, keys, _share(ibis.ifelse(hit, 1, 0).sum(), t.count()))


def _count(ctx: Context, t: ir.Table, date: str) -> ir.Table:
    t, keys = ctx.grain(ctx.at(t, date))
    return _cells(t, keys, t.count())


# -- trajectories -----------------------------------------------------------------------------
def _clienten(ctx: Context) -> ir.Table:
    c = ctx.active_clients(ctx.zorgperioden, "begin", "eind")
    return c.select(*ctx.keys(), waarde=c.n.cast("float64"), n=c.n)


def _gestart(ctx: Context) -> ir.Table:
    return _count(ctx, ctx.zorgperioden, "begin")


def _ended(ctx: Context) -> ir.Table:
    zp = ctx.zorgperioden
    return ctx.shared("beeindigd", lambda: ctx.at(zp.filter(zp.definitief), "eind"))


def _beeindigd(ctx: Context) -> ir.Table:
    t, keys = ctx.grain(_ended(ctx))
    return _cells(t, keys, t.count())


def _reason_in(t: ir.Table, codes: dict[str, tuple[str, ...]]) -> ir.BooleanValue:
    return ibis.or_(*((t.wet == wet) & t.reden.isin(c) for wet, c in codes.items()))


def _ending_share(codes: dict[str, tuple[str, ...]]) -> Builder:
    def build(ctx: Context) -> ir.Table:
        t = _ended(ctx)
        t, keys = ctx.grain(t.filter(_reason_in(t, ENDED_PLANNED_OR_EARLY)))
        return _pct(t, keys, _reason_in(t, codes))

    return build


def _trajectduur(ctx: Context) -> tuple[ir.Table, list[str], ir.NumericValue]:
    t, keys = ctx.grain(_ended(ctx))
    return t, keys, t.eind.delta(t.begin, unit="day")


def _herhaald_beroep(ctx: Context) -> ir.Table:
    ended = _ended(ctx)
    ended = ended.filter(_reason_in(ended, PLANNED))
    zp = ctx.zorgperioden.select("wet", "client_id", nieuw_begin="begin")
    later = ended.select("wet", "client_id", "eind").distinct()
    hit = later.join(
        zp,
        [
            later.wet == zp.wet,
            later.client_id == zp.client_id,
            zp.nieuw_begin > later.eind,
            zp.nieuw_begin <= later.eind + ibis.interval(months=12),
        ],
    )
    again = hit.select("wet", "client_id", "eind").distinct().mutate(_terug=ibis.literal(True))
    keys3 = ("wet", "client_id", "eind")
    t = ended.left_join(again, [ended[k] == again[k] for k in keys3]).select(
        *ended.columns, "_terug"
    )
    horizon = ctx.levering_horizon
    t = ctx.with_bounds(t)
    t = t.mutate(
        voorlopig=ibis.literal(True)
        if horizon is None
        else (t.p_eind + ibis.interval(months=12)) > ibis.literal(horizon)
    )
    t, keys = ctx.grain(t)
    return _client_share(t, [*keys, "voorlopig"], t._terug.fill_null(False))


def _verblijf(ctx: Context) -> ir.Table:
    zp = ctx.zorgperioden
    t = ctx.overlapping(zp.filter(zp.wet == "jeugd"), "begin", "eind")
    t, keys = ctx.grain(t)
    residential = t.productcategorie.isin(RESIDENTIAL)
    return _client_share(t, keys, residential)


def _population(ctx: Context) -> ir.Table:
    """Inhabitants per (gemeente, wet, jaar): jeugd counts those aged 0–17."""
    p = ctx.table("populatie")
    youth = p.select("gemeentecode", "jaar", wet=ibis.literal("jeugd"), inwoners=p.inwoners_0_17)
    all_ = p.select("gemeentecode", "jaar", wet=ibis.literal("wmo"), inwoners=p.inwoners_totaal)
    return youth.union(all_)


def _per_1000(ctx: Context) -> ir.Table:
    t, keys = ctx.grain(ctx.overlapping(ctx.zorgperioden, "begin", "eind"), extra=("wet",))
    clients = t.group_by([*keys, "p_begin"]).aggregate(c=t.client_id.nunique())
    # The population of the municipalities that have data, in the year the period starts.
    present = ctx.zorgperioden.select("gemeente", "wet").distinct()
    pop = _population(ctx)
    pop = pop.join(present, [pop.gemeentecode == present.gemeente, pop.wet == present.wet])
    pkeys = [k for k in keys if k != "periode"]
    years = clients.select("periode", "p_begin").distinct()
    pop = pop.join(years, pop.jaar == years.p_begin.year())
    pop = pop.group_by(["periode", *pkeys]).aggregate(inwoners=pop.inwoners.sum())
    j = clients.join(pop, [clients[k] == pop[k] for k in keys])
    return j.select(*keys, waarde=_share(j.c, j.inwoners, 1000), n=j.c)


# -- allocations and waiting ------------------------------------------------------------------
def _toewijzingen(ctx: Context) -> ir.Table:
    return _count(ctx, ctx.allocations, "toewijzingsdatum")


def _answered(ctx: Context) -> ir.Table:
    a = ctx.allocations
    return ctx.at(a.filter(a.aanvraagdatum.notnull()), "toewijzingsdatum")


def _doorlooptijd(ctx: Context) -> tuple[ir.Table, list[str], ir.NumericValue]:
    t, keys = ctx.grain(_answered(ctx))
    return t, keys, t.toewijzingsdatum.delta(t.aanvraagdatum, unit="day")


def _binnen_5_werkdagen(ctx: Context) -> ir.Table:
    t = ctx.working_days(_answered(ctx), "aanvraagdatum", "toewijzingsdatum", "werkdagen")
    t, keys = ctx.grain(t)
    return _pct(t, keys, t.werkdagen <= 5)


def _wachttijd(ctx: Context) -> tuple[ir.Table, list[str], ir.NumericValue, dict]:
    """Waits of the zorgperioden that began in the period; the share within the norm rides
    along in the same aggregate (wachttijd_binnen_norm_pct reads it from there)."""
    zp = T.with_wait_start(ctx.zorgperioden, ctx.allocations)
    t, keys = ctx.grain(ctx.at(zp.filter(zp.wacht_vanaf.notnull()), "begin"))
    wait = t.begin.delta(t.wacht_vanaf, unit="day")
    within = ibis.ifelse(wait <= ctx.norm(t.productcategorie), 1, 0)
    return t, keys, wait, {"binnen": _share(within.sum(), t.count())}


def _binnen_norm(ctx: Context) -> ir.Table:
    c = _summary(ctx, _wachttijd)
    return c.select(*ctx.keys(), waarde=c.binnen, n=c.n)


def _waiting(ctx: Context) -> tuple[ir.Table, list[str], ir.NumericValue]:
    """Who waits at the end of each period (allocated but not started, or requested and not
    yet allocated) and how long they have waited by then; wachtenden reads its count of
    clients from the same aggregate."""
    t, keys = ctx.grain(_waiting_items(ctx))
    return t, keys, t.p_eind.delta(t.wacht_vanaf, unit="day")


def _waiting_items(ctx: Context) -> ir.Table:
    a = ctx.allocations
    # Only allocations made by the end of the window and still valid at its start can wait in it.
    a = a.filter(a.toewijzingsdatum <= ctx.end, a.einddatum.fill_null(OPEN_END) >= ctx.start)
    zp = ctx.zorgperioden
    first = zp.group_by("wet", "gemeente", "toewijzing_nummer").aggregate(eerste=zp.begin.min())
    k = ("wet", "gemeente", "toewijzing_nummer")
    a = a.left_join(first, [a[c] == first[c] for c in k]).select(*a.columns, "eerste")
    # Waiting from the allocation until the day before care starts, while it is valid.
    day_before = (a.eerste - ibis.interval(days=1)).cast("date")
    until = ibis.least(a.einddatum.fill_null(OPEN_END), day_before.fill_null(OPEN_END))
    a = ctx.period_ends_within(a.mutate(_tot=until), "toewijzingsdatum", "_tot")
    cols = ["periode", "p_begin", "p_eind", "wet", "gemeente", "aanbieder", "client_id"]
    cols += ["productcategorie", "verwijzer", "wacht_vanaf"]
    allocated = a.select(*cols)

    r = ctx.requests
    r = r.filter(r.aanvraagdatum <= ctx.end)
    t = ctx.table("toewijzing")
    t = t.filter(t.referentie_aanbieder.notnull())  # only these answer a request
    rk = ("wet", "gemeente", "aanbieder", "client_id", "referentie_aanbieder")
    done = t.group_by(*rk).aggregate(toegewezen=t.toewijzingsdatum.min())
    r = r.left_join(done, [r[c] == done[c] for c in rk]).select(*r.columns, "toegewezen")
    until = (r.toegewezen - ibis.interval(days=1)).cast("date").fill_null(OPEN_END)
    r = ctx.period_ends_within(r.mutate(_tot=until), "aanvraagdatum", "_tot")
    r = r.mutate(wacht_vanaf=r.aanvraagdatum)
    return allocated.union(r.select(*cols))


def _wachtenden(ctx: Context) -> ir.Table:
    c = _summary(ctx, _waiting)
    return c.select(*ctx.keys(), waarde=c.n.cast("float64"), n=c.n)


def _tijdige_berichten(ctx: Context) -> ir.Table:
    lev = ctx.table("levering")
    lev = lev.mutate(gebeurtenis=ibis.ifelse(lev.soort == "start", lev.begindatum, lev.einddatum))
    t = ctx.working_days(ctx.at(lev, "gebeurtenis"), "gebeurtenis", "dagtekening", "werkdagen")
    t, keys = ctx.grain(t)
    return _pct(t, keys, t.werkdagen <= 5)


# -- money ------------------------------------------------------------------------------------
def _prestaties(ctx: Context) -> ir.Table:
    p = ctx.table("prestatie")
    return p.mutate(cent=T.signed_cents(p))


def _spend_cells(ctx: Context) -> ir.Table:
    """Spend per cell (cent, n): one pass over the invoice lines for the spend KPIs."""

    def cells() -> ir.Table:
        t = ctx.at(_prestaties(ctx), "begindatum")
        t, keys = ctx.grain(t)
        return t.group_by(keys).aggregate(cent=t.cent.sum(), n=t.client_id.nunique())

    return ctx.shared("uitgaven", cells)


def _spend(waarde: Callable[[ir.Table], ir.NumericValue]) -> Builder:
    def build(ctx: Context) -> ir.Table:
        c = _spend_cells(ctx)
        return c.select(*ctx.keys(), waarde=waarde(c).cast("float64"), n=c.n)

    return build


def _toegekend(ctx: Context) -> ir.Table:
    """Spend less what the JW325 answers rejected. The rejected amount is read from the JW325
    lines themselves (they repeat the invoice line): a pass over the answers, not a second
    pass over all invoice lines."""
    a = ctx.table("declaratie_antwoord")
    cols = ["wet", "gemeente", "aanbieder", "referentie_nummer", "client_id", "productcategorie"]
    a = a.filter(T.rejects(a)).select(
        *cols, "toewijzing_nummer", "begindatum", cent=T.signed_cents(a)
    )
    lost, keys = ctx.grain(ctx.at(a.distinct(), "begindatum"))  # a line answered twice counts once
    lost = lost.group_by(keys).aggregate(afgewezen_cent=lost.cent.sum())
    c = _spend_cells(ctx)
    # Null-safe: a cell may have an empty dimension (no referrer, no birth month).
    on = [c[x].identical_to(lost[x]) for x in keys]
    j = c.left_join(lost, on).select(*c.columns, "afgewezen_cent")
    accepted = (j.cent - j.afgewezen_cent.fill_null(0)) / 100
    return j.select(*keys, waarde=accepted.cast("float64"), n=j.n)


def _afgewezen_pct(ctx: Context) -> ir.Table:
    a = ctx.table("declaratie_antwoord")
    a = a.mutate(cent=T.signed_cents(a), afgewezen=T.rejects(a))
    t, keys = ctx.grain(ctx.at(a, "begindatum"))
    total = t.cent.sum()
    rejected = t.cent.sum(where=t.afgewezen).fill_null(0)
    return _cells(t, keys, ibis.ifelse(total == 0, ibis.null("float64"), _share(rejected, total)))


def _budgetuitputting(ctx: Context) -> ir.Table:
    spend, keys = _spend_cells(ctx), ctx.keys()
    b = ctx.table("budget").rename(gemeente="gemeentecode")
    bkeys = [k for k in keys if k != "periode"]
    b = b.group_by(["jaar", *bkeys]).aggregate(budget=b.budget_cent.sum())
    year = P.key_year(spend.periode, ctx.per)
    j = spend.join(b, [year == b.jaar, *(spend[k] == b[k] for k in bkeys)])
    return j.select(*keys, waarde=_share(j.cent, j.budget), n=j.n)


def _prognose(ctx: Context) -> ir.Table:
    """Spend declared up to the peilmaand plus what the forecast model expects for each later
    month of the period (``ctx.remainder``: computed once by analyses/prognose, joined in as a
    reference table so every backend adds the same figures).

    ``n``: the clients with a declared prestatie in the period up to the peilmaand and, in a
    period the forecast reaches, those with one in the 12 months up to the peilmaand: the
    forecast's cost level rests on them.
    """
    r = ctx.remainder
    p = _prestaties(ctx)
    if r.cut is None:  # nothing to forecast from: the declared spend is all there is
        t, keys = ctx.grain(ctx.at(p, "begindatum"))
        return _cells(t, keys, t.cent.sum() / 100)
    cols = ["periode", "wet", "gemeente", "productcategorie", "client_id"]
    declared = ctx.at(p.filter(p.begindatum <= r.cut), "begindatum")
    declared = declared.select(*cols, cent=declared.cent.cast("float64"))
    month = r.cut.year * 12 + r.cut.month - 1 - 11
    since = dt.date(month // 12, month % 12 + 1, 1)
    recent = p.filter(p.begindatum >= since, p.begindatum <= r.cut)
    ahead = ctx.periods.filter(ctx.periods.p_eind > r.cut).select("periode")
    recent = recent.cross_join(ahead)
    recent = recent.select(*cols, cent=ibis.literal(0, "float64"))
    schema = declared.schema()
    t = declared.union(recent.cast(schema))
    if r.rest.num_rows:  # none when the window ends before the peilmaand
        rest = ctx.at(ibis.memtable(r.rest), "maand")
        rest = rest.select(*cols[:-1], client_id=ibis.null("string"), cent=rest.cent)
        t = t.union(rest.cast(schema))
    t, keys = ctx.grain(t)
    return _cells(t, keys, t.cent.sum() / 100)


def _verwijzer_aandeel(ctx: Context) -> ir.Table:
    t, keys = ctx.grain(ctx.at(ctx.allocations, "toewijzingsdatum"), extra=("verwijzer",))
    cells = t.group_by(keys).aggregate(c=t.count(), n=t.client_id.nunique())
    outer = [k for k in keys if k != "verwijzer"]
    totals = cells.group_by(outer).aggregate(totaal=cells.c.sum())
    j = cells.join(totals, [cells[k].identical_to(totals[k]) for k in outer])
    return j.select(*keys, waarde=_share(j.c, j.totaal), n=j.n)


# -- distributions ----------------------------------------------------------------------------
def _summary(ctx: Context, obs: Observations) -> ir.Table:
    """Cells of a distribution: median, p90, n and the extra measures the observations bring,
    in one aggregate shared by every KPI that reads them."""

    def cells() -> ir.Table:
        t, keys, value, *extra = obs(ctx)
        return t.group_by(keys).aggregate(
            q50=value.quantile(0.5).cast("float64"),
            q90=value.quantile(0.9).cast("float64"),
            n=t.client_id.nunique(),
            **(extra[0] if extra else {}),
        )

    return ctx.shared(obs.__name__, cells)


def _quantile(obs: Observations, q: float) -> Builder:
    """One quantile of a distribution."""

    def build(ctx: Context) -> ir.Table:
        cells = _summary(ctx, obs)
        return cells.select(*ctx.keys(), waarde=cells[f"q{round(q * 100)}"], n=cells.n)

    return build


def _distribution(base: str, titel: str, title: str, uitleg: str, obs: Observations, **kw) -> list:
    return [
        KPI(f"{base}_mediaan", f"{titel} (mediaan)", f"{title} (median)", "dagen",
            f"{uitleg} De mediaan: de helft wacht of duurt korter, de helft langer.",
            build=_quantile(obs, 0.5), **kw),
        KPI(f"{base}_p90", f"{titel} (90e percentiel)", f"{title} (90th percentile)", "dagen",
            f"{uitleg} Het 90e percentiel: 9 op de 10 korter, 1 op de 10 langer.",
            build=_quantile(obs, 0.9), **kw),
    ]  # fmt: skip


# -- Participatiewet (DOMAIN.md §10) ---------------------------------------------------------
_BIJSTAND = ("uitkering", "client")
# Why a benefit ended that counts as outflow to work (ingest/layouts.REDEN_EINDE_UITKERING).
NAAR_WERK = ("werk",)


def _bijstand_per_1000(ctx: Context) -> ir.Table:
    """Distinct clients with a benefit in the period per 1,000 inhabitants of the
    municipalities that pay benefits, in the year the period starts."""
    u = ctx.table("uitkering")
    # Distinct clients per period from spans of benefits (a running sum, see active_clients):
    # no (benefit, period) pair is listed.
    keys = ctx.keys()
    clients = ctx.with_bounds(ctx.active_clients(u, "begindatum", "einddatum"))
    clients = clients.select(*keys, "p_begin", c=clients.n)
    present = u.select("gemeente").distinct()
    pop = ctx.table("populatie")
    pop = pop.join(present, pop.gemeentecode == present.gemeente)
    years = clients.select("periode", "p_begin").distinct()
    pop = pop.join(years, pop.jaar == years.p_begin.year())
    pkeys = [k for k in keys if k != "periode"]
    pop = pop.group_by(["periode", *pkeys]).aggregate(inwoners=pop.inwoners_totaal.sum())
    j = clients.join(pop, [clients[k] == pop[k] for k in keys])
    return j.select(*keys, waarde=_share(j.c, j.inwoners, 1000), n=j.c)


def _instroom(ctx: Context) -> ir.Table:
    return _count(ctx, ctx.table("uitkering"), "begindatum")


def _uitstroom(ctx: Context) -> ir.Table:
    return _count(ctx, ctx.table("uitkering"), "einddatum")


def _uitstroom_naar_werk(ctx: Context) -> ir.Table:
    t, keys = ctx.grain(ctx.at(ctx.table("uitkering"), "einddatum"))
    return _pct(t, keys, t.reden_beeindiging.isin(NAAR_WERK))


_WHO_ALL = (GEMEENTE, AANBIEDER, ACCOUNTANT)
_REGION = ("wet", "gemeente")
_FORECAST = ("wet", "gemeente", "productcategorie")  # the forecast model's cells

CATALOGUE: tuple[KPI, ...] = (
    KPI("clienten", "Cliënten in zorg", "Clients in care", "aantal",
        "Hoeveel verschillende inwoners in deze periode zorg kregen (een zorgperiode liep).",
        (GEMEENTE, AANBIEDER), _ZP, _clienten),
    KPI("gestarte_trajecten", "Gestarte trajecten", "Started trajectories", "aantal",
        "Hoeveel zorgtrajecten in deze periode begonnen.",
        (GEMEENTE, AANBIEDER), _ZP, _gestart),
    KPI("beeindigde_trajecten", "Beëindigde trajecten", "Ended trajectories", "aantal",
        "Hoeveel zorgtrajecten in deze periode definitief stopten (een tijdelijke stop telt niet).",
        (GEMEENTE, AANBIEDER), _ZP, _beeindigd),
    KPI("toewijzingen", "Toewijzingen", "Allocations", "aantal",
        "Hoeveel keer de gemeente in deze periode zorg toewees.",
        (GEMEENTE, AANBIEDER), _ALLOC, _toewijzingen),
    KPI("uitgaven", "Uitgaven", "Spend", "euro",
        "Wat aanbieders voor zorg in deze periode declareerden, min creditnota's.",
        _WHO_ALL, _SPEND, _spend(lambda c: c.cent / 100)),
    KPI("uitgaven_toegekend", "Uitgaven na afwijzing", "Spend accepted", "euro",
        "De uitgaven zonder de declaratieregels die de gemeente heeft afgewezen.",
        _WHO_ALL, (*_SPEND, "declaratie_antwoord"), _toegekend),
    KPI("uitgaven_per_client", "Uitgaven per cliënt", "Spend per client", "euro per cliënt",
        "De uitgaven gedeeld door het aantal cliënten voor wie in deze periode is gedeclareerd.",
        _WHO_ALL, _SPEND, _spend(lambda c: c.cent / 100 / c.n)),
    KPI("budgetuitputting_pct", "Budgetuitputting", "Budget used", "%",
        "Welk deel van het jaarbudget van de gemeente al is uitgegeven.",
        (GEMEENTE, ACCOUNTANT), (*_SPEND, "budget"), _budgetuitputting,
        dims=_REGION, per=("year",)),
    KPI("prognose_jaar", "Prognose jaaruitgaven", "Year-end forecast", "euro",
        "Wat het hele jaar naar verwachting kost: wat tot en met de peilmaand (de laatste hele "
        "declaratiemaand) is gedeclareerd, plus wat het prognosemodel voor de maanden daarna "
        "verwacht uit de instroom per 1.000 inwoners, de duur van trajecten en de kosten per "
        "cliëntmaand (zie regiekamer prognose). Per wet, gemeente en productcategorie.",
        (GEMEENTE, ACCOUNTANT), (*_SPEND, "levering", "populatie"), _prognose,
        dims=_FORECAST, per=("year",)),
    *_distribution(
        "doorlooptijd_verzoek_toewijzing_dagen", "Doorlooptijd verzoek tot toewijzing",
        "Request to allocation time",
        "Hoeveel dagen er liggen tussen het verzoek van de aanbieder en de toewijzing.",
        _doorlooptijd, voor=(GEMEENTE, AANBIEDER), bronnen=_ALLOC),
    KPI("verzoek_binnen_5_werkdagen_pct", "Verzoeken binnen 5 werkdagen beantwoord",
        "Requests answered within 5 working days", "%",
        "Welk deel van de verzoeken om toewijzing de gemeente binnen 5 werkdagen beantwoordde "
        "(de afspraak uit de iStandaarden, OP274).",
        (GEMEENTE, AANBIEDER), _ALLOC, _binnen_5_werkdagen),
    *_distribution(
        "wachttijd_dagen", "Wachttijd", "Waiting time",
        "Hoeveel dagen een inwoner wachtte van aanvraag (of toewijzing) tot de start van de zorg.",
        _wachttijd, voor=(GEMEENTE, AANBIEDER), bronnen=_ZP),
    KPI("wachttijd_binnen_norm_pct", "Binnen de wachttijdnorm", "Within the waiting-time norm",
        "%", "Welk deel van de gestarte cliënten binnen de norm begon (Treeknorm: 14 weken).",
        (GEMEENTE, AANBIEDER), _ZP, _binnen_norm),
    KPI("wachtenden", "Wachtenden", "Waiting list", "aantal",
        "Hoeveel inwoners aan het eind van de periode op zorg wachten: toegewezen maar nog niet "
        "gestart, of aangevraagd en nog niet toegewezen.",
        (GEMEENTE, AANBIEDER), _ZP, _wachtenden),
    *_distribution(
        "wachttijd_lopend_dagen", "Lopende wachttijd", "Current waiting time",
        "Hoe lang wie nog wacht aan het eind van de periode al wacht.",
        _waiting, voor=(GEMEENTE, AANBIEDER), bronnen=_ZP),
    *_distribution(
        "trajectduur_dagen", "Trajectduur", "Trajectory duration",
        "Hoeveel dagen een afgesloten zorgtraject duurde, van eerste start tot definitief einde.",
        _trajectduur, voor=(GEMEENTE, AANBIEDER), bronnen=_ZP),
    KPI("beeindigd_volgens_plan_pct", "Beëindigd volgens plan", "Ended as planned", "%",
        "Welk deel van de afgesloten trajecten stopte omdat de doelen bereikt waren.",
        (GEMEENTE, AANBIEDER), _ZP, _ending_share(PLANNED)),
    KPI("uitval_pct", "Uitval", "Dropout", "%",
        "Welk deel van de afgesloten trajecten voortijdig stopte op initiatief van één partij.",
        (GEMEENTE, AANBIEDER), _ZP, _ending_share(DROPOUT)),
    KPI("herhaald_beroep_pct", "Herhaald beroep", "Repeat use", "%",
        "Welk deel van de cliënten die volgens plan stopten binnen 12 maanden opnieuw zorg nodig "
        "had. Voorlopig zolang die 12 maanden nog niet voorbij zijn.",
        (GEMEENTE, AANBIEDER), _ZP, _herhaald_beroep),
    KPI("verwijzer_aandeel_pct", "Aandeel per verwijzer", "Share per referrer", "%",
        "Welk deel van de nieuwe toewijzingen via welke verwijzer kwam (gemeente, huisarts, "
        "jeugdarts, gecertificeerde instelling, medisch specialist, rechter).",
        (GEMEENTE,), _ALLOC, _verwijzer_aandeel, adds=("verwijzer",)),
    KPI("verblijf_aandeel_pct", "Aandeel met verblijf", "Share with residential care", "%",
        "Welk deel van de jeugdigen in zorg een vorm van verblijf (uit huis) had.",
        (GEMEENTE, AANBIEDER), _ZP, _verblijf,
        dims=tuple(d for d in DIMS if d != "productcategorie")),
    KPI("clienten_per_1000", "Cliënten per 1.000 inwoners", "Clients per 1,000 inhabitants",
        "per 1.000 inwoners",
        "Hoeveel inwoners per 1.000 zorg kregen (jeugd: per 1.000 jongeren tot 18 jaar).",
        (GEMEENTE,), (*_ZP, "populatie"), _per_1000, dims=_REGION, adds=("wet",)),
    KPI("tijdige_berichten_pct", "Tijdige start- en stopberichten", "Timely start/stop messages",
        "%", "Welk deel van de start- en stopberichten de aanbieder binnen 5 werkdagen stuurde.",
        (GEMEENTE, AANBIEDER), ("levering", "toewijzing", "verzoek", "client"),
        _tijdige_berichten),
    KPI("declaraties_afgewezen_pct", "Afgewezen declaraties", "Rejected invoices", "%",
        "Welk deel van het gedeclareerde bedrag de gemeente afwees (retourbericht JW325).",
        _WHO_ALL, ("declaratie_antwoord", "toewijzing", "verzoek", "client"), _afgewezen_pct),
    KPI("bijstand_per_1000", "Bijstand per 1.000 inwoners", "Social assistance per 1,000",
        "per 1.000 inwoners",
        "Hoeveel inwoners per 1.000 in deze periode een bijstandsuitkering hadden.",
        (GEMEENTE,), (*_BIJSTAND, "populatie"), _bijstand_per_1000, dims=("gemeente",)),
    KPI("instroom", "Instroom in de bijstand", "Inflow into social assistance", "aantal",
        "Hoeveel bijstandsuitkeringen in deze periode begonnen.",
        (GEMEENTE,), _BIJSTAND, _instroom, dims=("gemeente",)),
    KPI("uitstroom", "Uitstroom uit de bijstand", "Outflow from social assistance", "aantal",
        "Hoeveel bijstandsuitkeringen in deze periode eindigden, om welke reden ook.",
        (GEMEENTE,), _BIJSTAND, _uitstroom, dims=("gemeente",)),
    KPI("uitstroom_naar_werk_pct", "Uitstroom naar werk", "Outflow to work", "%",
        "Welk deel van de beëindigde bijstandsuitkeringen eindigde omdat de inwoner aan het werk "
        "ging.",
        (GEMEENTE,), _BIJSTAND, _uitstroom_naar_werk, dims=("gemeente",)),
)  # fmt: skip

BY_ID = {k.id: k for k in CATALOGUE}

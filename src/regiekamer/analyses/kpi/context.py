"""What one KPI computation shares: the store tables, the periods, the grain, and helpers that
put facts into periods and cells. KPI definitions (definitions.py) only say *what* to count.

The derived facts (first requests, allocations, zorgperioden) and intermediate results that
several KPIs read are built once per request and kept as temporary tables (``shared``): on
DuckDB, when the request asks for more than one KPI. The engine drops them between families of
KPIs that read different facts, so memory holds one family's at a time.

While cells are computed they carry the integer period key in ``periode`` (``P.period_key``):
grouping on it is cheaper than on text, and facts find their period without a join. The
engine puts the labels on at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from regiekamer.analyses import periods as P
from regiekamer.analyses import trajectories as T
from regiekamer.errors import RegiekamerError

OPEN_END = ibis.date(9999, 12, 31)  # an open end; keeps overlap tests pure inequalities

DIMS = ("wet", "gemeente", "aanbieder", "productcategorie", "verwijzer", "leeftijdsgroep")

# Age groups at the start of the period (DOMAIN.md §4): (wet, lowest age, highest age, label).
AGE_GROUPS = (
    ("jeugd", 0, 3, "0-3"),
    ("jeugd", 4, 11, "4-11"),
    ("jeugd", 12, 17, "12-17"),
    ("jeugd", 18, 22, "18-22"),
    ("wmo", 18, 64, "18-64"),
    ("wmo", 65, 74, "65-74"),
    ("wmo", 75, 200, "75+"),
)


@dataclass(frozen=True)
class Remainder:
    """The forecast part of ``prognose_jaar``: what the forecast model (analyses/prognose)
    expects per cell and month after the peilmaand. It is computed outside the backend, once
    per store version (numpy and statsmodels, which Spark does not run), and joined in as a
    reference table, so that every backend adds the same figures to its own declared spend.
    """

    cut: dt.date | None  # last day of the peilmaand; None: the store holds no forecast yet
    rest: pa.Table  # wet, gemeente, productcategorie, maand (first day), cent (float64)


class Context:
    """One request: a backend, a window [start, end] split into periods, and the grain."""

    def __init__(
        self,
        con: ibis.BaseBackend,
        *,
        start: dt.date,
        end: dt.date,
        per: str,
        by: Sequence[str],
        norm_days: int = 98,
        norm_per_category: dict[str, int] | None = None,
        wanted: Sequence[str] = (),
        cache: bool = True,
        remainder: Remainder | None = None,
    ) -> None:
        self.con = con
        self.start, self.end, self.per = start, end, per
        self.by = list(by)
        self.period_list = P.periods(start, end, per)
        self.norm_days = norm_days
        self.norm_per_category = norm_per_category or {}
        self._shared: dict[str, ir.Table] = {}
        self.wanted = set(wanted)  # the KPIs of this request: what is worth sharing
        self._cache = cache
        self._share = cache and len(self.wanted) > 1
        self._remainder = remainder

    @property
    def remainder(self) -> Remainder:
        """The forecast's remainder for ``prognose_jaar`` (the facade supplies it)."""
        if self._remainder is None:
            raise RegiekamerError("prognose_jaar vraagt de restprognose van het model.")
        return self._remainder

    # -- store tables and derived facts -------------------------------------------------------
    def table(self, name: str) -> ir.Table:
        return self.con.table(name)

    @property
    def allocations(self) -> ir.Table:
        return self.shared(
            "toewijzingen", lambda: T.allocations(self.table("toewijzing"), self.requests)
        )

    @property
    def requests(self) -> ir.Table:
        return self.shared("verzoeken", lambda: T.first_requests(self.table("verzoek")))

    @property
    def zorgperioden(self) -> ir.Table:
        # Kept even for one KPI: some read them twice (herhaald beroep: the ended ones and the
        # later starts), and one query over both would build them twice and hold both at once.
        build = lambda: T.zorgperioden(self.table("levering"))  # noqa: E731
        return self.shared("zorgperioden", build, always=True)

    def shared(self, name: str, build: Callable[[], ir.Table], always: bool = False) -> ir.Table:
        """An intermediate result several KPIs read, built and cached once per request (not
        cached when the request asks for one KPI, unless ``always``: writing it would only
        cost time)."""
        if not (self._share or (always and self._cache)):
            return build()
        if name not in self._shared:
            self._shared[name] = build().cache()
        return self._shared[name]

    def release(self) -> None:
        """Drop the shared intermediate results (temp tables / cached DataFrames) to free
        memory before KPIs that read other tables."""
        for cached in self._shared.values():
            cached.release()
        self._shared.clear()

    @cached_property
    def periods(self) -> ir.Table:
        return P.period_table(self.period_list)

    @cached_property
    def calendar(self) -> ir.Table:
        return P.calendar_table()

    def scalar(self, expr: ir.Scalar) -> object:
        return self.con.execute(expr)

    # -- placing facts in periods -------------------------------------------------------------
    def at(self, t: ir.Table, date: str) -> ir.Table:
        """Facts in the period that holds their ``date`` (rows outside the window drop out),
        keyed by ``periode``. Periods are clipped to the window, so inside it the period key
        alone decides: no join, the key is computed from the date."""
        inside = t.filter(t[date] >= self.start, t[date] <= self.end)
        return inside.mutate(periode=P.period_key(inside[date], self.per).cast("int64"))

    def with_bounds(self, t: ir.Table) -> ir.Table:
        """``t`` (keyed by ``periode``) with the first and last day of its period."""
        return t.join(self.periods, "periode")

    def overlapping(self, t: ir.Table, begin: str, end: str) -> ir.Table:
        """Facts whose [begin, end] overlaps the period (an empty end is still open)."""
        last = t[end].fill_null(OPEN_END)
        t = t.mutate(_tot=last).filter(t[begin] <= self.end, last >= self.start)
        return self._between(t, t[begin] <= self.periods.p_eind, t._tot >= self.periods.p_begin)

    def period_ends_within(self, t: ir.Table, begin: str, until: str) -> ir.Table:
        """Facts whose state holds on a period's last day: begin <= p_eind <= until."""
        t = t.filter(t[begin] <= self.end, t[until] >= self.start, t[begin] <= t[until])
        p = self.periods
        return self._between(t, t[begin] <= p.p_eind, t[until] >= p.p_eind)

    def _between(self, t: ir.Table, *predicates: ir.BooleanValue) -> ir.Table:
        """Join ``t`` to the periods on two inequalities. Pure inequalities (no OR, no NULL
        test) let DuckDB use a range join instead of comparing every row with every period;
        the window filter before it drops the facts that touch no period at all."""
        return t.join(self.periods, list(predicates)).drop("_tot")

    def active_clients(self, t: ir.Table, begin: str, end: str) -> ir.Table:
        """Cells ``periode, <dims>, n``: distinct clients with a fact whose [begin, end]
        overlaps the period.

        Listing every (fact, period) pair and counting distinct clients over it is the slow way
        (nationally ~45 M pairs per year by month). Instead each client's facts in a cell are
        merged into disjoint spans of periods; a client is then in care from a span's first
        period to its last, so per period the count is a running sum of spans begun minus spans
        ended: no distinct count. The age group changes with the period, so with it the pairs
        are listed as before.
        """
        if "leeftijdsgroep" in self.by:
            t, keys = self.grain(self.overlapping(t, begin, end))
            return t.group_by(keys).aggregate(n=t.client_id.nunique())
        t, keys = self.grain(t)
        dims = keys[1:]
        last = t[end].fill_null(OPEN_END)
        t = t.filter(t[begin] <= self.end, last >= self.start)
        first_p = P.period_key(ibis.greatest(t[begin], self.start), self.per).cast("int64")
        last_p = P.period_key(ibis.least(last, self.end), self.per).cast("int64")
        t = t.select(*dims, "client_id", _van=first_p, _tot=last_p)
        moves = _moves(t, dims)
        p = self.periods.select("periode")
        grid = moves.select(*dims).distinct().cross_join(p) if dims else p
        on = [grid[d].identical_to(moves[d]) for d in dims] + [grid.periode == moves._p]
        grid = grid.left_join(moves, on).select(*grid.columns, _d=moves._d.fill_null(0))
        running = ibis.cumulative_window(group_by=dims or None, order_by="periode")
        cells = grid.select(*keys, n=grid._d.sum().over(running))
        return cells.filter(cells.n > 0)

    # -- grain ---------------------------------------------------------------------------------
    def grain(self, t: ir.Table, extra: Sequence[str] = ()) -> tuple[ir.Table, list[str]]:
        """Add the dimensions the grain needs that ``t`` lacks; return it and the group keys."""
        keys = self.keys(extra)
        dims = keys[1:]
        if "verwijzer" in dims and "verwijzer" not in t.columns:
            a = self.allocations.select("wet", "gemeente", "toewijzing_nummer", "verwijzer")
            on = ("wet", "gemeente", "toewijzing_nummer")
            t = t.left_join(a, [t[k] == a[k] for k in on]).select(*t.columns, "verwijzer")
        if "leeftijdsgroep" in dims:
            t = self._age_group(t)
        return t, keys

    def keys(self, extra: Sequence[str] = ()) -> list[str]:
        """The group keys of a cell: the period and the grain's dimensions."""
        return ["periode", *self.by, *(d for d in extra if d not in self.by)]

    def _age_group(self, t: ir.Table) -> ir.Table:
        bounded = "p_begin" in t.columns
        if not bounded:
            t = self.with_bounds(t)
        c = self.table("client").select("client_id", "geboortemaand")
        t = t.left_join(c, t.client_id == c.client_id).select(*t.columns, "geboortemaand")
        born = t.geboortemaand
        age = (t.p_begin.year() - born.year()) - ibis.ifelse(t.p_begin.month() < born.month(), 1, 0)
        group = ibis.cases(
            *(((t.wet == w) & age.between(lo, hi), label) for w, lo, hi, label in AGE_GROUPS),
            else_=ibis.null("string"),
        )
        t = t.mutate(leeftijdsgroep=group).drop("geboortemaand")
        return t if bounded else t.drop("p_begin", "p_eind")

    # -- helpers for definitions -------------------------------------------------------------
    def working_days(self, t: ir.Table, first: str, second: str, name: str) -> ir.Table:
        """Add ``name``: Dutch working days after ``first`` up to and including ``second``."""
        cal = self.calendar
        a = cal.rename(_a_datum="k_datum", _a_nr="k_nr")
        t = t.left_join(a, t[first] == a._a_datum).drop("_a_datum")
        b = cal.rename(_b_datum="k_datum", _b_nr="k_nr")
        t = t.left_join(b, t[second] == b._b_datum).drop("_b_datum")
        return t.mutate(**{name: t._b_nr - t._a_nr}).drop("_a_nr", "_b_nr")

    def norm(self, productcategorie: ir.StringValue) -> ir.IntegerValue:
        """The waiting-time norm in days for a product category."""
        if not self.norm_per_category:
            return ibis.literal(self.norm_days)
        return ibis.cases(
            *((productcategorie == k, v) for k, v in sorted(self.norm_per_category.items())),
            else_=self.norm_days,
        )

    @cached_property
    def levering_horizon(self) -> dt.date | None:
        """The latest start/stop message date: how far the trajectory data reaches."""
        return self.scalar(self.table("levering").dagtekening.max())

    @cached_property
    def invoice_horizon(self) -> dt.date | None:
        """The end of the latest invoiced productperiode: how far the spend data reaches."""
        return self.scalar(self.table("prestatie").einddatum.max())


def _moves(t: ir.Table, dims: list[str]) -> ir.Table:
    """Per cell and period key ``_p``: clients coming into care (+) less those gone (−).

    A client's facts in a cell, in order of their first period: a fact that begins after the
    furthest period any earlier one reached (``reach``) begins a new span of care, and the span
    before it ended at ``reach``; the last span ends at the furthest period of all. One window
    pass over the facts, and no fact is listed per period.
    """
    by = [*dims, "client_id"]
    order = ibis.window(group_by=by, order_by=["_van", "_tot"], rows=(None, -1))
    reach = t._tot.max().over(order)
    furthest = t._tot.max().over(ibis.window(group_by=by))
    t = t.mutate(_reach=reach, _verst=furthest)
    new = t.filter(t._reach.isnull() | (t._van > t._reach))
    ended = ibis.ifelse(new._reach.isnull(), new._verst, new._reach) + 1
    moves = new.select(*dims, _p=new._van, _d=ibis.literal(1)).union(
        new.select(*dims, _p=ended, _d=ibis.literal(-1))
    )
    return moves.group_by([*dims, "_p"]).aggregate(_d=moves._d.sum())

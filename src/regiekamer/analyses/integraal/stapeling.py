"""Stapeling: households that use several provisions in the same period (DOMAIN.md §10).

The view CBS publishes in table 86195NED, but current and local. For a window (a year, or any
start..end):

- A person *uses* a provision in a municipality when a zorgperiode (jeugd, wmo) or a bijstand
  benefit of theirs in that municipality overlaps the window.
- A person's *household* is the one the ``huishouden`` table gives for the window (the latest
  membership that overlaps it), else the household on their bijstand benefit, else they form a
  household of their own. (iJw/iWmo messages carry no household: without the huishouden table a
  child's youth care and a parent's bijstand cannot meet.)
- A household's *combination* in a municipality is the set of provisions its members use there:
  jeugd, wmo, bijstand, or any combination. A household that moved uses one set in the old and
  another in the new municipality; in the total over all municipalities it counts once, with the
  union of both sets.
- ``uitgaven``: what the window cost for the household's members in that municipality: jeugd and
  wmo invoice lines (productperiode beginning in the window, debet − credit) plus bijstand as the
  monthly amount × the calendar months of the window the benefit touches.

Pure functions over Ibis tables; the rows are small (one per municipality, wijk, combination).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import combinations

import ibis
import ibis.expr.types as ir

from regiekamer.analyses import trajectories as T

VOORZIENINGEN = ("jeugd", "wmo", "bijstand")
# Every non-empty combination, in a fixed reading order (one provision, then two, then three).
COMBINATIES = tuple("+".join(c) for size in (1, 2, 3) for c in combinations(VOORZIENINGEN, size))
TOTAAL = "totaal"
TABLES = ("levering", "uitkering", "huishouden", "prestatie")
_OPEN = ibis.date(9999, 12, 31)
_EVER = ibis.date(1, 1, 1)

# The fields of a stapeling row, in the order every output uses.
FIELDS = (
    "periode",
    "gemeente",
    "wijk",
    "combinatie",
    "huishoudens",
    "aandeel_pct",
    "clienten",
    "uitgaven",
    "onderdrukt",
)


def _union(a: ir.Table, b: ir.Table) -> ir.Table:
    """a ∪ b (all rows) with every column nullable: store columns differ in NOT NULL."""
    schema = {c: t.copy(nullable=True) for c, t in a.schema().items()}
    return a.cast(schema).union(b.cast(schema))


def _overlaps(t: ir.Table, begin: str, end: str, start: dt.date, stop: dt.date) -> ir.Table:
    return t.filter(t[begin].fill_null(_EVER) <= stop, t[end].fill_null(_OPEN) >= start)


def usage(con: ibis.BaseBackend, start: dt.date, stop: dt.date) -> ir.Table:
    """Who used what where in the window: ``voorziening, gemeente, client_id`` (distinct)."""
    zp = _overlaps(T.zorgperioden(con.table("levering")), "begin", "eind", start, stop)
    care = zp.select(voorziening=zp.wet, gemeente=zp.gemeente, client_id=zp.client_id)
    u = _overlaps(con.table("uitkering"), "begindatum", "einddatum", start, stop)
    bijstand = u.select(
        voorziening=ibis.literal("bijstand"), gemeente=u.gemeente, client_id=u.client_id
    )
    return _union(care, bijstand).distinct()


def _latest(t: ir.Table, by: Sequence[str], order: Sequence[ir.Column]) -> ir.Table:
    w = ibis.window(group_by=list(by), order_by=[ibis.desc(o) for o in order])
    ranked = t.mutate(_rang=ibis.row_number().over(w))
    return ranked.filter(ranked._rang == 0).drop("_rang")


def households(
    con: ibis.BaseBackend, start: dt.date, stop: dt.date, use: ir.Table | None = None
) -> ir.Table:
    """Each person's household in the window: ``client_id, huishouden_id`` (membership from
    the huishouden table first, then the bijstand benefit); ``use`` as ``usage`` gives it."""
    h = _overlaps(con.table("huishouden"), "ingangsdatum", "einddatum", start, stop)
    h = _latest(h, ["client_id"], [h.ingangsdatum.fill_null(_EVER), h.huishouden_id])
    h = h.select("client_id", h_id="huishouden_id")
    u = _overlaps(con.table("uitkering"), "begindatum", "einddatum", start, stop)
    u = _latest(u, ["client_id"], [u.begindatum, u.huishouden_id])
    u = u.select("client_id", u_id="huishouden_id")
    people = (usage(con, start, stop) if use is None else use).select("client_id").distinct()
    j = people.left_join(h, "client_id").select(people.client_id, "h_id")
    j = j.left_join(u, "client_id").select(j.client_id, "h_id", "u_id")
    return j.select("client_id", huishouden_id=ibis.coalesce(j.h_id, j.u_id, j.client_id))


def wijken(con: ibis.BaseBackend, start: dt.date, stop: dt.date) -> ir.Table:
    """A person's wijk per municipality in the window, where the data has one:
    ``client_id, gemeente, wijk`` (huishouden table first, then the bijstand benefit)."""
    h = _overlaps(con.table("huishouden"), "ingangsdatum", "einddatum", start, stop)
    h = h.filter(h.wijk.notnull())
    h = h.select("client_id", gemeente=h.wijk.substr(2, 4), wijk="wijk", _bron=ibis.literal(1))
    u = _overlaps(con.table("uitkering"), "begindatum", "einddatum", start, stop)
    u = u.filter(u.wijk.notnull())
    u = u.select("client_id", "gemeente", "wijk", _bron=ibis.literal(2))
    both = _union(h, u)
    best = _latest(both, ["client_id", "gemeente"], [-both._bron, both.wijk])
    return best.drop("_bron")


def spend(con: ibis.BaseBackend, start: dt.date, stop: dt.date) -> ir.Table:
    """Cents per person and municipality in the window: ``gemeente, client_id, cent``."""
    p = con.table("prestatie")
    p = p.filter(p.begindatum >= start, p.begindatum <= stop)
    care = p.select("gemeente", "client_id", cent=T.signed_cents(p))
    u = _overlaps(con.table("uitkering"), "begindatum", "einddatum", start, stop)
    u = u.filter(u.maandbedrag_cent.notnull())
    first = ibis.greatest(u.begindatum, ibis.literal(start))
    last = ibis.least(u.einddatum.fill_null(_OPEN), ibis.literal(stop))
    months = (last.year() * 12 + last.month()) - (first.year() * 12 + first.month()) + 1
    benefit = u.select("gemeente", "client_id", cent=u.maandbedrag_cent * months)
    both = _union(care, benefit)
    return both.group_by("gemeente", "client_id").aggregate(cent=both.cent.sum())


def _flags(t: ir.Table, keys: list[str]) -> ir.Table:
    """Per household cell: which provisions, how many distinct users."""
    return t.group_by(keys).aggregate(
        **{v: (t.voorziening == v).any() for v in VOORZIENINGEN},
        clienten=t.client_id.nunique(),
    )


def _label(t: ir.Table) -> ir.StringValue:
    parts = [ibis.ifelse(t[v], ibis.literal(v), ibis.literal("")) for v in VOORZIENINGEN]
    joined = parts[0].concat("+", parts[1], "+", parts[2])
    # "jeugd++bijstand" -> "jeugd+bijstand": drop the separators of absent provisions.
    return joined.re_replace(r"\+{2,}", "+").re_replace(r"^\+|\+$", "")


def cells(
    con: ibis.BaseBackend, start: dt.date, stop: dt.date, *, by_wijk: bool = False
) -> ir.Table:
    """Households, users and cents per (gemeente, [wijk], combinatie); rows with ``gemeente``
    null are the total over every municipality (a household that moved counts once there)."""
    # Usage and households are read several times below: materialised once (a temporary
    # table on DuckDB; open_backend drops it) instead of derived again in every branch.
    use = usage(con, start, stop).cache()
    hh = households(con, start, stop, use).cache()
    t = use.join(hh, "client_id").select(
        use.voorziening, use.gemeente, use.client_id, "huishouden_id"
    )
    cost = spend(con, start, stop)
    member_cost = hh.join(cost, "client_id").select("huishouden_id", "gemeente", "cent")
    keys = ["gemeente", "huishouden_id"]
    if by_wijk:
        w = wijken(con, start, stop)
        tw = t.left_join(w, ["client_id", "gemeente"]).select(*t.columns, "wijk")
        hw = tw.group_by(keys).aggregate(wijk=tw.wijk.max())
    local = _flags(t, keys)
    local_cost = member_cost.group_by(keys).aggregate(cent=member_cost.cent.sum())
    local = local.left_join(local_cost, keys).select(*local.columns, "cent")
    if by_wijk:
        local = local.left_join(hw, keys).select(*local.columns, "wijk")
    else:
        local = local.mutate(wijk=ibis.null("string"))
    total = _flags(t, ["huishouden_id"])
    total_cost = member_cost.group_by("huishouden_id").aggregate(cent=member_cost.cent.sum())
    total = total.left_join(total_cost, "huishouden_id").select(*total.columns, "cent")
    total = total.mutate(gemeente=ibis.null("string"), wijk=ibis.null("string"))
    cols = ["gemeente", "wijk", "huishouden_id", *VOORZIENINGEN, "clienten", "cent"]
    per_household = _union(local.select(*cols), total.select(*cols))
    per_household = per_household.mutate(combinatie=_label(per_household))
    g = per_household
    return g.group_by("gemeente", "wijk", "combinatie").aggregate(
        huishoudens=g.count(), clienten=g.clienten.sum(), cent=g.cent.fill_null(0).sum()
    )


def table(
    con: ibis.BaseBackend, start: dt.date, stop: dt.date, periode: str, *, by_wijk: bool = False
) -> list[dict]:
    """The stapeling rows: per (gemeente, [wijk]) every combination (zero when none) and the
    ``totaal`` of households with any provision; the region total has ``gemeente`` None.

    ``aandeel_pct`` is the share of the cell's households among those with any provision in the
    same place; ``uitgaven`` is in euros.
    """
    raw = con.to_pyarrow(cells(con, start, stop, by_wijk=by_wijk)).to_pylist()
    found = {(r["gemeente"], r["wijk"], r["combinatie"]): r for r in raw}
    places = sorted({(r["gemeente"], r["wijk"]) for r in raw}, key=_place_order)
    out = []
    for gemeente, wijk in places:
        mine = [found.get((gemeente, wijk, c)) for c in COMBINATIES]
        whole = sum(r["huishoudens"] for r in mine if r)
        for combinatie, r in zip((*COMBINATIES, TOTAAL), (*mine, None), strict=True):
            if combinatie == TOTAAL:
                hh = whole
                clienten = sum(x["clienten"] for x in mine if x)
                cent = sum(x["cent"] for x in mine if x)
            else:
                hh = r["huishoudens"] if r else 0
                clienten = r["clienten"] if r else 0
                cent = r["cent"] if r else 0
            out.append(
                {
                    "periode": periode,
                    "gemeente": gemeente,
                    "wijk": wijk,
                    "combinatie": combinatie,
                    "huishoudens": hh,
                    "aandeel_pct": 100 * hh / whole if whole else None,
                    "clienten": clienten,
                    "uitgaven": cent / 100,
                    "onderdrukt": False,
                }
            )
    return out


def _place_order(place: tuple[str | None, str | None]) -> tuple:
    gemeente, wijk = place
    return (gemeente is None, gemeente or "", wijk is None, wijk or "")

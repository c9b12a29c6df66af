"""The history a forecast learns from, read from the store as a few small arrays.

Three Ibis queries (portable like the KPI catalogue): the zorgperioden with their referrer,
the spend per cell and month, the population. Everything after that is numpy on arrays of one
row per zorgperiode or per cell and month, never per invoice line.

A *cell* is (wet, gemeente, productcategorie); a *month* is the integer key year*12+month-1
(as ``periods.period_key``). ``origin`` is the last month the forecast may know: facts after it
are cut off, so a backtest sees the store as it was then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import numpy as np
import pyarrow as pa

from regiekamer.analyses import trajectories as T
from regiekamer.errors import RegiekamerError

OPEN = 10**6  # the end month of a zorgperiode still running at the origin


class TooLittleHistory(RegiekamerError):
    """The store holds too little to learn a forecast from (no invoices, no zorgperioden)."""


def month_key(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def month_end(key: int) -> dt.date:
    y, m = divmod(key + 1, 12)
    return dt.date(y, m + 1, 1) - dt.timedelta(days=1)


def month_label(key: int) -> str:
    return f"{key // 12}-{key % 12 + 1:02d}"


@dataclass
class History:
    origin: int  # last month known
    first_spend: int  # first month with invoices
    wet: np.ndarray  # per cell
    gemeente: np.ndarray
    categorie: np.ndarray
    zp_cell: np.ndarray  # per zorgperiode
    zp_begin: np.ndarray  # month key
    zp_end: np.ndarray  # month key of the definitive end, OPEN when running at the origin
    zp_verwijzer: np.ndarray  # index into verwijzers
    verwijzers: list[str]
    spend: np.ndarray  # (cells, months first_spend..origin) cents
    populatie: dict[str, dict[int, tuple[int, int]]]  # gemeente -> jaar -> (0-17, totaal)

    @property
    def cells(self) -> int:
        return len(self.wet)


def default_origin(con: ibis.BaseBackend) -> int:
    """The last complete month of invoices: the month of the latest productperiode end, or the
    month before it when that period ends before the month does."""
    last = con.execute(con.table("prestatie").einddatum.max())
    if last is None:
        raise TooLittleHistory("De store heeft nog geen declaraties: er is niets om op te leren.")
    if isinstance(last, dt.datetime) or hasattr(last, "to_pydatetime"):
        last = last.date()  # a pandas Timestamp from some backends
    key = month_key(last)
    return key if last == month_end(key) else key - 1


def read(con: ibis.BaseBackend, origin: int) -> History:
    """The history up to and including month ``origin``."""
    cut = month_end(origin)
    zp = T.zorgperioden(con.table("levering"))
    alloc = T.allocations(con.table("toewijzing"), T.first_requests(con.table("verzoek")))
    a = alloc.select("wet", "gemeente", "toewijzing_nummer", "verwijzer")
    k = ("wet", "gemeente", "toewijzing_nummer")
    zp = zp.left_join(a, [zp[c] == a[c] for c in k]).select(*zp.columns, "verwijzer")
    zp = zp.filter(zp.begin <= cut, zp.productcategorie.notnull())
    ended = zp.definitief & (zp.eind <= cut)
    z = zp.select(
        "wet",
        "gemeente",
        "productcategorie",
        begin=(zp.begin.year() * 12 + zp.begin.month() - 1).cast("int64"),
        end=ibis.ifelse(ended, zp.eind.year() * 12 + zp.eind.month() - 1, OPEN).cast("int64"),
        verwijzer=zp.verwijzer.fill_null(T.OWN_ACCESS_TEAM),
    )
    # Cells: every (wet, gemeente, productcategorie) with a zorgperiode, numbered in the query
    # (no string handling per zorgperiode in Python).
    keys = ("wet", "gemeente", "productcategorie")
    cells = z.select(*keys).distinct().order_by(*keys).to_pyarrow()
    cell_t = ibis.memtable(cells.append_column("cel", pa.array(range(cells.num_rows), pa.int64())))
    verw = z.select("verwijzer").distinct().order_by("verwijzer").to_pyarrow()
    verw_t = ibis.memtable(verw.append_column("v", pa.array(range(verw.num_rows), pa.int64())))
    zc = z.join(cell_t, [z[k] == cell_t[k] for k in keys]).join(verw_t, "verwijzer")
    zc = zc.select("cel", "begin", "end", "v").to_pyarrow()
    p = con.table("prestatie")
    p = p.filter(p.begindatum <= cut)
    month = (p.begindatum.year() * 12 + p.begindatum.month() - 1).cast("int64")
    p = p.mutate(maand=month, cent=T.signed_cents(p))
    # Spend outside any zorgperiode's cell is not forecast: the inner join leaves it out.
    p = p.join(cell_t, [p[k] == cell_t[k] for k in keys])
    s = p.group_by("cel", "maand").aggregate(cent=p.cent.sum()).to_pyarrow()
    pop = con.table("populatie").to_pyarrow()
    if zc.num_rows == 0 or s.num_rows == 0:
        raise TooLittleHistory(
            "Te weinig historie voor een prognose: er zijn zorgperioden (start- en "
            "stopberichten) én declaraties nodig tot de peildatum."
        )
    maand = s["maand"].to_numpy()
    first = int(maand.min())
    spend = np.zeros((cells.num_rows, origin - first + 1))
    np.add.at(spend, (s["cel"].to_numpy(), maand - first), s["cent"].to_numpy().astype(float))
    populatie: dict[str, dict[int, tuple[int, int]]] = {}
    for g, j, y, t in zip(
        pop["gemeentecode"].to_pylist(),
        pop["jaar"].to_pylist(),
        pop["inwoners_0_17"].to_pylist(),
        pop["inwoners_totaal"].to_pylist(),
        strict=True,
    ):
        populatie.setdefault(g, {})[j] = (y, t)
    return History(
        origin=origin,
        first_spend=first,
        wet=np.asarray(cells["wet"].to_pylist(), dtype=str),
        gemeente=np.asarray(cells["gemeente"].to_pylist(), dtype=str),
        categorie=np.asarray(cells["productcategorie"].to_pylist(), dtype=str),
        zp_cell=zc["cel"].to_numpy(),
        zp_begin=zc["begin"].to_numpy(),
        zp_end=zc["end"].to_numpy(),
        zp_verwijzer=zc["v"].to_numpy(),
        verwijzers=verw["verwijzer"].to_pylist(),
        spend=spend,
        populatie=populatie,
    )

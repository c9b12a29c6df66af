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

from regiekamer.analyses import trajectories as T
from regiekamer.errors import RegiekamerError

OPEN = 10**6  # the end month of a zorgperiode still running at the origin


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
        raise RegiekamerError("De store heeft nog geen declaraties: er is niets om op te leren.")
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
    ).to_pyarrow()
    p = con.table("prestatie")
    p = p.filter(p.begindatum <= cut)
    month = (p.begindatum.year() * 12 + p.begindatum.month() - 1).cast("int64")
    s = (
        p.mutate(maand=month, cent=T.signed_cents(p))
        .group_by("wet", "gemeente", "productcategorie", "maand")
        .aggregate(cent=lambda t: t.cent.sum())
        .to_pyarrow()
    )
    pop = con.table("populatie").to_pyarrow()
    if z.num_rows == 0 or s.num_rows == 0:
        raise RegiekamerError(
            "Te weinig historie voor een prognose: er zijn zorgperioden (start- en "
            "stopberichten) én declaraties nodig tot de peildatum."
        )
    # Cells: every (wet, gemeente, productcategorie) with a zorgperiode.
    keys = np.char.add(
        np.char.add(np.asarray(z["wet"].to_numpy(zero_copy_only=False), str), "|"),
        np.char.add(
            np.char.add(np.asarray(z["gemeente"].to_numpy(zero_copy_only=False), str), "|"),
            np.asarray(z["productcategorie"].to_numpy(zero_copy_only=False), str),
        ),
    )
    uniq, zp_cell = np.unique(keys, return_inverse=True)
    parts = np.array([u.split("|") for u in uniq.tolist()], dtype=object).reshape(-1, 3)
    verw = np.asarray(z["verwijzer"].to_numpy(zero_copy_only=False), str)
    verwijzers, zp_verw = np.unique(verw, return_inverse=True)
    first = int(min(s["maand"].to_numpy()))
    spend = np.zeros((len(uniq), origin - first + 1))
    s_keys = np.char.add(
        np.char.add(np.asarray(s["wet"].to_numpy(zero_copy_only=False), str), "|"),
        np.char.add(
            np.char.add(np.asarray(s["gemeente"].to_numpy(zero_copy_only=False), str), "|"),
            np.asarray(s["productcategorie"].to_numpy(zero_copy_only=False), str),
        ),
    )
    pos = np.searchsorted(uniq, s_keys)
    pos = np.minimum(pos, len(uniq) - 1)
    known = uniq[pos] == s_keys  # spend outside any zorgperiode's cell is not forecast
    np.add.at(
        spend, (pos[known], s["maand"].to_numpy()[known] - first), s["cent"].to_numpy()[known]
    )
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
        wet=parts[:, 0].astype(str),
        gemeente=parts[:, 1].astype(str),
        categorie=parts[:, 2].astype(str),
        zp_cell=zp_cell,
        zp_begin=z["begin"].to_numpy(),
        zp_end=z["end"].to_numpy(),
        zp_verwijzer=zp_verw,
        verwijzers=verwijzers.tolist(),
        spend=spend,
        populatie=populatie,
    )

"""The per-municipality inputs of a settlement, read from the store through Ibis.

- usage: the signed amounts of the prestaties (credit lines negative) per year of their
  begindatum, municipality (the paying one: residence principle), client and segment; a
  prestatie belongs to the first segment of the config that it matches;
- keys: the budget of the segments' wet(s), youth population (0–17) and inhabitants of the year,
  clients last year (distinct clients with a positive yearly cost in the segment), and clients
  over the three years before;
- the three-year window for smoothing: this year and the two before, those that have data.

``read`` runs the queries (pure Ibis expressions, portable like the KPI catalogue); ``build``
turns their rows into ``SegmentData`` for one year, without the store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import numpy as np

from regiekamer.analyses.verevening.config import Config, Segment
from regiekamer.analyses.verevening.models import SegmentData, VereveningError

TABLES = ("prestatie", "budget", "populatie", "gemeente")


def segment_of(t: ibis.Table, segments: tuple[Segment, ...]) -> ibis.Value:
    """The id of the first segment a prestatie matches (null: none)."""
    branches = []
    for s in segments:
        cond = ibis.literal(True)
        if s.wet:
            cond &= t.wet == s.wet
        if s.productcategorieen or s.productcodes:
            within = ibis.literal(False)
            if s.productcategorieen:
                within |= t.productcategorie.isin(list(s.productcategorieen))
            if s.productcodes:
                within |= t.productcode.isin(list(s.productcodes))
            cond &= within
        branches.append((cond, s.id))
    return ibis.cases(*branches, else_=ibis.null("string"))


def usage_expr(con: ibis.BaseBackend, segments: tuple[Segment, ...]) -> ibis.Table:
    """Yearly cost per (jaar, gemeente, client_id, segment) in cents, every year in the store."""
    t = con.table("prestatie")
    t = t.mutate(
        segment=segment_of(t, segments),
        jaar=t.begindatum.year(),
        cent=ibis.ifelse(t.debet_credit == "C", -t.bedrag_cent, t.bedrag_cent),
    )
    t = t.filter(t.segment.notnull())
    return t.group_by(["jaar", "gemeente", "client_id", "segment"]).aggregate(cent=t.cent.sum())


@dataclass
class Raw:
    """The rows the queries returned (plain Python and numpy, no store)."""

    jaar: np.ndarray
    gemeente: np.ndarray
    client: np.ndarray
    segment: np.ndarray
    cent: np.ndarray
    budget: dict[tuple[str, str, int], int] = field(default_factory=dict)
    populatie: dict[tuple[str, int], tuple[int, int]] = field(default_factory=dict)
    namen: dict[str, str] = field(default_factory=dict)

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(int(y) for y in np.unique(self.jaar))


def read(con: ibis.BaseBackend, config: Config) -> Raw:
    """Run the queries for ``config`` over every year in the store."""
    usage = usage_expr(con, config.segmenten).to_pyarrow()
    budget = con.table("budget").to_pyarrow().to_pylist()
    populatie = con.table("populatie").to_pyarrow().to_pylist()
    namen = con.table("gemeente").select("gemeentecode", "gemeentenaam").to_pyarrow().to_pylist()
    return Raw(
        jaar=usage["jaar"].to_numpy(zero_copy_only=False).astype(int),
        gemeente=np.asarray(usage["gemeente"].to_pylist(), dtype=object),
        client=np.asarray(usage["client_id"].to_pylist(), dtype=object),
        segment=np.asarray(usage["segment"].to_pylist(), dtype=object),
        cent=usage["cent"].to_numpy(zero_copy_only=False).astype(np.int64),
        budget={(r["gemeentecode"], r["wet"], r["jaar"]): r["budget_cent"] for r in budget},
        populatie={
            (r["gemeentecode"], r["jaar"]): (r["inwoners_0_17"], r["inwoners_totaal"])
            for r in populatie
        },
        namen={r["gemeentecode"]: r["gemeentenaam"] for r in namen},
    )


@dataclass(frozen=True)
class Region:
    """One year's inputs: per segment the SegmentData, and per municipality its clients' costs
    as a ``(clients, segments)`` array for the simulation."""

    jaar: int
    gemeenten: tuple[str, ...]
    namen: dict[str, str]
    segmenten: dict[str, SegmentData]
    clienten: list[np.ndarray]
    jaren_met_data: tuple[int, ...]


def gemeenten(raw: Raw, config: Config, year: int) -> tuple[str, ...]:
    """The region: the config's list, else every municipality with usage in ``year``."""
    if config.gemeenten:
        return config.gemeenten
    found = sorted(set(raw.gemeente[raw.jaar == year]))
    if not found:
        raise VereveningError(
            f"Er zijn geen declaraties in {year} in de segmenten van {config.bestand}; "
            "kies een ander jaar of lees eerst declaraties in."
        )
    return tuple(found)


def build(raw: Raw, config: Config, year: int) -> Region:
    """The inputs of ``year`` for every segment of ``config`` (numpy, no loop per row)."""
    gems = gemeenten(raw, config, year)
    seg_ids = [s.id for s in config.segmenten]
    n_seg, n_gem = len(seg_ids), len(gems)
    # Integer codes per row: position of the municipality in the region (-1: not in it),
    # position of the segment in the config, and the client.
    pos = {g: i for i, g in enumerate(gems)}
    gem_values, gem_inv = np.unique(raw.gemeente.astype(str), return_inverse=True)
    gem_i = np.array([pos.get(g, -1) for g in gem_values], dtype=np.int64)[gem_inv]
    seg_values, seg_inv = np.unique(raw.segment.astype(str), return_inverse=True)
    seg_i = np.array([seg_ids.index(s) for s in seg_values], dtype=np.int64)[seg_inv]
    _, client_i = np.unique(raw.client.astype(str), return_inverse=True)
    in_region = gem_i >= 0
    have = raw.years
    window = tuple(y for y in (year - 2, year - 1, year) if y in have)

    def sums(years: tuple[int, ...], positive_clients: bool = False) -> np.ndarray:
        """(segments, gemeenten): Σ cents, or the number of clients with a positive cost."""
        m = in_region & np.isin(raw.jaar, years)
        if positive_clients:
            m &= raw.cent > 0
        weights = None if positive_clients else raw.cent[m].astype(np.float64)
        flat = np.bincount(seg_i[m] * n_gem + gem_i[m], weights, minlength=n_seg * n_gem)
        return np.rint(flat).astype(np.int64).reshape(n_seg, n_gem)  # cents: exact below 2^53

    now = sums((year,))
    smooth = sums(window)
    clients_last = sums((year - 1,), positive_clients=True)
    clients_3 = sums((year - 3, year - 2, year - 1), positive_clients=True)

    # Each client of this year (per municipality: a client who moved counts in both): its cost
    # per segment, the rows of the simulation.
    m = in_region & (raw.jaar == year)
    span = client_i.max(initial=0) + 1
    keys, row = np.unique(gem_i[m] * span + client_i[m], return_inverse=True)
    per_client = np.zeros((len(keys), n_seg), dtype=np.int64)
    np.add.at(per_client, (row, seg_i[m]), raw.cent[m])
    owner = keys // span
    matrices = [per_client[owner == g] for g in range(n_gem)]

    pop = [raw.populatie.get((g, year)) for g in gems]
    data = {}
    for s_i, seg in enumerate(config.segmenten):
        wetten = (seg.wet,) if seg.wet else ("jeugd", "wmo")
        budget = tuple(sum(raw.budget.get((g, w, year), 0) for w in wetten) for g in gems)
        keys_ = {
            "budget": budget,
            "clienten_vorig_jaar": tuple(int(x) for x in clients_last[s_i]),
            "clienten_3jaar": tuple(int(x) for x in clients_3[s_i]),
        }
        if all(p is not None for p in pop):
            keys_["jeugd"] = tuple(p[0] for p in pop)  # type: ignore[index]
            keys_["inwoners"] = tuple(p[1] for p in pop)  # type: ignore[index]
        data[seg.id] = SegmentData(
            gemeenten=gems,
            gebruik=tuple(int(x) for x in now[s_i]),
            sleutels=keys_,
            budget=budget,
            clienten=tuple(tuple(int(x) for x in mat[mat[:, s_i] != 0, s_i]) for mat in matrices),
            gebruik_3jaar=tuple(int(x) for x in smooth[s_i]),
            jaren_3jaar=window,
        )
    return Region(year, gems, raw.namen, data, matrices, have)

"""A synthetic history with known, stable rates, for testing the forecast (analyses/prognose).

Unlike the region generator (messages to ingest), this writes facts straight into a store, in
its own table layout, fully vectorised: per municipality, law and productcategorie the monthly
inflow is Poisson with a known rate per 1,000 inhabitants and a known seasonal pattern, each
zorgperiode lasts a lognormal number of days around the product's median duration, and each
month of care costs a known amount (the product's tariff, indexed 3 % a year, times a per
trajectory factor). Optionally a structural break (``Breuk``): from a given month the inflow
of one referrer type is multiplied by a factor, e.g. GP referrals halved by a new agreement
with the GPs.

Starts are written from ``warmup`` years before the first data year (so the stock of clients in
care is in equilibrium and durations have a long history); invoices (prestaties) only for the
data years. Everything follows from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from regiekamer.standards.messages import gemeenten as all_gemeenten
from regiekamer.synth import constants as K
from regiekamer.synth.national import digits, hex_ids

# Starts per 1,000 inhabitants (jeugd: aged 0-17; wmo: all) per year, before seasonality.
JEUGD_STARTS_PER_1000 = 45.0
WMO_STARTS_PER_1000 = 12.0
# Seasonal factor per calendar month (mean 1): fewer starts in summer and December.
SEASON = np.array([1.05, 1.05, 1.1, 1.0, 1.0, 0.95, 0.75, 0.8, 1.15, 1.15, 1.05, 0.95])
DURATION_SIGMA = 0.6  # lognormal sigma of a zorgperiode's length in days
COST_SIGMA = 0.3  # lognormal sigma of a trajectory's monthly cost around the product's
PROVIDER = "75000001"


@dataclass(frozen=True)
class Breuk:
    """From ``maand`` (first of a month) on, inflow via ``verwijzer`` is ``factor`` times."""

    maand: str
    verwijzer: str = "02"
    factor: float = 0.5


def _monthly_cost(wet: str, cat: str, oms: str, eenh: str, freq: str, vol, tarief: int) -> float:
    """A product's cost of one full month of care in cents at 2024 prices."""
    units = {"1": 30.4 * vol[1], "2": 4.35 * (vol[0] + vol[1]) / 2, "4": (vol[0] + vol[1]) / 2}
    return tarief * units.get(freq, 1.0)


def _products() -> list[tuple[str, str, float, float, float]]:
    """(wet, productcategorie, share of the law's starts, median days, monthly cost cents)."""
    out = []
    for wet, table in (("jeugd", K.JEUGD_PRODUCTS), ("wmo", K.WMO_PRODUCTS)):
        total = sum(p[7] for p in table)
        for cat, oms, eenh, freq, vol, tarief, duur, gewicht in table:
            cost = _monthly_cost(wet, cat, oms, eenh, freq, vol, tarief)
            if freq == "6":  # billed per trajectory: spread over its median months
                cost = tarief / max(duur / 30.4, 1)
            out.append((wet, cat, gewicht / total, float(duur), cost))
    return out


def generate_known_rates(
    con: duckdb.DuckDBPyConnection,
    *,
    gemeenten: int = 30,
    years: int = 4,
    end_year: int = 2025,
    warmup: int = 3,
    inwoners: tuple[int, int] = (5_000, 20_000),
    seed: int = 1,
    breuk: Breuk | None = None,
) -> dict:
    """Fill an initialised, empty store with a history of known rates; returns the truth
    (rates, products, municipalities) for tests to compare with."""
    rng = np.random.default_rng(seed)
    codes = sorted(all_gemeenten())[:gemeenten]
    first_year = end_year - years + 1
    y0 = first_year - warmup
    pop_years = np.arange(y0, end_year + 4)
    total0 = rng.integers(*inwoners, len(codes))
    growth = (1 + K.POP_GROWTH_PER_YEAR) ** (pop_years - first_year)
    total = np.round(total0[:, None] * growth[None, :]).astype(np.int64)
    youth = np.round(total * 0.2).astype(np.int64)
    pop = pa.table(
        {
            "gemeentecode": np.repeat(codes, len(pop_years)),
            "jaar": np.tile(pop_years, len(codes)).astype(np.int32),
            "inwoners_0_17": youth.ravel(),
            "inwoners_totaal": total.ravel(),
        }
    )
    # Only the years up to the data's end are known to the store (later years: projection).
    pop = pop.filter(pc.less_equal(pop["jaar"], end_year))
    con.register("_pop", pop)
    con.execute("INSERT INTO populatie BY NAME SELECT * FROM _pop")
    con.unregister("_pop")

    month0 = np.datetime64(f"{y0}-01", "M")
    n_months = (end_year - y0 + 1) * 12
    data_start = np.datetime64(f"{first_year}-01-01", "D")
    data_end = np.datetime64(f"{end_year}-12-31", "D")
    break_month = np.datetime64(breuk.maand, "M") if breuk else None
    parts = []
    for wet, cat, share, duur, cost in _products():
        rate = (JEUGD_STARTS_PER_1000 if wet == "jeugd" else WMO_STARTS_PER_1000) * share / 12
        base = youth if wet == "jeugd" else total
        # Inflow per municipality and month: Poisson(rate x season x population / 1000).
        years_idx = (np.arange(n_months) // 12) + (y0 - pop_years[0])
        lam = rate * SEASON[np.arange(n_months) % 12][None, :] * base[:, years_idx] / 1000
        starts = rng.poisson(lam)
        g_idx = np.repeat(np.repeat(np.arange(len(codes)), n_months), starts.ravel())
        m_idx = np.repeat(np.tile(np.arange(n_months), len(codes)), starts.ravel())
        n = len(g_idx)
        month_first = (month0 + m_idx).astype("datetime64[D]")
        month_len = ((month0 + m_idx + 1).astype("datetime64[D]") - month_first).astype(int)
        begin = month_first + (rng.random(n) * month_len).astype(int)
        verw_w = K.VERWIJZER_JEUGD if wet == "jeugd" else K.VERWIJZER_WMO
        vkeys = list(verw_w)
        vp = np.array([verw_w[k] for k in vkeys])
        verw = rng.choice(len(vkeys), size=n, p=vp / vp.sum())
        if breuk is not None and breuk.verwijzer in vkeys:
            hit = (verw == vkeys.index(breuk.verwijzer)) & ((month0 + m_idx) >= break_month)
            keep = ~hit | (rng.random(n) < breuk.factor)
            g_idx, begin, verw = g_idx[keep], begin[keep], verw[keep]
            n = len(g_idx)
        days = np.maximum(7, rng.lognormal(np.log(duur), DURATION_SIGMA, n)).astype(int)
        eind = begin + days
        factor = rng.lognormal(-(COST_SIGMA**2) / 2, COST_SIGMA, n)
        parts.append((wet, cat, cost, g_idx, begin, eind, verw, vkeys, factor))

    counter = 0
    out: dict[str, list[pa.Table]] = {}
    for wet, cat, cost, g_idx, begin, eind, verw, vkeys, factor in parts:
        n = len(g_idx)
        nums = np.arange(counter, counter + n)
        counter += n
        tables = _trajectories(
            rng, wet, cat, cost, codes, g_idx, begin, eind, verw, vkeys, factor, nums,
            data_start, data_end,
        )  # fmt: skip
        for name, tbl in tables.items():
            out.setdefault(name, []).append(tbl)
    # One insert per table in one transaction: many small inserts into indexed tables are slow.
    con.execute("BEGIN TRANSACTION")
    for name, tbls in out.items():
        target = "levering" if name == "levering_stop" else name
        con.register("_t", pa.concat_tables(tbls, promote_options="permissive"))
        con.execute(f"INSERT INTO {target} BY NAME SELECT * FROM _t")
        con.unregister("_t")
    con.execute("COMMIT")
    return {
        "gemeenten": codes,
        "jaren": list(range(first_year, end_year + 1)),
        "producten": [p[:2] for p in _products()],
        "zorgperioden": counter,
    }


def _ids(prefix: str, nums: np.ndarray) -> pa.Array:
    return digits(prefix, nums, 10)


def _trajectories(
    rng, wet, cat, cost, codes, g_idx, begin, eind, verw, vkeys, factor, nums, d0, d1
) -> dict[str, pa.Table]:
    n = len(nums)
    gem = pa.array(np.array(codes)[g_idx])
    client = hex_ids(rng, n)
    toew_nr = _ids("P", nums)
    verw_s = np.array(vkeys)[verw]
    asked = verw_s != "01"
    ref = pc.if_else(pa.array(asked), _ids("V", nums), pa.scalar(None, pa.string()))
    ended = eind <= d1
    wet_a = pa.array(np.full(n, wet))
    cat_a = pa.array(np.full(n, cat))
    prov = pa.array(np.full(n, PROVIDER))
    zero = pa.array(np.zeros(n, np.int64))
    one = pa.array(np.ones(n, np.int32))
    born = begin - (rng.integers(4, 17, n) if wet == "jeugd" else rng.integers(20, 90, n)) * 365
    tables = {
        "client": pa.table(
            {
                "client_id": client,
                "geboortemaand": born.astype("datetime64[M]").astype("datetime64[D]"),
            }
        ),
        "toewijzing": pa.table(
            {
                "wet": wet_a, "gemeente": gem, "aanbieder": prov, "client_id": client,
                "dagtekening": begin - 10, "toewijzing_nummer": toew_nr,
                "referentie_aanbieder": ref, "productcategorie": cat_a,
                "toewijzingsdatum": begin - 10, "ingangsdatum": begin - 10,
                "einddatum": eind + 60, "bestand_id": zero, "regel": one,
            }
        ),
        "levering": pa.table(
            {
                "wet": wet_a, "gemeente": gem, "aanbieder": prov, "client_id": client,
                "dagtekening": begin + 2, "soort": pa.array(np.full(n, "start")),
                "toewijzing_nummer": toew_nr, "productcategorie": cat_a, "begindatum": begin,
                "status_aanlevering": pa.array(np.full(n, "1")), "bestand_id": zero,
                "regel": one,
            }
        ),
    }  # fmt: skip
    e = np.flatnonzero(ended)
    tables["levering_stop"] = pa.table(
        {
            "wet": wet_a.take(e), "gemeente": gem.take(e), "aanbieder": prov.take(e),
            "client_id": client.take(e), "dagtekening": eind[e] + 2,
            "soort": pa.array(np.full(len(e), "stop")), "toewijzing_nummer": toew_nr.take(e),
            "productcategorie": cat_a.take(e), "begindatum": begin[e], "einddatum": eind[e],
            "reden_beeindiging": pa.array(np.full(len(e), "31" if wet == "jeugd" else "19")),
            "status_aanlevering": pa.array(np.full(len(e), "1")), "bestand_id": zero.take(e),
            "regel": one.take(e),
        }
    )  # fmt: skip
    q = np.flatnonzero(asked)
    tables["verzoek"] = pa.table(
        {
            "wet": wet_a.take(q), "gemeente": gem.take(q), "aanbieder": prov.take(q),
            "client_id": client.take(q), "dagtekening": begin[q] - 14,
            "referentie_aanbieder": ref.take(q), "productcategorie": cat_a.take(q),
            "verwijzer_type": pa.array(verw_s[q]), "bestand_id": zero.take(q),
            "regel": one.take(q),
        }
    )  # fmt: skip
    # Invoice lines: one per trajectory and calendar month of care inside the data years.
    b = np.maximum(begin, d0)
    last = np.minimum(eind, d1)
    ok = b <= last
    m0 = b.astype("datetime64[M]")
    m1 = last.astype("datetime64[M]")
    nl = np.where(ok, (m1 - m0).astype(int) + 1, 0)
    li = np.repeat(np.arange(n), nl)
    off = np.arange(len(li)) - np.repeat(np.cumsum(nl) - nl, nl)
    month = m0[li] + off
    ms = month.astype("datetime64[D]")
    me = (month + 1).astype("datetime64[D]") - 1
    pb = np.maximum(ms, b[li])
    pe = np.minimum(me, last[li])
    frac = ((pe - pb).astype(int) + 1) / ((me - ms).astype(int) + 1)
    year = month.astype("datetime64[Y]").astype(int) + 1970
    index = (1 + K.TARIFF_INDEX_PER_YEAR) ** (year - K.TARIFF_BASE_YEAR)
    bedrag = np.maximum(1, np.round(cost * factor[li] * frac * index)).astype(np.int64)
    L = len(li)
    idx = pa.array(li)
    tables["prestatie"] = pa.table(
        {
            "wet": wet_a.take(idx), "gemeente": gem.take(idx), "aanbieder": prov.take(idx),
            "client_id": client.take(idx), "dagtekening": me + 5,
            "referentie_nummer": _ids("R", nums[li] * 64 + off),
            "toewijzing_nummer": toew_nr.take(idx), "productcategorie": cat_a.take(idx),
            "begindatum": pb, "einddatum": pe, "geleverd_volume": pa.array(np.ones(L, np.int64)),
            "eenheid": pa.array(np.full(L, "14")), "bedrag_cent": bedrag,
            "debet_credit": pa.array(np.full(L, "D")),
            "bestand_id": pa.array(np.zeros(L, np.int64)),
            "regel": pa.array(np.ones(L, np.int32)),
        }
    )  # fmt: skip
    return tables

"""generate_national: national benchmark scale straight to Parquet in the store layout.

All 342 municipalities, ~2 M clients and ~40 M invoice lines a year, fully vectorised with
numpy/pyarrow: the only Python loop is over chunks of municipalities, each chunk written as
one row group per table, so peak memory stays bounded whatever ``clients`` is. Column names
and types come from the store's own DDL (store/schema.py), so the files load with
``INSERT INTO <table> SELECT * FROM read_parquet(...)``.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from regiekamer.standards.messages import gemeenten as all_gemeenten
from regiekamer.store.schema import MIGRATIONS
from regiekamer.synth import constants as K
from regiekamer.synth.common import agb_codes, provider_names
from regiekamer.synth.reference import products

FACTS = ("prestatie", "toewijzing", "levering", "verzoek", "declaratie_antwoord", "client")
REFS = ("gemeente", "populatie", "aanbieder", "product", "budget")
_ARROW = {
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "VARCHAR[]": pa.list_(pa.string()),
}
NL_INWONERS = 18_000_000  # CBS 37230ned, 2025 (rounded)
# CBS: ~0.5 M jeugd and ~1.3 M Wmo (maatwerk) clients a year nationally.
NATIONAL_JEUGD_SHARE = 0.3
CHUNK_CLIENTS = 75_000  # clients per chunk: ~1.5 M lines, keeps peak memory ~2-3 GiB
PROVIDERS_PER_REGION, NATIONAL_PROVIDERS = 30, 60


def store_schemas() -> dict[str, pa.Schema]:
    """Arrow schemas of the store tables, read from the DDL itself."""
    con = duckdb.connect()
    for stmt in MIGRATIONS[1]:
        con.execute(stmt)
    out = {}
    for t in FACTS + REFS:
        cols = con.execute(f"DESCRIBE {t}").fetchall()
        out[t] = pa.schema([(c[0], _ARROW[c[1]]) for c in cols])
    con.close()
    return out


# --- vectorised string builders ---------------------------------------------------------------


def _fixed(buf: np.ndarray) -> pa.Array:
    """A (n, width) uint8 matrix of characters -> StringArray without a Python loop."""
    n, w = buf.shape
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(
        n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(buf).tobytes())
    ).cast(pa.string())


def digits(prefix: str, nums: np.ndarray, width: int) -> pa.Array:
    """prefix + zero-padded numbers, e.g. digits('R', [7], 4) -> ['R0007']."""
    p = np.frombuffer(prefix.encode(), dtype=np.uint8)
    buf = np.empty((len(nums), len(p) + width), dtype=np.uint8)
    buf[:, : len(p)] = p
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    buf[:, len(p) :] = (np.asarray(nums, dtype=np.int64)[:, None] // powers) % 10 + 48
    return _fixed(buf)


def hex_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """n random 32-hex-character pseudonyms (128 random bits each)."""
    raw = np.frombuffer(binascii.hexlify(rng.bytes(16 * n)), dtype=np.uint8)
    return _fixed(raw.reshape(n, 32))


def coded(values: list[str], idx: np.ndarray) -> pa.Array:
    """values[idx] as a plain string array (via a dictionary array, in C++)."""
    d = pa.DictionaryArray.from_arrays(pa.array(idx, pa.int32()), pa.array(values, pa.string()))
    return d.cast(pa.string())


def dates(days: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(days, dtype="datetime64[D]"), pa.date32())


# --- the generator --------------------------------------------------------------------------


def generate_national(
    out: Path,
    *,
    year: int = 2025,
    clients: int = 2_000_000,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Write national-scale synthetic facts and reference tables as Parquet into ``out``
    (``<table>.parquet`` per store table) and return row counts per table."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    schemas = store_schemas()
    gem = sorted(all_gemeenten().values(), key=lambda g: g["gemeentecode"])
    codes = [g["gemeentecode"] for g in gem]
    regions = sorted({g["jeugdregio"] for g in gem})
    region_of = np.array([regions.index(g["jeugdregio"]) for g in gem])

    # Population: lognormal sizes scaled to the national total (smallest ~1,000 inhabitants).
    w = rng.lognormal(0, 0.9, len(gem))
    total = np.clip(w / w.sum() * NL_INWONERS, 1_000, 950_000).round().astype(np.int64)
    youth = (total * rng.uniform(*K.YOUTH_SHARE_RANGE, len(gem))).round().astype(np.int64)

    catalogue = products()
    n_prov = len(regions) * PROVIDERS_PER_REGION + NATIONAL_PROVIDERS
    agbs = agb_codes(rng, n_prov)
    prov_weight = rng.lognormal(0, 0.8, n_prov)
    prov_region = np.concatenate(
        [np.repeat(np.arange(len(regions)), PROVIDERS_PER_REGION), np.full(NATIONAL_PROVIDERS, -1)]
    )

    writers = {t: pq.ParquetWriter(out / f"{t}.parquet", schemas[t]) for t in FACTS}
    counts = dict.fromkeys(FACTS, 0)
    spend = np.zeros((len(gem), 2), dtype=np.int64)
    # Clients per municipality and law, proportional to the population that can use it.
    n_jeugd = rng.multinomial(round(clients * NATIONAL_JEUGD_SHARE), youth / youth.sum())
    adults = total - youth
    n_wmo = rng.multinomial(clients - n_jeugd.sum(), adults / adults.sum())
    per_gem = n_jeugd + n_wmo
    chunks, cur, acc = [], [], 0
    for g in range(len(gem)):
        cur.append(g)
        acc += per_gem[g]
        if acc >= CHUNK_CLIENTS:
            chunks.append(cur)
            cur, acc = [], 0
    if cur:
        chunks.append(cur)
    nation = _Nation(
        rng,
        year,
        n_jeugd,
        n_wmo,
        region_of,
        prov_region,
        prov_weight,
        catalogue,
        codes,
        agbs,
        state={"alloc": 100_000_000, "line": 0, "decl": 0},
        spend=spend,
    )
    for k, chunk in enumerate(chunks):
        tables = _chunk(nation, np.array(chunk))
        for t, tbl in tables.items():
            writers[t].write_table(
                pa.Table.from_arrays(
                    [tbl[c].cast(schemas[t].field(c).type) for c in schemas[t].names],
                    schema=schemas[t],
                )
            )
            counts[t] += len(tbl[schemas[t].names[0]])
        if progress:
            progress(k + 1, len(chunks))
    for wr in writers.values():
        wr.close()
    _write_reference(out, schemas, rng, gem, year, total, youth, agbs, catalogue, spend)
    return {
        "jaar": year,
        "clienten": int(clients),
        "gemeenten": len(gem),
        "aanbieders": n_prov,
        "rijen": counts,
    }


@dataclass
class _Nation:
    """What every chunk of municipalities draws from: the seed's generator and the country."""

    rng: np.random.Generator
    year: int
    n_jeugd: np.ndarray
    n_wmo: np.ndarray
    region_of: np.ndarray
    prov_region: np.ndarray
    prov_weight: np.ndarray
    catalogue: object
    codes: list[str]
    agbs: object
    state: dict[str, int]  # running numbers: allocations, invoice lines, declarations
    spend: np.ndarray  # cents per municipality and law, for the budgets


def _chunk(nation: _Nation, chunk: np.ndarray) -> dict[str, dict[str, pa.Array]]:
    """Facts for the clients of a few municipalities."""
    rng, year, n_jeugd, n_wmo = nation.rng, nation.year, nation.n_jeugd, nation.n_wmo
    region_of, prov_region, prov_weight = nation.region_of, nation.prov_region, nation.prov_weight
    catalogue, codes, agbs = nation.catalogue, nation.codes, nation.agbs
    state, spend = nation.state, nation.spend
    y0 = np.datetime64(f"{year}-01-01", "D")
    # Clients: municipality, law (0 jeugd, 1 wmo), birth month, sex.
    cg = np.concatenate([np.repeat(chunk, n_jeugd[chunk]), np.repeat(chunk, n_wmo[chunk])])
    cw = np.concatenate(
        [np.zeros(n_jeugd[chunk].sum(), np.int8), np.ones(n_wmo[chunk].sum(), np.int8)]
    )
    nc = len(cg)
    cid = hex_ids(rng, nc)
    age = np.where(cw == 0, rng.integers(0, 19, nc), rng.integers(18, 96, nc))
    birth = y0 - (age * 365.25).astype(np.int64) - rng.integers(0, 365, nc)
    geboortemaand = birth.astype("datetime64[M]").astype("datetime64[D]")
    sex = np.where(rng.random(nc) < np.where(cw == 0, 0.55, 0.38), 0, 1)
    client = {
        "client_id": cid,
        "geboortemaand": dates(geboortemaand),
        "geslacht": coded(["1", "2"], sex),
    }

    # Allocations: 1 + Poisson per client, tuned to ~20 invoice lines per client a year.
    na = 1 + np.minimum(rng.poisson(2.4, nc), 7)
    a_client = np.repeat(np.arange(nc), na)
    A = len(a_client)
    a_wet = cw[a_client]
    prods = [(i, p) for i, p in enumerate(catalogue)]
    pj = np.array([p.gewicht if p.wet == "jeugd" else 0 for _, p in prods])
    pw = np.array([p.gewicht if p.wet == "wmo" else 0 for _, p in prods])
    a_prod = np.where(a_wet == 0, _draw(rng, pj, A), _draw(rng, pw, A))
    a_gem = cg[a_client]
    # Provider: 80 % from the municipality's region pool, 20 % a national provider.
    regional = rng.random(A) < 0.8
    pos = rng.integers(0, PROVIDERS_PER_REGION, A)
    pool_pick = region_of[a_gem] * PROVIDERS_PER_REGION + pos
    nat = len(prov_region) - NATIONAL_PROVIDERS + _draw(rng, prov_weight[-NATIONAL_PROVIDERS:], A)
    a_prov = np.where(regional, pool_pick, nat)
    # Start: half already running at 1 January, the rest start during the year.
    before = rng.random(A) < 0.5
    start = np.where(before, y0 - rng.integers(1, 300, A), y0 + rng.integers(0, 360, A))
    wait = np.maximum(
        1, rng.lognormal(np.log(K.WACHTTIJD_MEDIAAN_DAGEN), K.WACHTTIJD_SIGMA, A)
    ).astype(np.int64)
    toew = start - wait
    dur = (
        rng.lognormal(np.log(np.array([p.duur for p in catalogue]))[a_prod], 0.6).astype(np.int64)
        + 14
    )
    stop = start + dur
    # Allocations that started last year are by definition still running on 1 January.
    stop = np.where(before & (stop < y0), y0 + rng.integers(1, 240, A), stop)
    y1 = y0 + 364 + (1 if (year % 4 == 0) else 0)
    ends = stop <= y1
    a_num = state["alloc"] + np.arange(A)
    state["alloc"] += A
    vol_lo = np.array([p.volume[0] for p in catalogue])[a_prod]
    vol_hi = np.array([p.volume[1] for p in catalogue])[a_prod]
    a_vol = rng.integers(vol_lo, vol_hi + 1)
    freq = np.array([p.frequentie for p in catalogue])[a_prod]
    verw_keys = list(K.VERWIJZER_JEUGD)
    vj = np.array(list(K.VERWIJZER_JEUGD.values()))
    vw = np.array([K.VERWIJZER_WMO.get(k, 0) for k in verw_keys])
    a_verw = np.where(a_wet == 0, _draw(rng, vj, A), _draw(rng, vw, A))
    wet_s = coded(["jeugd", "wmo"], a_wet)
    gem_s = coded(codes, a_gem)
    prov_s = coded(agbs, a_prov)
    cid_a = cid.take(pa.array(a_client))
    cat_s = coded([p.cat for p in catalogue], a_prod)
    code_s = coded([p.code for p in catalogue], a_prod)
    eenh_s = coded([p.eenheid for p in catalogue], a_prod)
    num_s = digits("", a_num, 9)
    ident_a = digits("T", a_num, 9)
    # An allocation that answers a request (JW315) carries the request's ReferentieAanbieder.
    asked = a_verw != 0
    ref_a = pc.if_else(pa.array(asked), digits("V", a_num, 9), pa.nulls(A, pa.string()))
    toewijzing = {
        "wet": wet_s,
        "gemeente": gem_s,
        "aanbieder": prov_s,
        "client_id": cid_a,
        "dagtekening": dates(toew),
        "toewijzing_nummer": num_s,
        "referentie_aanbieder": ref_a,
        "productcategorie": cat_s,
        "productcode": code_s,
        "toewijzingsdatum": dates(toew),
        "ingangsdatum": dates(toew),
        "einddatum": dates(start + 365),
        "reden_wijziging": pa.nulls(A, pa.string()),
        "volume": pa.array(a_vol),
        "eenheid": eenh_s,
        "frequentie": coded([p.frequentie for p in catalogue], a_prod),
        "budget_cent": pa.nulls(A, pa.int64()),
        "bestand_id": pa.array(np.zeros(A, np.int64)),
        "bericht_id": ident_a,
        "regel": pa.array(np.ones(A, np.int32)),
    }
    # Requests (JW315) for allocations not made by the access team.
    rq = np.flatnonzero(asked)
    verzoek = {
        "wet": wet_s.take(rq),
        "gemeente": gem_s.take(rq),
        "aanbieder": prov_s.take(rq),
        "client_id": cid_a.take(rq),
        "dagtekening": dates(toew[rq] - 3),
        "referentie_aanbieder": digits("V", a_num[rq], 9),
        "beschikking_nummer": pa.nulls(len(rq), pa.string()),
        "productcategorie": cat_s.take(rq),
        "productcode": code_s.take(rq),
        "beschikking_ingangsdatum": pa.nulls(len(rq), pa.date32()),
        "toewijzing_ingangsdatum": dates(toew[rq] - 3),
        "toewijzing_einddatum": dates(start[rq] + 365),
        "volume": pa.array(a_vol[rq]),
        "eenheid": eenh_s.take(rq),
        "frequentie": toewijzing["frequentie"].take(rq),
        "budget_cent": pa.nulls(len(rq), pa.int64()),
        "verwijzer_type": coded(verw_keys, a_verw[rq]),
        "verwijzer_zorgverlenercode": pa.nulls(len(rq), pa.string()),
        "bestand_id": pa.array(np.zeros(len(rq), np.int64)),
        "bericht_id": digits("V", a_num[rq], 9),
        "regel": pa.array(np.ones(len(rq), np.int32)),
    }
    # Start (all) and stop (those ending this year) messages.
    st = np.concatenate([np.arange(A), np.flatnonzero(ends)])
    is_stop = np.arange(len(st)) >= A
    event = np.where(is_stop, stop[st], start[st])
    plan = rng.random(len(st)) < 0.7
    reden_j = np.where(plan, 0, rng.integers(1, 5, len(st)))  # 31 / 32-35
    reden_w = np.where(plan, 0, rng.integers(1, 4, len(st)))  # 19 / 21-23
    reden = np.where(a_wet[st] == 0, reden_j, 5 + reden_w)
    reden_s = coded(["31", "32", "33", "34", "35", "19", "21", "22", "23"], reden)
    reden_s = pc.if_else(pa.array(is_stop), reden_s, pa.scalar(None, pa.string()))
    levering = {
        "wet": wet_s.take(st),
        "gemeente": gem_s.take(st),
        "aanbieder": prov_s.take(st),
        "client_id": cid_a.take(st),
        "dagtekening": dates(event + rng.integers(0, 8, len(st))),
        "soort": coded(["start", "stop"], is_stop.astype(np.int8)),
        "toewijzing_nummer": num_s.take(st),
        "productcategorie": cat_s.take(st),
        "productcode": code_s.take(st),
        "toewijzing_ingangsdatum": dates(toew[st]),
        "begindatum": dates(start[st]),
        "einddatum": pa.array(stop[st].astype("datetime64[D]"), pa.date32(), mask=~is_stop),
        "reden_beeindiging": reden_s,
        "status_aanlevering": coded(["1"], np.zeros(len(st), np.int8)),
        "bestand_id": pa.array(np.zeros(len(st), np.int64)),
        "bericht_id": digits("L", np.arange(len(st)) + a_num[0] * 2, 10),
        "regel": pa.array(np.ones(len(st), np.int32)),
    }

    # Invoice lines: one per allocation x month of care within the year.
    b = np.maximum(start, y0)
    e = np.minimum(np.where(ends, stop, y1), start + 365)
    ok = b <= e
    m0 = (b.astype("datetime64[M]") - y0.astype("datetime64[M]")).astype(np.int64)
    m1 = (e.astype("datetime64[M]") - y0.astype("datetime64[M]")).astype(np.int64)
    output = freq == "6"
    m0 = np.where(output, m1, m0)  # output products are billed once, in the last month
    ok &= ~output | ends
    nl = np.where(ok, m1 - m0 + 1, 0)
    li = np.repeat(np.arange(A), nl)
    L = len(li)
    first = np.repeat(np.cumsum(nl) - nl, nl)
    month = m0[li] + (np.arange(L) - first)
    ms = (y0.astype("datetime64[M]") + month).astype("datetime64[D]")
    me = (y0.astype("datetime64[M]") + month + 1).astype("datetime64[D]") - 1
    pb = np.maximum(ms, b[li])
    pe = np.minimum(me, e[li])
    days = (pe - pb).astype(np.int64) + 1
    mdays = (me - ms).astype(np.int64) + 1
    v, f = a_vol[li], freq[li]
    x = np.where(f == "2", v * days / 7, np.where(f == "4", v * days / mdays, v * days))
    u = rng.uniform(0.7, 1.0, L)
    vol = np.where(
        f == "1", v * days, np.where(f == "6", 1, np.maximum(1, np.round(x * u)))
    ).astype(np.int64)
    tarief = np.array([p.tarief(year) for p in catalogue], np.int64)[a_prod[li]]
    # Planted faults: tariff and volume deviations, lines without allocation.
    fault = rng.random(L)
    tarief = np.where(fault < K.FOUT_0611_KANS, (tarief * 1.1).astype(np.int64), tarief)
    vol = np.where(
        (fault >= 0.5) & (fault < 0.5 + K.FOUT_9321_KANS) & (f != "1"),
        np.ceil(x * 1.5).astype(np.int64) + 2,
        vol,
    )
    no_alloc = fault > 1 - K.FOUT_9338_KANS
    bedrag = vol * tarief
    # Declaration: provider x municipality x month; its number doubles as message id.
    dkey = (a_prov[li].astype(np.int64) * len(codes) + a_gem[li]) * 12 + month
    order = np.argsort(dkey, kind="stable")
    li, dkey, pb, pe, vol, tarief, bedrag, no_alloc, month = (
        z[order] for z in (li, dkey, pb, pe, vol, tarief, bedrag, no_alloc, month)
    )
    newgrp = np.r_[True, dkey[1:] != dkey[:-1]]
    grp_start = np.flatnonzero(newgrp)
    grp = np.cumsum(newgrp) - 1
    regel = (np.arange(L) - grp_start[grp] + 1).astype(np.int32)
    dnum = state["decl"] + grp
    state["decl"] += len(grp_start)
    lnum = state["line"] + np.arange(L)
    state["line"] += L
    dagt = (y0.astype("datetime64[M]") + month + 1).astype("datetime64[D]") + 3 + (dkey * 7919 % 13)
    toew_num = num_s.take(pa.array(li))
    toew_num = pc.if_else(pa.array(no_alloc), pa.scalar("999999999"), toew_num)
    decl_s = digits("D", dnum, 10)
    ident_s = digits("N", dnum, 10)
    idx = pa.array(li)
    prestatie = {
        "wet": wet_s.take(idx),
        "gemeente": gem_s.take(idx),
        "aanbieder": prov_s.take(idx),
        "client_id": cid_a.take(idx),
        "dagtekening": dates(dagt),
        "declaratie_nummer": decl_s,
        "referentie_nummer": digits("R", lnum, 11),
        "vorig_referentie_nummer": pa.nulls(L, pa.string()),
        "toewijzing_nummer": toew_num,
        "productcategorie": cat_s.take(idx),
        "productcode": code_s.take(idx),
        "begindatum": dates(pb),
        "einddatum": dates(pe),
        "geleverd_volume": pa.array(vol),
        "eenheid": eenh_s.take(idx),
        "product_tarief_cent": pa.array(tarief),
        "bedrag_cent": pa.array(bedrag),
        "debet_credit": coded(["D"], np.zeros(L, np.int8)),
        "bestand_id": pa.array(np.zeros(L, np.int64)),
        "bericht_id": ident_s,
        "regel": pa.array(regel),
    }
    np.add.at(spend, (a_gem[li], a_wet[li]), bedrag)
    # Answers (JW325) to ~92 % of the jeugd declarations; faults get their retourcode.
    answered = (a_wet[li] == 0) & ((dkey * 2654435761 % 100) < K.JW325_KANS * 100)
    ai = np.flatnonzero(answered)
    code = np.where(
        no_alloc,
        2,
        np.where(
            tarief != np.array([p.tarief(year) for p in catalogue], np.int64)[a_prod[li]], 1, 0
        ),
    )[ai]
    n = len(ai)
    rc = pa.ListArray.from_arrays(
        pa.array(np.arange(n + 1, dtype=np.int32)), coded(["0200", "0611", "9338"], code)
    )
    aidx = pa.array(ai)
    antwoord = {
        k: prestatie[k].take(aidx)
        for k in (
            "wet",
            "gemeente",
            "aanbieder",
            "client_id",
            "declaratie_nummer",
            "referentie_nummer",
            "vorig_referentie_nummer",
            "toewijzing_nummer",
            "productcategorie",
            "productcode",
            "begindatum",
            "einddatum",
            "geleverd_volume",
            "eenheid",
            "product_tarief_cent",
            "bedrag_cent",
            "debet_credit",
            "bestand_id",
            "regel",
        )
    }
    antwoord |= {
        "dagtekening": dates(dagt[ai] + 7),
        "declaratie_identificatie": ident_s.take(aidx),
        "retourcodes": rc,
        "bericht_id": digits("A", dnum[ai], 10),
    }
    return {
        "client": client,
        "toewijzing": toewijzing,
        "verzoek": verzoek,
        "levering": levering,
        "prestatie": prestatie,
        "declaratie_antwoord": antwoord,
    }


def _draw(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """n indices drawn with the given (unnormalised) weights, vectorised."""
    cum = np.cumsum(weights, dtype=float)
    return np.searchsorted(cum, rng.random(n) * cum[-1], side="right").clip(0, len(cum) - 1)


def _write_reference(out, schemas, rng, gem, year, total, youth, agbs, catalogue, spend) -> None:
    n = len(gem)
    none_i = pa.nulls(n, pa.int64())
    tables = {
        "gemeente": {
            "gemeentecode": pa.array([g["gemeentecode"] for g in gem]),
            "gemeentenaam": pa.array([g["gemeentenaam"] for g in gem]),
            "provincie": pa.array([g["provincie"] for g in gem]),
            "jeugdregio": pa.array([g["jeugdregio"] for g in gem]),
            "bestand_id": none_i,
        },
        "populatie": {
            "gemeentecode": pa.array([g["gemeentecode"] for g in gem] * 2),
            "jaar": pa.array([year - 1] * n + [year] * n, pa.int32()),
            "inwoners_0_17": pa.array(
                np.r_[(youth / (1 + K.POP_GROWTH_PER_YEAR)).round(), youth].astype(np.int64)
            ),
            "inwoners_totaal": pa.array(
                np.r_[(total / (1 + K.POP_GROWTH_PER_YEAR)).round(), total].astype(np.int64)
            ),
            "bestand_id": pa.nulls(2 * n, pa.int64()),
        },
        "aanbieder": {
            "agb_code": pa.array(agbs),
            "naam": pa.array(provider_names(rng, len(agbs))),
            "bestand_id": pa.nulls(len(agbs), pa.int64()),
        },
        "product": {
            "wet": pa.array([p.wet for p in catalogue for _ in (0, 1)]),
            "productcode": pa.array([p.code for p in catalogue for _ in (0, 1)]),
            "jaar": pa.array([y for _ in catalogue for y in (year - 1, year)], pa.int32()),
            "productcategorie": pa.array([p.cat for p in catalogue for _ in (0, 1)]),
            "omschrijving": pa.array([p.omschrijving for p in catalogue for _ in (0, 1)]),
            "eenheid": pa.array([p.eenheid for p in catalogue for _ in (0, 1)]),
            "tarief_cent": pa.array(
                [p.tarief(y) for p in catalogue for y in (year - 1, year)], pa.int64()
            ),
            "bestand_id": pa.nulls(2 * len(catalogue), pa.int64()),
        },
        "budget": {
            "gemeentecode": pa.array([g["gemeentecode"] for g in gem] * 2),
            "wet": pa.array(["jeugd"] * n + ["wmo"] * n),
            "jaar": pa.array([year] * 2 * n, pa.int32()),
            "budget_cent": pa.array(
                (
                    np.r_[spend[:, 0], spend[:, 1]] * rng.uniform(*K.BUDGET_FACTOR_RANGE, 2 * n)
                ).astype(np.int64)
            ),
            "bestand_id": pa.nulls(2 * n, pa.int64()),
        },
    }
    for t, cols in tables.items():
        s = schemas[t]
        pq.write_table(
            pa.Table.from_arrays([cols[c].cast(s.field(c).type) for c in s.names], schema=s),
            out / f"{t}.parquet",
        )

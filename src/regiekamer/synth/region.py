"""generate_region: a complete synthetic region as reference CSVs plus iJw/iWmo XML messages."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from regiekamer.synth import constants as K
from regiekamer.synth import xmlmsg as X
from regiekamer.synth.common import add_working_days, bad_bsn, bsns
from regiekamer.synth.contracten import ensure_lump_sum_partner, write_contract_details
from regiekamer.synth.flow import Episode, Msg, Simulator
from regiekamer.synth.invoices import build as build_invoices
from regiekamer.synth.participatie import generate_participatie
from regiekamer.synth.rechtmatigheid import plant as plant_invoice_faults
from regiekamer.synth.reference import (
    Reference,
    choose_gemeenten,
    make_providers,
    population,
    products,
    write_reference,
)

Progress = Callable[[int, int], None]


def generate_region(
    out: Path,
    *,
    gemeenten: int = 3,
    clients: int = 600,
    years: int = 2,
    seed: int = 1,
    end_year: int = 2025,
    progress: Progress | None = None,
) -> dict:
    """Write a synthetic youth-care/Wmo region into ``out`` (referentie/, berichten/,
    fouten.json) and return a summary. The same arguments give byte-identical output."""
    out = Path(out)
    rng = np.random.default_rng(seed)
    r = random.Random(seed)
    w0, w1 = date(end_year - years + 1, 1, 1), date(end_year, 12, 31)
    all_years = list(range(w0.year - 1, end_year + 1))  # one warm-up year before the window
    total = 2 * clients
    report = progress or (lambda done, total: None)

    gem_rows = choose_gemeenten(rng, gemeenten)
    youth_needed = clients * K.JEUGD_SHARE / years / K.JEUGD_CLIENTS_PER_1000_YOUTH * 1000
    ref = Reference(
        gem_rows,
        population(rng, gem_rows, all_years, youth_needed),
        [],
        products(),
        all_years,
    )
    n_prov = int(
        np.clip(round(15 + clients / 150 + rng.integers(0, 6)), K.AANBIEDERS_MIN, K.AANBIEDERS_MAX)
    )
    ref.providers = make_providers(rng, n_prov, ref.products)
    ensure_lump_sum_partner(ref.providers)

    sim = Simulator(r, ref, w0, w1)
    step = max(1, clients // 100)
    for i, bsn in enumerate(bsns(rng, clients)):
        c, arrival = sim.client(bsn)
        sim.run(c, arrival)
        if i % step == 0:
            report(i, total)
    inv = build_invoices(r, sim.episodes, w0, w1, years)
    msgs = sim.msgs + inv.msgs + plant_invoice_faults(r, inv, sim.episodes, w0)
    msgs.sort(key=lambda m: (m.dagt, m.soort, m.afzender))  # stable: creation order breaks ties
    counters: Counter = Counter()
    for m in msgs:
        counters[(m.afzender, m.soort)] += 1
        m.ident = f"{counters[(m.afzender, m.soort)]:08d}"
    faults = [f for f in inv.faults]
    msgs += _planted_messages(r, sim.episodes, msgs, counters, faults)

    write_reference(out / "referentie", ref, inv.spend, inv.lump, rng)
    bijstand = generate_participatie(out / "referentie", sim.episodes, ref.populatie, w0, w1, seed)
    write_contract_details(out / "referentie", ref, rng)
    names: set[str] = set()
    dirs: set[Path] = set()
    for k, m in enumerate(msgs):
        m.path = _path(m, names)
        target = out / m.path
        if target.parent not in dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            dirs.add(target.parent)
        target.write_text(render(m), encoding="utf-8")
        if k % max(1, len(msgs) // 100) == 0:
            report(clients + clients * k // max(1, len(msgs)), total)

    fouten = [
        {key: v for key, v in f.items() if key != "msg"} | {"bestand": f["msg"].path}
        for f in faults
    ]
    (out / "fouten.json").write_text(
        json.dumps(fouten, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    report(total, total)
    per_wet = Counter(e.client.wet for e in sim.episodes)
    return {
        "periode": [w0.isoformat(), w1.isoformat()],
        "jeugdregio": gem_rows[0]["jeugdregio"],
        "gemeenten": [g["gemeentecode"] for g in gem_rows],
        "clienten": clients,
        "clienten_per_wet": dict(
            Counter(c.wet for c in {id(e.client): e.client for e in sim.episodes}.values())
        ),
        "aanbieders": len(ref.providers),
        "toewijzingen_per_wet": dict(per_wet),
        "berichten": dict(sorted(Counter(m.soort for m in msgs).items())),
        # messages, eight reference CSVs, two of bijstand, fouten.json
        "bestanden": len(msgs) + 11,
        "participatie": bijstand,
        "prestaties": inv.lines,
        "fouten": dict(sorted(Counter(f["verwacht_code"] for f in fouten).items())),
    }


def _path(m: Msg, taken: set[str]) -> str:
    base = f"berichten/{m.soort}/{m.dagt:%Y-%m}/{m.soort}_{m.afzender}_{m.ident}"
    path, n = f"{base}.xml", 1
    while path in taken:
        n += 1
        path = f"{base}_{n}.xml"
    taken.add(path)
    return path


# --- rendering ----------------------------------------------------------------------------


def render(m: Msg) -> str:
    head = X.open_bericht(m.soort, m.afzender, m.ontvanger, m.ident, m.dagt.isoformat())
    d = m.data
    if m.kind == "declaratie":
        dagt = m.dagt.isoformat()
        xml = X.declaratie(
            head,
            d["nummer"],
            d["begin"].isoformat(),
            d["eind"].isoformat(),
            dagt,
            _iso_clients(d["clients"]),
        )
    elif m.kind == "antwoord":
        decl = d["decl"]
        xml = X.antwoord(
            head,
            decl.ident,
            decl.dagt.isoformat(),
            decl.data["nummer"],
            _iso_clients(decl.data["clients"]),
            d["codes"],
        )
    else:
        ep: Episode = d["ep"]
        c = X.ClientData(
            d.get("bsn", ep.client.bsn), ep.client.geboortedatum.isoformat(), ep.client.geslacht
        )
        p = ep.product
        if m.kind == "verzoek":
            zvl = {"02": ep.nummer % 40, "05": ep.nummer % 15}.get(ep.verwijzer)
            v = {
                "referentie": ep.referentie,
                "cat": p.cat,
                "code": p.code,
                "ingangsdatum": ep.request.isoformat(),
                "einddatum": ep.einde.isoformat(),
                "volume": ep.volume,
                "eenheid": p.eenheid,
                "frequentie": p.frequentie,
                "verwijzer": ep.verwijzer,
                "zorgverlener": None
                if zvl is None
                else f"{'01' if ep.verwijzer == '02' else '03'}{(ep.nummer * 7919) % 10**6:06d}",
            }
            xml = X.verzoek(head, c, v, m.soort.startswith("JW"))
        elif m.kind == "toewijzing":
            t = {
                "nummer": ep.nummer,
                "referentie": ep.referentie if ep.request else None,
                "cat": p.cat,
                "code": p.code,
                "toewijzingsdatum": ep.toew.isoformat(),
                "tijd": f"{8 + ep.nummer % 9:02d}:{ep.nummer * 7 % 60:02d}:00",
                "ingangsdatum": ep.toew.isoformat(),
                "einddatum": ep.einde.isoformat(),
                "volume": ep.volume,
                "eenheid": p.eenheid,
                "frequentie": p.frequentie,
                "budget": ep.budget,
            }
            xml = X.toewijzing(head, c, t)
        else:
            s = {
                "nummer": ep.nummer,
                "cat": p.cat,
                "code": p.code,
                "toewijzing_ingangsdatum": ep.toew.isoformat(),
                "begindatum": d["begindatum"].isoformat(),
                "status": d["status"],
            }
            if m.kind == "stop":
                s |= {"einddatum": d["einddatum"].isoformat(), "reden": d["reden"]}
            xml = X.startstop(head, c, s, m.kind == "stop")
    if "mutate" in d:
        xml = d["mutate"](xml)
    return xml


def _iso_clients(clients: dict[str, list[dict]]) -> dict[str, list[dict]]:
    return {
        bsn: [dict(p, begin=p["begin"].isoformat(), eind=p["eind"].isoformat()) for p in ps]
        for bsn, ps in clients.items()
    }


# --- planted invalid messages ---------------------------------------------------------------


def _planted_messages(
    r: random.Random, episodes: list[Episode], msgs: list[Msg], counters: Counter, faults: list
) -> list[Msg]:
    """A handful of messages that ingest must reject, each recorded in ``faults``."""
    new: list[Msg] = []

    def add(base: Msg, soort: str, code: str, ident: str | None = None, **changes) -> Msg:
        m = Msg(
            base.dagt,
            base.soort,
            base.afzender,
            base.ontvanger,
            base.kind,
            dict(base.data),
            client=base.client,
        )
        for key, v in changes.items():
            if key in ("dagt", "ontvanger", "afzender"):
                setattr(m, key, v)
            else:
                m.data[key] = v
        if ident is None:
            counters[(m.afzender, m.soort)] += 1
            ident = f"{counters[(m.afzender, m.soort)]:08d}"
        m.ident = ident
        ep: Episode = m.data["ep"]
        faults.append(
            {
                "soort": soort,
                "msg": m,
                "toewijzing_nummer": str(ep.nummer),
                "verwacht_code": code,
                "bericht_identificatie": ident,
            }
        )
        new.append(m)
        return m

    def choose(kind: str) -> Msg | None:
        cands = [m for m in msgs if m.kind == kind and m.data.get("status", "1") == "1"]
        jeugd = [m for m in cands if m.soort.startswith("JW")]
        cands = jeugd or cands
        return cands[r.randrange(len(cands))] if cands else None

    if t := choose("toewijzing"):

        def broken(xml: str, year: int = t.dagt.year) -> str:
            return re.sub(r"<Ingangsdatum>[^<]*<", f"<Ingangsdatum>{year}-02-30<", xml)

        add(t, "xsd_ongeldig", "0001", dagt=t.dagt + timedelta(days=1), mutate=broken)
    if s := choose("start"):
        add(s, "bsn_elfproef", "RK-BSN-01", bsn=bad_bsn(s.data["ep"].client.bsn))
    if v := (choose("verzoek") or choose("start")):
        add(v, "onbekende_gemeente", "S300", ontvanger="9999")
    if s := choose("start"):
        ep = s.data["ep"]
        add(
            s,
            "verwijderen_zonder_origineel",
            "9063",
            status="3",
            begindatum=ep.toew - timedelta(days=30),
            dagt=add_working_days(s.dagt, 2),
        )
    if s := choose("start"):
        add(
            s,
            "identificatie_dubbel",
            "9056",
            ident=s.ident,
            begindatum=s.data["begindatum"] + timedelta(days=1),
            dagt=add_working_days(s.dagt, 5),
        )
    return new

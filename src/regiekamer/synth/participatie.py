"""Bijstand and households for the synthetic region: ``uitkering.csv`` and ``huishouden.csv``.

Rates follow the national picture in round numbers (CBS, 2023-2024): about 2.5 % of all
inhabitants live on bijstand; households with youth care have it far more often (about one in
five), as have Wmo clients below pension age (about one in four); pensioners hardly ever (AOW).
A benefit lasts on average about two and a half years; of those that end, a bit under half end
in work. A few households move to another municipality of the region and claim there again.

Youth clients live in a household with a parent (a new synthetic person, who may be on
bijstand); one in seven shares the household with a sibling already in care, and some Wmo
clients below 65 are the parent of a youth client. Everyone else forms a household of their own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from regiekamer.synth.common import bsns
from regiekamer.synth.flow import Client, Episode
from regiekamer.synth.reference import write_csv

BIJSTAND_STOCK_SHARE = 0.025  # of all inhabitants, at any time
P_BIJSTAND_YOUTH_HOUSEHOLD = 0.20
P_BIJSTAND_WMO_UNDER_65 = 0.25
P_SIBLING = 0.15  # a youth client joins a household already in the data
P_WMO_PARENT = 0.10  # a Wmo client below 65 is the parent in a youth household
P_MOVE = 0.04  # a benefit ends because the household moves within the region
MEAN_MONTHS = 30
REASONS = {
    "werk": 0.45,
    "andere_uitkering": 0.15,
    "inkomen_partner": 0.10,
    "opleiding": 0.06,
    "detentie": 0.02,
    "overlijden": 0.02,
    "overig": 0.20,
}
MAANDBEDRAG = {1: 135_000, 2: 190_000}  # netto bijstandsnorm in cents, alleenstaande / paar
WIJKEN_PER_GEMEENTE = 8


@dataclass
class _Person:
    bsn: str
    gemeente: str
    household: str
    geboortedatum: date | None = None


def generate_participatie(
    folder: Path,
    episodes: list[Episode],
    populatie: dict[tuple[str, int], tuple[int, int]],
    w0: date,
    w1: date,
    seed: int,
) -> dict[str, int]:
    """Write uitkering.csv and huishouden.csv into ``folder``; return counts for the summary."""
    r = random.Random(seed * 7919 + 17)
    rng = np.random.default_rng(seed + 10_007)
    gemeenten = sorted({g for g, _ in populatie})
    first: dict[str, tuple[Client, str]] = {}
    for ep in episodes:
        first.setdefault(ep.client.bsn, (ep.client, ep.gemeente))
    taken = set(first)
    spare = iter(
        b for b in bsns(rng, 4 * len(first) + 10 * _stock(populatie, w1) + 100) if b not in taken
    )

    people: list[_Person] = []
    youth_households: dict[str, list[str]] = {g: [] for g in gemeenten}
    benefits: list[dict] = []
    n_household = 0

    def new_household() -> str:
        nonlocal n_household
        n_household += 1
        return f"HH{seed:03d}{n_household:07d}"

    for bsn, (client, gemeente) in sorted(first.items()):
        if client.wet != "jeugd":
            continue
        own = youth_households[gemeente]
        if own and r.random() < P_SIBLING:
            people.append(_Person(bsn, gemeente, r.choice(own)))
            continue
        hh = new_household()
        own.append(hh)
        people.append(_Person(bsn, gemeente, hh))
        if r.random() < P_BIJSTAND_YOUTH_HOUSEHOLD:
            parent = _Person(next(spare), gemeente, hh, _adult_birth(r, w1, 25, 50))
            people.append(parent)
            benefits += _benefits(r, parent, gemeenten, w0, w1, size=2)
    for bsn, (client, gemeente) in sorted(first.items()):
        if client.wet != "wmo":
            continue
        age = w1.year - client.geboortedatum.year
        own = youth_households[gemeente]
        if age < 65 and own and r.random() < P_WMO_PARENT:
            people.append(_Person(bsn, gemeente, r.choice(own)))
            continue
        person = _Person(bsn, gemeente, new_household(), client.geboortedatum)
        people.append(person)
        if age < 65 and r.random() < P_BIJSTAND_WMO_UNDER_65:
            benefits += _benefits(r, person, gemeenten, w0, w1, size=1)
    # Households on bijstand only, up to the usual share of the population.
    for g in gemeenten:
        have = sum(1 for b in benefits if b["gemeente"] == g)
        need = int(BIJSTAND_STOCK_SHARE * populatie[(g, w1.year)][1] * 1.4) - have
        for _ in range(max(0, need)):
            person = _Person(next(spare), g, new_household(), _adult_birth(r, w1, 18, 66))
            benefits += _benefits(r, person, gemeenten, w0, w1, size=r.choice((1, 1, 1, 2)))

    wijk = {p.household: _wijk(r, p.gemeente) for p in people}
    for b in benefits:
        wijk.setdefault(b["huishouden"], _wijk(r, b["gemeente"]))
        b["wijk"] = wijk[b["huishouden"]] if b["gemeente"] in wijk[b["huishouden"]] else None
    members = [
        {"bsn": p.bsn, "huishouden": p.household, "gemeente": p.gemeente, "wijk": wijk[p.household]}
        for p in people
    ]
    benefits.sort(key=lambda b: (b["gemeente"], b["begindatum"], b["bsn"]))
    write_csv(folder / "uitkering.csv", "uitkering", benefits)
    write_csv(folder / "huishouden.csv", "huishouden", members)
    return {"uitkeringen": len(benefits), "huishoudleden": len(members)}


def _stock(populatie: dict[tuple[str, int], tuple[int, int]], w1: date) -> int:
    return int(sum(t for (_, y), (_, t) in populatie.items() if y == w1.year) * 0.1) + 1


def _adult_birth(r: random.Random, w1: date, lo: int, hi: int) -> date:
    return date(w1.year - r.randint(lo, hi), r.randint(1, 12), r.randint(1, 28))


def _wijk(r: random.Random, gemeente: str) -> str:
    return f"WK{gemeente}{r.randint(1, WIJKEN_PER_GEMEENTE):02d}"


def _benefits(
    r: random.Random, p: _Person, gemeenten: list[str], w0: date, w1: date, size: int
) -> list[dict]:
    """One benefit, sometimes followed by a second in another municipality after a move."""
    span = (w1 - w0).days + 3 * 365
    begin = w1 - timedelta(days=r.randrange(span))
    months = max(1, int(r.expovariate(1 / MEAN_MONTHS)))
    end = begin + timedelta(days=months * 30)
    row = {
        "gemeente": p.gemeente,
        "bsn": p.bsn,
        "geboortedatum": p.geboortedatum.isoformat() if p.geboortedatum else None,
        "huishouden": p.household,
        "begindatum": begin.isoformat(),
        "maandbedrag_cent": MAANDBEDRAG[size],
    }
    if end > w1:  # still running at the end of the data
        return [row]
    others = [g for g in gemeenten if g != p.gemeente]
    if others and r.random() < P_MOVE:
        row |= {"einddatum": end.isoformat(), "reden_beeindiging": "verhuizing"}
        moved = _Person(p.bsn, r.choice(others), p.household, p.geboortedatum)
        again = dict(row, gemeente=moved.gemeente, begindatum=(end + timedelta(days=1)).isoformat())
        again.pop("einddatum")
        again.pop("reden_beeindiging")
        return [row, again]
    reason = r.choices(list(REASONS), weights=list(REASONS.values()))[0]
    row |= {"einddatum": end.isoformat(), "reden_beeindiging": reason}
    return [row]

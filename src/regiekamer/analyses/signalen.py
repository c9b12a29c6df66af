"""Signals: rules on the KPIs that fire when something needs attention (docs/afspraken.md).

Each rule has a code, reads plain KPI rows (from the KPI engine, through the facade) and gives
a ``Signaal`` per cell and period where it fires: the code, the KPI values that triggered it and
one plain Dutch sentence. The boundaries are strict: exactly 100 % of the budget, exactly the
norm, or an unchanged waiting list do not fire.

| code | fires when |
|---|---|
| RK-SIG-01 | the year-end forecast (``prognose_jaar``) is above 100 % of the budget |
| RK-SIG-02 | the median waiting time is above the norm in two consecutive quarters |
| RK-SIG-03 | the waiting list (``wachtenden``) grew three months running |
| RK-SIG-04 | an agreement is missed (its traffic light is not green) |
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from regiekamer.analyses import afspraken as A
from regiekamer.analyses.kpi.definitions import BY_ID, CATALOGUE

RULES = {
    "RK-SIG-01": "Prognose boven budget",
    "RK-SIG-02": "Wachttijd twee kwartalen boven de norm",
    "RK-SIG-03": "Wachtlijst groeit drie maanden op rij",
    "RK-SIG-04": "Afspraak niet gehaald",
}
CELL = ("wet", "gemeente", "aanbieder")
BUDGET_KPI, WAIT_KPI, LIST_KPI = "prognose_jaar", "wachttijd_dagen_mediaan", "wachtenden"
# The store tables the signals may read: those of every KPI (an agreement may name any).
SOURCES = tuple(sorted({t for k in CATALOGUE for t in k.bronnen} | {"budget"}))


@dataclass(frozen=True)
class Signaal:
    code: str
    kpi: str
    periode: str
    wet: str | None
    gemeente: str | None
    aanbieder: str | None
    waarden: dict = field(compare=False)
    zin: str = field(compare=False)
    afspraak_id: str | None = None

    @property
    def jaar(self) -> int:
        return int(self.periode[:4])

    @property
    def signaal_id(self) -> str:
        """Stable over recomputations, so actions stay attached to their signal."""
        key = "|".join(
            str(v or "")
            for v in (self.code, self.kpi, self.periode, *self.cell(), self.afspraak_id)
        )
        return "s" + hashlib.sha256(key.encode()).hexdigest()[:15]

    def cell(self) -> tuple:
        return (self.wet, self.gemeente, self.aanbieder)

    def as_row(self) -> dict:
        return {
            "signaal_id": self.signaal_id,
            "code": self.code,
            "titel": RULES[self.code],
            "kpi": self.kpi,
            "periode": self.periode,
            "jaar": self.jaar,
            "wet": self.wet,
            "gemeente": self.gemeente,
            "aanbieder": self.aanbieder,
            "afspraak_id": self.afspraak_id,
            "waarden": self.waarden,
            "zin": self.zin,
        }

    def waarden_json(self) -> str:
        return json.dumps(self.waarden, sort_keys=True, ensure_ascii=False)


def _getal(x: float, decimals: int = 0) -> str:
    """Dutch digits for a sentence: 1234567.8 -> '1.234.568' (the faces format the rest)."""
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _who(wet: str | None, gemeente: str | None, aanbieder: str | None) -> str:
    parts = [
        f"gemeente {gemeente}" if gemeente else "",
        f"aanbieder {aanbieder}" if aanbieder else "",
        f"({wet})" if wet else "",
    ]
    return " ".join(p for p in parts if p) or "de regio"


def _series(rows: Iterable[dict], kpi: str) -> dict[tuple, list[tuple[str, float | None]]]:
    """KPI rows per cell (wet, gemeente, aanbieder), sorted by period."""
    out: dict[tuple, list] = defaultdict(list)
    for r in rows:
        if r["kpi"] == kpi:
            out[tuple(r.get(d) for d in CELL)].append((r["periode"], r["waarde"]))
    return {k: sorted(v) for k, v in out.items()}


def budget_overrun(rows: list[dict], budgets: dict[tuple[str, str, int], float]) -> list[Signaal]:
    """RK-SIG-01: ``prognose_jaar`` rows (per year, split by wet and gemeente) against the budget
    in euros per (gemeente, wet, jaar)."""
    out = []
    for (wet, gemeente, _), series in _series(rows, BUDGET_KPI).items():
        for periode, prognose in series:
            budget = budgets.get((gemeente, wet, int(periode[:4])))
            if prognose is None or not budget or prognose <= budget:
                continue
            pct = 100 * prognose / budget
            zin = (
                f"De prognose voor {periode} van {_who(wet, gemeente, None)} is "
                f"€ {_getal(prognose)}: {_getal(pct, 1)} % van het budget van "
                f"€ {_getal(budget)}."
            )
            out.append(
                Signaal(
                    "RK-SIG-01",
                    BUDGET_KPI,
                    periode,
                    wet,
                    gemeente,
                    None,
                    {"prognose_jaar": prognose, "budget": budget, "pct": pct},
                    zin,
                )
            )
    return out


def waiting_above_norm(rows: list[dict], norm: float) -> list[Signaal]:
    """RK-SIG-02: per cell, every quarter whose median waiting time and that of the quarter
    before are both above ``norm`` days."""
    out = []
    for cell, series in _series(rows, WAIT_KPI).items():
        for (p1, v1), (p2, v2) in itertools.pairwise(series):
            if v1 is None or v2 is None or A.following(p1) != p2 or not (v1 > norm and v2 > norm):
                continue
            zin = (
                f"De mediane wachttijd bij {_who(*cell)} lag twee kwartalen op rij boven de "
                f"norm van {_getal(norm)} dagen: {_getal(v1)} dagen in {p1} en "
                f"{_getal(v2)} dagen in {p2}."
            )
            out.append(
                Signaal("RK-SIG-02", WAIT_KPI, p2, *cell, {p1: v1, p2: v2, "norm_dagen": norm}, zin)
            )
    return out


def waiting_list_growing(rows: list[dict]) -> list[Signaal]:
    """RK-SIG-03: per cell, every month that ends three consecutive monthly increases of the
    waiting list (four months, each strictly above the one before)."""
    out = []
    for cell, series in _series(rows, LIST_KPI).items():
        for i in range(3, len(series)):
            window = series[i - 3 : i + 1]
            labels = [p for p, _ in window]
            values = [v for _, v in window]
            if any(v is None for v in values) or any(
                A.following(a) != b for a, b in itertools.pairwise(labels)
            ):
                continue
            if all(b > a for a, b in itertools.pairwise(values)):
                zin = (
                    f"De wachtlijst bij {_who(*cell)} groeide drie maanden op rij: van "
                    f"{_getal(values[0])} eind {labels[0]} naar {_getal(values[-1])} eind "
                    f"{labels[-1]}."
                )
                out.append(Signaal("RK-SIG-03", LIST_KPI, labels[-1], *cell, dict(window), zin))
    return out


def agreement_missed(a: A.Afspraak, assessed: dict) -> list[Signaal]:
    """RK-SIG-04: an agreement whose realisation misses its target (orange or red), with the
    value it was measured at (the worst part of its period)."""
    if a.vervallen or assessed["licht"] not in ("oranje", "rood"):
        return []
    waarde = assessed["waarde"]
    titel = BY_ID[a.kpi].titel.lower()
    unit = {"%": " %", "dagen": " dagen", "euro": " euro"}.get(BY_ID[a.kpi].eenheid, "")
    woord = "ten minste" if a.richting == ">=" else "ten hoogste"
    zin = (
        f"Afspraak {a.afspraak_id} ({_who(a.wet, a.gemeente, a.aanbieder)}, {a.periode}) is "
        f"niet gehaald: {titel} is {_getal(waarde, 1)}{unit}, afgesproken was {woord} "
        f"{_getal(a.doel, 1)}{unit}."
    )
    values = {"waarde": waarde, "doel": a.doel, "richting": a.richting, "licht": assessed["licht"]}
    return [
        Signaal(
            "RK-SIG-04",
            a.kpi,
            a.periode,
            a.wet,
            a.gemeente,
            a.aanbieder,
            values,
            zin,
            afspraak_id=a.afspraak_id,
        )
    ]

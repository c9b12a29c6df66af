"""Contracts of the synthetic region beyond the contract rows: tariffs per productcode and
year, agreed KPI targets, and a realistic mix that always holds a lump-sum partner contract.

Contract tariffs equal the regional product tariffs (the invoices bill at those, so that 0611
fires only where it is planted). Targets follow what regions typically agree: waiting within
the norm, ending volgens plan, little drop-out; partner contracts agree more than open house.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from regiekamer.synth.reference import Provider, Reference, write_csv

# (kpi, richting, waarde range): typical targets in regional youth-care and Wmo contracts.
TARGETS = (
    ("wachttijd_binnen_norm_pct", ">=", (85, 95)),
    ("beeindigd_volgens_plan_pct", ">=", (65, 75)),
    ("uitval_pct", "<=", (8, 12)),
    ("tijdige_berichten_pct", ">=", (85, 95)),
)
TARGETS_PER_MODEL = {"partner": 4, "concurrentie": 3, "open_house": 1}


def ensure_lump_sum_partner(providers: list[Provider]) -> None:
    """At least one youth provider works under a taakgericht partner contract (lump sum).

    The middle provider by weight is chosen: big enough to matter, not the region's largest.
    """
    if any(
        p.inkoopmodel.get(w) == "partner" and p.variant.get(w) == "taakgericht"
        for p in providers
        for w in p.cats
    ):
        return
    youth = sorted((p for p in providers if "jeugd" in p.cats), key=lambda p: (p.weight, p.agb))
    if youth:
        p = youth[len(youth) // 2]
        p.inkoopmodel["jeugd"], p.variant["jeugd"] = "partner", "taakgericht"


def contract_id(first_year: int, p: Provider, wet: str) -> str:
    return f"K{first_year}-{p.agb}-{'J' if wet == 'jeugd' else 'W'}"


def write_contract_details(folder: Path, ref: Reference, rng: np.random.Generator) -> None:
    """contract_tarief.csv and contract_doel.csv for every contract of the region."""
    tarieven, doelen = [], []
    first = ref.years[0]
    for p in ref.providers:
        for wet in sorted(p.cats):
            cid = contract_id(first, p, wet)
            for prod in ref.products:
                if prod.wet == wet and prod.cat in p.cats[wet]:
                    for y in ref.years:
                        tarieven.append(
                            {
                                "contract_id": cid,
                                "productcode": prod.code,
                                "jaar": y,
                                "tarief_cent": prod.tarief(y),
                            }
                        )
            for kpi, richting, (lo, hi) in TARGETS[: TARGETS_PER_MODEL[p.inkoopmodel[wet]]]:
                doelen.append(
                    {
                        "contract_id": cid,
                        "kpi": kpi,
                        "richting": richting,
                        "waarde": int(rng.integers(lo, hi + 1)),
                    }
                )
    write_csv(folder / "contract_tarief.csv", "contract_tarief", tarieven)
    write_csv(folder / "contract_doel.csv", "contract_doel", doelen)

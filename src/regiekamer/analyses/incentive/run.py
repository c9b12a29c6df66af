"""Every provider of every arrangement for one year: realised cost from the store, KPI cells
from the KPI engine (passed in by the facade), the settlement from models.py."""

from __future__ import annotations

from dataclasses import dataclass

import ibis

from regiekamer.analyses.incentive.config import Config
from regiekamer.analyses.incentive.models import ProviderSettlement, settle

TABLES = ("prestatie", "aanbieder")


@dataclass(frozen=True)
class Costs:
    """Realised cost per (regeling, aanbieder, jaar) in cents, and provider names."""

    cent: dict[tuple[str, str, int], int]
    namen: dict[str, str]


def read_costs(con: ibis.BaseBackend, cfg: Config, year: int) -> Costs:
    """Signed invoice amounts per arrangement, provider and year (this year and the one before)."""
    t = con.table("prestatie")
    t = t.mutate(
        jaar=t.begindatum.year(),
        cent=ibis.ifelse(t.debet_credit == "C", -t.bedrag_cent, t.bedrag_cent),
    )
    t = t.filter(t.jaar.isin([year - 1, year]))
    out: dict[tuple[str, str, int], int] = {}
    for a in cfg.regelingen:
        s = t.filter(t.wet == a.wet)
        if a.productcategorieen:
            s = s.filter(s.productcategorie.isin(list(a.productcategorieen)))
        agg = s.group_by(["aanbieder", "jaar"]).aggregate(cent=s.cent.sum()).to_pyarrow()
        for row in agg.to_pylist():
            out[(a.id, row["aanbieder"], row["jaar"])] = int(row["cent"])
    names = con.table("aanbieder").select("agb_code", "naam").to_pyarrow().to_pylist()
    return Costs(out, {r["agb_code"]: r["naam"] for r in names})


@dataclass(frozen=True)
class Result:
    bestand: str
    jaar: int
    afrekeningen: list[ProviderSettlement]


def settle_all(cfg: Config, year: int, costs: Costs, kpi_rows: list[dict]) -> Result:
    """The settlement of each provider in each arrangement (providers in AGB order)."""
    cells = {(r["kpi"], r.get("wet"), r.get("aanbieder")): r for r in kpi_rows}
    out = []
    for a in cfg.regelingen:
        agbs = a.aanbieders
        if agbs is None:
            agbs = tuple(sorted({agb for (reg, agb, y) in costs.cent if reg == a.id and y == year}))
        for agb in agbs:
            kpi_cells = {k.kpi: cells.get((k.kpi, a.wet, agb)) for k in a.afspraken}
            out.append(
                settle(
                    a,
                    agb,
                    costs.namen.get(agb, agb),
                    costs.cent.get((a.id, agb, year), 0),
                    costs.cent.get((a.id, agb, year - 1), 0),
                    {k: v for k, v in kpi_cells.items() if v is not None},
                )
            )
    return Result(cfg.bestand, year, out)


def rows(result: Result) -> list[dict]:
    """One summary row per provider and arrangement (cents)."""
    return [
        {
            "regeling": s.regeling,
            "aanbieder": s.aanbieder,
            "naam": s.naam,
            "doelbudget_cent": s.doelbudget_cent,
            "realisatie_cent": s.realisatie_cent,
            "verschil_cent": s.verschil_cent,
            "winst_verlies_cent": s.verrekening_cent,
            "bonus_malus_cent": s.bonus_malus_cent,
            "totaal_cent": s.totaal_cent,
        }
        for s in result.afrekeningen
    ]

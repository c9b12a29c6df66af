"""The settlement of one provider under one arrangement, exact to the cent.

Rounding rule: every amount is rounded once, to whole cents, half away from zero, at the step
that makes it (target budget after indexation, the share of the difference, a cap, a KPI
bonus or malus); later steps use the rounded amount, so the statement adds up as printed.

1. target budget D (given, or last year's realised cost × (1 + indexation));
2. realised cost R; difference V = D − R (positive: saved);
3. gain (V ≥ 0): the provider receives share × V, at most the cap; pain (V < 0): it bears
   share × −V, at most the cap (a negative amount);
4. per KPI agreement: the KPI value of the provider (from the KPI engine), the first band that
   holds gives a percentage of the basis (realised cost or target budget); no band, no value,
   or fewer than ``minimum_n`` clients behind it: nothing;
5. total = 3 + Σ 4.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from regiekamer.analyses.incentive.config import Agreement, Arrangement, Share
from regiekamer.analyses.money import eur


def cents(x: Decimal) -> int:
    """Whole cents, half away from zero."""
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class KpiStep:
    kpi: str
    waarde: float | None
    n: int | None
    band: str | None  # the band that held, as text
    procent: Decimal
    grondslag: str
    grondslag_cent: int
    bedrag_cent: int
    reden: str


@dataclass(frozen=True)
class ProviderSettlement:
    regeling: str
    aanbieder: str
    naam: str
    doelbudget_cent: int
    realisatie_cent: int
    verschil_cent: int
    soort: str  # "winst" | "verlies" | "geen"
    deel_cent: int  # share × |V| before the cap
    plafond_cent: int | None
    verrekening_cent: int  # + to the provider, − from the provider
    kpi: list[KpiStep] = field(default_factory=list)
    stappen: list[str] = field(default_factory=list)

    @property
    def bonus_malus_cent(self) -> int:
        return sum(k.bedrag_cent for k in self.kpi)

    @property
    def totaal_cent(self) -> int:
        return self.verrekening_cent + self.bonus_malus_cent


def target(a: Arrangement, agb: str, last_year_cent: int) -> tuple[int, str]:
    """The target budget and how it was found."""
    if a.doelbudget_cent is not None and agb in a.doelbudget_cent:
        return a.doelbudget_cent[agb], "doelbudget uit de regeling"
    d = cents(Decimal(last_year_cent) * (1 + a.indexatie))
    return d, (
        f"realisatie vorig jaar {eur(last_year_cent)} × (1 + {_pct(a.indexatie * 100)} % "
        f"indexatie) = {eur(d)}"
    )


def cap(share: Share, target_cent: int) -> int | None:
    """The cap in cents: the smaller of the percentage of D and the euro amount (if given)."""
    caps = []
    if share.plafond_pct is not None:
        caps.append(cents(Decimal(target_cent) * share.plafond_pct / 100))
    if share.plafond_cent is not None:
        caps.append(share.plafond_cent)
    return min(caps) if caps else None


def kpi_step(k: Agreement, cell: dict | None, realised: int, target_cent: int) -> KpiStep:
    basis = realised if k.grondslag == "realisatie" else target_cent
    value = None if cell is None else cell.get("waarde")
    n = None if cell is None else cell.get("n")

    def nothing(reden: str, band: str | None = None) -> KpiStep:
        return KpiStep(k.kpi, value, n, band, Decimal(0), k.grondslag, basis, 0, reden)

    if value is None:
        return nothing("geen KPI-waarde voor deze aanbieder in dit jaar")
    if k.minimum_n and (n or 0) < k.minimum_n:
        return nothing(f"te weinig cliënten ({n} < {k.minimum_n}): geen bonus of malus")
    for band in k.banden:
        if band.holds(value):
            amount = cents(Decimal(basis) * band.procent / 100)
            return KpiStep(
                k.kpi, value, n, band.label(), band.procent, k.grondslag, basis, amount,
                f"band {band.label()}: {_pct(band.procent)} % van {eur(basis)}",
            )  # fmt: skip
    return nothing("geen band van toepassing")


def settle(
    a: Arrangement,
    agb: str,
    naam: str,
    realised: int,
    last_year: int,
    kpi_cells: dict[str, dict],
) -> ProviderSettlement:
    d, how = target(a, agb, last_year)
    v = d - realised
    steps = [f"1. Doelbudget D = {eur(d)} ({how}).", f"2. Realisatie R = {eur(realised)}."]
    steps.append(f"3. Verschil V = D − R = {eur(v)}" + (" (besparing)." if v > 0 else "."))
    share = a.winst if v > 0 else a.verlies if v < 0 else None
    soort = "winst" if v > 0 else "verlies" if v < 0 else "geen"
    deel, limit, verrekening = 0, None, 0
    if share is not None:
        deel = cents(Decimal(abs(v)) * share.aandeel)
        limit = cap(share, d)
        kept = deel if limit is None else min(deel, limit)
        verrekening = kept if v > 0 else -kept
        who = "ontvangt de aanbieder" if v > 0 else "draagt de aanbieder"
        capped = f", begrensd op {eur(limit)}" if limit is not None and deel > limit else ""
        steps.append(
            f"4. Van de {'besparing' if v > 0 else 'overschrijding'} {who} "
            f"{_pct(share.aandeel * 100)} % = {eur(deel)}{capped}: {eur(verrekening)}."
        )
    else:
        steps.append("4. Geen winst- of verliesdeling van toepassing.")
    kpis = [kpi_step(k, kpi_cells.get(k.kpi), realised, d) for k in a.afspraken]
    for i, k in enumerate(kpis, start=5):
        shown = "—" if k.waarde is None else f"{k.waarde:.1f}".replace(".", ",")
        steps.append(f"{i}. {k.kpi} = {shown} (n = {k.n}): {k.reden} → {eur(k.bedrag_cent)}.")
    result = ProviderSettlement(
        a.id, agb, naam, d, realised, v, soort, deel, limit, verrekening, kpis, steps
    )
    steps.append(
        f"{len(kpis) + 5}. Totaal = {eur(verrekening)} + {eur(result.bonus_malus_cent)} = "
        f"{eur(result.totaal_cent)}."
    )
    return result


def _pct(x: Decimal) -> str:
    return f"{x.normalize():f}".replace(".", ",")

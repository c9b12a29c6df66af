"""Reference data of a synthetic region: municipalities, population, providers, products,
contracts and budgets, and writing them as CSV in the layouts of ``ingest/layouts.py``."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from regiekamer.ingest.layouts import LAYOUTS
from regiekamer.standards.messages import gemeenten as all_gemeenten
from regiekamer.synth import constants as K
from regiekamer.synth.common import agb_codes, pick, provider_names


@dataclass(frozen=True)
class Product:
    wet: str
    code: str  # e.g. 45A02
    cat: str
    omschrijving: str
    eenheid: str
    frequentie: str
    volume: tuple[int, int]
    tarief_2024: int  # cents per eenheid
    duur: int  # median planned duration in days
    gewicht: float

    def tarief(self, year: int) -> int:
        """Tariff in cents for ``year``, indexed ~3 %/yr from the base year."""
        return round(
            self.tarief_2024 * (1 + K.TARIFF_INDEX_PER_YEAR) ** (year - K.TARIFF_BASE_YEAR)
        )


@dataclass
class Provider:
    agb: str
    naam: str
    cats: dict[str, set[str]]  # wet -> productcategorieën it delivers
    weight: float
    inkoopmodel: dict[str, str] = field(default_factory=dict)  # per wet
    variant: dict[str, str] = field(default_factory=dict)


@dataclass
class Reference:
    gemeenten: list[dict[str, str]]
    populatie: dict[tuple[str, int], tuple[int, int]]  # (code, year) -> (0-17, totaal)
    providers: list[Provider]
    products: list[Product]
    years: list[int]  # all years with data (includes one warm-up year)


def products() -> list[Product]:
    """The product catalogue: PRODUCT_CODES_PER_CATEGORY codes per category, per law."""
    out = []
    for wet, table in (("jeugd", K.JEUGD_PRODUCTS), ("wmo", K.WMO_PRODUCTS)):
        letter = "A" if wet == "jeugd" else "W"
        for cat, oms, eenh, freq, vol, tarief, duur, gewicht in table:
            for v in range(K.PRODUCT_CODES_PER_CATEGORY):
                factor = K.PRODUCT_VARIANT_TARIFF[v]
                out.append(
                    Product(
                        wet,
                        f"{cat}{letter}{v + 1:02d}",
                        cat,
                        f"{oms}{['', ', specialistisch', ', intensief'][v]}",
                        eenh,
                        freq,
                        vol,
                        round(tarief * factor),
                        duur,
                        gewicht * (0.5, 0.3, 0.2)[v],
                    )
                )
    return out


def choose_gemeenten(rng: np.random.Generator, n: int) -> list[dict[str, str]]:
    """n municipalities of ONE jeugdregio with at least n members (else the largest region)."""
    by_region: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in all_gemeenten().values():
        by_region[row["jeugdregio"]].append(row)
    regions = sorted(r for r, rows in by_region.items() if len(rows) >= n)
    if regions:
        region = regions[rng.integers(len(regions))]
    else:
        region = max(sorted(by_region), key=lambda r: len(by_region[r]))
    rows = sorted(by_region[region], key=lambda r: r["gemeentecode"])
    idx = sorted(rng.choice(len(rows), size=min(n, len(rows)), replace=False))
    return [rows[i] for i in idx]


def population(
    rng: np.random.Generator, gemeenten: list[dict[str, str]], years: list[int], youth_needed: float
) -> dict[tuple[str, int], tuple[int, int]]:
    """Population per municipality and year, sized so that youth clients per 1,000 is plausible."""
    w = rng.lognormal(0, 0.6, size=len(gemeenten))
    share = rng.uniform(*K.YOUTH_SHARE_RANGE, size=len(gemeenten))
    totals = youth_needed * w / w.sum() / share
    totals = totals * rng.uniform(0.9, 1.1, len(gemeenten))
    # Few clients need fewer inhabitants than the smallest municipality: spread them above it.
    small = totals < K.POP_TOTAL_MIN
    totals[small] = K.POP_TOTAL_MIN * rng.uniform(1.0, 2.5, int(small.sum()))
    totals = np.minimum(totals, K.POP_TOTAL_MAX)
    out = {}
    for g, t0, s in zip(gemeenten, totals, share, strict=True):
        for i, y in enumerate(years):
            t = t0 * (1 + K.POP_GROWTH_PER_YEAR) ** i
            out[(g["gemeentecode"], y)] = (round(t * s), round(t))
    return out


def make_providers(rng: np.random.Generator, n: int, catalogue: list[Product]) -> list[Provider]:
    """n providers; every category of both laws has at least one provider."""
    cats = {w: sorted({p.cat for p in catalogue if p.wet == w}) for w in ("jeugd", "wmo")}
    cat_w = {
        w: {c: sum(p.gewicht for p in catalogue if p.wet == w and p.cat == c) for c in cats[w]}
        for w in cats
    }
    provs = []
    for agb, naam in zip(agb_codes(rng, n), provider_names(rng, n), strict=True):
        kind = pick(rng, {"jeugd": 0.45, "wmo": 0.35, "beide": 0.20})
        wetten = ("jeugd", "wmo") if kind == "beide" else (kind,)
        pc = {}
        for w in wetten:
            k = int(rng.integers(1, 4))
            pc[w] = set(pick(rng, cat_w[w], size=k))
        provs.append(Provider(agb, naam, pc, float(rng.lognormal(0, 0.8))))
    for w in cats:  # fill gaps so every category can be delivered
        for c in cats[w]:
            if not any(c in p.cats.get(w, ()) for p in provs):
                p = provs[int(rng.integers(len(provs)))]
                p.cats.setdefault(w, set()).add(c)
    for p in provs:
        for w in p.cats:
            p.inkoopmodel[w] = pick(rng, K.INKOOPMODEL)
            p.variant[w] = pick(rng, K.UITVOERINGSVARIANT)
    return provs


def write_csv(path: Path, layout: str, rows: list[dict]) -> None:
    """Rows as CSV with exactly the layout's column names as header (missing values empty)."""
    cols = [c.name for c in LAYOUTS[layout].columns]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if r.get(c) is None else r[c] for c in cols])
    path.write_text(buf.getvalue(), encoding="utf-8")


def write_reference(
    folder: Path,
    ref: Reference,
    spend: dict[tuple[str, str, int], int],
    lump: dict[tuple[str, str, str], int],
    rng: np.random.Generator,
) -> None:
    """All six reference CSVs. ``spend``: (gemeente, wet, jaar) -> invoiced cents;
    ``lump``: (agb, gemeente, wet) -> yearly lump sum of taakgerichte contracts."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "gemeente.csv", "gemeente", ref.gemeenten)
    write_csv(
        folder / "populatie.csv",
        "populatie",
        [
            {"gemeentecode": g, "jaar": y, "inwoners_0_17": a, "inwoners_totaal": t}
            for (g, y), (a, t) in sorted(ref.populatie.items())
        ],
    )
    write_csv(
        folder / "aanbieder.csv",
        "aanbieder",
        [{"agb_code": p.agb, "naam": p.naam} for p in ref.providers],
    )
    write_csv(
        folder / "product.csv",
        "product",
        [
            {
                "wet": p.wet,
                "productcode": p.code,
                "jaar": y,
                "productcategorie": p.cat,
                "omschrijving": p.omschrijving,
                "eenheid": p.eenheid,
                "tarief_cent": p.tarief(y),
            }
            for p in ref.products
            for y in ref.years
        ],
    )
    # Budgets: the invoiced spend (what regiekamer measures as uitgaven) times a factor per
    # municipality and law; the first municipality always overspends, so the dashboard has a
    # red cell. Lump sums of taakgerichte contracts are not invoiced: they are the contract's
    # lumpsum_cent, and are left out of the budget basis.
    budget_rows = []
    codes = [g["gemeentecode"] for g in ref.gemeenten]
    for wet in ("jeugd", "wmo"):
        factors = rng.uniform(*K.BUDGET_FACTOR_RANGE, size=len(codes))
        factors[0] = min(factors[0], 0.92)
        for g, f in zip(codes, factors, strict=True):
            for y in ref.years[1:]:
                cost = spend.get((g, wet, y), 0)
                budget_rows.append(
                    {"gemeentecode": g, "wet": wet, "jaar": y, "budget_cent": round(cost * f)}
                )
    write_csv(folder / "budget.csv", "budget", budget_rows)
    contracts = []
    first, last = ref.years[0], ref.years[-1]
    for p in ref.providers:
        for wet in sorted(p.cats):
            cid = f"K{first}-{p.agb}-{'J' if wet == 'jeugd' else 'W'}"
            for g in codes:
                plafond = lumpsum = None
                if p.variant[wet] == "taakgericht":
                    lumpsum = lump.get((p.agb, g, wet))
                elif p.inkoopmodel[wet] != "open_house":
                    plafond = None if rng.random() < 0.5 else int(rng.integers(50, 400)) * 1_000_000
                contracts.append(
                    {
                        "contract_id": cid,
                        "agb_code": p.agb,
                        "gemeentecode": g,
                        "wet": wet,
                        "inkoopmodel": p.inkoopmodel[wet],
                        "uitvoeringsvariant": p.variant[wet],
                        "begindatum": f"{first}-01-01",
                        "einddatum": None
                        if p.inkoopmodel[wet] == "open_house"
                        else f"{last}-12-31",
                        "plafond_cent": plafond,
                        "lumpsum_cent": lumpsum,
                    }
                )
    write_csv(folder / "contract.csv", "contract", contracts)

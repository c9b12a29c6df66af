"""One region and year: every variant side by side, its risk, and the years before.

``run`` settles every segment of every variant exactly (models.py), adds the segments up per
municipality, simulates the spread of each municipality's total (simulate.py) and settles the
earlier years in the store the same way (the multi-year view). ``rows`` is the side-by-side
table every face shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from regiekamer.analyses.verevening import inputs, simulate
from regiekamer.analyses.verevening.config import Config, Variant
from regiekamer.analyses.verevening.models import (
    KEY_NAMES,
    Settlement,
    VereveningError,
    settle,
)

Step = Callable[[str], None]


@dataclass(frozen=True)
class VariantResult:
    variant: Variant
    settlements: dict[str, Settlement]  # segment id -> its settlement
    bijdrage: tuple[int, ...]  # total per municipality, cents
    profijt: tuple[int, ...]  # user pays, cents
    risk: simulate.Risk | None

    @property
    def verschil(self) -> tuple[int, ...]:
        return tuple(b - p for b, p in zip(self.bijdrage, self.profijt, strict=True))


@dataclass
class Result:
    config: Config
    jaar: int
    region: inputs.Region
    varianten: list[VariantResult]
    risk_profijt: simulate.Risk | None
    historie: list[dict] = field(default_factory=list)
    notities: list[str] = field(default_factory=list)
    simulatie_jaren: int = 0
    seed: int = 0


def check_inputs(config: Config, region: inputs.Region) -> None:
    """Refuse, in Dutch, a key or budget that is missing for a municipality."""
    missing: list[str] = []
    for variant in config.varianten:
        for seg_id, rule in variant.regels.items():
            data = region.segmenten[seg_id]
            needs_key = rule.model != "profijt" and rule.sleutel
            if needs_key and rule.sleutel not in data.sleutels:
                missing.append(
                    f"{KEY_NAMES[rule.sleutel]} (tabel populatie) voor {region.jaar}"  # type: ignore[index]
                )
            uses_budget = rule.model == "plafond" or (needs_key and rule.sleutel == "budget")
            if uses_budget:
                for g, b in zip(data.gemeenten, data.budget, strict=True):
                    if b <= 0:
                        missing.append(f"budget van gemeente {g} voor {region.jaar}")
    if missing:
        raise VereveningError(
            "Invoer ontbreekt voor de verevening: "
            + "; ".join(dict.fromkeys(missing))
            + ". Lees de referentietabellen in (regiekamer ingest)."
        )


def settle_year(config: Config, region: inputs.Region) -> list[VariantResult]:
    check_inputs(config, region)
    out = []
    profijt = tuple(int(x) for x in np.sum([d.gebruik for d in region.segmenten.values()], axis=0))
    for variant in config.varianten:
        settled = {s: settle(region.segmenten[s], r) for s, r in variant.regels.items()}
        total = tuple(int(x) for x in np.sum([s.bijdrage for s in settled.values()], axis=0))
        out.append(VariantResult(variant, settled, total, profijt, None))
    return out


def run(
    raw: inputs.Raw,
    config: Config,
    year: int,
    *,
    years: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    on_step: Step | None = None,
) -> Result:
    """Settle ``year`` by every variant, simulate the risk and settle the other years."""
    step = on_step or (lambda _label: None)
    region = inputs.build(raw, config, year)
    results = settle_year(config, region)
    step("Verevening berekend")
    n_years = config.jaren if years is None else years
    seed = config.seed if seed is None else seed
    risk_profijt = None
    if n_years:
        risk_profijt, risks = simulate_risk(config, region, n_years, seed, workers)
        results = [
            VariantResult(r.variant, r.settlements, r.bijdrage, r.profijt, risk)
            for r, risk in zip(results, risks, strict=True)
        ]
        step("Risico gesimuleerd")
    result = Result(config, year, region, results, risk_profijt, simulatie_jaren=n_years, seed=seed)
    result.historie, result.notities = history(raw, config, region.gemeenten)
    step("Meerjarenbeeld berekend")
    return result


def simulate_risk(
    config: Config, region: inputs.Region, years: int, seed: int, workers: int = 1
) -> tuple[simulate.Risk, list[simulate.Risk]]:
    """The spread of each municipality's total contribution over ``years`` simulated years:
    under user-pays, and under each variant (in config order). ``workers``: threads that draw
    municipalities at once (the outcome does not depend on it)."""
    seg_ids = [s.id for s in config.segmenten]
    thresholds: dict[int, set[int]] = {}
    for v in config.varianten:
        for s, r in v.regels.items():
            if r.model == "drempel":
                thresholds.setdefault(seg_ids.index(s), set()).add(r.drempel_cent or 0)
    draws = simulate.resample(
        [c.astype(np.float64) for c in region.clienten],
        years,
        seed,
        {s: sorted(t) for s, t in thresholds.items()},
        workers=workers,
    )
    risks = []
    for v in config.varianten:
        total = sum(
            simulate.contributions(draws, seg_ids.index(s), region.segmenten[s], r)
            for s, r in v.regels.items()
        )
        risks.append(simulate.risk(total))
    return simulate.risk(np.sum(draws.gebruik, axis=0)), risks


def history(raw: inputs.Raw, config: Config, gems: tuple[str, ...]) -> tuple[list[dict], list[str]]:
    """Every year with data in the store settled by every variant (same municipalities)."""
    rows, notes = [], []
    fixed = replace(config, gemeenten=gems)
    for y in raw.years:
        try:
            region = inputs.build(raw, fixed, y)
            settled = settle_year(fixed, region)
        except VereveningError as exc:
            notes.append(f"{y}: niet berekend. {exc}")
            continue
        for v in settled:
            for i, g in enumerate(gems):
                rows.append(
                    {
                        "jaar": y,
                        "gemeente": g,
                        "variant": v.variant.id,
                        "bijdrage_cent": v.bijdrage[i],
                        "profijt_cent": v.profijt[i],
                        "verschil_cent": v.verschil[i],
                    }
                )
    return rows, notes


def _cents(x: float) -> int | None:
    return None if x is None or math.isnan(x) else round(float(x))


def rows(result: Result) -> list[dict]:
    """Side by side: per municipality and variant the contribution, the difference from
    user-pays and the spread over the simulated years (cents; cv as a fraction)."""
    out = []
    ref = result.risk_profijt
    for v in result.varianten:
        for i, g in enumerate(result.region.gemeenten):
            row: dict[str, object] = {
                "gemeente": g,
                "gemeentenaam": result.region.namen.get(g, g),
                "variant": v.variant.id,
                "variant_naam": v.variant.naam,
                "bijdrage_cent": v.bijdrage[i],
                "profijt_cent": v.profijt[i],
                "verschil_cent": v.verschil[i],
            }
            if v.risk is not None and ref is not None:
                cv = float(v.risk.cv[i])
                sd_ref = float(ref.sd[i])
                row |= {
                    "p5_cent": _cents(v.risk.p5[i]),
                    "mediaan_cent": _cents(v.risk.mediaan[i]),
                    "p95_cent": _cents(v.risk.p95[i]),
                    "cv": None if math.isnan(cv) else round(cv, 4),
                    "cv_profijt": None
                    if math.isnan(float(ref.cv[i]))
                    else round(float(ref.cv[i]), 4),
                    "volatiliteit_weg_pct": None
                    if sd_ref == 0
                    else round(100 * (1 - float(v.risk.sd[i]) / sd_ref), 1),
                }
            out.append(row)
    return out

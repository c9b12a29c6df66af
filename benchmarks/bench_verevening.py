"""Risk simulation of the verevening against a naive per-year loop, in the same run.

Target (issue "Regional risk equalisation"): 10,000 simulated years for a region of 20
municipalities with 50,000 clients in <= 10 s, vectorised (no Python loop per client).

The region is made in memory (no store): 20 municipalities of 10k-150k inhabitants, 50,000 clients
spread by youth population, each with a yearly cost in three segments (residential care: 8 %,
lognormal around EUR 60k; crisis/national: 3 %, around EUR 30k; the rest: everyone, around
EUR 4k, heavy-tailed). Five variants as in examples/verevening.yaml: profijt, solidariteit (budget),
tussenvorm (alpha 0.5, youth), a mix (drempel EUR 25k on residential, solidarity on crisis,
3-year smoothed profijt on the rest) and a cap of 2 % on residential.

Measured:
- regiekamer: ``run.simulate_risk`` (resample + every variant + P5/median/P95/CV), whole;
- baseline: the same models in a plain loop over simulated years (per year and municipality one
  ``rng.integers`` draw and a sum; the models on 20-element vectors), on a subset of years, scaled
  linearly to the full number of years.
Before the verdict both are compared: the mean and P50 of every municipality's contribution
under every variant must agree within sampling error (3 % of the mean, or 4 standard errors).

Usage: python benchmarks/bench_verevening.py [--years 10000] [--clients 50000] [--gemeenten 20]
                                             [--baseline-years 200] [--repeat 2] [--workers 2]
``--workers`` is the number of threads that draw municipalities at once, as ``regiekamer
verevening`` does with REGIEKAMER_WORKERS (default 2); the outcome does not depend on it. CPU time
is printed beside wall time: on a machine shared with other work, wall time says little.
Exit status 0 whether the target is met or not; 1 when the two disagree.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

from regiekamer.analyses.verevening import config as vconfig
from regiekamer.analyses.verevening import inputs
from regiekamer.analyses.verevening.models import SegmentData
from regiekamer.analyses.verevening.run import simulate_risk

CONFIG = """\
regio: Benchmarkregio
simulatie: {jaren: 10000, seed: 2025}
segmenten:
  - {id: verblijf, wet: jeugd, productcategorieen: ["43", "44"]}
  - {id: crisis, wet: jeugd, productcategorieen: ["46", "55"]}
  - {id: overig, wet: jeugd}
varianten:
  - {id: profijt, regel: {model: profijt}}
  - {id: solidair, regel: {model: solidariteit, sleutel: budget}}
  - {id: tussenvorm, regel: {model: tussenvorm, sleutel: jeugd, alpha: 0.5}}
  - id: mix
    regels:
      verblijf: {model: drempel, drempel: 25000, sleutel: jeugd}
      crisis: {model: solidariteit, sleutel: budget}
      overig: {model: profijt, gladstrijken: true}
  - id: plafond
    regels:
      verblijf: {model: plafond, sleutel: budget, plafond_pct: 2}
      crisis: {model: solidariteit, sleutel: budget}
      overig: {model: profijt}
"""


def region(n_gem: int, n_clients: int, seed: int = 1) -> inputs.Region:
    rng = np.random.default_rng(seed)
    youth = (rng.uniform(10_000, 150_000, n_gem) * 0.2).astype(np.int64)
    n = rng.multinomial(n_clients, youth / youth.sum())
    gems = tuple(f"{i:04d}" for i in range(n_gem))
    clients = []
    for k in n:
        c = np.zeros((k, 3), dtype=np.int64)
        c[:, 2] = (rng.lognormal(np.log(4_000), 1.1, k) * 100).astype(np.int64)
        res = rng.random(k) < 0.08
        c[res, 0] = (rng.lognormal(np.log(60_000), 0.6, res.sum()) * 100).astype(np.int64)
        cri = rng.random(k) < 0.03
        c[cri, 1] = (rng.lognormal(np.log(30_000), 0.8, cri.sum()) * 100).astype(np.int64)
        clients.append(c)
    usage = np.array([c.sum(axis=0) for c in clients])  # (G, 3)
    budget = tuple(int(x) for x in usage.sum(axis=1) * rng.uniform(0.9, 1.1, n_gem))
    segs = {}
    for s, sid in enumerate(("verblijf", "crisis", "overig")):
        u = tuple(int(x) for x in usage[:, s])
        segs[sid] = SegmentData(
            gemeenten=gems,
            gebruik=u,
            sleutels={"budget": budget, "jeugd": tuple(int(y) for y in youth)},
            budget=budget,
            clienten=(),
            gebruik_3jaar=tuple(3 * x for x in u),
            jaren_3jaar=(2023, 2024, 2025),
        )
    return inputs.Region(2025, gems, {}, segs, clients, (2023, 2024, 2025))


def naive(cfg: vconfig.Config, reg: inputs.Region, years: int, seed: int) -> list[np.ndarray]:
    """The baseline: one simulated year at a time, the models on per-year vectors."""
    rng = np.random.default_rng(seed)
    seg_ids = [s.id for s in cfg.segmenten]
    costs = [c.astype(np.float64) for c in reg.clienten]
    out = [np.zeros((years, len(reg.gemeenten))) for _ in cfg.varianten]
    for y in range(years):
        u = np.zeros((len(seg_ids), len(costs)))
        below = {}
        for g, c in enumerate(costs):
            drawn = c[rng.integers(0, len(c), len(c))]
            u[:, g] = drawn.sum(axis=0)
            below[g] = np.minimum(drawn[:, 0], 25_000_00).sum()
        for v_i, v in enumerate(cfg.varianten):
            total = np.zeros(len(costs))
            for s, r in v.regels.items():
                k = seg_ids.index(s)
                data = reg.segmenten[s]
                uk = u[k]
                c = uk.sum()
                key = np.asarray(data.sleutels.get(r.sleutel or "budget"), float)
                b = key / key.sum()
                if r.model == "profijt":
                    earlier = np.asarray(data.gebruik_3jaar) - data.gebruik
                    w = uk + (earlier if r.gladstrijken else 0)
                    total += c * w / w.sum()
                elif r.model == "solidariteit":
                    total += c * b
                elif r.model == "tussenvorm":
                    a = float(r.alpha or Fraction(1, 2))
                    total += c * (a * b + (1 - a) * uk / uk.sum())
                elif r.model == "drempel":
                    bl = np.array([below[g] for g in range(len(costs))])
                    total += bl + (c - bl.sum()) * b
                elif r.model == "plafond":
                    ceiling = uk + np.floor(float(r.plafond) * np.asarray(data.budget, float))
                    fixed = np.zeros(len(costs), bool)
                    while True:
                        rest = c - ceiling[fixed].sum()
                        w = np.where(fixed, 0, b)
                        part = rest * w / w.sum()
                        over = ~fixed & (part > ceiling + 1e-6)
                        if not over.any():
                            total += np.where(fixed, ceiling, part)
                            break
                        fixed |= over
            out[v_i][y] = total
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--years", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=50_000)
    ap.add_argument("--gemeenten", type=int, default=20)
    ap.add_argument("--baseline-years", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2, help="threads (REGIEKAMER_WORKERS)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "verevening.yaml"
        path.write_text(CONFIG, encoding="utf-8")
        cfg = vconfig.load(path)
    reg = region(args.gemeenten, args.clients)
    print(
        f"regio: {args.gemeenten} gemeenten, {sum(len(c) for c in reg.clienten):,} cliënten, "
        f"3 segmenten, {len(cfg.varianten)} varianten; {args.years:,} gesimuleerde jaren; "
        f"{args.workers} thread(s)"
    )

    best, best_cpu = float("inf"), float("inf")
    for _ in range(args.repeat):
        t, c = time.perf_counter(), time.process_time()
        _, risks = simulate_risk(cfg, reg, args.years, 2025, args.workers)
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)

    t, c = time.perf_counter(), time.process_time()
    base = naive(cfg, reg, args.baseline_years, 7)
    base_time = (time.perf_counter() - t) * args.years / args.baseline_years
    base_cpu = (time.process_time() - c) * args.years / args.baseline_years

    ok = True
    for v, risk, b in zip(cfg.varianten, risks, base, strict=True):
        mean_b = b.mean(axis=0)
        se = np.sqrt(risk.sd**2 / args.years + b.std(axis=0, ddof=1) ** 2 / len(b))
        tol = np.maximum(0.03 * np.abs(risk.gemiddelde), 4 * se)
        if not np.all(np.abs(risk.gemiddelde - mean_b) <= tol):
            ok = False
            print(f"VERSCHIL bij variant {v.id}: {risk.gemiddelde[:3]} tegen {mean_b[:3]}")
    load = os.getloadavg()[0]
    print(
        f"regiekamer (gevectoriseerd), best of {args.repeat}: {best:6.2f} s wand, "
        f"{best_cpu:6.2f} s CPU ({args.years * args.clients / best_cpu / 1e6:,.0f} M trekkingen "
        "per CPU-seconde)"
    )
    print(
        f"naïeve lus per jaar ({args.baseline_years} jaren, geschaald): {base_time:6.2f} s wand, "
        f"{base_cpu:6.2f} s CPU"
    )
    print(
        f"verhouding naïef / regiekamer: {base_time / best:5.1f}x wand, "
        f"{base_cpu / best_cpu:5.1f}x CPU"
    )
    target = "GEHAALD" if best <= 10 else "NIET GEHAALD"
    print(
        f"doel <= 10 s voor {args.years:,} jaren: {target} ({best:.2f} s wand; CPU "
        f"{best_cpu:.2f} s; belasting van de machine {load:.1f} op {os.cpu_count()} kernen); "
        f"uitkomsten gelijk: {ok}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

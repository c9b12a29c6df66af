"""Simulate the fitted model forward: clients and spend per cell and month, with intervals.

Vectorised over simulations × municipalities × months of age (numpy); the only Python loops
are over the (wet, productcategorie) groups and the months ahead. Per simulation the
parameters are drawn once (the uncertainty of what was fitted) and shared where the model
shares them (the seasonal factors, the survival curve and the price trend of a group hold for
every municipality in it, so municipalities are correlated as they should be), then per month:

- new zorgperioden ~ Poisson(λ), or negative binomial when the GLM saw over-dispersion;
- each zorgperiode in care ends with the hazard of its age. The exits of a cell are drawn as one
  Gaussian with the exact binomial variance Σ n·h·(1−h), spread over the ages in proportion
  (a per-age binomial draw would cost ~200 ns each; this is exact in mean and variance);
- spend = clients in care × cost per client-month × the price trend, and once per cell and year
  a factor for the spread of costs between clients (their costs persist over their months).

Knobs (scenario.py) act on λ (inflow, population, mix), the hazards (duration) and the price.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from regiekamer.analyses.prognose.model import AGES, Group, Model
from regiekamer.analyses.prognose.scenario import ALL, AMBULANT, RESIDENTIAL, Scenario

WETTEN = ("jeugd", "wmo")
QUANTILES = (0.025, 0.1, 0.5, 0.9, 0.975)


@dataclass
class Span:
    """A stretch of forecast months to total over (a calendar year, a backtest window)."""

    label: str
    first: int  # month key
    last: int


@dataclass
class Forecast:
    origin: int
    months: np.ndarray  # month keys ahead
    spans: list[Span]
    gemeenten: list[str]
    spend: np.ndarray  # (sims, gemeenten, wetten, spans) cents
    clients: np.ndarray  # (sims, gemeenten, wetten, spans) zorgperioden in care in the span
    monthly_spend: np.ndarray  # (sims, wetten, months) cents
    monthly_clients: np.ndarray  # (sims, wetten, months)
    cells: list[dict] | None = None  # per cell and month: mean and quantiles (detail=True)


def calendar_spans(months: np.ndarray) -> list[Span]:
    years = sorted({int(m) // 12 for m in months})
    lo, hi = int(months[0]), int(months[-1])
    return [Span(str(y), max(lo, y * 12), min(hi, y * 12 + 11)) for y in years]


def run(
    model: Model,
    scenario: Scenario | None = None,
    *,
    months: int = 36,
    sims: int = 500,
    seed: int = 1,
    gemeenten: set[str] | None = None,
    spans: list[Span] | None = None,
    detail: bool = False,
) -> Forecast:
    """Simulate ``months`` ahead of the model's origin under ``scenario`` (None: baseline)."""
    sc = scenario or Scenario()
    ahead = model.origin + 1 + np.arange(months)
    spans = spans or calendar_spans(ahead)
    groups = [_subset(g, gemeenten) for g in model.groups]
    groups = [g for g in groups if g is not None]
    codes = sorted({c for g in groups for c in g.gemeente.tolist()})
    gpos = {c: i for i, c in enumerate(codes)}
    spend = np.zeros((sims, len(codes), len(WETTEN), len(spans)))
    clients = np.zeros_like(spend)
    m_spend = np.zeros((sims, len(WETTEN), months))
    m_clients = np.zeros_like(m_spend)
    rows: list[dict] | None = [] if detail else None
    rng0 = np.random.default_rng([seed, 0])
    trend = {
        w: model.price_trend.get(w, (0.0, 0.0)) for w in WETTEN
    }  # one price path per wet per simulation, shared by its groups
    slope = {w: trend[w][0] + trend[w][1] * rng0.standard_normal(sims) for w in WETTEN}
    start = sc.vanaf_key(model.origin)
    moved = _moved_inflow(model, groups, sc, ahead, start)
    for gi, g in enumerate(model.groups):
        sub = groups_by_key(groups, g)
        if sub is None:
            continue
        rng = np.random.default_rng([seed, gi + 1])
        starts, active, cost = _simulate_group(model, sub, sc, ahead, start, sims, rng, moved)
        w = WETTEN.index(sub.wet)
        price = np.exp(slope[sub.wet][:, None] * np.arange(1, months + 1)[None, :])
        price = price * _tariff(sc, sub.wet, ahead, start, model.origin)[None, :]
        s = active * cost[:, :, None] * price[:, None, :]
        # Spread of costs between clients: one factor per cell and span (costs persist).
        duration = float(np.cumprod(np.r_[1.0, 1 - sub.hazard[:-1]]).sum())
        col = np.array([gpos[c] for c in sub.gemeente.tolist()])
        for j, sp in enumerate(spans):
            sel = (ahead >= sp.first) & (ahead <= sp.last)
            if not sel.any():
                continue
            cm = np.maximum(active[:, :, sel].sum(axis=2), 1.0)
            sigma = np.sqrt(sub.cost_cv2 * max(duration, 1.0) / cm)
            f = np.exp(sigma * rng.standard_normal(cm.shape) - sigma**2 / 2)
            s[:, :, sel] *= f[:, :, None]
            first = np.flatnonzero(sel)[0]
            n_span = active[:, :, first] + starts[:, :, sel][:, :, 1:].sum(axis=2)
            np.add.at(spend[:, :, w, j], (slice(None), col), s[:, :, sel].sum(axis=2))
            np.add.at(clients[:, :, w, j], (slice(None), col), n_span)
        m_spend[:, w, :] += s.sum(axis=1)
        m_clients[:, w, :] += active.sum(axis=1)
        if rows is not None:
            rows.extend(_cell_rows(sub, ahead, active, s))
    return Forecast(model.origin, ahead, spans, codes, spend, clients, m_spend, m_clients, rows)


def groups_by_key(groups: list[Group], g: Group) -> Group | None:
    for x in groups:
        if x.wet == g.wet and x.categorie == g.categorie:
            return x
    return None


def _subset(g: Group, gemeenten: set[str] | None) -> Group | None:
    if gemeenten is None:
        return g
    keep = np.isin(g.gemeente, sorted(gemeenten))
    if not keep.any():
        return None
    return Group(
        g.wet, g.categorie, g.cells[keep], g.gemeente[keep], g.rate[keep], g.rate_se[keep],
        g.season, g.season_se, g.dispersion, g.verwijzer_share[keep], g.hazard, g.at_risk,
        g.cost[keep], g.cost_se[keep], g.cost_cv2, g.stock[keep],
    )  # fmt: skip


def _inflow_factor(model: Model, g: Group, sc: Scenario) -> np.ndarray:
    """(cells,) factor on inflow from the referrer knobs (1: unchanged)."""
    if not sc.applies(g.wet) or not sc.instroom_pct:
        return np.ones(len(g.gemeente))
    change = np.zeros(len(model.verwijzers))
    for code, pct in sc.instroom_pct.items():
        if code == ALL:
            change += pct / 100
        elif code in model.verwijzers:
            change[model.verwijzers.index(code)] += pct / 100
    return np.maximum(1 + g.verwijzer_share @ change, 0.0)


def expected_inflow(model: Model, g: Group, sc: Scenario, ahead: np.ndarray, start: int):
    """(cells, months) mean new zorgperioden under the knobs, before simulation noise."""
    inhabitants = model.inhabitants(g.gemeente, g.wet, ahead) / 1000
    lam = g.rate[:, None] * np.exp(g.season[ahead % 12])[None, :] * inhabitants
    if sc.applies(g.wet):
        after = ahead >= start
        if sc.bevolking_pct_per_jaar:
            k = np.maximum(ahead - start + 1, 0)
            lam = lam * ((1 + sc.bevolking_pct_per_jaar / 100) ** (k / 12))[None, :]
        if sc.instroom_pct:
            f = _inflow_factor(model, g, sc)
            lam = np.where(after[None, :], lam * f[:, None], lam)
        shift = sc.verblijf_naar_ambulant_pct
        if shift and g.categorie in RESIDENTIAL.get(g.wet, ()):
            lam = np.where(after[None, :], lam * (1 - shift / 100), lam)
    return lam


def _moved_inflow(model, groups, sc: Scenario, ahead, start) -> dict[tuple[str, str], np.ndarray]:
    """Mean inflow moved from residential to ambulant care, per (wet, gemeente)."""
    moved: dict[tuple[str, str], np.ndarray] = {}
    shift = sc.verblijf_naar_ambulant_pct
    if not shift:
        return moved
    after = (ahead >= start).astype(float)
    for g in groups:
        if not sc.applies(g.wet) or g.categorie not in RESIDENTIAL.get(g.wet, ()):
            continue
        # The residential inflow under the other knobs, before the shift takes its share.
        base = expected_inflow(model, g, replace(sc, verblijf_naar_ambulant_pct=0), ahead, start)
        for i, code in enumerate(g.gemeente.tolist()):
            key = (g.wet, code)
            moved[key] = moved.get(key, 0) + base[i] * after * shift / 100
    return moved


def _hazards(g: Group, sc: Scenario, draws: np.ndarray) -> np.ndarray:
    """(sims, AGES+1) hazards after the duration knobs."""
    h = draws
    if not sc.applies(g.wet):
        return h
    if sc.duur_pct:
        c = 1 + sc.duur_pct / 100  # every duration c times as long
        # log P(T >= a) at whole ages, extended past the last bin at its hazard.
        log_q = np.concatenate(
            [np.zeros((len(h), 1)), np.cumsum(np.log1p(-np.minimum(h, 1 - 1e-9)), axis=1)], axis=1
        )
        a = np.arange(AGES + 2) / c
        i = np.minimum(np.floor(a).astype(int), AGES)
        frac = a - i
        nxt = np.minimum(i + 1, AGES + 1)
        tail = np.log1p(-np.minimum(h[:, AGES], 1 - 1e-9))[:, None]
        val = log_q[:, i] + frac[None, :] * (log_q[:, nxt] - log_q[:, i])
        beyond = a > AGES + 1
        val = np.where(beyond[None, :], log_q[:, [AGES + 1]] + (a - AGES - 1)[None, :] * tail, val)
        h = 1 - np.exp(val[:, 1:] - val[:, :-1])
        h[:, AGES] = 1 - (1 - draws[:, AGES]) ** (1 / c)
    if sc.duur_max_maanden:
        h = h.copy()
        h[:, min(sc.duur_max_maanden - 1, AGES) :] = 1.0
    return np.clip(h, 0.0, 1.0)


def _tariff(sc: Scenario, wet: str, ahead: np.ndarray, start: int, origin: int) -> np.ndarray:
    if not sc.tarief_pct_per_jaar or not sc.applies(wet):
        return np.ones(len(ahead))
    steps = np.where(ahead >= start, 1 + ahead // 12 - start // 12, 0)
    return (1 + sc.tarief_pct_per_jaar / 100) ** steps


def _simulate_group(model, g: Group, sc: Scenario, ahead, start, sims, rng, moved):
    G, H = len(g.gemeente), len(ahead)
    # Parameter draws, in a fixed order whatever the knobs: the same seed, the same numbers.
    # Lognormal factors with mean one: exp(se·z − se²/2), so uncertainty adds no bias.
    u_rate = np.exp(g.rate_se[None, :] * rng.standard_normal((sims, G)) - g.rate_se**2 / 2)
    season = g.season_se[None, :] * rng.standard_normal((sims, 12)) - g.season_se**2 / 2
    n_eff = np.where(g.at_risk >= 10, g.at_risk, 50.0)
    hz = rng.beta(g.hazard * n_eff + 0.5, (1 - g.hazard) * n_eff + 0.5, size=(sims, AGES + 1))
    z = rng.standard_normal((sims, G))
    cost = g.cost[None, :] * np.exp(g.cost_se[None, :] * z - g.cost_se**2 / 2)
    base_h = hz
    knob_h = _hazards(g, sc, hz)
    lam = expected_inflow(model, g, sc, ahead, start)
    extra = np.zeros((G, H))
    if moved and g.categorie == AMBULANT.get(g.wet):
        for i, code in enumerate(g.gemeente.tolist()):
            if (g.wet, code) in moved:
                extra[i] = moved[(g.wet, code)]
    lam = lam + extra
    state = np.ascontiguousarray(
        np.broadcast_to(g.stock[None, :, :], (sims, G, AGES + 1)), dtype=np.float32
    )
    nxt = np.empty_like(state)
    plus = np.empty_like(state)
    starts = np.zeros((sims, G, H), np.float32)
    active = np.zeros((sims, G, H), np.float32)
    disp = g.dispersion
    # Per-age factors, before and after the knobs act: survival q = 1-h and h·q (variance).
    factors = {}
    for key, hz_ in (("voor", base_h), ("na", knob_h)):
        q = (1 - hz_).astype(np.float32)[:, None, :]
        factors[key] = (q, (hz_ * (1 - hz_)).astype(np.float32))
    for k in range(H):
        mu = lam[None, :, k] * u_rate * np.exp(season[:, ahead[k] % 12])[:, None]
        if disp > 1.0:  # negative binomial: a gamma-mixed Poisson with variance disp x mean
            mu = rng.gamma(np.maximum(mu, 1e-12) / (disp - 1), disp - 1)
        new = rng.poisson(mu).astype(np.float32)
        state[:, :, 0] += new
        starts[:, :, k] = new
        active[:, :, k] = state.sum(axis=2)
        q, hq = factors["na" if ahead[k] >= start else "voor"]
        # Survivors: n·q − c·n⁺·h·q, where c spreads one Gaussian per cell with the exact
        # binomial variance Σ n⁺·h·q over the ages in proportion to their share of it (n⁺: a
        # count the noise made negative adds no variance and gets no noise).
        np.maximum(state, 0, out=plus)
        total = np.einsum("sga,sa->sg", plus, hq)
        z = rng.standard_normal((sims, G)).astype(np.float32)
        c = z / np.sqrt(np.maximum(total, 1e-12))
        plus *= c[:, :, None]
        plus *= hq[:, None, :]
        np.multiply(state, q, out=state)
        state -= plus
        # Everyone one month older.
        nxt[:, :, 1:] = state[:, :, :-1]
        nxt[:, :, AGES] += state[:, :, AGES]
        nxt[:, :, 0] = 0
        state, nxt = nxt, state
    return starts, np.maximum(active, 0), cost


def _cell_rows(g: Group, ahead: np.ndarray, active: np.ndarray, spend: np.ndarray) -> list[dict]:
    qa = np.quantile(active, QUANTILES, axis=0)
    qs = np.quantile(spend, QUANTILES, axis=0)
    ma, ms = active.mean(axis=0), spend.mean(axis=0)
    out = []
    for i, code in enumerate(g.gemeente.tolist()):
        for k, m in enumerate(ahead.tolist()):
            out.append(
                {
                    "wet": g.wet,
                    "gemeente": code,
                    "productcategorie": g.categorie,
                    "maand": m,
                    "clienten": float(ma[i, k]),
                    "clienten_p10": float(qa[1, i, k]),
                    "clienten_p90": float(qa[3, i, k]),
                    "uitgaven": float(ms[i, k]) / 100,
                    "uitgaven_p2_5": float(qs[0, i, k]) / 100,
                    "uitgaven_p10": float(qs[1, i, k]) / 100,
                    "uitgaven_p90": float(qs[3, i, k]) / 100,
                    "uitgaven_p97_5": float(qs[4, i, k]) / 100,
                }
            )
    return out

"""The forecast model: fitted once per (wet, productcategorie) from the history.

Per (wet, productcategorie) and municipality (DOMAIN.md §9):

- **inflow**: new zorgperioden per month ~ Poisson(rate_gemeente × season_month × inhabitants /
  1,000), fitted as a Poisson GLM (statsmodels) with a log link, the population as offset, one
  level per municipality and one factor per calendar month shared by all municipalities (a
  municipality's own seasonality is too noisy to learn from two years). Its Pearson dispersion
  says how much more variable the months are than Poisson;
- **duration**: a Kaplan-Meier survival curve (statsmodels ``SurvfuncRight``, with delayed entry
  for zorgperioden that began before the invoices do) in whole calendar months, shared by all
  municipalities, read as a hazard per month of age; beyond the ages the data reaches, the
  average hazard of the later months continues;
- **cost per client-month**: spend per month / zorgperioden in care that month, per municipality,
  at the price level of the origin month: the monthly price trend per wet is a weighted least
  squares fit (statsmodels WLS) of log cost per client-month on time within each cell, and small
  cells are shrunk towards the region's level;
- **population**: the known years from ``populatie``, later years at the recent growth rate.

Uncertainty that the simulation draws (simulate.py): the fitted levels (their standard errors),
the hazards (Beta around each month's events / at risk), Poisson or over-dispersed inflow and
binomial exits.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning
from threadpoolctl import threadpool_limits

from regiekamer.analyses.prognose.history import OPEN, History

AGES = 36  # monthly age bins; bin AGES holds everyone older (at the tail's hazard)
TRAIN_MONTHS = 24  # inflow and price trend learn from this many months up to the origin
COST_MONTHS = 12  # the cost level from the last this many months
SURVIVAL_MONTHS = 72  # durations of zorgperioden begun in the last this many months
SHARE_PRIOR = 20.0  # a municipality's referrer mix is shrunk towards the region's by this many
COST_PRIOR = 6.0  # client-months of the region's cost level added to a municipality's
MIN_AT_RISK = 10
MIN_SEASON_STARTS = 240  # fewer starts in the window: no seasonal factors (10 a calendar month)


@dataclass
class Group:
    """One (wet, productcategorie): its municipalities and fitted parameters."""

    wet: str
    categorie: str
    cells: np.ndarray  # indices into the history's cells
    gemeente: np.ndarray  # code per cell
    rate: np.ndarray  # starts per month per 1,000 inhabitants in the reference month
    rate_se: np.ndarray  # standard error of log(rate)
    season: np.ndarray  # (12,) log factor per calendar month (reference 0)
    season_se: np.ndarray
    dispersion: float
    verwijzer_share: np.ndarray  # (cells, verwijzers)
    hazard: np.ndarray  # (AGES + 1,) probability of ending in a month of age
    at_risk: np.ndarray  # (AGES + 1,) how many the hazard rests on
    cost: np.ndarray  # cents per client-month at the origin's price level
    cost_se: np.ndarray  # standard error of log(cost)
    cost_cv2: float  # squared coefficient of variation of one client-month's cost
    stock: np.ndarray  # (cells, AGES + 1) in care after the origin, by age in the next month


@dataclass
class Model:
    origin: int
    verwijzers: list[str]
    groups: list[Group]
    price_trend: dict[str, tuple[float, float]]  # wet -> (log change per month, its se)
    populatie: dict[str, dict[int, tuple[int, int]]]

    def inhabitants(self, gemeente: np.ndarray, wet: str, months: np.ndarray) -> np.ndarray:
        """(cells, months) inhabitants who can use ``wet`` (jeugd: 0-17), projected."""
        out = np.zeros((len(gemeente), len(months)))
        col = 0 if wet == "jeugd" else 1
        years = months // 12
        for i, g in enumerate(gemeente):
            known = self.populatie.get(g)
            if not known:
                continue
            ys = sorted(known)
            last = ys[-1]
            base = ys[max(0, len(ys) - 4)]
            growth = 1.0
            if last > base and known[base][col] > 0:
                growth = (known[last][col] / known[base][col]) ** (1 / (last - base))
                growth = float(np.clip(growth, 0.98, 1.03))
            for y in np.unique(years):
                if y in known:
                    v = known[y][col]
                elif y > last:
                    v = known[last][col] * growth ** (y - last)
                else:
                    v = known[ys[0]][col]
                out[i, years == y] = v
        return out


def fit(h: History) -> Model:
    """Fit every (wet, productcategorie) of the history.

    BLAS runs on one thread here: the GLM's matrices are small, and on a busy 2-core machine a
    multi-threaded SVD was five times slower than a single-threaded one (measured).
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit(h)


def _fit(h: History) -> Model:
    origin = h.origin
    model = Model(origin, h.verwijzers, [], {}, h.populatie)
    exposure = _exposure(h)
    for wet in np.unique(h.wet):
        model.price_trend[str(wet)] = _price_trend(h, exposure, h.wet == wet)
    pairs = sorted(set(zip(h.wet.tolist(), h.categorie.tolist(), strict=True)))
    for wet, cat in pairs:
        cells = np.flatnonzero((h.wet == wet) & (h.categorie == cat))
        model.groups.append(_group(h, model, exposure, wet, cat, cells))
    return model


def _exposure(h: History) -> np.ndarray:
    """(cells, spend months): zorgperioden in care per calendar month."""
    first, n = h.first_spend, h.spend.shape[1]
    diff = np.zeros((h.cells, n + 1))
    b = np.clip(h.zp_begin - first, 0, n)
    e = np.clip(np.minimum(h.zp_end, h.origin) + 1 - first, 0, n)
    ok = e > b
    np.add.at(diff, (h.zp_cell[ok], b[ok]), 1)
    np.add.at(diff, (h.zp_cell[ok], e[ok]), -1)
    return np.cumsum(diff, axis=1)[:, :n]


def _window(h: History, months: int) -> tuple[int, int]:
    """Column range (in spend months) of the last ``months`` months up to the origin."""
    n = h.spend.shape[1]
    return max(0, n - months), n


def _price_trend(h: History, exposure: np.ndarray, rows: np.ndarray) -> tuple[float, float]:
    """Log change of cost per client-month per month, within cells (WLS, weights: exposure)."""
    lo, hi = _window(h, TRAIN_MONTHS)
    spend, ex = h.spend[rows, lo:hi], exposure[rows, lo:hi]
    ok = (ex >= 3) & (spend > 0)
    if ok.sum() < 6 or hi - lo < 6:
        return 0.0, 0.0
    y = np.where(ok, np.log(np.where(ok, spend, 1) / np.where(ok, ex, 1)), 0)
    t = np.broadcast_to(np.arange(lo, hi, dtype=float), y.shape)
    w = np.where(ok, ex, 0)
    wsum = w.sum(axis=1, keepdims=True)
    keep = wsum[:, 0] > 0
    y, t, w, wsum = y[keep], t[keep], w[keep], wsum[keep]
    # Within cells: subtract each cell's weighted mean, so levels do not pose as a trend.
    y_dm = y - (w * y).sum(axis=1, keepdims=True) / wsum
    t_dm = t - (w * t).sum(axis=1, keepdims=True) / wsum
    m = w > 0
    res = sm.WLS(y_dm[m], t_dm[m], weights=w[m]).fit()
    return float(res.params[0]), float(res.bse[0])


def _inflow(h: History, model: Model, wet: str, cells: np.ndarray):
    lo_m = max(h.origin - TRAIN_MONTHS + 1, h.first_spend)
    months = np.arange(lo_m, h.origin + 1)
    pos = np.full(h.cells, -1)
    pos[cells] = np.arange(len(cells))
    mine = (pos[h.zp_cell] >= 0) & (h.zp_begin >= lo_m) & (h.zp_begin <= h.origin)
    y = np.zeros((len(cells), len(months)))
    np.add.at(y, (pos[h.zp_cell[mine]], h.zp_begin[mine] - lo_m), 1)
    counts = np.zeros((len(cells), len(h.verwijzers)))
    np.add.at(counts, (pos[h.zp_cell[mine]], h.zp_verwijzer[mine]), 1)
    expo = model.inhabitants(h.gemeente[cells], wet, months) / 1000
    expo = np.maximum(expo, 1e-3)
    G = len(cells)
    rate = np.zeros(G)
    rate_se = np.full(G, 1.0)
    season = np.zeros(12)
    season_se = np.zeros(12)
    dispersion = 1.0
    active = y.sum(axis=1) > 0
    rate[~active] = 0.5 / expo[~active].sum(axis=1)  # nothing seen: half a start over the window
    moy = months % 12
    present = np.unique(moy)
    ref = present[0]
    others = [m for m in present if m != ref]
    ga = np.flatnonzero(active)
    if len(ga):
        rate[ga], rate_se[ga], season, season_se, dispersion = _poisson_fit(
            y[ga], expo[ga], moy, present, others
        )
        season_se = np.minimum(season_se, 0.5)
        rate_se = np.minimum(rate_se, 1.0)
    total = counts.sum(axis=0)
    prior = total / total.sum() if total.sum() else np.full(len(total), 1 / len(total))
    share = (counts + SHARE_PRIOR * prior) / (counts.sum(axis=1, keepdims=True) + SHARE_PRIOR)
    return rate, rate_se, season, season_se, dispersion, share


def _poisson_fit(y: np.ndarray, expo: np.ndarray, moy, present, others):
    """The Poisson GLM log E[y_gm] = log(expo_gm) + α_g + β_month, fitted by profiling: β by a
    statsmodels GLM on the month totals (offset: Σ_g expo·e^α), α_g in closed form given β (its
    Poisson MLE), alternated until stable. The same maximum likelihood as one GLM with a dummy
    per municipality, without a 4,000 × 350 design matrix per category at national scale."""
    G = len(y)
    season = np.zeros(12)
    season_se = np.zeros(12)
    n_g = y.sum(axis=1)
    alpha = np.log(n_g / expo.sum(axis=1))
    seasonal = bool(others) and y.sum() >= MIN_SEASON_STARTS
    if seasonal:
        X = np.stack([(moy == m).astype(float) for m in others], axis=1)
        X = sm.add_constant(X, has_constant="add")
        for _ in range(20):
            off = np.log((expo * np.exp(alpha)[:, None]).sum(axis=0))
            with warnings.catch_warnings():
                # One year of months is a saturated fit (no residual degrees of freedom), and a
                # calendar month without starts separates perfectly; both are clipped below.
                warnings.simplefilter("ignore", PerfectSeparationWarning)
                warnings.simplefilter("ignore", RuntimeWarning)
                res = sm.GLM(y.sum(axis=0), X, family=sm.families.Poisson(), offset=off).fit()
            beta = np.zeros(12)
            for j, m in enumerate(others):
                beta[m] = res.params[1 + j]
            beta[present[0]] = 0.0
            beta += res.params[0]
            new = np.log(n_g / (expo * np.exp(beta[moy])[None, :]).sum(axis=1))
            done = np.max(np.abs(new - alpha)) < 1e-9
            alpha = new
            if done:
                break
        # Levels carry the constant: the seasonal factors are relative to the reference month.
        alpha = alpha + res.params[0]
        season = beta - res.params[0]
        for j, m in enumerate(others):
            season_se[m] = res.bse[1 + j]
        missing = np.setdiff1d(np.arange(12), present)  # months the window lacks: their mean
        season[missing] = season[present].mean()
        season = np.clip(season, -1.5, 1.5)
    mu = expo * np.exp(alpha[:, None] + season[moy][None, :])
    df = y.size - G - (len(others) if seasonal else 0)
    pearson = float(((y - mu) ** 2 / np.maximum(mu, 1e-12)).sum())
    dispersion = max(1.0, pearson / df) if df > 0 else 1.0
    rate_se = 1 / np.sqrt(n_g)  # a Poisson level's standard error on the log scale
    return np.exp(alpha), rate_se, season, season_se, dispersion


def _survival(h: History, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hazard per month of age and how many were at risk, from a Kaplan-Meier curve."""
    mine = np.isin(h.zp_cell, cells) & (h.zp_begin > h.origin - SURVIVAL_MONTHS)
    begin, end = h.zp_begin[mine], h.zp_end[mine]
    event = end != OPEN
    # Ages in whole calendar months: a zorgperiode ending in its start month has age 0. One
    # still running survived its age at the origin: censored half a month later.
    time = np.where(event, end - begin, h.origin - begin + 0.5).astype(float)
    entry = np.clip(h.first_spend - begin, 0, None).astype(float)
    ok = time >= entry
    time, event, entry = time[ok], event[ok], entry[ok]
    ages = np.arange(AGES + 1)
    hazard = np.zeros(AGES + 1)
    at_risk = ((entry[None, :] <= ages[:, None]) & (time[None, :] >= ages[:, None])).sum(axis=1)
    if event.any():
        # Shifted by one month (statsmodels wants entry < time, also for an end at age 0);
        # entry half a month earlier: one who entered at age e is at risk from age e on.
        sf = SurvfuncRight(time + 1, event.astype(int), entry=entry + 0.5 if entry.any() else None)
        times, prob = np.asarray(sf.surv_times), np.asarray(sf.surv_prob)
        idx = np.searchsorted(times, ages + 1, side="right") - 1
        surv = np.where(idx >= 0, prob[np.maximum(idx, 0)], 1.0)
        before = np.r_[1.0, surv[:-1]]
        with np.errstate(divide="ignore", invalid="ignore"):
            hazard = np.where(before > 0, 1 - surv / before, 1.0)
    reliable = at_risk >= MIN_AT_RISK
    late = reliable & (ages >= min(12, AGES // 2))
    if late.any():
        tail = float((hazard * at_risk)[late].sum() / at_risk[late].sum())
    elif reliable.any():
        tail = float(hazard[np.flatnonzero(reliable)[-1]])
    else:
        tail = 1 / 6
    tail = max(tail, 0.01)
    hazard = np.where(reliable, hazard, tail)
    hazard[AGES] = tail  # the open bin: everyone older ends at the tail's pace
    return np.clip(hazard, 0.0, 1.0), at_risk.astype(float)


def _cost(h: History, model: Model, exposure: np.ndarray, wet: str, cells: np.ndarray):
    slope = model.price_trend.get(wet, (0.0, 0.0))[0]
    lo, hi = _window(h, COST_MONTHS)
    age = h.origin - (h.first_spend + np.arange(lo, hi))  # months before the origin
    adj = h.spend[cells, lo:hi] * np.exp(slope * age)[None, :]
    ex = exposure[cells, lo:hi]
    spent, months = adj.sum(axis=1), ex.sum(axis=1)
    pool = spent.sum() / months.sum() if months.sum() > 0 else 0.0
    level = (spent + COST_PRIOR * pool) / (months + COST_PRIOR)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(ex > 0, adj / (ex * level[:, None]) - 1, 0)
    used = ex >= 1
    cv2 = float((ex * r**2)[used].mean()) if used.any() else 0.25
    return level, cv2, months


def _group(h: History, model: Model, exposure, wet: str, cat: str, cells: np.ndarray) -> Group:
    rate, rate_se, season, season_se, disp, share = _inflow(h, model, wet, cells)
    hazard, at_risk = _survival(h, cells)
    cost, cv2, months = _cost(h, model, exposure, wet, cells)
    duration = float(np.cumprod(np.r_[1.0, 1 - hazard[:-1]]).sum())
    cost_se = np.sqrt(cv2 * max(duration, 1.0) / np.maximum(months + COST_PRIOR, 1.0))
    pos = np.full(h.cells, -1)
    pos[cells] = np.arange(len(cells))
    running = (pos[h.zp_cell] >= 0) & (h.zp_end == OPEN)
    stock = np.zeros((len(cells), AGES + 1))
    age = np.minimum(h.origin + 1 - h.zp_begin[running], AGES)
    np.add.at(stock, (pos[h.zp_cell[running]], age), 1)
    return Group(
        wet, cat, cells, h.gemeente[cells], rate, rate_se, season, season_se, disp, share,
        hazard, at_risk, cost, cost_se, cv2, stock,
    )  # fmt: skip

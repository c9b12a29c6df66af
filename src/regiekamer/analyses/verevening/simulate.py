"""Risk: each municipality's contribution over simulated years (DOMAIN.md §7).

A simulated year resamples each municipality's clients: as many clients as it has this year,
drawn with replacement from its own clients, each with all its yearly costs (one cost per
segment, so a client expensive in two segments stays expensive in both). The models of
``models.py`` then run on the simulated usage, vectorised over the years (numpy, no Python loop
per client or per year; one loop over municipalities and blocks of years that fit in cache).
Keys and budgets stay as they are: only usage is uncertain.

Every municipality draws from its own random stream, spawned from the one seed, and fills its
draws year by year, so a run repeats exactly with the same seed, whatever the block size.
Floats are fine here: the spread is a statistic, not a settlement (no cent is paid from it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from regiekamer.analyses.verevening.models import Rule, SegmentData

BLOCK = 32  # years per block: a block of one municipality's draws stays in the CPU cache


@dataclass(frozen=True)
class Draws:
    """Simulated usage: per segment ``(years, gemeenten)`` arrays in cents."""

    gebruik: list[np.ndarray]  # per segment: Σ of the drawn clients' costs
    onder: dict[tuple[int, int], np.ndarray]  # (segment, T): Σ of min(cost, T)

    @property
    def years(self) -> int:
        return self.gebruik[0].shape[0] if self.gebruik else 0


def resample(
    clients: Sequence[np.ndarray],
    years: int,
    seed: int,
    thresholds: dict[int, Sequence[int]] | None = None,
    block: int = BLOCK,
) -> Draws:
    """Resample ``years`` years. ``clients[g]`` is a ``(n_g, segments)`` array of each client's
    yearly cost per segment; ``thresholds`` maps a segment to the drempels it needs sums for."""
    thresholds = thresholds or {}
    n_seg = clients[0].shape[1] if clients else 0
    g_count = len(clients)
    gebruik = [np.zeros((years, g_count)) for _ in range(n_seg)]
    onder = {(s, t): np.zeros((years, g_count)) for s, ts in thresholds.items() for t in ts}
    streams = np.random.SeedSequence(seed).spawn(g_count)
    for g, costs in enumerate(clients):
        n = costs.shape[0]
        if n == 0:
            continue
        rng = np.random.default_rng(streams[g])
        cols = [np.ascontiguousarray(costs[:, s], dtype=np.float64) for s in range(n_seg)]
        u = np.empty((block, n), dtype=np.float32)
        idx = np.empty((block, n), dtype=np.intp)
        for y0 in range(0, years, block):
            m = min(block, years - y0)
            ub, ib = u[:m], idx[:m]
            rng.random(out=ub, dtype=np.float32)
            ub *= n
            np.copyto(ib, ub, casting="unsafe")  # floor: the values are non-negative
            np.minimum(ib, n - 1, out=ib)  # float32 rounding can reach n itself
            for s, col in enumerate(cols):
                drawn = col.take(ib)
                gebruik[s][y0 : y0 + m, g] = drawn.sum(axis=1)
                for t in thresholds.get(s, ()):
                    onder[(s, t)][y0 : y0 + m, g] = np.minimum(drawn, t).sum(axis=1)
    return Draws(gebruik, onder)


def _share(w: np.ndarray) -> np.ndarray:
    """Row shares of a ``(years, G)`` array; a row that sums to zero gets zero shares."""
    s = w.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(s != 0, w / np.where(s == 0, 1, s), 0.0)
    return out


def contributions(draws: Draws, s: int, data: SegmentData, rule: Rule) -> np.ndarray:
    """``(years, G)`` contributions to segment ``s`` under ``rule`` in the simulated years."""
    u = draws.gebruik[s]
    c = u.sum(axis=1, keepdims=True)
    if rule.gladstrijken:
        # The window's earlier years are history (fixed); this year is the simulated one.
        earlier = np.asarray(data.gebruik_3jaar, float) - np.asarray(data.gebruik, float)
        usage = u + earlier
    else:
        usage = u
    if rule.model == "profijt":
        return c * _share(usage)
    b = _key_share(data, rule)
    if rule.model == "solidariteit":
        return c * b
    if rule.model == "tussenvorm":
        alpha = float(rule.alpha if rule.alpha is not None else 0.5)
        return c * (alpha * b + (1 - alpha) * _share(usage))
    if rule.model == "drempel":
        below = draws.onder[(s, rule.drempel_cent or 0)]
        return below + (c - below.sum(axis=1, keepdims=True)) * b
    if rule.model == "plafond":
        alpha = float(rule.alpha if rule.alpha is not None else 1)
        base = alpha * b + (1 - alpha) * _share(usage)
        cap = np.floor(float(rule.plafond or 0) * np.asarray(data.budget, float))
        return water_fill(c[:, 0], base, u + cap)
    raise ValueError(rule.model)


def _key_share(data: SegmentData, rule: Rule) -> np.ndarray:
    b = np.asarray(data.sleutels[rule.sleutel or "budget"], dtype=float)
    return b / b.sum() if b.sum() else np.zeros_like(b)


def water_fill(total: np.ndarray, weights: np.ndarray, ceiling: np.ndarray) -> np.ndarray:
    """models.water_fill for every simulated year at once: ``total`` (Y,), ``weights`` (Y, G)
    or (G,), ``ceiling`` (Y, G)."""
    y, g = ceiling.shape
    w_all = np.broadcast_to(weights, (y, g))
    fixed = np.zeros((y, g), dtype=bool)
    parts = np.zeros((y, g))
    for _ in range(g + 1):
        rest = total - np.where(fixed, ceiling, 0).sum(axis=1)
        w = np.where(fixed, 0.0, w_all)
        sw = w.sum(axis=1)
        room = np.where(fixed, 0.0, ceiling)
        # Rows whose remaining weights are all zero share by room below the ceiling.
        w = np.where((sw <= 0)[:, None], room, w)
        sw = w.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            parts = np.where((sw != 0)[:, None], rest[:, None] * w / sw[:, None], 0.0)
        over = ~fixed & (parts > ceiling + 1e-6)
        if not over.any():
            break
        fixed |= over
    return np.where(fixed, ceiling, parts)


@dataclass(frozen=True)
class Risk:
    """Per municipality: the spread of its contribution over the simulated years (cents)."""

    p5: np.ndarray
    mediaan: np.ndarray
    p95: np.ndarray
    gemiddelde: np.ndarray
    sd: np.ndarray

    @property
    def cv(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.gemiddelde != 0, self.sd / np.abs(self.gemiddelde), np.nan)


def risk(totals: np.ndarray) -> Risk:
    """P5, median, P95, mean and standard deviation per column of ``(years, G)``."""
    p5, p50, p95 = np.percentile(totals, [5, 50, 95], axis=0)
    return Risk(p5, p50, p95, totals.mean(axis=0), totals.std(axis=0, ddof=1))

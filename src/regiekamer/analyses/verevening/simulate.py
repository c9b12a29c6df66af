"""Risk: each municipality's contribution over simulated years (DOMAIN.md §7).

A simulated year resamples each municipality's clients: as many clients as it has this year,
drawn with replacement from its own clients, each with all its yearly costs (one cost per
segment, so a client expensive in two segments stays expensive in both). The models of
``models.py`` then run on the simulated usage, vectorised over the years (numpy, no Python loop
per client or per year; loops over municipalities, groups and blocks of years that fit in cache).
Keys and budgets stay as they are: only usage is uncertain.

Every municipality (and within it every group of clients, see ``resample``) draws from its own
random stream, spawned from the one seed, year by year, so a run repeats exactly with the same
seed, whatever the block size.
Floats are fine here: the spread is a statistic, not a settlement (no cent is paid from it).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from regiekamer.analyses.verevening.models import Rule, SegmentData

DRAWS_PER_BLOCK = 65_536  # draws gathered at once: they stay in the CPU cache
RNG_YEARS = 1024  # years whose draws are made in one call (fixed: the outcome depends on it)


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
    block: int = DRAWS_PER_BLOCK,
    workers: int = 1,
) -> Draws:
    """Resample ``years`` years. ``clients[g]`` is a ``(n_g, segments)`` array of each client's
    yearly cost per segment; ``thresholds`` maps a segment to the drempels it needs sums for.

    Why it is fast and still exact: most clients have a cost in only some segments (few are in
    residential care). Clients are grouped by the segments they have a cost in. Drawing n clients
    uniformly is the same as first drawing how many fall in each group (multinomial, with the
    group sizes) and then drawing that many uniformly within each group; so each group only
    gathers the columns it has costs in, and a drempel only looks at the clients that have a cost
    in its segment.

    ``workers`` > 1 draws several municipalities at once in threads (numpy releases the GIL);
    each has its own stream and its own column, so the outcome does not change."""
    thresholds = thresholds or {}
    n_seg = clients[0].shape[1] if clients else 0
    g_count = len(clients)
    gebruik = [np.zeros((years, g_count)) for _ in range(n_seg)]
    onder = {(s, t): np.zeros((years, g_count)) for s, ts in thresholds.items() for t in ts}
    bits = 1 << np.arange(n_seg)
    seqs = np.random.SeedSequence(seed).spawn(g_count)

    def one(g: int) -> None:
        costs = np.asarray(clients[g], dtype=np.float64)
        n = costs.shape[0]
        if n == 0:
            return
        pattern = (costs != 0).astype(np.int64) @ bits
        groups = np.unique(pattern)
        members = [np.flatnonzero(pattern == p) for p in groups]
        sizes = np.array([len(m) for m in members], dtype=np.float64)
        streams = seqs[g].spawn(1 + len(groups))  # one for the counts, one per group
        counts = np.random.default_rng(streams[0]).multinomial(n, sizes / n, size=years)
        for j, p in enumerate(groups):
            if p == 0:
                continue  # clients without any cost add nothing
            cols = [s for s in range(n_seg) if p >> s & 1]
            sub = [np.ascontiguousarray(costs[members[j], s]) for s in cols]
            _draw_group(
                np.random.default_rng(streams[1 + j]),
                counts[:, j],
                sub,
                cols,
                g,
                gebruik,
                onder,
                thresholds,
                block,
            )

    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, range(g_count)))
    else:
        for g in range(g_count):
            one(g)
    return Draws(gebruik, onder)


def _draw_group(
    rng: np.random.Generator,
    counts: np.ndarray,
    sub: list[np.ndarray],
    cols: list[int],
    g: int,
    gebruik: list[np.ndarray],
    onder: dict[tuple[int, int], np.ndarray],
    thresholds: dict[int, Sequence[int]],
    block: int,
) -> None:
    """Draw one group's clients for every year. Indices are drawn per fixed span of
    ``RNG_YEARS`` years (so ``block`` never changes the outcome, and memory stays bounded),
    then gathered and summed about ``block`` draws at a time (in cache)."""
    k = len(sub[0])
    # Exact uniform (unbiased); a small index type draws and gathers faster.
    small = np.uint16 if k <= np.iinfo(np.uint16).max else np.uint32
    years = len(counts)
    step = max(1, block // max(int(counts.mean()), 1))
    for span in range(0, years, RNG_YEARS):
        span_counts = counts[span : span + RNG_YEARS]
        idx_all = rng.integers(0, k, int(span_counts.sum()), dtype=small)
        offsets = np.concatenate(([0], np.cumsum(span_counts)))
        for y0 in range(0, len(span_counts), step):
            c = span_counts[y0 : y0 + step]
            idx = idx_all[offsets[y0] : offsets[y0 + len(c)]]
            if len(idx) == 0:
                continue
            nz = c > 0
            starts = (np.cumsum(c) - c)[nz]
            rows = np.flatnonzero(nz) + span + y0
            for s, col in zip(cols, sub, strict=True):
                drawn = col[idx]
                gebruik[s][rows, g] += np.add.reduceat(drawn, starts)
                for t in thresholds.get(s, ()):
                    onder[(s, t)][rows, g] += np.add.reduceat(np.minimum(drawn, t), starts)


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

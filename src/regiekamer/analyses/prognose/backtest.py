"""How far to trust the forecast: train on the store as it was 12 months before the end,
forecast those 12 months, and compare with what was declared (and again a year earlier for
``origins=2``, ...). Reports per municipality the absolute percentage error of annual spend and
whether the 80 % and 95 % intervals held the outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import ibis
import numpy as np

from regiekamer.analyses import trajectories as T
from regiekamer.analyses.prognose import history, model, simulate
from regiekamer.analyses.prognose.simulate import WETTEN, Span


@dataclass
class Backtest:
    rows: list[dict] = field(default_factory=list)  # per gemeente and window (all wetten)
    rows_wet: list[dict] = field(default_factory=list)  # per gemeente, wet and window

    @staticmethod
    def _summary(rows: list[dict]) -> dict[str, float]:
        if not rows:
            return {"mape_pct": float("nan"), "dekking_80_pct": float("nan"),
                    "dekking_95_pct": float("nan"), "n": 0}  # fmt: skip
        return {
            "mape_pct": float(np.mean([r["fout_pct"] for r in rows])),
            "dekking_80_pct": 100 * float(np.mean([r["binnen_80"] for r in rows])),
            "dekking_95_pct": 100 * float(np.mean([r["binnen_95"] for r in rows])),
            "n": len(rows),
        }

    @property
    def summary(self) -> dict[str, float]:
        return self._summary(self.rows)

    @property
    def summary_wet(self) -> dict[str, float]:
        return self._summary(self.rows_wet)


def realised(con: ibis.BaseBackend, first: int, last: int) -> dict[tuple[str, str], float]:
    """Declared cents per (gemeente, wet) with productperiode in months first..last."""
    p = con.table("prestatie")
    month = p.begindatum.year() * 12 + p.begindatum.month() - 1
    p = p.filter(month >= first, month <= last)
    t = p.group_by("gemeente", "wet").aggregate(cent=T.signed_cents(p).sum()).to_pyarrow()
    return {
        (g, w): float(c)
        for g, w, c in zip(
            t["gemeente"].to_pylist(), t["wet"].to_pylist(), t["cent"].to_pylist(), strict=True
        )
    }


def _row(label: str, gemeente: str, wet: str | None, real: float, sims: np.ndarray) -> dict:
    q = np.quantile(sims, [0.025, 0.1, 0.9, 0.975])
    mean = float(sims.mean())
    return {
        "venster": label,
        "gemeente": gemeente,
        **({"wet": wet} if wet else {}),
        "gerealiseerd": real / 100,
        "prognose": mean / 100,
        "p2_5": q[0] / 100,
        "p10": q[1] / 100,
        "p90": q[2] / 100,
        "p97_5": q[3] / 100,
        "fout_pct": 100 * abs(mean - real) / real if real else float("nan"),
        "binnen_80": bool(q[1] <= real <= q[2]),
        "binnen_95": bool(q[0] <= real <= q[3]),
    }


def run(
    con: ibis.BaseBackend,
    *,
    origins: int = 1,
    months: int = 12,
    sims: int = 500,
    seed: int = 1,
    on_step: Callable[[str], None] | None = None,
) -> Backtest:
    """Backtests from ``origins`` origins, 12, 24, ... months before the last complete month."""
    last = history.default_origin(con)
    out = Backtest()
    for k in range(origins):
        origin = last - months * (k + 1)
        calendar_year = (origin + 1) % 12 == 0 and months == 12
        label = (
            str((origin + 1) // 12)
            if calendar_year
            else f"{history.month_label(origin + 1)}..{history.month_label(origin + months)}"
        )
        window = Span(label, origin + 1, origin + months)
        fitted = model.fit(history.read(con, origin))
        f = simulate.run(fitted, months=months, sims=sims, seed=seed, spans=[window])
        real = realised(con, window.first, window.last)
        for i, g in enumerate(f.gemeenten):
            per_wet = [real.get((g, w), 0.0) for w in WETTEN]
            if sum(per_wet) > 0:
                out.rows.append(
                    _row(window.label, g, None, sum(per_wet), f.spend[:, i, :, 0].sum(axis=1))
                )
            for j, w in enumerate(WETTEN):
                if per_wet[j] > 0:
                    out.rows_wet.append(_row(window.label, g, w, per_wet[j], f.spend[:, i, j, 0]))
        if on_step:
            on_step(window.label)
    return out

"""Forecasts as rows: per scenario, wet and year (clients and euros with their intervals), per
month (for the chart with its band), and the difference of each scenario with the baseline."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from regiekamer.analyses.prognose.history import History, month_label
from regiekamer.analyses.prognose.simulate import WETTEN, Forecast

TOTAAL = "totaal"


@dataclass
class Result:
    peilmaand: str  # the last month the forecast knew
    scenarios: list[str]
    jaren: list[dict] = field(default_factory=list)
    verschillen: list[dict] = field(default_factory=list)
    maanden: list[dict] = field(default_factory=list)
    historie: list[dict] = field(default_factory=list)
    cellen: list[dict] = field(default_factory=list)


def _band(x: np.ndarray, scale: float = 1.0) -> dict[str, float]:
    q = np.quantile(x, [0.025, 0.1, 0.9, 0.975])
    return {
        "": float(x.mean()) / scale,
        "_p2_5": float(q[0]) / scale,
        "_p10": float(q[1]) / scale,
        "_p90": float(q[2]) / scale,
        "_p97_5": float(q[3]) / scale,
    }


def _named(prefix: str, band: dict[str, float]) -> dict[str, float]:
    return {prefix + k: v for k, v in band.items()}


def years(f: Forecast, naam: str, gemeenten: set[str] | None = None) -> list[dict]:
    """Per wet (and both together) and span: clients in care and spend, mean and intervals."""
    cols = [i for i, g in enumerate(f.gemeenten) if gemeenten is None or g in gemeenten]
    out = []
    for j, sp in enumerate(f.spans):
        for w, label in [*((k, WETTEN[k]) for k in range(len(WETTEN))), (None, TOTAAL)]:
            sel = slice(None) if w is None else w
            spend = f.spend[:, cols][:, :, sel, j].reshape(len(f.spend), -1).sum(axis=1)
            clients = f.clients[:, cols][:, :, sel, j].reshape(len(f.spend), -1).sum(axis=1)
            if w is not None and not clients.any() and not spend.any():
                continue
            out.append(
                {
                    "scenario": naam,
                    "jaar": sp.label,
                    "wet": label,
                    **_named("clienten", _band(clients)),
                    **_named("uitgaven", _band(spend, 100)),
                }
            )
    return out


def add_realised(rows: list[dict], h: History, year: int, gemeenten: set[str] | None) -> None:
    """For a year that began before the forecast: add what was declared up to the origin, so
    the row is a year-end forecast (the band shifts by that known amount)."""
    first = max(year * 12, h.first_spend) - h.first_spend
    last = min(year * 12 + 11, h.origin) - h.first_spend
    if last < first:
        return
    keep = np.ones(h.cells, bool) if gemeenten is None else np.isin(h.gemeente, sorted(gemeenten))
    for r in rows:
        if r["jaar"] != str(year):
            continue
        sel = keep if r["wet"] == TOTAAL else keep & (h.wet == r["wet"])
        known = float(h.spend[sel, first : last + 1].sum()) / 100
        r["gerealiseerd"] = known
        for k in ("uitgaven", "uitgaven_p2_5", "uitgaven_p10", "uitgaven_p90", "uitgaven_p97_5"):
            r[k] += known


def differences(base: list[dict], other: list[dict]) -> list[dict]:
    """Scenario minus baseline per wet and year: clients and euros (means)."""
    ref = {(r["jaar"], r["wet"]): r for r in base}
    out = []
    for r in other:
        b = ref.get((r["jaar"], r["wet"]))
        if b is None:
            continue
        d_eur = r["uitgaven"] - b["uitgaven"]
        out.append(
            {
                "scenario": r["scenario"],
                "jaar": r["jaar"],
                "wet": r["wet"],
                "clienten_verschil": r["clienten"] - b["clienten"],
                "uitgaven_verschil": d_eur,
                "uitgaven_verschil_pct": 100 * d_eur / b["uitgaven"] if b["uitgaven"] else None,
            }
        )
    return out


def months(f: Forecast, naam: str) -> list[dict]:
    """Per wet and month: spend and clients in care, mean and intervals (for the chart)."""
    out = []
    for w, wet in enumerate(WETTEN):
        if not f.monthly_clients[:, w].any():
            continue
        for k, m in enumerate(f.months.tolist()):
            out.append(
                {
                    "scenario": naam,
                    "wet": wet,
                    "maand": f"{month_label(m)}-01",
                    **_named("uitgaven", _band(f.monthly_spend[:, w, k], 100)),
                    **_named("clienten", _band(f.monthly_clients[:, w, k])),
                }
            )
    return out


def history(h: History, gemeenten: set[str] | None = None, last: int = 24) -> list[dict]:
    """Declared spend per wet and month, the last ``last`` months up to the origin."""
    rows = np.ones(h.cells, bool) if gemeenten is None else np.isin(h.gemeente, sorted(gemeenten))
    n = h.spend.shape[1]
    out = []
    for wet in WETTEN:
        sel = rows & (h.wet == wet)
        if not sel.any():
            continue
        for k in range(max(0, n - last), n):
            out.append(
                {
                    "wet": wet,
                    "maand": f"{month_label(h.first_spend + k)}-01",
                    "uitgaven": float(h.spend[sel, k].sum()) / 100,
                }
            )
    return out

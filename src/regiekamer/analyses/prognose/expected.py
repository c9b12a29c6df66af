"""The model's point forecast: expected spend per cell and month, without simulation.

The KPI ``prognose_jaar`` (analyses/kpi) is "what is declared up to the peilmaand + what the
model expects for the rest of the year". It needs one number per cell and month that does not
depend on a random seed and that a person can work out by hand: the expected value of the
simulation (simulate.py) at the fitted parameters. The recursion is the simulation's, with every
draw replaced by its mean:

- in care in month k: those in care (by age) plus the expected new zorgperioden λ_k
  (rate × seasonal factor × inhabitants / 1,000);
- spend in month k: in care × cost per client-month × the price trend exp(slope × (k + 1));
- then each age survives with 1 − hazard and everyone is a month older.

It differs from the mean of the simulations only by their parameter noise (lognormal factors
with mean one; the Beta draws of the hazards), so it lies inside the simulation's band.

The table is computed once from the store (DuckDB, numpy) and handed to the KPI engine as a
reference input (kpi.context.Remainder): DuckDB and Spark then join the same figures.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from regiekamer.analyses.prognose.history import month_end
from regiekamer.analyses.prognose.model import AGES, Model
from regiekamer.analyses.prognose.scenario import Scenario
from regiekamer.analyses.prognose.simulate import expected_inflow

SCHEMA = pa.schema(
    [
        ("wet", pa.string()),
        ("gemeente", pa.string()),
        ("productcategorie", pa.string()),
        ("maand", pa.date32()),  # first day of the forecast month
        ("cent", pa.float64()),  # expected spend in cents
    ]
)


def expected_spend(model: Model, months: int) -> pa.Table:
    """Expected spend per cell (wet, gemeente, productcategorie) for ``months`` months after
    the model's origin, in cents (SCHEMA)."""
    ahead = model.origin + 1 + np.arange(months)
    base = Scenario()
    start = base.vanaf_key(model.origin)
    wet, gemeente, categorie, maand, cent = [], [], [], [], []
    first_days = [month_end(int(m) - 1) + dt.timedelta(days=1) for m in ahead]
    for g in model.groups:
        lam = expected_inflow(model, g, base, ahead, start)
        slope = model.price_trend.get(g.wet, (0.0, 0.0))[0]
        price = np.exp(slope * np.arange(1, months + 1))
        survive = 1 - g.hazard
        state = g.stock.astype(float).copy()
        active = np.zeros((len(g.gemeente), months))
        for k in range(months):
            state[:, 0] += lam[:, k]
            active[:, k] = state.sum(axis=1)
            state = state * survive[None, :]
            older = np.zeros_like(state)
            older[:, 1:] = state[:, :-1]
            older[:, AGES] += state[:, AGES]
            state = older
        spend = active * g.cost[:, None] * price[None, :]
        for i, code in enumerate(g.gemeente.tolist()):
            wet.extend([g.wet] * months)
            gemeente.extend([code] * months)
            categorie.extend([g.categorie] * months)
            maand.extend(first_days)
            cent.extend(spend[i].tolist())
    return pa.table([wet, gemeente, categorie, maand, cent], schema=SCHEMA)

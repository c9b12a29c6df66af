"""Regional risk equalisation (DOMAIN.md §7): who pays what of a shared cost, and how volatile
each municipality's contribution is.

- ``rounding``: the rounding rule (largest remainder, exact to the cent);
- ``models``: the exact models per segment (profijt, solidariteit, tussenvorm, drempel, plafond,
  3-year smoothing), each with the steps a controller can recompute by hand;
- ``simulate``: the same models vectorised over simulated years (resampled clients);
- ``config``: ``verevening.yaml`` read and validated with coded findings;
- ``inputs``: the per-municipality inputs, read from the store through Ibis;
- ``run``: one region and year, every variant side by side, plus the multi-year view.
"""

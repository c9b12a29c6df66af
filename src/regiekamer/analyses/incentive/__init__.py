"""The joint incentive system (DOMAIN.md §7): per contract or chain, gain/pain sharing of the
difference between a target budget and the realised cost, and bonus/malus on KPI bands.

- ``config``: ``incentive.yaml`` read and validated with coded findings;
- ``models``: the settlement of one provider, exact to the cent, every step kept;
- ``run``: realised cost from the store (Ibis) and every provider of every arrangement.
"""

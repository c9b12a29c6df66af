"""The rounding rule of every settlement: largest remainder (Hamilton), exact to the cent.

Each municipality's exact share of a total (a fraction of a cent) is rounded down; the cents
left over (fewer than the number of municipalities) go one each to the municipalities with the
largest remainder; on an equal remainder the lower position in the list, which is the lower
gemeentecode, comes first. So the contributions always add up to the total exactly, and no
contribution is more than one cent from its exact share.

Exact shares are ``fractions.Fraction``: no float ever decides a cent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Rounded:
    """The rounding of one total over its parts, every step kept for the statement."""

    exact: tuple[Fraction, ...]  # exact shares in cents
    floor: tuple[int, ...]  # each share rounded down
    extra: tuple[int, ...]  # 1 where a left-over cent went, else 0
    cents: tuple[int, ...]  # the result: floor + extra

    @property
    def left_over(self) -> int:
        return sum(self.extra)


def largest_remainder(exact: Sequence[Fraction]) -> Rounded:
    """Round exact shares (in cents) whose sum is a whole number of cents."""
    total = sum(exact, Fraction(0))
    if total.denominator != 1:
        raise ValueError(f"the shares add up to {total}, not to a whole number of cents")
    floors = [math.floor(q) for q in exact]
    left = int(total) - sum(floors)
    # Largest remainder first; on a tie the earlier position. Only parts with a remainder can be
    # chosen: ``left`` is the sum of the remainders, each below one.
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    chosen = set(order[:left])
    extra = tuple(1 if i in chosen else 0 for i in range(len(exact)))
    return Rounded(
        tuple(exact), tuple(floors), extra, tuple(f + e for f, e in zip(floors, extra, strict=True))
    )


def shares(total: int, weights: Sequence[Fraction | int]) -> tuple[tuple[Fraction, ...], Rounded]:
    """Split ``total`` cents in proportion to ``weights``: the exact fractions and the rounding.

    The weights must not add up to zero (the caller says in Dutch what that means)."""
    w = [Fraction(x) for x in weights]
    s = sum(w, Fraction(0))
    if s == 0:
        raise ZeroDivisionError("weights add up to zero")
    fractions = tuple(x / s for x in w)
    return fractions, largest_remainder([total * f for f in fractions])

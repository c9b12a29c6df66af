"""The models of DOMAIN.md §7, exact to the cent, with every step kept.

For one cost segment and the municipalities ``g`` of a region: ``U_g`` is the municipality's own
usage cost this year (invoices under the residence principle), ``C = ΣU`` the segment's cost,
``B_g`` the value of a solidarity key (budget, youth population, inhabitants, clients last year).

- profijt (user pays): ``C·U_g/ΣU``;
- solidariteit: ``C·B_g/ΣB``;
- tussenvorm: ``C·(α·B_g/ΣB + (1−α)·U_g/ΣU)``;
- drempel T: each client's cost up to T is paid by the client's municipality, the part above T
  goes into a pool shared by the key;
- plafond p: the solidarity model (or a tussenvorm), but a municipality's solidarity
  contribution, what it pays beyond its user-pays contribution, is capped at ``p`` × its budget;
  what a cap frees is shared by the others in proportion to their own shares, again and again
  until nobody is above their cap;
- gladstrijken: ``U_g`` replaced by the average of the last three years (those with data).

Every model ends with :func:`rounding.largest_remainder`, so contributions add up to ``C``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from regiekamer.analyses.money import eur as _eur
from regiekamer.analyses.verevening.rounding import Rounded, largest_remainder
from regiekamer.errors import RegiekamerError

MODELS = ("profijt", "solidariteit", "tussenvorm", "drempel", "plafond")
KEYS = ("budget", "jeugd", "inwoners", "clienten_vorig_jaar", "clienten_3jaar")
KEY_NAMES = {
    "budget": "budgetaandeel",
    "jeugd": "inwoners 0–17 jaar",
    "inwoners": "inwoners",
    "clienten_vorig_jaar": "cliënten vorig jaar",
    "clienten_3jaar": "cliënten in de drie jaar ervoor (som)",
}
MODEL_NAMES = {
    "profijt": "profijtbeginsel",
    "solidariteit": "solidariteit",
    "tussenvorm": "tussenvorm",
    "drempel": "drempel",
    "plafond": "solidariteit met plafond",
}


class VereveningError(RegiekamerError):
    """A settlement cannot be made from these inputs (say which, in Dutch)."""


@dataclass(frozen=True)
class Rule:
    """How one segment is shared (one entry of a variant in verevening.yaml)."""

    model: str
    sleutel: str | None = None
    alpha: Fraction | None = None  # tussenvorm; plafond (default 1: pure solidarity)
    drempel_cent: int | None = None
    plafond: Fraction | None = None  # share of the budget, e.g. 1/20 for 5 %
    gladstrijken: bool = False  # usage as the average of three years


@dataclass(frozen=True)
class SegmentData:
    """The inputs of one segment for one year, per municipality (in gemeentecode order)."""

    gemeenten: tuple[str, ...]
    gebruik: tuple[int, ...]  # U_g this year, cents
    sleutels: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    budget: tuple[int, ...] = ()  # the budget of the segment's wet, cents (for a cap)
    clienten: tuple[tuple[int, ...], ...] = ()  # per gemeente: each client's cost, cents
    gebruik_3jaar: tuple[int, ...] = ()  # Σ U_g over the smoothing window
    jaren_3jaar: tuple[int, ...] = ()  # the years in that window that have data

    @property
    def kosten(self) -> int:
        return sum(self.gebruik)


@dataclass(frozen=True)
class Settlement:
    """One segment settled by one rule: the contributions and every step behind them."""

    rule: Rule
    kosten: int
    bijdrage: tuple[int, ...]
    profijt: tuple[int, ...]  # the user-pays contribution, for the difference
    stappen: list[dict[str, object]]  # per municipality: the columns of each step
    toelichting: list[str]  # the calculation in Dutch sentences

    @property
    def verschil(self) -> tuple[int, ...]:
        return tuple(b - p for b, p in zip(self.bijdrage, self.profijt, strict=True))


def _proportional(total: int, weights: list[Fraction], what: str) -> list[Fraction]:
    """Exact parts of ``total`` in proportion to ``weights``; zero when there is nothing."""
    s = sum(weights, Fraction(0))
    if total == 0:
        return [Fraction(0)] * len(weights)
    if s == 0:
        raise VereveningError(
            f"De verdeelsleutel '{what}' is voor alle gemeenten nul; {_eur(total)} kan niet "
            "naar die sleutel worden verdeeld."
        )
    return [Fraction(total) * w / s for w in weights]


def _shares(weights: list[Fraction]) -> list[Fraction]:
    s = sum(weights, Fraction(0))
    return [w / s if s else Fraction(0) for w in weights]


def usage(data: SegmentData, rule: Rule) -> list[Fraction]:
    """``U_g``, or its three-year average when the rule smooths."""
    if not rule.gladstrijken:
        return [Fraction(u) for u in data.gebruik]
    n = max(len(data.jaren_3jaar), 1)
    return [Fraction(u, n) for u in data.gebruik_3jaar]


def key(data: SegmentData, rule: Rule) -> list[Fraction]:
    name = rule.sleutel or "budget"
    if name not in data.sleutels:
        raise VereveningError(f"De verdeelsleutel '{name}' ontbreekt in de invoer.")
    return [Fraction(v) for v in data.sleutels[name]]


def _rows(data: SegmentData, **columns: list[object]) -> list[dict[str, object]]:
    return [
        {"gemeente": g, **{k: v[i] for k, v in columns.items()}}
        for i, g in enumerate(data.gemeenten)
    ]


def _round_columns(r: Rounded) -> dict[str, list[object]]:
    return {"exact_cent": list(r.exact), "afgerond_cent": list(r.floor), "restcent": list(r.extra)}


def profijt(data: SegmentData, rule: Rule | None = None) -> Settlement:
    rule = rule or Rule("profijt")
    u = usage(data, rule)
    exact = _proportional(data.kosten, u, "gebruik")
    r = largest_remainder(exact)
    base = _user_pays(data)
    cols = {"gebruik_cent": list(data.gebruik)}
    if rule.gladstrijken:
        cols["gebruik_gemiddeld_cent"] = u
    steps = _rows(
        data, **cols, aandeel=_shares(u), **_round_columns(r), bijdrage_cent=list(r.cents)
    )
    text = [
        f"Kosten C = ΣU = {_eur(data.kosten)}.",
        "Bijdrage = C × U_g / ΣU"
        + (f", met U_g het gemiddelde over {_years(data)}." if rule.gladstrijken else "."),
        _rounding_text(r),
    ]
    return Settlement(rule, data.kosten, r.cents, base, steps, text)


def _user_pays(data: SegmentData) -> tuple[int, ...]:
    """The reference: each municipality pays exactly its own usage (C·U_g/ΣU = U_g)."""
    return tuple(data.gebruik)


def solidariteit(data: SegmentData, rule: Rule) -> Settlement:
    b = key(data, rule)
    exact = _proportional(data.kosten, b, rule.sleutel or "budget")
    r = largest_remainder(exact)
    steps = _rows(
        data, sleutel=b, aandeel=_shares(b), **_round_columns(r), bijdrage_cent=list(r.cents)
    )
    text = [
        f"Kosten C = {_eur(data.kosten)}; sleutel: {KEY_NAMES[rule.sleutel or 'budget']}.",
        "Bijdrage = C × B_g / ΣB.",
        _rounding_text(r),
    ]
    return Settlement(rule, data.kosten, r.cents, _user_pays(data), steps, text)


def _mix(data: SegmentData, rule: Rule, alpha: Fraction) -> tuple[list[Fraction], ...]:
    """(usage share, key share, mixed share) per municipality."""
    su = _shares(usage(data, rule))
    sb = _shares(key(data, rule)) if alpha else [Fraction(0)] * len(su)
    return su, sb, [alpha * b + (1 - alpha) * u for u, b in zip(su, sb, strict=True)]


def tussenvorm(data: SegmentData, rule: Rule) -> Settlement:
    alpha = rule.alpha if rule.alpha is not None else Fraction(1, 2)
    su, sb, mixed = _mix(data, rule, alpha)
    if data.kosten and sum(mixed) == 0:
        _proportional(data.kosten, mixed, rule.sleutel or "budget")  # raises in Dutch
    r = largest_remainder([data.kosten * m for m in mixed])
    steps = _rows(
        data,
        gebruik_cent=list(data.gebruik),
        aandeel_gebruik=su,
        sleutel=key(data, rule) if alpha else [None] * len(su),
        aandeel_sleutel=sb,
        aandeel=mixed,
        **_round_columns(r),
        bijdrage_cent=list(r.cents),
    )
    text = [
        f"Kosten C = {_eur(data.kosten)}; α = {_num(alpha)}; sleutel: "
        f"{KEY_NAMES[rule.sleutel or 'budget']}.",
        "Bijdrage = C × (α × B_g/ΣB + (1 − α) × U_g/ΣU).",
        _rounding_text(r),
    ]
    return Settlement(rule, data.kosten, r.cents, _user_pays(data), steps, text)


def drempel(data: SegmentData, rule: Rule) -> Settlement:
    t = rule.drempel_cent or 0
    below = [sum(min(x, t) for x in clients) for clients in data.clienten]
    if len(below) != len(data.gemeenten):
        raise VereveningError("Het drempelmodel vraagt de kosten per cliënt van elke gemeente.")
    above = [u - b for u, b in zip(data.gebruik, below, strict=True)]
    pool = sum(above)
    b = key(data, rule)
    exact_pool = _proportional(pool, b, rule.sleutel or "budget")
    r = largest_remainder(exact_pool)
    result = tuple(x + p for x, p in zip(below, r.cents, strict=True))
    steps = _rows(
        data,
        clienten=[len(c) for c in data.clienten],
        gebruik_cent=list(data.gebruik),
        onder_drempel_cent=below,
        boven_drempel_cent=above,
        sleutel=b,
        aandeel=_shares(b),
        **_round_columns(r),
        pool_cent=list(r.cents),
        bijdrage_cent=list(result),
    )
    text = [
        f"Drempel T = {_eur(t)} per cliënt. Elke gemeente betaalt van elke cliënt het deel tot T "
        f"zelf: samen {_eur(sum(below))}.",
        f"Het deel boven T gaat in de pot: {_eur(pool)}, verdeeld naar "
        f"{KEY_NAMES[rule.sleutel or 'budget']} (pot × B_g / ΣB).",
        _rounding_text(r),
        "Bijdrage = eigen deel onder de drempel + aandeel in de pot.",
    ]
    return Settlement(rule, data.kosten, result, _user_pays(data), steps, text)


def plafond(data: SegmentData, rule: Rule) -> Settlement:
    alpha = rule.alpha if rule.alpha is not None else Fraction(1)
    p = rule.plafond or Fraction(0)
    _, _, base = _mix(data, rule, alpha)
    if not data.budget:
        raise VereveningError("Het plafondmodel vraagt het budget van elke gemeente.")
    own = _user_pays(data)
    ceiling = [u + math.floor(p * bud) for u, bud in zip(own, data.budget, strict=True)]
    final, rounds = water_fill(data.kosten, base, ceiling)
    r = largest_remainder(final)
    steps = _rows(
        data,
        aandeel=base,
        zonder_plafond_cent=[data.kosten * w for w in base],
        profijt_cent=list(own),
        budget_cent=list(data.budget),
        plafond_cent=[c - u for c, u in zip(ceiling, own, strict=True)],
        grens_cent=ceiling,
        begrensd=[f == c for f, c in zip(final, ceiling, strict=True)],
        **_round_columns(r),
        bijdrage_cent=list(r.cents),
    )
    text = [
        f"Kosten C = {_eur(data.kosten)}; verdeling naar {KEY_NAMES[rule.sleutel or 'budget']}"
        + (f" (tussenvorm, α = {_num(alpha)})" if alpha != 1 else "")
        + f"; de solidariteitsbijdrage (bijdrage min profijt) is ten hoogste {_num(p * 100)} % "
        "van het budget.",
        "Grens per gemeente = profijtbijdrage + plafond (naar beneden afgerond op centen).",
        *rounds,
        _rounding_text(r),
    ]
    return Settlement(rule, data.kosten, r.cents, own, steps, text)


def water_fill(
    total: int, weights: list[Fraction], ceiling: list[int]
) -> tuple[list[Fraction], list[str]]:
    """Share ``total`` by ``weights`` without any part above its ceiling: a part that would
    exceed its ceiling is fixed there, and the rest is shared again over the others by their
    weights, until no part exceeds. Returns the exact parts and one sentence per round.

    The ceilings add up to at least ``total`` (each is the user-pays part plus a cap of zero or
    more), so a solution exists. Should every part left have weight zero, the rest is shared by
    the room below each ceiling (never the case with a positive key)."""
    n = len(weights)
    fixed: dict[int, Fraction] = {}
    rounds: list[str] = []
    for k in range(1, n + 2):
        free = [i for i in range(n) if i not in fixed]
        rest = total - sum(fixed.values(), Fraction(0))
        if not free:
            break
        w = [weights[i] for i in free]
        if sum(w) <= 0:
            w = [ceiling[i] - Fraction(0) for i in free]  # by room below the ceiling
        parts = dict(zip(free, _proportional_frac(rest, w), strict=True))
        over = [i for i in free if parts[i] > ceiling[i]]
        if not over:
            if k > 1:
                rounds.append(
                    f"Ronde {k}: niemand meer boven de grens; {_eur(rest)} verdeeld over de "
                    "overige gemeenten naar hun aandeel."
                )
            return [fixed.get(i, parts.get(i, Fraction(0))) for i in range(n)], rounds
        for i in over:
            fixed[i] = Fraction(ceiling[i])
        freed = sum((parts[i] - ceiling[i] for i in over), Fraction(0))
        rounds.append(
            f"Ronde {k}: {len(over)} gemeente(n) boven de grens vastgezet op de grens; "
            f"vrijgekomen {_eur(freed)} gaat naar de overige gemeenten naar hun aandeel."
        )
    return [fixed.get(i, Fraction(0)) for i in range(n)], rounds


def _proportional_frac(total: Fraction, weights: list[Fraction]) -> list[Fraction]:
    s = sum(weights, Fraction(0))
    return [total * w / s for w in weights] if s else [Fraction(0)] * len(weights)


SETTLE = {
    "profijt": profijt,
    "solidariteit": solidariteit,
    "tussenvorm": tussenvorm,
    "drempel": drempel,
    "plafond": plafond,
}


def settle(data: SegmentData, rule: Rule) -> Settlement:
    """Settle one segment by one rule."""
    return SETTLE[rule.model](data, rule)


def _rounding_text(r: Rounded) -> str:
    if not r.left_over:
        return "Afronding: alle aandelen zijn hele centen; niets te verdelen."
    return (
        f"Afronding (grootste rest): elk aandeel naar beneden op hele centen; de {r.left_over} "
        "cent die overblijft gaat per cent naar de gemeente met de grootste rest "
        "(bij gelijke rest de laagste gemeentecode)."
    )


def _num(x: Fraction) -> str:
    return f"{float(x):g}".replace(".", ",")


def _years(data: SegmentData) -> str:
    return ", ".join(str(y) for y in data.jaren_3jaar) or "de beschikbare jaren"

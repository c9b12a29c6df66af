"""Small shared helpers: Dutch working days, synthetic BSNs, AGB codes, provider names."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import numpy as np

# Synthetic BSNs come from this fixed range only, so they can never be mistaken for a real
# person's number by accident of pattern: 99.. is the range test environments use.
BSN_LOW, BSN_HIGH = 990_000_000, 999_999_999
_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2], dtype=np.int64)


def elfproef(bsn: str) -> bool:
    """The BSN eleven test: sum(d_i * (9 - i)) - d_8 divisible by 11 (and not all zeros)."""
    if len(bsn) != 9 or not bsn.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(bsn[:8], range(9, 1, -1), strict=True))
    return (total - int(bsn[8])) % 11 == 0 and bsn != "000000000"


def bsns(rng: np.random.Generator, n: int) -> list[str]:
    """n distinct elfproef-valid BSNs from the synthetic range, in random order."""
    lo, hi = BSN_LOW // 10, BSN_HIGH // 10
    need = n
    found: np.ndarray = np.empty(0, dtype=np.int64)
    while need > 0:
        prefix = rng.integers(lo, hi + 1, size=int(need * 1.3) + 16)
        digits = (prefix[:, None] // 10 ** np.arange(7, -1, -1)) % 10
        check = (digits * _WEIGHTS).sum(axis=1) % 11
        ok = check < 10  # check digit 10 is impossible: that prefix has no valid BSN
        found = np.unique(np.concatenate([found, prefix[ok] * 10 + check[ok]]))
        need = n - len(found)
    found = rng.permutation(found)[:n]
    return [f"{b:09d}" for b in found]


def bad_bsn(good: str) -> str:
    """A 9-digit number that fails the elfproef (last digit changed)."""
    for d in range(10):
        cand = good[:8] + str((int(good[8]) + 1 + d) % 10)
        if not elfproef(cand):
            return cand
    raise AssertionError("unreachable")


# --- Dutch working days -------------------------------------------------------------------


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month = (h + el - 7 * m + 114) // 31
    day = (h + el - 7 * m + 114) % 31 + 1
    return date(year, month, day)


@cache
def holidays(year: int) -> frozenset[date]:
    """National holidays (Nieuwjaar, Goede Vrijdag, Pasen, Koningsdag, Bevrijdingsdag in
    lustrum years, Hemelvaart, Pinksteren, Kerst)."""
    e = _easter(year)
    koning = date(year, 4, 27)
    if koning.weekday() == 6:
        koning = date(year, 4, 26)
    days = {
        date(year, 1, 1),
        e - timedelta(days=2),
        e,
        e + timedelta(days=1),
        koning,
        e + timedelta(days=39),
        e + timedelta(days=49),
        e + timedelta(days=50),
        date(year, 12, 25),
        date(year, 12, 26),
    }
    if year % 5 == 0:
        days.add(date(year, 5, 5))
    return frozenset(days)


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in holidays(d.year)


def add_working_days(d: date, n: int) -> date:
    """The n-th working day after d (n=0: d itself if a working day, else the next one)."""
    if n == 0:
        while not is_working_day(d):
            d += timedelta(days=1)
        return d
    while n > 0:
        d += timedelta(days=1)
        if is_working_day(d):
            n -= 1
    return d


# --- providers ----------------------------------------------------------------------------

_NAME_A = (
    "De Bascule",
    "Horizon",
    "Kompaan",
    "Karakter",
    "Lindenhout",
    "Pluryn",
    "Timon",
    "Levvel",
    "Het Kinderhuis",
    "De Opbouw",
    "Zonnebloem",
    "Vitalis",
    "De Waterlelie",
    "Het Baken",
    "De Kempen",
    "Oosterpoort",
    "Rivierduinen",
    "Altra",
    "Entrea",
    "Sterk Huis",
    "De Linde",
    "Noorderlicht",
    "Elker",
    "Ambiq",
    "Vivenz",
    "De Kleine Wereld",
    "Sprank",
    "Thuisvast",
    "Zorgbeek",
    "De Hoeve",
    "Meander",
    "De Brug",
    "Veldzicht",
    "Wilgenhof",
    "Het Anker",
    "Buitenzorg",
    "De Kapstok",
    "Kinderkracht",
    "Zuidwester",
    "Duinrand",
    "Eikenburg",
)
_NAME_B = (
    "Jeugdhulp",
    "Zorggroep",
    "Ambulante Hulp",
    "Jeugd & Gezin",
    "GGZ",
    "Thuiszorg",
    "Begeleiding",
    "Dagbesteding",
    "Wonen & Zorg",
    "Zorg",
    "Gezinshuizen",
    "Kind & Jeugd",
)
_SUFFIX = ("B.V.", "Stichting", "", "", "Coöperatie U.A.")


def provider_names(rng: np.random.Generator, n: int) -> list[str]:
    """n distinct, plausible but invented Dutch provider names."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        a = _NAME_A[rng.integers(len(_NAME_A))]
        b = _NAME_B[rng.integers(len(_NAME_B))]
        s = _SUFFIX[rng.integers(len(_SUFFIX))]
        name = f"Stichting {a} {b}" if s == "Stichting" else f"{a} {b} {s}".strip()
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def agb_codes(rng: np.random.Generator, n: int) -> list[str]:
    """n distinct 8-digit AGB codes of care institutions (prefix 75, 'instellingen')."""
    nums = rng.choice(1_000_000, size=n, replace=False)
    return [f"75{x:06d}" for x in nums]


def pick(rng: np.random.Generator, weights: dict, size: int | None = None):
    """Draw key(s) of ``weights`` with those (normalised) probabilities."""
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    idx = rng.choice(len(keys), size=size, p=p / p.sum())
    if size is None:
        return keys[int(idx)]
    return [keys[i] for i in idx]

"""Numbers, money, percentages and dates written the Dutch way, for reports and pages.

Rounding happens only here, on the way to a reader (data outputs keep full precision).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december",
)  # fmt: skip


def rounded(x: float, decimals: int = 0) -> Decimal:
    d = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return abs(d) if d == 0 else d  # never "-0"


def number(x: float, decimals: int = 0) -> str:
    """1234567.8 -> '1.234.568'; with decimals=1: '1.234.567,8'."""
    text = f"{rounded(x, decimals):,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def euro(x: float) -> str:
    """Whole euros, Dutch style: '€ 1.234.567' (a non-breaking space after the sign)."""
    return "€\u00a0" + number(x)


def percent(x: float) -> str:
    """Whole percent, or one decimal below 10: '94%', '2,6%' (and '0%', not '0,0%')."""
    return number(x, 1 if 0.05 <= abs(x) < 9.95 else 0) + "%"


def days(x: float) -> str:
    n = rounded(x)
    return f"{number(x)} {'dag' if n == 1 else 'dagen'}"


def in_unit(waarde: float | None, eenheid: str) -> str:
    """A value in the words of its unit (a KPI's ``eenheid``), as a council member reads it;
    '—' for no value. One place, so that the dashboard and the reports word a figure alike."""
    if waarde is None:
        return "—"
    if eenheid.startswith("euro"):
        return euro(waarde)
    if eenheid == "%":
        return percent(waarde)
    if eenheid == "dagen":
        return days(waarde)
    return number(waarde, 1 if eenheid.startswith("per") else 0)


def long_date(d: dt.date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"

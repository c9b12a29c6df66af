"""Amounts in the sentences a settlement explains itself with (analyses are in Dutch for the
controller who recomputes them): integer or exact cents written as '−€ 1.234,56'."""

from __future__ import annotations

from fractions import Fraction


def eur(cents: int | Fraction) -> str:
    value = Fraction(cents) / 100
    text = f"{float(abs(value)):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{'−' if value < 0 and text != '0,00' else ''}€ {text}"

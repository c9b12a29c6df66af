"""Reporting periods (jaar, kwartaal, maand) as a small Ibis table, and working days.

A measurement belongs to the period that holds its date (DOMAIN.md §4). Periods are joined on an
integer key computed from the date: an equi-join that every engine runs fast. The key counts
periods (year, year*4+quarter-1, year*12+month-1), so consecutive periods have consecutive keys
and a span of periods is a span of integers.
Working days come from a calendar table built from the ``holidays`` package, joined in the
expression (not a Python UDF), so the count is the same on DuckDB and on Spark.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

import holidays
import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

PER = ("year", "quarter", "month")
PER_NL = {"year": "jaar", "quarter": "kwartaal", "month": "maand"}


@dataclass(frozen=True)
class Period:
    label: str
    begin: dt.date
    end: dt.date
    key: int


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def periods(start: dt.date, end: dt.date, per: str) -> list[Period]:
    """The periods of ``per`` that cover [start, end], each clipped to that window."""
    if per not in PER:
        raise ValueError(per)
    out: list[Period] = []
    y, m = start.year, start.month
    while dt.date(y, m, 1) <= end:
        if per == "year":
            label, key, first, last = str(y), y, dt.date(y, 1, 1), dt.date(y, 12, 31)
        elif per == "quarter":
            q = (m - 1) // 3 + 1
            label, key = f"{y}-K{q}", y * 4 + q - 1
            first, last = dt.date(y, q * 3 - 2, 1), _month_end(y, q * 3)
        else:
            label, key = f"{y}-{m:02d}", y * 12 + m - 1
            first, last = dt.date(y, m, 1), _month_end(y, m)
        out.append(Period(label, max(first, start), min(last, end), key))
        y, m = (y + 1, 1) if last.month == 12 else (y, last.month + 1)
    return out


def period_key(d: ir.DateValue, per: str) -> ir.IntegerValue:
    """The integer key of the period holding ``d``."""
    if per == "year":
        return d.year()
    if per == "quarter":
        return d.year() * 4 + d.quarter() - 1
    return d.year() * 12 + d.month() - 1


def period_table(items: list[Period]) -> ir.Table:
    """The periods as a table: ``periode`` (the integer key), ``p_begin``, ``p_eind``. Cells
    carry the key while they are computed (cheaper to group on than text); the label is put
    on at the end (``label``)."""
    return ibis.memtable(
        pa.table(
            {
                "periode": pa.array([p.key for p in items], pa.int64()),
                "p_begin": pa.array([p.begin for p in items], pa.date32()),
                "p_eind": pa.array([p.end for p in items], pa.date32()),
            }
        )
    )


def label(keys: pa.Array, items: list[Period]) -> pa.Array:
    """The labels ('2025', '2025-K1', '2025-01') of period keys of ``items``."""
    labels = pa.array([p.label for p in items], pa.string())
    first = items[0].key if items else 0
    return labels.take(pc.subtract(keys.cast(pa.int64()), first))


def key_year(key: ir.IntegerValue, per: str) -> ir.IntegerValue:
    """The calendar year of a period key."""
    return key if per == "year" else key // (4 if per == "quarter" else 12)


CALENDAR_YEARS = range(1990, 2061)


@cache
def _calendar() -> pa.Table:
    """Every date with the number of Dutch working days up to and including it."""
    nl = holidays.country_holidays("NL", years=CALENDAR_YEARS)
    day = dt.date(CALENDAR_YEARS.start, 1, 1)
    last = dt.date(CALENDAR_YEARS.stop - 1, 12, 31)
    dates, counts, n = [], [], 0
    while day <= last:
        if day.weekday() < 5 and day not in nl:
            n += 1
        dates.append(day)
        counts.append(n)
        day += dt.timedelta(days=1)
    return pa.table({"k_datum": pa.array(dates, pa.date32()), "k_nr": pa.array(counts, pa.int64())})


def calendar_table() -> ir.Table:
    return ibis.memtable(_calendar())

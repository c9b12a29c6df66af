"""Run the catalogue: one request (window, periods, grain, KPIs) over one Ibis backend.

The same expressions run on DuckDB and on Spark; only the backend differs. The result is a list
of plain rows ``kpi, periode, <dims>, waarde, eenheid, n, onderdrukt, voorlopig`` sorted by
catalogue order, period and dimensions, ready for disclosure control and the faces.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from regiekamer.analyses import periods as P
from regiekamer.analyses.kpi.context import DIMS, Context, Remainder
from regiekamer.analyses.kpi.definitions import BY_ID, CATALOGUE, KPI
from regiekamer.analyses.periods import PER
from regiekamer.errors import RegiekamerError


@dataclass(frozen=True)
class Request:
    start: dt.date
    end: dt.date
    per: str = "year"
    by: tuple[str, ...] = ()
    kpis: tuple[str, ...] = ()  # empty: the whole catalogue
    norm_days: int = 98
    norm_per_category: tuple[tuple[str, int], ...] = ()

    def selected(self) -> list[KPI]:
        return [BY_ID[k] for k in self.kpis] if self.kpis else list(CATALOGUE)

    def key(self) -> str:
        """A stable text key of everything that determines a KPI's cells (for the cache). The
        KPI list is not part of it: cells are stored per KPI, so a whole-catalogue request and a
        one-KPI request share them."""
        return repr(
            (self.start, self.end, self.per, self.by, self.norm_days, self.norm_per_category)
        )


@dataclass
class Result:
    rows: list[dict] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # kpi -> why not at this grain
    # The request key and source version of every KPI in ``rows``: equal texts, equal rows.
    versie: str = ""


def validate(request: Request) -> None:
    """Reject a request that cannot mean anything, with a Dutch message."""
    if request.per not in PER:
        raise RegiekamerError(f"Onbekende periode '{request.per}'; kies uit {', '.join(PER)}.")
    unknown = [d for d in request.by if d not in DIMS]
    if unknown:
        raise RegiekamerError(
            f"Onbekende dimensie {', '.join(unknown)}; kies uit {', '.join(DIMS)}."
        )
    twice = sorted({d for d in request.by if request.by.count(d) > 1})
    if twice:
        raise RegiekamerError(f"Dimensie {', '.join(twice)} staat er meer dan één keer in.")
    missing = [k for k in request.kpis if k not in BY_ID]
    if missing:
        raise RegiekamerError(f"Onbekende KPI {', '.join(missing)}; zie 'regiekamer kpi --list'.")
    if request.end < request.start:
        raise RegiekamerError("De einddatum ligt voor de begindatum.")


def compute(
    con: ibis.BaseBackend,
    request: Request,
    *,
    on_kpi: Callable[[str], None] | None = None,
    remainder: Remainder | None = None,
) -> Result:
    """Compute the requested KPIs; ``on_kpi`` is called after each one (progress).
    ``remainder`` is the forecast model's reference input for ``prognose_jaar``."""
    validate(request)
    ctx = Context(
        con,
        start=request.start,
        end=request.end,
        per=request.per,
        by=request.by,
        norm_days=request.norm_days,
        norm_per_category=dict(request.norm_per_category),
        wanted=[k.id for k in request.selected()],
        # Ibis registers the small in-memory tables (periods, calendar) with Spark only when a
        # query runs, not when a result is cached: on Spark, shared results are recomputed.
        cache=con.name == "duckdb",
        remainder=remainder,
    )
    result = Result()
    computed: dict[str, list[dict]] = {}
    family = None
    try:
        # KPIs that read the same facts run together; their shared intermediate results are
        # dropped before the next family, so that memory holds one family's at a time.
        for kpi in sorted(request.selected(), key=_family):
            if _family(kpi) != family:
                ctx.release()
                family = _family(kpi)
            why = kpi.unsupported(request.by, request.per)
            if why:
                result.skipped[kpi.id] = why
            else:
                cells = kpi.build(ctx)
                # Sorted by the engine (nulls last on every engine alike), not in Python.
                dims = ["periode", *output_dims(kpi, ctx.by)]
                order = [ibis.asc(c, nulls_first=False) for c in dims]
                cells = con.to_pyarrow(cells.order_by(order))
                computed[kpi.id] = rows(kpi, cells, request)
            if on_kpi:
                on_kpi(kpi.id)
    finally:
        ctx.release()
    for kpi in request.selected():
        result.rows.extend(computed.get(kpi.id, ()))
    return result


# Trajectory and allocation KPIs share one family: both read the allocations.
_FAMILIES = ("prestatie", "declaratie_antwoord", "toewijzing")


def _family(kpi: KPI) -> int:
    """The first of _FAMILIES that the KPI reads (invoices first: the biggest table)."""
    return next((i for i, t in enumerate(_FAMILIES) if t in kpi.bronnen), len(_FAMILIES))


def output_dims(kpi: KPI, by: Sequence[str]) -> list[str]:
    return [*by, *(d for d in kpi.adds if d not in by)]


def rows(kpi: KPI, cells: pa.Table, request: Request) -> list[dict]:
    """Output rows of one KPI from its cells (periode key or label, dims, waarde, n[,
    voorlopig]), in the order given (the engine sorts them). Text values are shared between
    rows (one object per distinct value): nationally the rows run to a million, and a fresh
    string in every field of every row would double the memory they take."""
    size = cells.num_rows
    value = cells["waarde"].cast(pa.float64())
    # A ratio over nothing is not computable, not infinite.
    value = pc.if_else(pc.is_finite(value), value, pa.scalar(None, pa.float64()))
    provisional = (
        cells["voorlopig"].fill_null(False).to_pylist()
        if "voorlopig" in cells.column_names
        else itertools.repeat(False, size)
    )
    periode = cells["periode"].combine_chunks()
    if pa.types.is_integer(periode.type):
        periode = P.label(periode, P.periods(request.start, request.end, request.per))
    dims = output_dims(kpi, request.by)
    names = ["kpi", "periode", *dims, "waarde", "eenheid", "n", "onderdrukt", "voorlopig"]
    columns = [
        itertools.repeat(kpi.id, size),
        _shared(periode),
        *(_shared(cells[d]) for d in dims),
        value.to_pylist(),
        itertools.repeat(kpi.eenheid, size),
        cells["n"].cast(pa.int64()).to_pylist(),
        itertools.repeat(False, size),
        provisional,
    ]
    return [dict(zip(names, row, strict=False)) for row in zip(*columns, strict=False)]


def _shared(column: pa.Array | pa.ChunkedArray) -> list:
    """The values of a column with one Python object per distinct value."""
    seen: dict = {}
    return [seen.setdefault(v, v) for v in column.to_pylist()]

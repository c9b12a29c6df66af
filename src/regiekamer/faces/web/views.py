"""The themed pages of the steering room, as data: which KPIs, split how, and which chart.

Every themed page has the same shape: filters (year, period, wet, gemeente, productcategorie),
one chart (interactive in the browser; vega-embed exports it as PNG or SVG), and the table
behind it, downloadable as CSV or XLSX. The figures come from ``Regiekamer.kpi_for``: scoped to
the user, other tenants' cells through disclosure control.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
from dataclasses import dataclass

import altair as alt

from regiekamer.analyses.kpi.definitions import BY_ID
from regiekamer.facade import Regiekamer
from regiekamer.privacy.accounts import User

DIM_TITLES = {
    "periode": "Periode",
    "wet": "Wet",
    "gemeente": "Gemeente",
    "aanbieder": "Aanbieder",
    "productcategorie": "Productcategorie",
    "verwijzer": "Verwijzer",
}
FILTERS = ("wet", "gemeente", "productcategorie")


@dataclass(frozen=True)
class View:
    slug: str
    titel: str
    uitleg: str
    kpis: tuple[str, ...]
    by: tuple[str, ...]
    chart_kpi: str
    chart_dim: str
    pers: tuple[str, ...] = ("year", "quarter", "month")


VIEWS: tuple[View, ...] = (
    View("uitgaven", "Uitgaven & prognose",
         "Wat is uitgegeven, hoeveel van het budget dat is en wat het hele jaar naar verwachting "
         "kost (prognose en budget alleen per jaar).",
         ("uitgaven", "uitgaven_per_client", "budgetuitputting_pct", "prognose_jaar"),
         ("wet", "gemeente"), "uitgaven", "gemeente"),
    View("wachttijden", "Wachttijden",
         "Hoe lang inwoners wachten tot de zorg begint, tegen de norm, per aanbieder en product.",
         ("wachttijd_dagen_mediaan", "wachttijd_dagen_p90", "wachttijd_binnen_norm_pct",
          "wachtenden"),
         ("aanbieder", "productcategorie"), "wachttijd_binnen_norm_pct", "productcategorie"),
    View("uitkomsten", "Uitkomsten",
         "Hoe trajecten eindigen: volgens plan, door uitval, en wie binnen een jaar terugkomt.",
         ("beeindigd_volgens_plan_pct", "uitval_pct", "herhaald_beroep_pct",
          "beeindigde_trajecten"),
         ("wet", "gemeente"), "beeindigd_volgens_plan_pct", "gemeente"),
    View("gemeenten", "Gemeenten vergelijken",
         "Cliënten per 1.000 inwoners (jeugd: per 1.000 jongeren) per gemeente; de regio is het "
         "gemiddelde over de gemeenten samen.",
         ("clienten_per_1000", "clienten"), ("wet", "gemeente"), "clienten_per_1000", "gemeente",
         ("year",)),
    View("aanbieders", "Aanbieders",
         "Per aanbieder: cliënten, uitgaven, wachttijd en hoe trajecten eindigen.",
         ("clienten", "uitgaven", "wachttijd_dagen_mediaan", "beeindigd_volgens_plan_pct"),
         ("aanbieder",), "clienten", "aanbieder"),
)  # fmt: skip
BY_SLUG = {v.slug: v for v in VIEWS}


@dataclass
class Table:
    columns: list[tuple[str, str]]  # (key, heading)
    rows: list[dict]  # raw values, keyed by column key
    eenheden: dict[str, str]  # kpi -> unit


def figures(
    rk: Regiekamer, user: User, view: View, jaar: int, per: str, filters: dict[str, str]
) -> tuple[Table, list[dict]]:
    """The page's table (one row per period and split, one column per KPI) and its KPI rows."""
    by = list(view.by) + [d for d, v in filters.items() if v and d not in view.by]
    if per not in view.pers:
        per = view.pers[0]
    result = rk.kpi_for(user, start=dt.date(jaar, 1, 1), end=dt.date(jaar, 12, 31), per=per,
                        by=by, kpis=list(view.kpis))  # fmt: skip
    rows = [r for r in result.rows if all(not v or r.get(d) == v for d, v in filters.items())]
    if view.slug == "gemeenten":
        rows += _region(rk, user, view, jaar, filters)
    dims = ["periode", *by]
    wide: dict[tuple, dict] = {}
    for r in rows:
        key = tuple(r.get(d) for d in dims)
        cell = wide.setdefault(key, dict(zip(dims, key, strict=True)))
        cell[r["kpi"]] = None if r["onderdrukt"] else r["waarde"]
    columns = [(d, DIM_TITLES[d]) for d in dims] + [(k, BY_ID[k].titel) for k in view.kpis]
    units = {k: BY_ID[k].eenheid for k in view.kpis}
    return Table(columns, sorted(wide.values(), key=lambda c: tuple(str(c[d]) for d in dims)),
                 units), rows  # fmt: skip


def _region(rk: Regiekamer, user: User, view: View, jaar: int, filters: dict[str, str]) -> list:
    """The region as a whole beside the municipalities (gemeente shown as 'Regio')."""
    result = rk.kpi_for(user, year=jaar, by=["wet"], kpis=list(view.kpis))
    return [r | {"gemeente": "Regio"} for r in result.rows
            if not filters.get("wet") or r["wet"] == filters["wet"]]  # fmt: skip


def with_data(spec: dict, values: list[dict]) -> str:
    """A chart spec (JSON) with this request's rows as its named data set ``tabel``. Specs are
    built once per shape and cached: Altair's ``to_dict`` takes ~80 ms, too slow per request."""
    return json.dumps({**spec, "datasets": {"tabel": values}})


def chart_spec(view: View, rows: list[dict], per: str) -> str:
    """The page's chart as a Vega-Lite spec (JSON)."""
    data = [
        {"periode": r["periode"], "groep": str(r.get(view.chart_dim) or "—"), "waarde": r["waarde"],
         "wet": r.get("wet") or ""}
        for r in rows if r["kpi"] == view.chart_kpi and not r["onderdrukt"]
    ]  # fmt: skip
    return with_data(_chart_shape(view, per, any(d["wet"] for d in data)), data)


@functools.cache
def _chart_shape(view: View, per: str, split_by_wet: bool) -> dict:
    titel = BY_ID[view.chart_kpi].titel
    base = alt.Chart(alt.Data(name="tabel"), title=titel)
    if per == "year":
        split = {"color": alt.Color("wet:N", title="Wet"), "xOffset": "wet:N"}
        chart = base.mark_bar().encode(
            x=alt.X("groep:N", title=DIM_TITLES[view.chart_dim], sort="-y"),
            y=alt.Y("mean(waarde):Q", title=BY_ID[view.chart_kpi].eenheid),
            tooltip=["groep:N", "wet:N", alt.Tooltip("mean(waarde):Q", format=",.1f")],
            **(split if split_by_wet else {}),
        )
    else:
        chart = base.mark_line(point=True).encode(
            x=alt.X("periode:O", title="Periode"),
            y=alt.Y("mean(waarde):Q", title=BY_ID[view.chart_kpi].eenheid),
            color=alt.Color("groep:N", title=DIM_TITLES[view.chart_dim]),
            tooltip=["periode:O", "groep:N", alt.Tooltip("mean(waarde):Q", format=",.1f")],
        )
    return chart.properties(width=680, height=260).to_dict()


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([key for key, _ in table.columns])
    for row in table.rows:
        writer.writerow(["" if row.get(k) is None else row.get(k) for k, _ in table.columns])
    return out.getvalue()


def to_xlsx(table: Table, sheet: str) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = book.add_worksheet(sheet[:31])
    for c, (_, heading) in enumerate(table.columns):
        ws.write(0, c, heading)
    for r, row in enumerate(table.rows, start=1):
        for c, (key, _) in enumerate(table.columns):
            value = row.get(key)
            if value is not None:
                ws.write(r, c, value)
    book.close()
    return buf.getvalue()

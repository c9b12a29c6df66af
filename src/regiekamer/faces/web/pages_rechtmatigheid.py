"""The Rechtmatigheid page, read-only, for the accountant (and the region roles): per check
the lines and the amount at risk, per provider and per municipality, the totals reconciling to
the invoiced total, the financiële onzekerheid per municipality and provider, and the
accountant's workbook (faces/rechtmatigheid_xlsx.py) as download.

``Regiekamer.rechtmatigheid_for`` decides which lines count: a gemeente its own municipality's,
an aanbieder the lines it invoiced itself (so it can see which to correct), the region roles
all. The failed lines themselves (clients as pseudonyms) are only in the workbook.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import altair as alt
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from regiekamer.analyses.verantwoording import Verantwoording
from regiekamer.faces.charts import VERMILLION
from regiekamer.faces.rechtmatigheid_xlsx import write_workbook
from regiekamer.faces.web import auth, filters, pages, views
from regiekamer.privacy.accounts import User

router = APIRouter(include_in_schema=False)

# The download: financiële onzekerheid per municipality, provider and year (euros).
COLUMNS = [("gemeente", "Gemeente"), ("gemeentenaam", "Gemeentenaam"),
           ("aanbieder", "Aanbieder"), ("aanbiedernaam", "Naam aanbieder"), ("jaar", "Jaar"),
           ("financiele_onzekerheid", "Financiële onzekerheid (euro)")]  # fmt: skip


def _euro(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


def _uncertainty(v: Verantwoording) -> list[dict]:
    return [
        {"gemeente": o["gemeente"], "gemeentenaam": v.namen.get(o["gemeente"], ""),
         "aanbieder": o["aanbieder"], "aanbiedernaam": v.namen.get(o["aanbieder"], ""),
         "jaar": o["jaar"], "financiele_onzekerheid": _euro(o["financiele_onzekerheid_cent"]),
         "cent": o["financiele_onzekerheid_cent"]}
        for o in v.onzekerheid
    ]  # fmt: skip


def _chart_spec(v: Verantwoording) -> str:
    rows = [{"toets": f"{p['volgorde']}. {p['toets']}", "bedrag": p["bedrag_cent"] / 100,
             "regels": p["regels"]} for p in v.per_toets]  # fmt: skip
    return views.with_data(_chart_shape(), rows)


@functools.cache
def _chart_shape() -> dict:
    chart = (
        alt.Chart(alt.Data(name="tabel"), title="Bedrag op het spel per toets")
        .mark_bar(color=VERMILLION)
        .encode(
            y=alt.Y("toets:N", title=None, sort=None, axis=alt.Axis(labelLimit=320)),
            x=alt.X("bedrag:Q", title="Op het spel (euro)", axis=alt.Axis(format=",.0f")),
            tooltip=["toets:N", alt.Tooltip("bedrag:Q", format=",.2f"), "regels:Q"],
        )
        .properties(width=420, height=alt.Step(20))
    )
    return chart.to_dict()


@router.get("/rechtmatigheid")
def lawfulness(
    request: Request,
    jaar: filters.Jaar = 2025,
    gemeente: filters.Gemeente = "",
    aanbieder: filters.Aanbieder = "",
    formaat: filters.Formaat = "html",
    user: User = Depends(auth.user),
) -> Response:
    pages.refuse_unless_allowed(user, "/rechtmatigheid")
    rk = auth.kamer(request)
    v = rk.rechtmatigheid_for(user, jaar, aanbieder=aanbieder or None, gemeente=gemeente or None)
    if formaat != "html":
        table = views.Table(COLUMNS, _uncertainty(v), {})
        return pages._download(table, f"rechtmatigheid-{jaar}", formaat)
    query = filters.query(jaar, gemeente, aanbieder)
    return pages._page(
        request,
        "rechtmatigheid.html.j2",
        user,
        titel="Rechtmatigheid",
        pagina="rechtmatigheid",
        jaar=jaar,
        jaren=filters.years(jaar),
        gemeente=gemeente,
        aanbieder=aanbieder,
        gemeenten=sorted(rk.store_facts().namen.items()),
        v=v,
        onzekerheid=_uncertainty(v),
        spec=_chart_spec(v),
        euro=lambda cents: pages.shown("euro", _euro(cents)),
        download=f"/rechtmatigheid?{query}",
        werkmap=f"/rechtmatigheid/werkmap.xlsx?{query}",
    )


@router.get("/rechtmatigheid/werkmap.xlsx")
def workbook(
    request: Request,
    jaar: filters.Jaar = 2025,
    gemeente: filters.Gemeente = "",
    aanbieder: filters.Aanbieder = "",
    user: User = Depends(auth.user),
) -> Response:
    """The accountant's workbook over the same lines as the page (summary, onzekerheid, lines)."""
    pages.refuse_unless_allowed(user, "/rechtmatigheid")
    rk = auth.kamer(request)
    v = rk.rechtmatigheid_for(user, jaar, aanbieder=aanbieder or None, gemeente=gemeente or None)
    with tempfile.TemporaryDirectory(prefix="regiekamer-rechtmatigheid-") as tmp:
        out = Path(tmp) / "werkmap.xlsx"
        write_workbook(v, out)
        data = out.read_bytes()
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="rechtmatigheid-{jaar}.xlsx"'},
    )

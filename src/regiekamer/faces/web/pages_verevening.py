"""The Verevening and Incentives pages: the risk equalisation per municipality and variant
(analyses/verevening/) and the incentive settlement per provider (analyses/incentive/), each
with the regulation file it was settled on shown in full.

The regulations are the ones the region configured (``REGIEKAMER_VEREVENING_CONFIG``,
``REGIEKAMER_INCENTIVE_CONFIG``): a page never reads a file named in a request. What a role
sees is decided by ``Regiekamer.verevening_for`` / ``incentive_for``: a gemeente its own rows of
the equalisation, an aanbieder its own settlement.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable

import altair as alt
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from regiekamer.faces.charts import BLUE, VERMILLION
from regiekamer.faces.charts_verevening import comparison
from regiekamer.faces.web import auth, filters, pages, views
from regiekamer.privacy.accounts import User

router = APIRouter(include_in_schema=False)

VEREVENING_COLUMNS = [
    ("gemeente", "Gemeente"), ("gemeentenaam", "Gemeentenaam"), ("variant", "Variant"),
    ("variant_naam", "Naam variant"), ("bijdrage", "Bijdrage (euro)"),
    ("profijt", "Bij profijt (euro)"), ("verschil", "Verschil met profijt (euro)"),
    ("p5", "P5 (euro)"), ("p95", "P95 (euro)"),
    ("volatiliteit_weg_pct", "Minder schommeling dan profijt (%)"),
]  # fmt: skip
INCENTIVE_COLUMNS = [
    ("regeling", "Regeling"), ("aanbieder", "Aanbieder"), ("naam", "Naam"),
    ("doelbudget", "Doelbudget (euro)"), ("realisatie", "Realisatie (euro)"),
    ("verschil", "Verschil (euro)"), ("winst_verlies", "Winst/verlies gedeeld (euro)"),
    ("bonus_malus", "Bonus/malus (euro)"), ("totaal", "Totaal (euro)"),
]  # fmt: skip


def _euros(row: dict) -> dict:
    """A row with every ``*_cent`` value also in euros under the name without ``_cent``."""
    out = dict(row)
    for key, value in row.items():
        if key.endswith("_cent"):
            out[key[:-5]] = None if value is None else value / 100
    return out


def _verevening_spec(result: dict) -> str | None:
    rows = [
        {"gemeente": r["gemeentenaam"], "variant": r["variant_naam"],
         "verschil": r["verschil_cent"] / 100, "weg": r.get("volatiliteit_weg_pct")}
        for r in result["rijen"]
    ]  # fmt: skip
    if not rows:
        return None
    # The chart carries its rows inline (the report's spec); it is built per request.
    return json.dumps(comparison(rows, [n for _, n in result["varianten"]]).to_dict())


@router.get("/verevening")
def equalisation(
    request: Request,
    jaar: filters.Jaar = 2025,
    formaat: filters.Formaat = "html",
    user: User = Depends(auth.user),
) -> Response:
    pages.refuse_unless_allowed(user, "/verevening")
    result = auth.kamer(request).verevening_for(user, jaar)
    return _settlement_page(
        request, user, jaar, formaat, "verevening", "Verevening", result, VEREVENING_COLUMNS,
        lambda rows: _verevening_spec(result) if result else None,
    )  # fmt: skip


def _incentive_spec(rows: list[dict]) -> str | None:
    data = [{"aanbieder": f"{r['naam']} ({r['aanbieder']})", "regeling": r["regeling"],
             "totaal": r["totaal"]} for r in rows]  # fmt: skip
    return views.with_data(_incentive_shape(), data) if data else None


@functools.cache
def _incentive_shape() -> dict:
    sign = alt.condition("datum.totaal < 0", alt.value(VERMILLION), alt.value(BLUE))
    chart = (
        alt.Chart(alt.Data(name="tabel"), title="Verrekening per aanbieder (+ naar de aanbieder)")
        .mark_bar()
        .encode(
            y=alt.Y("aanbieder:N", title=None, sort="-x", axis=alt.Axis(labelLimit=300)),
            x=alt.X("sum(totaal):Q", title="Totaal (euro)", axis=alt.Axis(format=",.0f")),
            color=sign,
            tooltip=["aanbieder:N", "regeling:N", alt.Tooltip("totaal:Q", format=",.2f")],
        )
        .properties(width=420, height=alt.Step(18))
    )
    return chart.to_dict()


@router.get("/incentives")
def incentives(
    request: Request,
    jaar: filters.Jaar = 2025,
    formaat: filters.Formaat = "html",
    user: User = Depends(auth.user),
) -> Response:
    pages.refuse_unless_allowed(user, "/incentives")
    result = auth.kamer(request).incentive_for(user, jaar)
    return _settlement_page(
        request, user, jaar, formaat, "incentives", "Incentives", result, INCENTIVE_COLUMNS,
        _incentive_spec,
    )  # fmt: skip


def _settlement_page(
    request: Request,
    user: User,
    jaar: int,
    formaat: str,
    slug: str,
    titel: str,
    result: dict | None,
    columns: list[tuple[str, str]],
    spec: Callable[[list[dict]], str | None],
) -> Response:
    """What both settlement pages do with their (scoped) result: its rows in euros, as download
    or as the page at ``/<slug>`` with the chart ``spec`` draws from those rows."""
    rows = [_euros(r) for r in result["rijen"]] if result else []
    if formaat != "html":
        table = views.Table(columns, rows, {})
        return pages._download(table, f"{slug}-{jaar}", formaat)
    return pages._page(
        request,
        f"{slug}.html.j2",
        user,
        titel=titel,
        pagina=slug,
        jaar=jaar,
        jaren=filters.years(jaar),
        resultaat=result,
        rijen=rows,
        spec=spec(rows),
        euro=lambda v: pages.shown("euro", v),
        download=f"/{slug}?jaar={jaar}",
    )

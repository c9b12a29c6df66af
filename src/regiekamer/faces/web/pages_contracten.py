"""The Contracten page: per provider and contract each agreed target beside its realisation
(traffic light, trend, the quarters), spend against the ceiling with the date it will be
reached, the price per client against the region, taakgericht by lump sum and volumes, and the
provider's scorecard (PDF, XLSX) for the contract talk.

What a user sees is decided by ``Regiekamer.contracts_for``: an aanbieder its own contracts, a
gemeente those its municipality is party to, the region roles (and the accountant, read-only:
the page only reads) every contract.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import altair as alt
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from regiekamer.faces import dutch
from regiekamer.faces.charts import GREY
from regiekamer.faces.scorecard import LIGHT_TEXT, WET, write_scorecard
from regiekamer.faces.web import auth, filters, pages, views
from regiekamer.privacy.accounts import User

router = APIRouter(include_in_schema=False)

TREND_TEXT = {
    "verbetert": "↗ verbetert",
    "verslechtert": "↘ verslechtert",
    "stabiel": "→ stabiel",
    "onbekend": "—",
}
# Colours of the traffic light that keep 4.5:1 contrast on white (the scorecard's).
LIGHT_COLOURS = {"groen": "#00734d", "oranje": "#9a5b00", "rood": "#b22a00", "onbekend": "#666666"}
# The download: one row per contract and target (a contract without targets: one row).
COLUMNS = [
    ("aanbieder", "AGB-code"), ("aanbieder_naam", "Aanbieder"), ("contract_id", "Contract"),
    ("wet", "Wet"), ("inkoopmodel", "Inkoopmodel"), ("uitvoeringsvariant", "Uitvoeringsvariant"),
    ("gemeenten", "Gemeenten"), ("kpi", "KPI"), ("titel", "Indicator"), ("richting", "Richting"),
    ("doel", "Afspraak"), ("waarde", "Realisatie"), ("n", "n"), ("licht", "Stoplicht"),
    ("trend", "Trend"), ("besteed", "Besteed (euro)"), ("plafond", "Plafond (euro)"),
    ("besteed_pct", "Besteed (% van plafond)"), ("prognose_jaar", "Prognose jaar (euro)"),
    ("datum_plafond", "Plafond bereikt op"), ("prijs_per_client", "Prijs per cliënt (euro)"),
    ("prijs_regio", "Prijs per cliënt regio (euro)"), ("prijs_verschil_pct", "Verschil (%)"),
    ("lumpsum", "Lumpsum (euro)"), ("clienten", "Cliënten"),
]  # fmt: skip


def _flat(items: list[dict]) -> list[dict]:
    """The download's rows."""
    out = []
    for c in items:
        b = c["besteding"] or {}
        p = c["prijs"]
        base = {
            "aanbieder": c["aanbieder"],
            "aanbieder_naam": c["aanbieder_naam"],
            "contract_id": c["contract_id"],
            "wet": c["wet"],
            "inkoopmodel": c["inkoopmodel"],
            "uitvoeringsvariant": c["uitvoeringsvariant"],
            "gemeenten": " ".join(c["gemeenten"]),
            "besteed": b.get("besteed"),
            "plafond": b.get("plafond"),
            "besteed_pct": b.get("besteed_pct"),
            "prognose_jaar": b.get("prognose_jaar"),
            "datum_plafond": str(b["datum_plafond"]) if b.get("datum_plafond") else None,
            "prijs_per_client": p["per_client"],
            "prijs_regio": p["regio"],
            "prijs_verschil_pct": p["verschil_pct"],
            "lumpsum": (c["taakgericht"] or {}).get("lumpsum"),
            "clienten": c["volumes"].get("clienten"),
        }
        targets = [{k: d[k] for k in ("kpi", "titel", "richting", "doel", "waarde", "n",
                                      "licht", "trend")} for d in c["doelen"]]  # fmt: skip
        out.extend(base | t for t in targets or [{}])
    return out


def _chart_spec(items: list[dict]) -> str | None:
    """Realisation against the agreement, one panel per indicator: a bar per contract in the
    colour of its traffic light, the agreement as a tick. None when there is nothing to draw."""
    rows = [
        {"contract": f"{c['aanbieder_naam']} · {c['contract_id']}", "indicator": d["titel"],
         "realisatie": d["waarde"], "afspraak": d["doel"], "stoplicht": d["licht"]}
        for c in items for d in c["doelen"] if d["waarde"] is not None
    ]  # fmt: skip
    return views.with_data(_chart_shape(), rows) if rows else None


@functools.cache
def _chart_shape() -> dict:
    colour = alt.Color(
        "stoplicht:N",
        title="Stoplicht",
        scale=alt.Scale(domain=list(LIGHT_COLOURS), range=list(LIGHT_COLOURS.values())),
    )
    base = alt.Chart().encode(y=alt.Y("contract:N", title=None))
    bars = base.mark_bar().encode(
        x=alt.X("realisatie:Q", title="Realisatie"),
        color=colour,
        tooltip=[
            "contract:N",
            "indicator:N",
            alt.Tooltip("realisatie:Q", format=",.1f"),
            alt.Tooltip("afspraak:Q", format=",.1f"),
            "stoplicht:N",
        ],
    )
    ticks = base.mark_tick(color=GREY, thickness=3).encode(x="afspraak:Q")
    chart = (
        alt.layer(bars, ticks, data=alt.Data(name="tabel"))
        .properties(width=300, height=alt.Step(18))
        .facet(facet=alt.Facet("indicator:N", title=None), columns=2)
        .resolve_scale(x="independent", y="independent")
    )
    return chart.to_dict()


@router.get("/contracten")
def contracts(
    request: Request,
    jaar: filters.Jaar = 2025,
    gemeente: filters.Gemeente = "",
    aanbieder: filters.Aanbieder = "",
    formaat: filters.Formaat = "html",
    user: User = Depends(auth.user),
) -> Response:
    pages.refuse_unless_allowed(user, "/contracten")
    rk = auth.kamer(request)
    items = rk.contracts_for(user, jaar, aanbieder=aanbieder or None, gemeente=gemeente or None)
    if formaat != "html":
        table = views.Table(COLUMNS, _flat(items), {})
        return pages._download(table, f"contracten-{jaar}", formaat)
    providers = sorted({(c["aanbieder"], c["aanbieder_naam"]) for c in items})
    return pages._page(
        request,
        "contracten.html.j2",
        user,
        titel="Contracten",
        pagina="contracten",
        jaar=jaar,
        jaren=filters.years(jaar),
        gemeente=gemeente,
        aanbieder=aanbieder,
        gemeenten=sorted(rk.store_facts().namen.items()),
        contracten=items,
        aanbieders=providers,
        spec=_chart_spec(items),
        licht=LIGHT_TEXT,
        trend=TREND_TEXT,
        wet_tekst=WET,
        euro=lambda v: pages.shown("euro", v),
        getal=lambda v: "—" if v is None else dutch.number(v, 1),
        aantal=lambda v: "—" if v is None else dutch.number(v),
        download=f"/contracten?{filters.query(jaar, gemeente, aanbieder)}",
    )


@router.get("/contracten/scorecard.{formaat}")
def scorecard(
    request: Request,
    formaat: str,
    jaar: filters.Jaar = 2025,
    aanbieder: str = Query(..., pattern="^[0-9]{8}$"),
    user: User = Depends(auth.user),
) -> Response:
    """One provider's scorecard over the contracts the user may see (another's: not found)."""
    pages.refuse_unless_allowed(user, "/contracten")
    if formaat not in ("pdf", "xlsx"):
        raise HTTPException(404, "Deze pagina bestaat niet.")
    items = auth.kamer(request).contracts_for(user, jaar, aanbieder=aanbieder)
    if not items:
        raise HTTPException(404, "Geen contracten van deze aanbieder die u mag zien.")
    with tempfile.TemporaryDirectory(prefix="regiekamer-scorecard-") as tmp:
        out = Path(tmp) / f"scorecard.{formaat}"
        write_scorecard(items, jaar, out)
        data = out.read_bytes()
    media = (
        "application/pdf"
        if formaat == "pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"scorecard-{aanbieder}-{jaar}.{formaat}"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )

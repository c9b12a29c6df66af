"""The Integraal page: the social domain across Jeugdwet, Wmo and Participatiewet per
municipality, and stapeling (households using more than one provision at once).

Stapeling comes from ``Regiekamer.stapeling_for`` (own municipality's cells as they are, every
other cell through disclosure control: a small cell says 'onderdrukt'); the per-law figures
from ``kpi_for``, scoped the same way.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from regiekamer.analyses.integraal.stapeling import FIELDS
from regiekamer.analyses.kpi.definitions import BY_ID
from regiekamer.faces.charts_integraal import stapeling as stapeling_chart
from regiekamer.faces.web import auth, filters, pages, views
from regiekamer.privacy.accounts import User

router = APIRouter(include_in_schema=False)

TITLES = {
    "periode": "Periode",
    "gemeente": "Gemeente",
    "wijk": "Wijk",
    "combinatie": "Combinatie",
    "huishoudens": "Huishoudens",
    "aandeel_pct": "Aandeel (%)",
    "clienten": "Cliënten",
    "uitgaven": "Uitgaven (euro)",
    "onderdrukt": "Onderdrukt",
}
# Per law: Jeugdwet and Wmo by wet, the Participatiewet (bijstand) by municipality.
ZORG_KPIS = ("clienten", "uitgaven")
BIJSTAND_KPIS = ("bijstand_per_1000", "instroom", "uitstroom", "uitstroom_naar_werk_pct")


def _per_law(request: Request, user: User, jaar: int, gemeente: str) -> list[dict]:
    """One row per municipality: clients and spend per wet, and the bijstand figures."""
    rk = auth.kamer(request)
    care, assistance = rk.kpis_for(user, [
        {"year": jaar, "by": ["gemeente", "wet"], "kpis": list(ZORG_KPIS)},
        {"year": jaar, "by": ["gemeente"], "kpis": list(BIJSTAND_KPIS)},
    ])  # fmt: skip
    wide: dict[str, dict] = {}
    for r in care.rows + assistance.rows:
        if gemeente and r["gemeente"] != gemeente:
            continue
        key = f"{r['kpi']}_{r['wet']}" if r.get("wet") else r["kpi"]
        wide.setdefault(r["gemeente"], {"gemeente": r["gemeente"]})[key] = (
            None if r["onderdrukt"] else r["waarde"]
        )
    return [wide[g] for g in sorted(wide)]


def _law_columns() -> list[tuple[str, str, str]]:
    """(key, heading, unit) of the per-law table."""
    cols = [(f"{k}_{w}", f"{BY_ID[k].titel} ({t})", BY_ID[k].eenheid)
            for w, t in (("jeugd", "Jeugdwet"), ("wmo", "Wmo")) for k in ZORG_KPIS]  # fmt: skip
    return cols + [(k, BY_ID[k].titel, BY_ID[k].eenheid) for k in BIJSTAND_KPIS]


@router.get("/integraal")
def integral(
    request: Request,
    jaar: filters.Jaar = 2025,
    gemeente: filters.Gemeente = "",
    formaat: filters.Formaat = "html",
    user: User = Depends(auth.user),
) -> Response:
    pages.refuse_unless_allowed(user, "/integraal")
    rk = auth.kamer(request)
    rows = rk.stapeling_for(user, year=jaar)
    if gemeente:
        rows = [r for r in rows if r["gemeente"] == gemeente]
    if formaat != "html":
        table = views.Table([(f, TITLES[f]) for f in FIELDS], rows, {})
        return pages._download(table, f"stapeling-{jaar}", formaat)
    namen = rk.store_facts().namen
    drawn = [r for r in rows if r["huishoudens"] is not None and r["combinatie"] != "totaal"]
    return pages._page(
        request,
        "integraal.html.j2",
        user,
        titel="Integraal",
        pagina="integraal",
        jaar=jaar,
        jaren=filters.years(jaar),
        gemeente=gemeente,
        gemeenten=sorted(namen.items()),
        namen=namen,
        rijen=rows,
        wetten=_per_law(request, user, jaar, gemeente),
        wet_kolommen=_law_columns(),
        # The chart carries its rows inline (the report's spec); built per request.
        spec=json.dumps(stapeling_chart(rows, namen).to_dict()) if drawn else None,
        toon=pages.shown,
        download=f"/integraal?jaar={jaar}&gemeente={gemeente}",
    )

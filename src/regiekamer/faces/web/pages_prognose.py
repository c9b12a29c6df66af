"""The page Prognose & scenario's: the knobs of DOMAIN.md §9 as form controls, the forecast of
spend and clients per month with its 80 % and 95 % band for the baseline and the scenario, the
two side by side per year, downloads, and saved scenarios per tenant.

The page only turns the form into a Scenario (analyses/prognose/scenario.py checks every knob)
and renders; the facade scopes the forecast (a municipality sees its own), keeps the fitted
model and the baseline per store version (a moved knob only simulates the scenario) and logs.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from urllib.parse import quote, urlencode

import altair as alt
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from regiekamer.analyses.prognose.scenario import VERWIJZERS, Scenario, ScenarioError, parse
from regiekamer.analyses.prognose.summary import Result
from regiekamer.errors import AccountError
from regiekamer.faces import charts_prognose, dutch
from regiekamer.faces.web import auth, views
from regiekamer.faces.web.pages import _download, _page
from regiekamer.ingest import yaml_aliases
from regiekamer.privacy.accounts import User

router = APIRouter(include_in_schema=False)
TITEL = "Prognose & scenario's"

# The inflow knobs: per referrer type (COD327), and all referrers together.
INSTROOM = (
    ("alle", "Alle verwijzers samen"),
    ("huisarts", "Via de huisarts"),
    ("jeugdarts", "Via de jeugdarts"),
    ("gemeente", "Via het toegangsteam van de gemeente"),
    ("gi", "Via een gecertificeerde instelling"),
    ("medisch_specialist", "Via een medisch specialist"),
    ("rechter", "Via de rechter"),
)
_CODE = {VERWIJZERS.get(k, k): k for k, _ in INSTROOM}
# The other knobs: (field, label, lowest, highest, step, slider?).
KNOPPEN = (
    ("duur_pct", "Duur van trajecten (% langer of korter)", -50, 50, 5, True),
    ("verblijf_naar_ambulant_pct", "Instroom verblijf naar ambulant (%)", 0, 100, 5, True),
    ("tarief_pct_per_jaar", "Tariefindexatie boven de trend (% per jaar)", -10, 10, 0.5, False),
    ("bevolking_pct_per_jaar", "Extra bevolkingsgroei (% per jaar)", -5, 5, 0.1, False),
)
MAANDEN = (12, 24, 36)
SIMULATIES = 200  # enough for the bands on screen; re-runs for one region stay well under 2 s
COLUMNS = [
    ("jaar", "Jaar"),
    ("wet", "Wet"),
    ("clienten_basis", "Cliënten basis"),
    ("clienten_scenario", "Cliënten scenario"),
    ("clienten_verschil", "Verschil cliënten"),
    ("uitgaven_basis", "Uitgaven basis"),
    ("uitgaven_basis_p10", "Basis 80%-band van"),
    ("uitgaven_basis_p90", "Basis 80%-band tot"),
    ("uitgaven_scenario", "Uitgaven scenario"),
    ("uitgaven_scenario_p10", "Scenario 80%-band van"),
    ("uitgaven_scenario_p90", "Scenario 80%-band tot"),
    ("uitgaven_verschil", "Verschil uitgaven"),
    ("uitgaven_verschil_pct", "Verschil uitgaven (%)"),
]
EURO = {c for c, _ in COLUMNS if c.startswith("uitgaven") and not c.endswith("pct")}


def _number(data: Mapping[str, str], key: str) -> float:
    text = str(data.get(key) or "").strip().replace(",", ".")
    if not text:
        return 0.0
    try:
        return float(text)
    except ValueError:
        raise ScenarioError(f"Knop {key}: verwacht een getal, niet {text!r}.") from None


def scenario_from(data: Mapping[str, str]) -> Scenario:
    """The scenario the form describes; parse() checks every knob as for a YAML file."""
    naam = str(data.get("naam") or "").strip() or "scenario"
    doc: dict[str, object] = {"naam": "scenario" if naam == "basis" else naam}
    instroom = {k: _number(data, f"instroom_{k}") for k, _ in INSTROOM}
    if any(instroom.values()):
        doc["instroom_pct"] = {k: v for k, v in instroom.items() if v}
    for key, *_ in KNOPPEN:
        if _number(data, key):
            doc[key] = _number(data, key)
    cap = _number(data, "duur_max_maanden")
    if cap:
        if cap != int(cap):
            raise ScenarioError("duur_max_maanden: verwacht een heel aantal maanden.")
        doc["duur_max_maanden"] = int(cap)
    if data.get("wet") in ("jeugd", "wmo"):
        doc["wet"] = [data["wet"]]
    return parse(yaml_aliases.dump(doc))


def _values(sc: Scenario) -> dict[str, object]:
    """The form's values for a scenario (a loaded one fills the controls)."""
    values: dict[str, object] = {f"instroom_{k}": 0 for k, _ in INSTROOM}
    for code, pct in sc.instroom_pct.items():
        values[f"instroom_{_CODE.get(code, code)}"] = pct
    for key, *_ in KNOPPEN:
        values[key] = getattr(sc, key)
    values["duur_max_maanden"] = sc.duur_max_maanden or ""
    values["wet"] = sc.wet[0] if len(sc.wet) == 1 else ""
    values["naam"] = sc.naam
    return {k: _plain(v) for k, v in values.items()}


def _plain(v: object) -> object:
    return int(v) if isinstance(v, float) and v.is_integer() else v


def side_by_side(result: Result, naam: str) -> views.Table:
    """Per year and wet: clients and euros of baseline and scenario, and the difference."""
    rows: dict[tuple[str, str], dict] = {}
    for r in result.jaren:
        cell = rows.setdefault((r["jaar"], r["wet"]), {"jaar": r["jaar"], "wet": r["wet"]})
        side = "basis" if r["scenario"] == "basis" else "scenario"
        cell[f"clienten_{side}"] = r["clienten"]
        cell[f"uitgaven_{side}"] = r["uitgaven"]
        cell[f"uitgaven_{side}_p10"] = r["uitgaven_p10"]
        cell[f"uitgaven_{side}_p90"] = r["uitgaven_p90"]
    for d in result.verschillen:
        if d["scenario"] == naam and (d["jaar"], d["wet"]) in rows:
            rows[(d["jaar"], d["wet"])] |= {
                "clienten_verschil": d["clienten_verschil"],
                "uitgaven_verschil": d["uitgaven_verschil"],
                "uitgaven_verschil_pct": d["uitgaven_verschil_pct"],
            }
    return views.Table(list(COLUMNS), list(rows.values()), {})


def _shown(key: str, value: str | float | None) -> str:
    """A table cell as a council member reads it (years and wetten as they are)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value
    if key.endswith("_pct"):
        return dutch.percent(value)
    if key in EURO:
        return dutch.euro(value)
    return dutch.number(value)


def _chart(result: Result, measure: str) -> str:
    names, wetten, data = charts_prognose.band_data(result.maanden, result.historie, measure)
    return views.with_data(_chart_shape(names, wetten, measure), data)


@functools.lru_cache(maxsize=64)  # scenario names come from users: bounded
def _chart_shape(names: tuple[str, ...], wetten: tuple[str, ...], measure: str) -> dict:
    chart = charts_prognose.band_chart(names, wetten, measure, 900, alt.Data(name="tabel"))
    return chart.to_dict()


def _scenario(request: Request, user: User, data: Mapping[str, str]) -> Scenario:
    """A saved scenario (``scenario=naam``) or the one the knobs describe."""
    naam = str(data.get("scenario") or "")
    if not naam:
        return scenario_from(data)
    try:
        return auth.kamer(request).scenario_for(user, naam)
    except ScenarioError:
        raise HTTPException(404, "Dit scenario bestaat niet (of is niet van u).") from None


def _figures(
    request: Request, user: User, data: Mapping[str, str], maanden: int
) -> tuple[Scenario, Result]:
    sc = _scenario(request, user, data)
    result = auth.kamer(request).prognose_for(user, sc, months=maanden, sims=SIMULATIES)
    return sc, result


@router.get("/prognose", response_class=HTMLResponse)
def forecast_page(
    request: Request,
    maanden: int = Query(36, ge=12, le=36),
    user: User = Depends(auth.user),
) -> HTMLResponse:
    data = dict(request.query_params)
    melding = ""
    try:
        sc, result = _figures(request, user, data, maanden)
    except ScenarioError as exc:  # a knob out of range: show the baseline and say why
        melding = str(exc)
        sc, result = _figures(request, user, {}, maanden)
    rk = auth.kamer(request)
    table = side_by_side(result, sc.naam)
    query = urlencode({k: v for k, v in {**_values(sc), "maanden": maanden}.items() if v})
    return _page(
        request,
        "prognose.html.j2",
        user,
        titel=TITEL,
        pagina="prognose",
        melding=melding,
        waarden=_values(sc),
        instroom=INSTROOM,
        knoppen=KNOPPEN,
        maanden=maanden,
        maanden_keuze=MAANDEN,
        peilmaand=result.peilmaand,
        bereik=_reach(user),
        opgeslagen=rk.scenarios_for(user),
        mag_opslaan=user.role.rol in rk.SCENARIO_SAVERS,
        spec_uitgaven=_chart(result, "uitgaven"),
        spec_clienten=_chart(result, "clienten"),
        tabel=table,
        toon=_shown,
        download=f"/prognose.csv?{query}",
        download_xlsx=f"/prognose.xlsx?{query}",
    )


def _reach(user: User) -> str:
    if user.role.rol == "gemeente":
        return f"Prognose van gemeente {user.role.tenant}."
    return "Prognose van de hele regio."


@router.get("/prognose.{formaat}")
def forecast_download(
    request: Request,
    formaat: str,
    maanden: int = Query(36, ge=12, le=36),
    user: User = Depends(auth.user),
) -> Response:
    if formaat not in ("csv", "xlsx"):
        raise HTTPException(404, "Deze pagina bestaat niet.")
    sc, result = _figures(request, user, dict(request.query_params), maanden)
    return _download(side_by_side(result, sc.naam), f"prognose-{sc.naam}", formaat)


@router.post("/prognose/scenario")
async def save(request: Request, user: User = Depends(auth.form_user)) -> Response:
    """Save the knobs under a name (CSRF checked by form_user), then show that scenario."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    sc = scenario_from(form)
    try:
        await run_in_threadpool(auth.kamer(request).save_scenario_for, user, sc)
    except AccountError as exc:
        raise HTTPException(403, str(exc)) from None
    return RedirectResponse(f"/prognose?scenario={quote(sc.naam)}", status_code=303)

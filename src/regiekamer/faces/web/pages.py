"""The pages: login, Overzicht (tiles, trend, table with downloads) and the KPI explanations.

Pages only parse input, call the facade (which scopes every query to the user and logs access)
and render; the figures and their suppression come from there.
"""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import altair as alt
import jinja2
import vl_convert
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from regiekamer.analyses.kpi.definitions import BY_ID
from regiekamer.errors import LoginError
from regiekamer.faces import dutch
from regiekamer.faces.web import auth, views
from regiekamer.privacy.accounts import User

# Escape everything: the default (select_autoescape) only escapes *.html, and ours are *.html.j2.
templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True
    )
)
router = APIRouter(include_in_schema=False)

# The tiles of the Overzicht, in this order.
TILES = (
    "clienten",
    "uitgaven",
    "wachttijd_dagen_mediaan",
    "wachtenden",
    "beeindigd_volgens_plan_pct",
    "herhaald_beroep_pct",
)
ROLE_TEXT = {
    "beheerder": "beheerder",
    "regio": "regio",
    "accountant": "accountant",
    "gemeente": "gemeente {}",
    "aanbieder": "aanbieder {}",
}


def shown(eenheid: str, waarde: float | None, onderdrukt: bool = False) -> str:
    """A value as a council member reads it."""
    if onderdrukt:
        return "onderdrukt (< 10 cliënten)"
    return dutch.in_unit(waarde, eenheid)


@functools.cache
def _locale() -> dict:
    """Dutch number and date formats for the charts (decimal comma, 'januari')."""
    return {
        "getal": vl_convert.get_format_locale("nl-NL"),
        "tijd": vl_convert.get_time_format_locale("nl-NL"),
    }


def _page(request: Request, name: str, user: User | None, **context: object) -> HTMLResponse:
    current = auth.session(request)
    who = None
    if user is not None:
        text = ROLE_TEXT[user.role.rol].format(user.role.tenant)
        who = {"naam": user.naam, "rol_tekst": text}
    return templates.TemplateResponse(
        request,
        name,
        {
            "gebruiker": who,
            "csrf": current.csrf if current else "",
            "menu": menu_for(user) if user is not None else [],
            "locale": _locale(),
            **context,
        },
    )


@router.get("/inloggen", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    return _page(request, "inloggen.html.j2", None, titel="Inloggen", pagina="inloggen")


@router.post("/inloggen")
def login(request: Request, naam: str = Form(...), wachtwoord: str = Form(...)) -> Response:
    rk = auth.kamer(request)
    try:
        started = rk.login(naam, wachtwoord)
    except LoginError as exc:
        page = _page(request, "inloggen.html.j2", None, titel="Inloggen", melding=str(exc))
        page.status_code = 401
        return page
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        auth.COOKIE,
        started.token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=int(
            (started.verloopt - dt.datetime.now(dt.UTC).replace(tzinfo=None)).total_seconds()
        ),
    )
    return response


@router.post("/uitloggen")
def logout(request: Request, user: User = Depends(auth.form_user)) -> Response:
    auth.kamer(request).logout(request.cookies.get(auth.COOKIE, ""))
    response = RedirectResponse("/inloggen", status_code=303)
    response.delete_cookie(auth.COOKIE)
    return response


def _overview(request: Request, user: User, jaar: int, wet: str | None) -> tuple[list, list]:
    """Tiles (this year against last) and the monthly client counts, scoped to the user."""
    rk = auth.kamer(request)
    own = ["gemeente"] if user.role.rol == "gemeente" else []
    # One figure per tile: split by wet only when a wet is chosen.
    by = ["wet", *own]
    tiles_result, months_result = rk.kpis_for(user, [
        {"start": dt.date(jaar - 1, 1, 1), "end": dt.date(jaar, 12, 31), "per": "year",
         "by": (["wet"] if wet else []) + own, "kpis": list(TILES)},
        {"year": jaar, "per": "month", "by": by, "kpis": ["clienten"]},
    ])  # fmt: skip
    rows = [r for r in tiles_result.rows if (not wet or r["wet"] == wet) and _own(user, r)]
    tiles = []
    for k in TILES:
        now = [r for r in rows if r["kpi"] == k and r["periode"] == str(jaar)]
        before = [r for r in rows if r["kpi"] == k and r["periode"] == str(jaar - 1)]
        tiles.append(_tile(k, now, before))
    months = [r for r in months_result.rows if (not wet or r["wet"] == wet) and _own(user, r)]
    return tiles, months


def _own(user: User, row: dict) -> bool:
    """On the Overzicht a gemeente user sees its own municipality's rows."""
    return user.role.rol != "gemeente" or row.get("gemeente") == user.role.tenant


def _tile(kpi: str, now: list[dict], before: list[dict]) -> dict:
    meta = {"titel": BY_ID[kpi].titel, "eenheid": BY_ID[kpi].eenheid}
    one = len(now) == 1 and len(before) == 1  # a sum over wetten is only right for counts
    value = _combine(meta["eenheid"], now)
    last = _combine(meta["eenheid"], before)
    change = ""
    if (
        value is not None
        and last not in (None, 0)
        and (one or meta["eenheid"] in ("aantal", "euro"))
    ):
        if meta["eenheid"] == "%":  # a share changes by points, not by a share of itself
            change = f"{value - last:+.1f} procentpunt t.o.v. vorig jaar".replace(".", ",")
        else:
            pct = f"{(value - last) / abs(last) * 100:+.1f}".replace(".", ",")
            change = f"{pct} % t.o.v. vorig jaar"
    hidden = any(r["onderdrukt"] for r in now)
    return {
        "id": kpi,
        "titel": meta["titel"],
        "waarde": shown(meta["eenheid"], value, hidden and value is None),
        "vorig": shown(meta["eenheid"], last),
        "verschil": change,
        "ruw": value,
        "ruw_vorig": last,
    }


def _combine(eenheid: str, rows: list[dict]) -> float | None:
    """One figure for the tile: the sum over wetten for counts and money, else the one row."""
    values = [r["waarde"] for r in rows if r["waarde"] is not None]
    if not values:
        return None
    if eenheid in ("aantal", "euro") or len(values) == 1:
        return sum(values) if eenheid in ("aantal", "euro") else values[0]
    return None


def _trend_spec(months: list[dict]) -> str:
    data = [
        {"maand": f"{r['periode']}-01", "wet": r["wet"], "clienten": r["waarde"]} for r in months
    ]
    return views.with_data(_trend_shape(), data)


@functools.cache
def _trend_shape() -> dict:
    chart = (
        alt.Chart(alt.Data(name="tabel"))
        .mark_line(point=True)
        .encode(
            x=alt.X("maand:T", title=None, axis=alt.Axis(format="%b")),
            y=alt.Y("sum(clienten):Q", title="cliënten"),
            color=alt.Color("wet:N", title="Wet"),
            tooltip=["maand:T", "wet:N", "sum(clienten):Q"],
        )
        .properties(width=640, height=220)
    )
    return chart.to_dict()


@router.get("/", response_class=HTMLResponse)
def overview(
    request: Request,
    jaar: int = Query(2025, ge=2000, le=2100),
    wet: str | None = Query(None, pattern="^(jeugd|wmo)?$"),
    user: User = Depends(auth.user),
) -> HTMLResponse:
    tiles, months = _overview(request, user, jaar, wet or None)
    return _page(
        request,
        "overzicht.html.j2",
        user,
        titel="Overzicht",
        pagina="overzicht",
        jaar=jaar,
        jaren=list(range(jaar - 3, jaar + 2)),
        wet=wet,
        bereik=_reach(user),
        tegels=tiles,
        trend_spec=_trend_spec(months),
        signalen=auth.kamer(request).signals_for(user)[:10],  # the user's own (pages_afspraken)
    )


def _reach(user: User) -> str:
    if user.role.rol == "gemeente":
        return f"Cijfers van gemeente {user.role.tenant}."
    if user.role.rol == "aanbieder":
        return "Cijfers van de regio; uw eigen cijfers staan per aanbieder."
    return "Cijfers van de hele regio."


@router.get("/overzicht.{formaat}")
def overview_download(
    request: Request,
    formaat: str,
    jaar: int = Query(2025, ge=2000, le=2100),
    wet: str | None = Query(None, pattern="^(jeugd|wmo)?$"),
    user: User = Depends(auth.user),
) -> Response:
    if formaat not in ("csv", "xlsx"):
        raise HTTPException(404, "Deze pagina bestaat niet.")
    tiles, _ = _overview(request, user, jaar, wet or None)
    columns = [("kpi", "KPI"), ("titel", "Titel"), ("waarde", str(jaar)),
               ("vorig_jaar", str(jaar - 1))]  # fmt: skip
    rows = [{"kpi": t["id"], "titel": t["titel"], "waarde": t["ruw"], "vorig_jaar": t["ruw_vorig"]}
            for t in tiles]  # fmt: skip
    return _download(views.Table(columns, rows, {}), f"overzicht-{jaar}", formaat)


@router.get("/kpi", response_class=HTMLResponse)
def catalogue(request: Request, user: User = Depends(auth.user)) -> HTMLResponse:
    from regiekamer.facade import Regiekamer

    return _page(
        request, "kpi.html.j2", user, titel="KPI's", pagina="kpi",
        catalogus=Regiekamer.kpi_catalogue(),
    )  # fmt: skip


PERIODS = (("year", "jaar"), ("quarter", "kwartaal"), ("month", "maand"))


@router.get("/thema/{slug}", response_class=HTMLResponse)
def themed(
    request: Request,
    slug: str,
    jaar: int = Query(2025, ge=2000, le=2100),
    per: str = Query("year", pattern="^(year|quarter|month)$"),
    wet: str = Query("", pattern="^(jeugd|wmo)?$"),
    gemeente: str = Query("", pattern="^([0-9]{4})?$"),
    productcategorie: str = Query("", pattern="^([0-9]{2})?$"),
    formaat: str = Query("html", pattern="^(html|csv|xlsx)$"),
    user: User = Depends(auth.user),
) -> Response:
    view = views.BY_SLUG.get(slug)
    if view is None:
        raise HTTPException(404, "Deze pagina bestaat niet.")
    filters = {"wet": wet, "gemeente": gemeente, "productcategorie": productcategorie}
    rk = auth.kamer(request)
    table, rows = views.figures(rk, user, view, jaar, per, filters)
    if formaat != "html":
        return _download(table, f"{slug}-{jaar}", formaat)
    query = "&".join(f"{k}={v}" for k, v in {"jaar": jaar, "per": per, **filters}.items())
    return _page(
        request,
        "thema.html.j2",
        user,
        titel=view.titel,
        pagina=slug,
        uitleg=view.uitleg,
        jaar=jaar,
        jaren=list(range(jaar - 3, jaar + 2)),
        per=per if per in view.pers else view.pers[0],
        perioden=[p for p in PERIODS if p[0] in view.pers],
        filters=filters,
        gemeenten=sorted(rk.store_facts().namen.items()),
        spec=views.chart_spec(view, rows, per if per in view.pers else view.pers[0]),
        tabel=table,
        toon=shown,
        download=f"/thema/{slug}?{query}",
    )


def _download(table: views.Table, name: str, formaat: str) -> Response:
    if formaat == "csv":
        return Response(
            views.to_csv(table),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(
        views.to_xlsx(table, name),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@router.get("/datakwaliteit", response_class=HTMLResponse)
def data_quality(
    request: Request,
    formaat: str = Query("html", pattern="^(html|csv|xlsx)$"),
    user: User = Depends(auth.user),
) -> Response:
    groups: dict[tuple[str, str], dict] = {}
    for f in auth.kamer(request).findings_for(user):
        g = groups.setdefault(
            (f["code"], f["ernst"]),
            {"code": f["code"], "ernst": f["ernst"], "aantal": 0, "voorbeeld": f["melding"]},
        )
        g["aantal"] += 1  # fmt: skip
    # The worst first: errors before warnings, then the most frequent.
    ordered = sorted(groups.values(), key=lambda g: (g["ernst"] != "fout", -g["aantal"], g["code"]))
    if formaat != "html":
        columns = [("code", "Code"), ("ernst", "Ernst"), ("aantal", "Aantal"),
                   ("voorbeeld", "Voorbeeld")]  # fmt: skip
        return _download(views.Table(columns, ordered, {}), "datakwaliteit", formaat)
    return _page(request, "datakwaliteit.html.j2", user, titel="Datakwaliteit",
                 pagina="datakwaliteit", groepen=ordered)  # fmt: skip


# Every page a logged-in user can open, in the order of the menu.
PAGES: tuple[tuple[str, str], ...] = (
    ("/", "Overzicht"),
    *((f"/thema/{v.slug}", v.titel) for v in views.VIEWS),
    ("/prognose", "Prognose & scenario's"),
    ("/contracten", "Contracten"),
    ("/afspraken", "Afspraken"),
    ("/signalen", "Signalen"),
    ("/acties", "Verbeteracties"),
    ("/evaluatie", "Evaluatie"),
    ("/rechtmatigheid", "Rechtmatigheid"),
    ("/verevening", "Verevening"),
    ("/incentives", "Incentives"),
    ("/integraal", "Integraal"),
    ("/datakwaliteit", "Datakwaliteit"),
    ("/kpi", "KPI's"),
)
# Pages that only some roles may open (path -> roles); every other page is for every role.
# The menu shows a page only to those roles, and the page refuses the others (403).
PAGE_ROLES: dict[str, frozenset[str]] = {
    "/verevening": frozenset({"regio", "beheerder", "accountant", "gemeente"}),
    "/incentives": frozenset({"regio", "beheerder", "accountant", "aanbieder"}),
}


def may_open(rol: str, path: str) -> bool:
    """Whether a role may open the page at ``path``."""
    return path not in PAGE_ROLES or rol in PAGE_ROLES[path]


def menu_for(user: User) -> list[tuple[str, str]]:
    """The menu as ``user`` sees it: the pages its role may open."""
    return [(path, titel) for path, titel in PAGES if may_open(user.role.rol, path)]


def refuse_unless_allowed(user: User, path: str) -> None:
    """403 for a page the user's role may not open."""
    if not may_open(user.role.rol, path):
        raise HTTPException(403, "Deze pagina is niet voor uw rol.")

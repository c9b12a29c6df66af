"""The pages of the improvement cycle: agreements (register, versions, edit), signals,
improvement actions and the evaluation report.

Like every page, these only parse input, call the facade (which decides what the user may see
and change) and render. A foreign object answers 404, as if it did not exist; an object the user
sees but does not own answers 403 to a change. Every form carries the session's CSRF token.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from regiekamer.analyses import acties
from regiekamer.analyses import afspraken as A
from regiekamer.analyses.kpi.definitions import CATALOGUE
from regiekamer.errors import RegiekamerError
from regiekamer.faces import evaluatie
from regiekamer.faces.web import auth
from regiekamer.faces.web.pages import _page
from regiekamer.privacy.accounts import User

router = APIRouter(include_in_schema=False)
AGREEMENT_FIELDS = (
    "periode",
    "per",
    "niveau",
    "wet",
    "gemeente",
    "aanbieder",
    "contract",
    "kpi",
    "richting",
    "doel",
    "afgesproken_op",
    "toelichting",
)


def _refused(exc: Exception) -> HTTPException:
    if isinstance(exc, A.NotFound):
        return HTTPException(404, "Niet gevonden.")
    if isinstance(exc, A.NotOwner):
        return HTTPException(403, str(exc))
    return HTTPException(400, str(exc))


async def _form(request: Request) -> dict[str, object]:
    form = await request.form()
    return {k: form.getlist(k) if k == "afgesproken_door" else str(v) for k, v in form.items()}


def _agreement_values(form: dict) -> dict[str, object]:
    values: dict[str, object] = {k: form.get(k) for k in AGREEMENT_FIELDS}
    values["id"] = form.get("id")
    values["afgesproken_door"] = list(form.get("afgesproken_door") or [])
    values["vervallen"] = form.get("vervallen") == "ja"
    if values.get("doel"):  # a Dutch decimal comma; the check says when it is no number
        values["doel"] = str(values["doel"]).replace(",", ".")
    return values


def _choices() -> dict:
    return {
        "kpis": [(k.id, k.titel) for k in CATALOGUE],
        "partijen": A.PARTIJEN,
        "statussen": [(s, acties.STATUS_NL[s]) for s in acties.STATUSES],
    }


@router.get("/afspraken", response_class=HTMLResponse)
def agreements(request: Request, user: User = Depends(auth.user)) -> HTMLResponse:
    rk = auth.kamer(request)
    items = rk.realisaties(user, rk.afspraken(user))
    rows = [
        {
            **i,
            "doel": evaluatie.target(i["afspraak"]),
            "scope": evaluatie.scope_text(i["afspraak"]),
            "realisatie": evaluatie.value(i["afspraak"].kpi, i["waarde"]),
        }
        for i in items
    ]
    return _page(
        request,
        "afspraken.html.j2",
        user,
        titel="Afspraken",
        pagina="afspraken",
        rijen=rows,
        niveaus=A.creatable_levels(user.role),
        **_choices(),
    )


@router.post("/afspraken")
async def agreement_new(request: Request, user: User = Depends(auth.form_user)) -> Response:
    values = _agreement_values(await _form(request))
    try:
        a, _ = auth.kamer(request).save_afspraak(user, values)
    except A.Invalid as exc:
        raise HTTPException(400, f"De afspraak is niet opgeslagen: {exc}") from exc
    except (A.NotFound, A.NotOwner, RegiekamerError) as exc:
        raise _refused(exc) from exc
    return RedirectResponse(f"/afspraken/{a.afspraak_id}", status_code=303)


@router.get("/afspraken/{afspraak_id}", response_class=HTMLResponse)
def agreement(request: Request, afspraak_id: str, user: User = Depends(auth.user)) -> HTMLResponse:
    rk = auth.kamer(request)
    try:
        current, versions = rk.afspraak(user, afspraak_id)
    except A.NotFound as exc:
        raise _refused(exc) from exc
    item = rk.realisaties(user, [current])[0]
    related = [
        r
        for r in rk.actions_for(user)
        if (r["onderwerp_soort"], r["onderwerp"]) == ("afspraak", afspraak_id)
    ]
    return _page(
        request,
        "afspraak.html.j2",
        user,
        titel=f"Afspraak {afspraak_id}",
        pagina="afspraken",
        a=current,
        versies=versions,
        item=item,
        doel=evaluatie.target(current),
        realisatie=evaluatie.value(current.kpi, item["waarde"]),
        acties=related,
        eigenaar=A.owns(user.role, current),
        ondertekenen=A.may_sign(user.role, current),
        schrijver=user.role.rol in acties.WRITERS,
        status_nl=acties.STATUS_NL,
        **_choices(),
    )


@router.post("/afspraken/{afspraak_id}")
async def agreement_edit(
    request: Request, afspraak_id: str, user: User = Depends(auth.form_user)
) -> Response:
    values = _agreement_values(await _form(request))
    try:
        auth.kamer(request).save_afspraak(user, values, afspraak_id)
    except A.Invalid as exc:
        raise HTTPException(400, f"De afspraak is niet gewijzigd: {exc}") from exc
    except (A.NotFound, A.NotOwner) as exc:
        raise _refused(exc) from exc
    return RedirectResponse(f"/afspraken/{afspraak_id}", status_code=303)


@router.post("/afspraken/{afspraak_id}/ondertekenen")
def agreement_sign(
    request: Request, afspraak_id: str, user: User = Depends(auth.form_user)
) -> Response:
    try:
        auth.kamer(request).sign_afspraak(user, afspraak_id)
    except (A.NotFound, A.NotOwner) as exc:
        raise _refused(exc) from exc
    return RedirectResponse(f"/afspraken/{afspraak_id}", status_code=303)


@router.get("/signalen", response_class=HTMLResponse)
def signals(request: Request, user: User = Depends(auth.user)) -> HTMLResponse:
    rows = auth.kamer(request).signals_for(user)
    return _page(
        request,
        "signalen.html.j2",
        user,
        titel="Signalen",
        pagina="signalen",
        signalen=rows,
        schrijver=user.role.rol in acties.WRITERS,
    )


@router.get("/acties", response_class=HTMLResponse)
def actions(
    request: Request,
    soort: str = Query("kpi", pattern="^(signaal|afspraak|kpi)$"),
    onderwerp: str = Query("", max_length=80),
    user: User = Depends(auth.user),
) -> HTMLResponse:
    rows = auth.kamer(request).actions_for(user)
    return _page(
        request,
        "acties.html.j2",
        user,
        titel="Verbeteracties",
        pagina="acties",
        acties=rows,
        soort=soort,
        onderwerp=onderwerp,
        status_nl=acties.STATUS_NL,
        schrijver=user.role.rol in acties.WRITERS,
        **_choices(),
    )


@router.post("/acties")
async def action_new(request: Request, user: User = Depends(auth.form_user)) -> Response:
    try:
        actie_id = auth.kamer(request).add_action(user, await _form(request))
    except (A.NotFound, A.NotOwner, RegiekamerError) as exc:
        raise _refused(exc) from exc
    return RedirectResponse(f"/acties/{actie_id}", status_code=303)


@router.get("/acties/{actie_id}", response_class=HTMLResponse)
def action(request: Request, actie_id: int, user: User = Depends(auth.user)) -> HTMLResponse:
    try:
        row = auth.kamer(request).action_for(user, actie_id)
    except A.NotFound as exc:
        raise _refused(exc) from exc
    return _page(
        request,
        "actie.html.j2",
        user,
        titel=f"Verbeteractie {actie_id}",
        pagina="acties",
        r=row,
        status_nl=acties.STATUS_NL,
        schrijver=user.role.rol in acties.WRITERS,
        **_choices(),
    )


@router.post("/acties/{actie_id}")
async def action_edit(
    request: Request, actie_id: int, user: User = Depends(auth.form_user)
) -> Response:
    try:
        auth.kamer(request).update_action(user, actie_id, await _form(request))
    except (A.NotFound, A.NotOwner, RegiekamerError) as exc:
        raise _refused(exc) from exc
    return RedirectResponse(f"/acties/{actie_id}", status_code=303)


@router.get("/evaluatie", response_class=HTMLResponse)
def evaluation(
    request: Request,
    periode: str = Query("", max_length=10),
    aanbieder: str = Query("", pattern="^([0-9]{8})?$"),
    formaat: str = Query("html", pattern="^(html|pdf)$"),
    user: User = Depends(auth.user),
) -> Response:
    rk = auth.kamer(request)
    if not periode:  # the quarter of the latest invoice: the one the meeting is about
        last = rk.store_facts().laatste_declaratie or dt.date.today()
        periode = f"{last.year}-Q{(last.month - 1) // 3 + 1}"
    try:
        found = rk.evaluation(user, periode, aanbieder or None)
    except RegiekamerError as exc:
        raise HTTPException(400, str(exc)) from exc
    ctx = evaluatie.context(found)
    if formaat == "pdf":
        data, _ = evaluatie.pdf(ctx)
        name = f"evaluatie-{ctx['periode']}{'-' + aanbieder if aanbieder else ''}.pdf"
        return Response(
            data,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return _page(
        request,
        "evaluatie.html.j2",
        user,
        titel="Evaluatie",
        pagina="evaluatie",
        periode=periode,
        aanbieder=aanbieder,
        inhoud=evaluatie.sections_html(ctx),
    )

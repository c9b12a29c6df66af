"""One error shape for the whole app: the API answers JSON, a page answers a plain HTML page.

Every error body of the API is ``{"fout": {"status": int, "melding": str}}``, whatever raised it
(a bad parameter, a missing login, a store error), so clients need one parser. An error with a
code of its own (a query limit: RK-LIMIET-TIJD, RK-LIMIET-RIJEN) adds ``"code"``.
"""

from __future__ import annotations

from html import escape

import duckdb
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from regiekamer.errors import QueryLimitError, RegiekamerError
from regiekamer.store.query_limits import timeout_error

MESSAGES = {
    400: "Het verzoek klopt niet.",
    401: "Log eerst in.",
    403: "Dit mag u niet.",
    404: "Niet gevonden.",
    405: "Deze methode kan hier niet.",
    422: "Een parameter klopt niet.",
}
TITLES = {
    400: "Dit verzoek kan niet",
    401: "Log eerst in",
    403: "Geen toegang",
    404: "Niet gevonden",
    503: "De vraag duurde te lang",
}


def body(status: int, melding: str, code: str | None = None) -> dict:
    fout: dict[str, object] = {"status": status, "melding": melding}
    if code:
        fout["code"] = code
    return {"fout": fout}


def answer(request: Request, status: int, melding: str, code: str | None = None) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse(body(status, melding, code), status_code=status)
    link = (
        '<a href="/inloggen">Inloggen</a>'
        if status == 401
        else '<a href="/">Naar het overzicht</a>'
    )
    html = (
        f'<!doctype html><html lang="nl"><meta charset="utf-8">'
        f"<title>{escape(TITLES.get(status, 'Fout'))} – Regiekamer</title>"
        '<link rel="stylesheet" href="/static/regiekamer.css">'
        f"<main><h1>{escape(TITLES.get(status, 'Fout'))}</h1><p>{escape(melding)}</p>"
        + (f"<p>Foutcode: {escape(code)}</p>" if code else "")
        + f"<p>{link}</p></main></html>"
    )
    return HTMLResponse(html, status_code=status)


def install(app: FastAPI) -> None:
    """Route every error through ``answer``."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        melding = exc.detail if isinstance(exc.detail, str) else MESSAGES.get(exc.status_code, "")
        return answer(request, exc.status_code, melding or MESSAGES.get(exc.status_code, "Fout."))

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError) -> Response:
        where = ", ".join(".".join(str(p) for p in e["loc"][1:]) for e in exc.errors())
        return answer(request, 422, f"{MESSAGES[422]} ({where})" if where else MESSAGES[422])

    @app.exception_handler(QueryLimitError)
    async def over_limit(request: Request, exc: QueryLimitError) -> Response:
        return answer(request, exc.status, str(exc), exc.code)

    @app.exception_handler(duckdb.InterruptException)
    async def interrupted(request: Request, exc: duckdb.InterruptException) -> Response:
        # In the server only the query-limit watchdog interrupts (store/query_limits.py).
        limit = timeout_error(request.app.state.kamer.settings.query_seconds)
        return answer(request, limit.status, str(limit), limit.code)

    @app.exception_handler(RegiekamerError)
    async def refused(request: Request, exc: RegiekamerError) -> Response:
        return answer(request, 400, str(exc))

"""One error shape for the whole app: the API answers JSON, a page answers a plain HTML page.

Every error body of the API is ``{"fout": {"status": int, "melding": str}}``, whatever raised it
(a bad parameter, a missing login, a store error), so clients need one parser.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from regiekamer.errors import RegiekamerError

MESSAGES = {
    400: "Het verzoek klopt niet.",
    401: "Log eerst in.",
    403: "Dit mag u niet.",
    404: "Niet gevonden.",
    405: "Deze methode kan hier niet.",
    422: "Een parameter klopt niet.",
}


def body(status: int, melding: str) -> dict:
    return {"fout": {"status": status, "melding": melding}}


def answer(request: Request, status: int, melding: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse(body(status, melding), status_code=status)
    html = (
        f'<!doctype html><html lang="nl"><meta charset="utf-8"><title>{status}</title>'
        f"<p>{melding}</p>"
        + ('<p><a href="/inloggen">Inloggen</a></p>' if status == 401 else "")
        + "</html>"
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

    @app.exception_handler(RegiekamerError)
    async def refused(request: Request, exc: RegiekamerError) -> Response:
        return answer(request, 400, str(exc))

"""The web app: ``create_app(settings)`` gives the FastAPI app that ``regiekamer serve`` runs.

One app serves the pages and the REST API. The Vega-Lite charts run on the JavaScript bundle that
vl-convert ships, served by the app itself (no CDN: the dashboard works offline).
"""

from __future__ import annotations

import functools
from pathlib import Path

import vl_convert
from fastapi import FastAPI
from fastapi.responses import FileResponse, Response

from regiekamer import __version__
from regiekamer.facade import Regiekamer
from regiekamer.faces.web import (
    api,
    errors,
    pages,
    pages_contracten,
    pages_integraal,
    pages_rechtmatigheid,
    pages_verevening,
)
from regiekamer.settings import Settings

STATIC = Path(__file__).parent / "static"


@functools.cache
def _vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed in one script (built once per process, ~1 s)."""
    return vl_convert.javascript_bundle()


def create_app(settings: Settings | None = None, *, openapi_only: bool = False) -> FastAPI:
    """The app over the configured store (``openapi_only``: without opening it, to print the
    OpenAPI document)."""
    kamer = Regiekamer(settings or Settings())
    if not openapi_only:
        kamer.serve_store()  # one shared store instance for every request of this process
    app = FastAPI(
        title="Regiekamer",
        version=__version__,
        description="De cijfers van de regiekamer sociaal domein: KPI's, bevindingen en "
        "referentiegegevens. Elke aanroep vraagt een API-token (Authorization: Bearer).",
        docs_url=None,
        redoc_url=None,
    )
    app.state.kamer = kamer
    errors.install(app)
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(pages_contracten.router)
    app.include_router(pages_rechtmatigheid.router)
    app.include_router(pages_verevening.router)
    app.include_router(pages_integraal.router)

    @app.get("/static/vega.js", include_in_schema=False)
    def vega() -> Response:
        return Response(
            _vega_bundle(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    @app.get("/static/regiekamer.css", include_in_schema=False)
    def style() -> FileResponse:
        return FileResponse(STATIC / "regiekamer.css", media_type="text/css")

    return app

"""The REST API ``/api/v1``: KPIs, the KPI catalogue, findings and reference data.

Every endpoint needs a user (session or ``Authorization: Bearer <token>``); KPI cells are scoped
to the user by the facade (own cells as they are, the rest through disclosure control). The
OpenAPI document is committed in ``docs/openapi.json``; a test keeps it equal to the app's.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict
from pydantic_core import to_json

from regiekamer.analyses.kpi.context import DIMS
from regiekamer.analyses.periods import PER
from regiekamer.faces.web import auth
from regiekamer.privacy.accounts import User


class Fout(BaseModel):
    status: int
    melding: str
    code: str | None = None  # only for an error with a code of its own (RK-LIMIET-TIJD, …)


class FoutAntwoord(BaseModel):
    fout: Fout


ERRORS = {s: {"model": FoutAntwoord} for s in (400, 401, 403, 422, 503)}
router = APIRouter(prefix="/api/v1", responses=ERRORS)


class KpiRij(BaseModel):
    model_config = ConfigDict(extra="allow")  # one key per requested dimension

    kpi: str
    periode: str
    waarde: float | None
    eenheid: str
    n: int | None
    onderdrukt: bool
    voorlopig: bool


class KpiAntwoord(BaseModel):
    rijen: list[KpiRij]
    overgeslagen: dict[str, str]


class Indicator(BaseModel):
    id: str
    titel: str
    title: str
    eenheid: str
    uitleg: str
    voor: list[str]
    dimensies: list[str]
    perioden: list[str]


class Bevinding(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str
    ernst: str
    melding: str


class Gemeente(BaseModel):
    gemeentecode: str
    gemeentenaam: str


@router.get("/kpi", response_model=KpiAntwoord, summary="KPI-cellen voor een jaar")
def kpi(
    request: Request,
    jaar: int = Query(..., ge=2000, le=2100),
    per: str = Query("year", pattern=f"^({'|'.join(PER)})$"),
    by: str = Query("", pattern=f"^(({'|'.join(DIMS)})(,({'|'.join(DIMS)}))*)?$"),
    kpi: str = Query("", description="KPI-ids, komma-gescheiden; leeg: de hele catalogus"),
    user: User = Depends(auth.user),
) -> Response:
    result = auth.kamer(request).kpi_for(
        user,
        start=dt.date(jaar, 1, 1),
        end=dt.date(jaar, 12, 31),
        per=per,
        by=[d for d in by.split(",") if d],
        kpis=[k for k in kpi.split(",") if k],
    )
    # Serialised as is: building the KpiAntwoord model first took a sixth of a request's CPU
    # (measured under load); the schemathesis test checks every answer against the model.
    return Response(
        to_json({"rijen": result.rows, "overgeslagen": result.skipped}, inf_nan_mode="null"),
        media_type="application/json",
    )


@router.get("/kpi/catalogus", response_model=list[Indicator], summary="De KPI-catalogus")
def catalogue(user: User = Depends(auth.user)) -> list[dict]:
    from regiekamer.facade import Regiekamer

    return Regiekamer.kpi_catalogue()


@router.get("/bevindingen", response_model=list[Bevinding], summary="Bevindingen van de ingest")
def findings(
    request: Request,
    code: str | None = Query(None, max_length=20),
    user: User = Depends(auth.user),
) -> list[dict]:
    return auth.kamer(request).findings_for(user, code=code)


@router.get("/gemeenten", response_model=list[Gemeente], summary="De gemeenten (referentie)")
def municipalities(request: Request, user: User = Depends(auth.user)) -> list[dict]:
    namen = auth.kamer(request).store_facts().namen
    return [{"gemeentecode": c, "gemeentenaam": n} for c, n in sorted(namen.items())]

"""The signal feed under ``/api/v1``: JSON and Atom, for other systems to poll.

Token auth like the rest of the API; the facade gives each user only the signals of its own
cell (a municipality its own, a provider its own, the region roles all).
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from regiekamer.faces.web import auth
from regiekamer.faces.web.api import ERRORS
from regiekamer.privacy.accounts import User

router = APIRouter(prefix="/api/v1", responses=ERRORS)


class Signaal(BaseModel):
    signaal_id: str
    code: str
    titel: str
    kpi: str
    periode: str
    jaar: int
    wet: str | None
    gemeente: str | None
    aanbieder: str | None
    afspraak_id: str | None
    waarden: dict[str, float | str | None]
    zin: str
    eerst_berekend_op: dt.datetime
    berekend_op: dt.datetime
    actief: bool


def _signals(request: Request, user: User, sinds: dt.datetime | None, alle: bool) -> list[dict]:
    rows = auth.kamer(request).signals_for(user, actief=not alle)
    if sinds is not None and sinds.tzinfo is not None:  # the store keeps UTC without a zone
        sinds = sinds.astimezone(dt.UTC).replace(tzinfo=None)
    rows = [s for s in rows if sinds is None or s["berekend_op"] >= sinds]
    # RFC 3339 (the schema's date-time) asks for a zone: the stored times are UTC.
    stamps = ("eerst_berekend_op", "berekend_op")
    return [s | {k: s[k].replace(tzinfo=dt.UTC) for k in stamps} for s in rows]


SINDS = Query(None, description="Alleen signalen berekend op of na dit moment (UTC, ISO 8601).")
ALLE = Query(False, description="Ook signalen die niet meer actief zijn.")


@router.get("/signalen", response_model=list[Signaal], summary="Signalen (JSON-feed)")
def signals(
    request: Request,
    sinds: dt.datetime | None = SINDS,
    alle: bool = ALLE,
    user: User = Depends(auth.user),
) -> list[dict]:
    return _signals(request, user, sinds, alle)


ATOM = {200: {"content": {"application/atom+xml": {}}, "description": "Atom-feed"}}


@router.get(
    "/signalen.atom", response_class=Response, responses=ATOM, summary="Signalen (Atom-feed)"
)
def signals_atom(
    request: Request,
    sinds: dt.datetime | None = SINDS,
    alle: bool = ALLE,
    user: User = Depends(auth.user),
) -> Response:
    rows = _signals(request, user, sinds, alle)
    base = str(request.base_url).rstrip("/")
    updated = max((s["berekend_op"] for s in rows), default=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    entries = "".join(
        "<entry>"
        f"<id>urn:regiekamer:signaal:{s['signaal_id']}</id>"
        f"<title>{escape(s['code'])} {escape(s['titel'])} ({escape(s['periode'])})</title>"
        f"<updated>{s['berekend_op']:%Y-%m-%dT%H:%M:%SZ}</updated>"
        f'<link href="{escape(base)}/signalen#{s["signaal_id"]}"/>'
        f'<category term="{escape(s["code"])}"/>'
        f"<summary>{escape(s['zin'])}</summary>"
        "</entry>"
        for s in rows
    )
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="nl">'
        "<id>urn:regiekamer:signalen</id><title>Regiekamer: signalen</title>"
        f"<updated>{updated:%Y-%m-%dT%H:%M:%SZ}</updated>"
        f'<link rel="self" href="{escape(base)}/api/v1/signalen.atom"/>'
        f"<author><name>Regiekamer</name></author>{entries}</feed>"
    )
    return Response(xml, media_type="application/atom+xml")

"""Who is asking: the session cookie (pages) or an API token (``Authorization: Bearer``).

Default deny: every route depends on ``user`` except the login page and the static files; no
session and no token answers 401. Forms carry the session's CSRF token and ``form_user`` checks
it, so another site cannot post in the user's name.
"""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request

from regiekamer.facade import Regiekamer
from regiekamer.privacy.accounts import SessionUser, User

COOKIE = "regiekamer_sessie"


def kamer(request: Request) -> Regiekamer:
    return request.app.state.kamer


def session(request: Request) -> SessionUser | None:
    """The request's session, looked up once per request (a page asks for the user and, to
    render its forms, for the CSRF token)."""
    if not hasattr(request.state, "sessie"):
        token = request.cookies.get(COOKIE)
        request.state.sessie = kamer(request).session_user(token) if token else None
    return request.state.sessie


def user(request: Request) -> User:
    """The logged-in user, from a bearer token or the session cookie; 401 otherwise."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        found = kamer(request).token_user(header[7:].strip())
        if found:
            return found
        raise HTTPException(401, "Onbekend of ingetrokken API-token.")
    current = session(request)
    if current is None:
        raise HTTPException(401, "Log eerst in.")
    return current.user


async def form_user(request: Request, current: User = Depends(user)) -> User:
    """The user of a form post, after checking its CSRF token against the session."""
    form = await request.form()
    found = session(request)
    if found is None or not found.csrf_ok(str(form.get("csrf") or "")):
        raise HTTPException(403, "Het formulier is verlopen of komt niet van deze site.")
    return current

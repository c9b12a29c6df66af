"""Helpers for the web tests: the app on a real uvicorn server on loopback, and its routes."""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from regiekamer.facade import Regiekamer
from regiekamer.settings import Settings

# A first request computes the KPI catalogue; on a shared, busy machine that can take longer than
# httpx's default of 5 s. This is a bound against hanging, not a timing assertion.
TIMEOUT = 120
# The password of every user the web tests add.
PASSWORD = "een-lang-wachtwoord-2025"


@contextlib.contextmanager
def serve(app: object) -> Iterator[str]:
    """Run ``app`` on a free loopback port in a thread; yields its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    # The server's log, access lines included, also goes to a file: the leak scan after the
    # suite (scripts/leakscan.py) reads it like any log a deployment would keep.
    log = logging.FileHandler(Path(tempfile.gettempdir()) / f"uvicorn-{port}.log")
    for name in ("uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).addHandler(log)
    logging.getLogger("uvicorn.access").setLevel(logging.INFO)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, "uvicorn is niet gestart"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)
        for name in ("uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).removeHandler(log)
        log.close()


def flat_routes(routes: list) -> Iterator[object]:
    """Every route, also those of included routers (FastAPI wraps those)."""
    for route in routes:
        if hasattr(route, "original_router"):
            yield from flat_routes(route.original_router.routes)
        else:
            yield route


def login(url: str, naam: str) -> httpx.Client:
    """A client of the server at ``url``, logged in as ``naam`` through the login form."""
    client = httpx.Client(timeout=TIMEOUT, base_url=url, follow_redirects=False)
    r = client.post("/inloggen", data={"naam": naam, "wachtwoord": PASSWORD})
    assert r.status_code == 303, r.text
    return client


def region_copy(region_store: Path, tmp: pytest.TempPathFactory, name: str) -> Regiekamer:
    """A Regiekamer over a copy of the synthetic region's store (the test may write to it)."""
    store = tmp.mktemp(name) / "regio.duckdb"
    shutil.copy(region_store, store)
    return Regiekamer(Settings(store=store, key="test-key", workers=1))


def municipalities(rk: Regiekamer) -> list[str]:
    """The region's municipalities with clients in 2025, sorted."""
    return sorted(r["gemeente"] for r in rk.kpi(year=2025, by=["gemeente"], kpis=["clienten"]).rows)

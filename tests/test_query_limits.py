"""Query limits of the server (store/query_limits.py): a query that runs too long is interrupted,
an answer with too many rows is refused, each with its own code, a Dutch message and its HTTP
status, in the API's one error body and as a readable page; the server goes on answering.

Against real stores and a real uvicorn server. The slow query is really slow: a store with
millions of findings that the findings endpoint must sort and fetch, far longer than the limit
set here (0,5 s); the requests around it (token and session lookups) take milliseconds.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import duckdb
import httpx
import pytest

from live import TIMEOUT, serve
from regiekamer.facade import Regiekamer
from regiekamer.faces.web.app import create_app
from regiekamer.faces.web.auth import COOKIE
from regiekamer.settings import Settings
from regiekamer.store import query_limits
from regiekamer.store.connection import connect, share_one_instance

PASSWORD = "een-lang-wachtwoord-2025"


def _kamer(region_store: Path, tmp_path: Path, **limits: object) -> Regiekamer:
    store = tmp_path / "regio.duckdb"
    shutil.copy(region_store, store)
    rk = Regiekamer(Settings(store=store, key="test-key", workers=1, **limits))
    rk.add_user("regio", "regio", PASSWORD)
    return rk


def _client(url: str, rk: Regiekamer) -> httpx.Client:
    token = rk.new_token("regio")
    return httpx.Client(timeout=TIMEOUT, base_url=url, headers={"Authorization": f"Bearer {token}"})


def _browser(url: str, rk: Regiekamer) -> httpx.Client:
    """A logged-in browser. The session is started before the server runs: a login verifies
    an argon2 hash on purpose slowly, which must not count against a tight time limit."""
    session = rk.login("regio", PASSWORD)
    return httpx.Client(timeout=TIMEOUT, base_url=url, cookies={COOKIE: session.token})


def test_a_served_connection_still_busy_at_its_deadline_is_interrupted(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    Regiekamer(Settings(store=store, key="k")).init()
    share_one_instance(store, time_limit=0.5)
    con = connect(store)
    with pytest.raises(duckdb.InterruptException):
        # Hours of work without the limit.
        con.execute("SELECT sum(hash(range)) FROM range(100_000_000_000_000)").fetchone()
    # The connection itself stays usable, and so does a new one.
    assert con.execute("SELECT 42").fetchone() == (42,)
    con.close()
    other = connect(store)
    assert other.execute("SELECT count(*) FROM gemeente").fetchone()[0] > 300
    other.close()


def test_take_reads_at_most_one_row_more_than_the_limit() -> None:
    read = []

    def rows():
        for i in range(1_000_000):
            read.append(i)
            yield i

    assert query_limits.take(iter(range(5)), 5) == [0, 1, 2, 3, 4]
    with pytest.raises(Exception) as caught:
        query_limits.take(rows(), 10)
    assert caught.value.code == "RK-LIMIET-RIJEN" and caught.value.status == 400
    assert len(read) == 11  # limit + 1, not the million


def test_too_many_rows_refused_with_its_code_in_the_api_and_on_the_page(
    region_store: Path, tmp_path: Path
) -> None:
    rk = _kamer(region_store, tmp_path, query_max_rows=5)
    _plant_findings(rk.store, 20)
    app = create_app(rk.settings)
    with serve(app) as url, _client(url, rk) as client, _browser(url, rk) as browser:
        r = client.get("/api/v1/kpi", params={"jaar": 2025, "by": "aanbieder"})
        assert r.status_code == 400, r.text
        fout = r.json()["fout"]
        assert fout["code"] == "RK-LIMIET-RIJEN"
        assert fout["status"] == 400 and "meer dan 5 rijen" in fout["melding"]
        r = client.get("/api/v1/bevindingen")
        assert r.status_code == 400 and r.json()["fout"]["code"] == "RK-LIMIET-RIJEN"
        # Within the limit the same route answers.
        r = client.get("/api/v1/kpi", params={"jaar": 2025, "kpi": "clienten"})
        assert r.status_code == 200 and 0 < len(r.json()["rijen"]) <= 5

        page = browser.get("/datakwaliteit")
        assert page.status_code == 400
        assert page.headers["content-type"].startswith("text/html")
        assert "<h1>" in page.text and "meer dan 5 rijen" in page.text
        assert "RK-LIMIET-RIJEN" in page.text and 'href="/"' in page.text
    # The refusal is in the access log, with its code.
    con = connect(rk.store)  # the served instance of this process
    try:
        logged = con.execute(
            "SELECT count(*) FROM toegangslog WHERE resultaat = 'geweigerd: RK-LIMIET-RIJEN'"
        ).fetchone()[0]
    finally:
        con.close()
    assert logged >= 3


def _plant_findings(store: Path, n: int) -> None:
    """``n`` findings more: a table the findings endpoint must sort and fetch in full."""
    con = duckdb.connect(str(store))
    try:
        con.execute(
            "INSERT INTO bevinding SELECT 1, 1000000 + range, 'RK-TEST', 'waarschuwing', "
            "'melding ' || range, 'f.csv', NULL, 'regel ' || range, NULL FROM range(?)",
            [n],
        )
    finally:
        con.close()


def test_a_slow_query_stops_with_its_code_and_the_server_keeps_answering(
    region_store: Path, tmp_path: Path
) -> None:
    rk = _kamer(region_store, tmp_path, query_seconds=0.5, query_max_rows=50_000_000)
    _plant_findings(rk.store, 6_000_000)
    rk.kpi(year=2025, by=["wet"], kpis=["clienten"])  # cached now: a quick answer later
    app = create_app(rk.settings)
    with serve(app) as url, _client(url, rk) as client, _browser(url, rk) as browser:
        answers: list[httpx.Response] = []
        slow = threading.Thread(target=lambda: answers.append(client.get("/api/v1/bevindingen")))
        slow.start()
        slow.join(TIMEOUT)
        assert answers, "de trage vraag kwam niet terug"
        r = answers[0]
        assert r.status_code == 503, r.text[:300]
        fout = r.json()["fout"]
        assert fout["code"] == "RK-LIMIET-TIJD"
        assert "langer dan 0,5 seconden" in fout["melding"]
        # Not a hung server: the next requests are answered.
        assert client.get("/api/v1/gemeenten").status_code == 200
        r = client.get("/api/v1/kpi", params={"jaar": 2025, "kpi": "clienten", "by": "wet"})
        assert r.status_code == 200 and r.json()["rijen"]

        page = browser.get("/datakwaliteit")
        assert page.status_code == 503
        assert "De vraag duurde te lang" in page.text and "RK-LIMIET-TIJD" in page.text

"""The web app against a real uvicorn server on loopback, over the synthetic region.

Default deny (every route of the app without a session or token answers 401, generated from the
route list), login with a session cookie and CSRF, lockout, the scoping of KPI cells per role
(own cells as they are, other municipalities' only after disclosure control), downloads, the
access log, and the committed OpenAPI document.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from live import PASSWORD, TIMEOUT, flat_routes, login, municipalities, region_copy, serve
from regiekamer.facade import Regiekamer
from regiekamer.faces.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = {"/inloggen", "/openapi.json", "/static/vega.js", "/static/regiekamer.css"}


class Server:
    def __init__(self, url: str, kamer: Regiekamer, gemeente: str, app: object) -> None:
        self.url, self.kamer, self.gemeente, self.app = url, kamer, gemeente, app

    def login(self, naam: str) -> httpx.Client:
        return login(self.url, naam)


@pytest.fixture(scope="module")
def server(region_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    rk = region_copy(region_store, tmp_path_factory, "web")
    gemeenten = municipalities(rk)
    rk.add_user("regio", "regio", PASSWORD)
    rk.add_user("gem", f"gemeente:{gemeenten[0]}", PASSWORD)
    rk.add_user("slot", f"gemeente:{gemeenten[0]}", PASSWORD)
    app = create_app(rk.settings)
    with serve(app) as url:
        yield Server(url, app.state.kamer, gemeenten[0], app)


def _routes(app: object) -> list[tuple[str, str]]:
    out = []
    for route in flat_routes(app.routes):  # type: ignore[attr-defined]
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                out.append((method, route.path))
    return out


def test_without_a_session_or_token_every_route_answers_401(server: Server) -> None:
    closed = [(m, p) for m, p in _routes(server.app) if p not in PUBLIC]
    assert ("GET", "/") in closed and ("GET", "/api/v1/kpi") in closed
    with httpx.Client(timeout=TIMEOUT, base_url=server.url) as client:
        for method, path in closed:
            r = client.request(method, path, params={"jaar": 2025})
            assert r.status_code == 401, (method, path, r.status_code)
            if path.startswith("/api/"):
                assert r.json() == {"fout": {"status": 401, "melding": "Log eerst in."}}
        assert client.get("/api/v1/kpi", headers={"Authorization": "Bearer nep"}).status_code == 401


def test_login_overview_download_and_logout(server: Server) -> None:
    client = server.login("gem")
    cookie = next(c for c in client.cookies.jar if c.name == "regiekamer_sessie")
    assert cookie.has_nonstandard_attr("HttpOnly")
    page = client.get("/", params={"jaar": 2025})
    assert page.status_code == 200
    assert "Cliënten in zorg" in page.text and f"gemeente {server.gemeente}" in page.text
    csv = client.get("/overzicht.csv", params={"jaar": 2025})
    assert csv.status_code == 200 and csv.text.startswith("kpi;titel;waarde;vorig_jaar")
    assert "clienten;Cliënten in zorg;" in csv.text
    assert client.get("/overzicht.xlsx", params={"jaar": 2025}).content[:2] == b"PK"
    assert "herhaald_beroep_pct" in client.get("/kpi").text
    # A form post without the session's CSRF token is refused; with it, the session ends.
    assert client.post("/uitloggen", data={}).status_code == 403
    csrf = server.kamer.session_user(cookie.value).csrf
    assert client.post("/uitloggen", data={"csrf": csrf}).status_code == 303
    assert client.get("/").status_code == 401


def test_five_wrong_passwords_lock_the_account(server: Server) -> None:
    with httpx.Client(timeout=TIMEOUT, base_url=server.url) as client:
        for _ in range(5):
            r = client.post("/inloggen", data={"naam": "slot", "wachtwoord": "fout-wachtwoord-123"})
            assert r.status_code == 401
        r = client.post("/inloggen", data={"naam": "slot", "wachtwoord": PASSWORD})
        assert r.status_code == 401 and "geblokkeerd" in r.text


def test_a_gemeente_sees_others_only_after_disclosure_control(server: Server) -> None:
    token = server.kamer.new_token("gem")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=TIMEOUT, base_url=server.url, headers=headers) as client:
        r = client.get(
            "/api/v1/kpi", params={"jaar": 2025, "by": "gemeente", "kpi": "clienten,uitgaven"}
        )
    assert r.status_code == 200
    rows = r.json()["rijen"]
    own = server.kamer.kpi(year=2025, by=["gemeente"], kpis=["clienten", "uitgaven"]).rows
    public = server.kamer.kpi(
        year=2025, by=["gemeente"], kpis=["clienten", "uitgaven"], public=True
    ).rows
    assert len(rows) == len(own) == len(public)
    for got, mine, safe in zip(rows, own, public, strict=True):
        assert got == (mine if mine["gemeente"] == server.gemeente else safe)
    assert any(r["gemeente"] != server.gemeente for r in rows)


def test_the_region_sees_every_cell_as_is(server: Server) -> None:
    client = server.login("regio")
    r = client.get("/api/v1/kpi", params={"jaar": 2025, "by": "gemeente", "kpi": "clienten"})
    assert r.json()["rijen"] == server.kamer.kpi(year=2025, by=["gemeente"], kpis=["clienten"]).rows


def test_bad_parameters_get_one_json_error_body(server: Server) -> None:
    client = server.login("regio")
    r = client.get("/api/v1/kpi", params={"jaar": 2025, "by": "postcode"})
    assert r.status_code == 422
    assert set(r.json()) == {"fout"} and "by" in r.json()["fout"]["melding"]
    r = client.get("/api/v1/kpi", params={"jaar": 2025, "kpi": "bestaat_niet"})
    assert r.status_code == 400 and "Onbekende KPI" in r.json()["fout"]["melding"]


def test_access_is_logged_in_an_unbroken_chain(server: Server) -> None:
    before = server.kamer.verify_log()
    server.login("regio").get("/api/v1/bevindingen")
    after = server.kamer.verify_log()
    assert after.gebroken is None and after.regels > before.regels


def test_each_request_writes_one_log_entry_even_under_concurrency(server: Server) -> None:
    """The Overzicht reads two KPI results and writes one entry; 20 concurrent requests (the
    journal groups their rows) write 20 entries, and the chain stays whole."""
    client = server.login("regio")
    client.get("/", params={"jaar": 2025})  # the first computations outside the count
    client.get("/api/v1/kpi", params={"jaar": 2025})
    before = server.kamer.verify_log().regels
    assert client.get("/", params={"jaar": 2025}).status_code == 200
    assert server.kamer.verify_log().regels == before + 1
    with ThreadPoolExecutor(20) as pool:
        answers = pool.map(lambda _: client.get("/api/v1/kpi", params={"jaar": 2025}), range(20))
        codes = list(answers)
    assert [r.status_code for r in codes] == [200] * 20
    after = server.kamer.verify_log()
    assert after.gebroken is None and after.regels == before + 21


def test_charts_run_on_the_bundled_javascript(server: Server) -> None:
    with httpx.Client(timeout=TIMEOUT, base_url=server.url) as client:
        js = client.get("/static/vega.js")
    assert (
        js.status_code == 200
        and "vegaEmbed" in js.text
        and "http" not in js.headers.get("location", "")
    )


def test_the_committed_openapi_document_is_the_apps(server: Server) -> None:
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == server.app.openapi(), (  # type: ignore[attr-defined]
        "docs/openapi.json is verouderd: regiekamer openapi > docs/openapi.json"
    )


def test_every_page_opens_for_each_role_and_its_table_downloads(server: Server) -> None:
    from regiekamer.faces.web.pages import PAGES, may_open

    for naam, rol in (("regio", "regio"), ("gem", "gemeente")):
        client = server.login(naam)
        for path, titel in PAGES:
            r = client.get(path, params={"jaar": 2025})
            if not may_open(rol, path):  # a page outside the role's menu refuses it
                assert r.status_code == 403, (naam, path, r.status_code)
                continue
            assert r.status_code == 200, (naam, path, r.text[:300])
            assert f"<h1>{titel}</h1>" in html.unescape(r.text), (naam, path)
        r = client.get(
            "/thema/wachttijden", params={"jaar": 2025, "per": "quarter", "formaat": "csv"}
        )
        assert r.status_code == 200
        head = r.text.splitlines()[0].split(";")
        assert head[:3] == ["periode", "aanbieder", "productcategorie"]
        assert "wachttijd_binnen_norm_pct" in head and len(r.text.splitlines()) > 1
        xlsx = client.get("/thema/uitgaven", params={"jaar": 2025, "formaat": "xlsx"})
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
        assert client.get("/thema/bestaat-niet").status_code == 404


def test_filters_narrow_the_table(server: Server) -> None:
    client = server.login("regio")
    params = {"jaar": 2025, "wet": "jeugd", "gemeente": server.gemeente, "formaat": "csv"}
    lines = client.get("/thema/uitkomsten", params=params).text.splitlines()[1:]
    assert lines and all(f";jeugd;{server.gemeente};" in f";{line};" for line in lines)

"""The page Prognose & scenario's against a real uvicorn server on loopback, over the synthetic
region: the knobs as labelled controls, a knob that moves the scenario and not the baseline,
every knob at zero equal to the baseline, the side-by-side table against the facade, CSV and
XLSX, saving (CSRF, roles) and reloading scenarios per tenant, the kept baseline forecast and
the access log.
"""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from live import PASSWORD, login, municipalities, region_copy, serve
from regiekamer.analyses.prognose.scenario import Scenario
from regiekamer.facade import Regiekamer
from regiekamer.faces.web.app import create_app
from regiekamer.faces.web.pages_prognose import INSTROOM, KNOPPEN, SIMULATIES


class Server:
    def __init__(self, url: str, kamer: Regiekamer, gemeenten: list[str]) -> None:
        self.url, self.kamer, self.gemeenten = url, kamer, gemeenten

    def login(self, naam: str) -> httpx.Client:
        return login(self.url, naam)


@pytest.fixture(scope="module")
def server(region_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    rk = region_copy(region_store, tmp_path_factory, "web_prognose")
    gemeenten = municipalities(rk)
    rk.add_user("regio", "regio", PASSWORD)
    rk.add_user("gem", f"gemeente:{gemeenten[0]}", PASSWORD)
    rk.add_user("buur", f"gemeente:{gemeenten[1]}", PASSWORD)
    rk.add_user("zorg", "aanbieder:12345678", PASSWORD)
    app = create_app(rk.settings)
    with serve(app) as url:
        yield Server(url, app.state.kamer, gemeenten)


def _table(text: str) -> list[dict[str, str]]:
    """The side-by-side table of the page: one dict per row, keyed by column."""
    body = text.split('id="naast-elkaar"', 1)[1].split("</table>", 1)[0]
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r'<td data-kolom="([^"]+)">([^<]*)</td>', tr)
        if cells:
            rows.append({k: html.unescape(v) for k, v in cells})
    return rows


def _csv(client: httpx.Client, params: dict) -> list[dict[str, str]]:
    r = client.get("/prognose.csv", params=params)
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(r.text), delimiter=";"))


def _csrf(text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def test_the_knobs_are_labelled_controls(server: Server) -> None:
    page = server.login("gem").get("/prognose")
    assert page.status_code == 200
    assert "<h1>Prognose &amp; scenario&#39;s</h1>" in page.text
    assert f"Prognose van gemeente {server.gemeenten[0]}." in page.text
    for key in [f"instroom_{k}" for k, _ in INSTROOM] + [k for k, *_ in KNOPPEN]:
        assert re.search(rf'<label for="{key}">[^<]+</label>', page.text), key
        assert re.search(rf'<input type="(range|number)" id="{key}" name="{key}"', page.text), key
    assert page.text.count('class="grafiek"') == 2
    rows = _table(page.text)
    assert {r["wet"] for r in rows} == {"jeugd", "wmo", "totaal"}


def test_a_knob_moves_the_scenario_and_not_the_baseline(server: Server) -> None:
    client = server.login("gem")
    zero = _csv(client, {})
    assert zero and {r["jaar"] for r in zero} == {"2026", "2027", "2028"}
    for r in zero:  # every knob at zero: the scenario is the baseline, exactly
        assert r["uitgaven_scenario"] == r["uitgaven_basis"], r
        assert float(r["uitgaven_verschil"]) == 0
    less = _csv(client, {"instroom_alle": "-50", "naam": "minder"})
    for before, after in zip(zero, less, strict=True):
        assert after["uitgaven_basis"] == before["uitgaven_basis"]  # the baseline stays
    later = [r for r in less if r["jaar"] == "2028"]
    assert all(float(r["uitgaven_verschil"]) < 0 for r in later), later
    assert all(float(r["clienten_scenario"]) < float(r["clienten_basis"]) for r in later)
    # The CSV is the facade's forecast of the own municipality under the same knobs.
    sc = Scenario(naam="minder", instroom_pct={"alle": -50.0})
    want = server.kamer.prognose(scenarios=[sc], gemeenten=[server.gemeenten[0]], sims=SIMULATIES)
    totals = {(r["scenario"], r["jaar"], r["wet"]): r["uitgaven"] for r in want.jaren}
    for r in less:
        assert float(r["uitgaven_scenario"]) == pytest.approx(
            totals[("minder", r["jaar"], r["wet"])]
        )
    xlsx = client.get("/prognose.xlsx", params={"instroom_alle": "-50"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as z:
        assert "Verschil uitgaven" in z.read("xl/sharedStrings.xml").decode("utf-8")


def test_a_knob_out_of_range_is_refused_with_a_message(server: Server) -> None:
    page = server.login("gem").get("/prognose", params={"verblijf_naar_ambulant_pct": "150"})
    assert page.status_code == 200
    assert 'role="alert"' in page.text and "verblijf_naar_ambulant_pct" in page.text
    rows = _table(page.text)  # the baseline is shown instead: no difference
    assert rows and all(r["uitgaven_verschil"] == "€\u00a00" for r in rows), rows


def test_the_baseline_is_kept_between_requests(server: Server) -> None:
    client = server.login("regio")
    assert client.get("/prognose").status_code == 200
    kept = server.kamer.__dict__["_prognose_base"]
    first = dict(kept[1])
    assert client.get("/prognose", params={"duur_pct": "-20"}).status_code == 200
    now = server.kamer.__dict__["_prognose_base"]
    assert now[0] is kept[0]  # the same fitted model: no refit
    for key, forecast in first.items():
        assert now[1][key] is forecast  # the same baseline forecast: not simulated again


def test_saving_and_reloading_a_scenario_per_tenant(server: Server) -> None:
    gem, buur, regio = server.login("gem"), server.login("buur"), server.login("regio")
    page = gem.get("/prognose", params={"duur_pct": "-20", "instroom_huisarts": "-30"})
    form = {"csrf": _csrf(page.text), "naam": "korter", "duur_pct": "-20"}
    form |= {"instroom_huisarts": "-30"}
    assert gem.post("/prognose/scenario", data={**form, "csrf": "nep"}).status_code == 403
    saved = gem.post("/prognose/scenario", data=form)
    assert saved.status_code == 303 and saved.headers["location"] == "/prognose?scenario=korter"
    loaded = gem.get("/prognose", params={"scenario": "korter"})
    assert loaded.status_code == 200
    assert 'href="/prognose?scenario=korter"' in loaded.text  # listed
    assert re.search(r'id="duur_pct" name="duur_pct"[^>]*value="-20"', loaded.text)
    assert re.search(
        r'id="instroom_huisarts" name="instroom_huisarts"[^>]*value="-30"', loaded.text
    )
    # Another municipality and the region cannot load it: not found, and it is not listed.
    for other in (buur, regio):
        assert other.get("/prognose", params={"scenario": "korter"}).status_code == 404
        assert "scenario=korter" not in other.get("/prognose").text
    assert buur.get("/prognose.csv", params={"scenario": "korter"}).status_code == 404
    # The neighbour may save one of the same name: its own, with its own knobs.
    page = buur.get("/prognose")
    form = {"csrf": _csrf(page.text), "naam": "korter", "duur_pct": "-5"}
    assert buur.post("/prognose/scenario", data=form).status_code == 303
    mine = gem.get("/prognose", params={"scenario": "korter"}).text
    assert re.search(r'id="duur_pct" name="duur_pct"[^>]*value="-20"', mine)
    # A region scenario is saved by the region and loads for everyone.
    page = regio.get("/prognose")
    form = {"csrf": _csrf(page.text), "naam": "regionaal", "tarief_pct_per_jaar": "2"}
    assert regio.post("/prognose/scenario", data=form).status_code == 303
    for client in (gem, buur, regio):
        r = client.get("/prognose", params={"scenario": "regionaal"})
        assert r.status_code == 200 and re.search(r'id="tarief_pct_per_jaar"[^>]*value="2"', r.text)


def test_an_aanbieder_sees_the_forecast_but_may_not_save(server: Server) -> None:
    zorg = server.login("zorg")
    page = zorg.get("/prognose")
    assert page.status_code == 200 and "Prognose van de hele regio." in page.text
    assert 'action="/prognose/scenario"' not in page.text
    r = zorg.post("/prognose/scenario", data={"csrf": _csrf(page.text), "naam": "x"})
    assert r.status_code == 403


def test_every_forecast_is_in_the_access_log(server: Server) -> None:
    server.login("buur").get("/prognose", params={"bevolking_pct_per_jaar": "1"})
    con = server.kamer._connect(read_only=True)
    try:
        rows = con.execute(
            "SELECT wie, wat FROM toegangslog WHERE wat LIKE 'prognose%' ORDER BY volgnummer"
        ).fetchall()
    finally:
        con.close()
    assert ("buur", "prognose scenario=scenario maanden=36") in rows

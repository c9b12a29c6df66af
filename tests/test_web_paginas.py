"""The dashboard's Contracten, Rechtmatigheid, Verevening, Incentives and Integraal pages
against a real uvicorn server on loopback, over the synthetic region.

The menu per role (and 403 for a page that is not the role's), the figures on the pages equal
to the facade's, the lawfulness totals reconciling on the page and per municipality, the
scorecard and the accountant's workbook as real files, the regulation shown beside its
settlement, a page without a configured regulation saying so, and every page's access logged.
Which tenant sees what is tests/test_isolation.py's.
"""

from __future__ import annotations

import csv
import html
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import openpyxl
import pytest

from live import PASSWORD, TIMEOUT, login, serve
from regiekamer.facade import Regiekamer
from regiekamer.faces.web import pages
from regiekamer.faces.web.app import create_app
from regiekamer.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
JAAR = 2025
NEW_PAGES = ("/contracten", "/rechtmatigheid", "/verevening", "/incentives", "/integraal")


class Server:
    def __init__(self, url: str, kamer: Regiekamer, roles: dict[str, str]) -> None:
        self.url, self.kamer, self.roles = url, kamer, roles

    def login(self, naam: str) -> httpx.Client:
        return login(self.url, naam)


def _start(store: Path, **settings: object) -> tuple[Regiekamer, dict[str, str]]:
    rk = Regiekamer(Settings(store=store, key="test-key", workers=1, **settings))
    rows = rk.kpi(year=JAAR, by=["gemeente", "aanbieder"], kpis=["clienten"]).rows
    gemeente = sorted({r["gemeente"] for r in rows})[0]
    aanbieder = sorted({r["aanbieder"] for r in rows})[0]
    roles = {"regio": "regio", "gemeente": f"gemeente:{gemeente}",
             "aanbieder": f"aanbieder:{aanbieder}", "accountant": "accountant"}  # fmt: skip
    for naam, rol in roles.items():
        rk.add_user(naam, rol, PASSWORD)
    return rk, roles


@pytest.fixture(scope="module")
def server(region_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    store = tmp_path_factory.mktemp("paginas") / "regio.duckdb"
    shutil.copy(region_store, store)
    rk, roles = _start(
        store,
        verevening_config=EXAMPLES / "verevening.yaml",
        incentive_config=EXAMPLES / "incentive.yaml",
    )
    app = create_app(rk.settings)
    with serve(app) as url:
        yield Server(url, app.state.kamer, roles)


def _menu(text: str) -> set[str]:
    nav = re.search(r"<nav>(.*?)</nav>", text, re.S)
    assert nav
    return set(re.findall(r'<a href="([^"]+)"', nav.group(1)))


def _csv(r: httpx.Response) -> list[dict]:
    assert r.status_code == 200, r.text[:300]
    return list(csv.DictReader(io.StringIO(r.text), delimiter=";"))


def test_the_menu_shows_each_role_the_pages_it_may_open(server: Server) -> None:
    for naam, rol in server.roles.items():
        client = server.login(naam)
        menu = _menu(client.get("/").text)
        role = rol.split(":")[0]
        for path in NEW_PAGES:
            assert (path in menu) == pages.may_open(role, path), (naam, path)
            r = client.get(path, params={"jaar": JAAR})
            assert r.status_code == (200 if path in menu else 403), (naam, path, r.status_code)
        client.close()
    assert not pages.may_open("gemeente", "/incentives")
    assert not pages.may_open("aanbieder", "/verevening")
    assert all(pages.may_open(r, "/rechtmatigheid") for r in ("accountant", "gemeente"))


def test_contracten_shows_each_target_beside_its_realisation(server: Server) -> None:
    client = server.login("regio")
    rows = _csv(client.get("/contracten", params={"jaar": JAAR, "formaat": "csv"}))
    agb = next(r["aanbieder"] for r in rows if r["kpi"])
    items = server.kamer.contract(agb, JAAR)
    targets = {(c["contract_id"], d["kpi"]): d for c in items for d in c["doelen"]}
    mine = [r for r in rows if r["aanbieder"] == agb and r["kpi"]]
    assert len(mine) == len(targets) > 0
    for r in mine:
        d = targets[(r["contract_id"], r["kpi"])]
        assert r["licht"] == d["licht"] and r["trend"] == d["trend"]
        assert float(r["doel"]) == d["doel"]
        assert (float(r["waarde"]) if r["waarde"] else None) == pytest.approx(d["waarde"])
    capped = next(r for r in rows if r["plafond"])
    c = next(
        x
        for x in server.kamer.contract(capped["aanbieder"], JAAR)
        if x["contract_id"] == capped["contract_id"]
    )
    assert float(capped["besteed"]) == pytest.approx(c["besteding"]["besteed"])
    assert (capped["datum_plafond"] or None) == (
        str(c["besteding"]["datum_plafond"]) if c["besteding"]["datum_plafond"] else None
    )
    page = client.get("/contracten", params={"jaar": JAAR, "aanbieder": agb})
    assert page.status_code == 200
    assert 'class="grafiek"' in page.text and "Afgesproken tegenover geleverd" in page.text
    only = _csv(
        client.get("/contracten", params={"jaar": JAAR, "aanbieder": agb, "formaat": "csv"})
    )
    assert {r["aanbieder"] for r in only} == {agb}
    client.close()


def test_the_scorecard_downloads_as_pdf_and_xlsx(server: Server) -> None:
    client = server.login("accountant")
    agb = _csv(client.get("/contracten", params={"jaar": JAAR, "formaat": "csv"}))[0]["aanbieder"]
    pdf = client.get("/contracten/scorecard.pdf", params={"jaar": JAAR, "aanbieder": agb})
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert pdf.headers["content-disposition"] == (
        f'attachment; filename="scorecard-{agb}-{JAAR}.pdf"'
    )
    xlsx = client.get("/contracten/scorecard.xlsx", params={"jaar": JAAR, "aanbieder": agb})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    title = next(book["Scorecard"].iter_rows(values_only=True))[0]
    assert title.startswith("Scorecard") and agb in title
    assert client.get("/contracten/scorecard.doc", params={"aanbieder": agb}).status_code == 404
    missing = client.get("/contracten/scorecard.pdf", params={"jaar": JAAR, "aanbieder": "1" * 8})
    assert missing.status_code == 404
    client.close()


def _euro_on(text: str, label: str) -> str:
    found = re.search(
        rf'<th scope="row">{re.escape(label)}[^<]*</th><td[^>]*>(?:<strong>)?([^<]*)', text
    )
    assert found, label
    return html.unescape(found.group(1))


def test_rechtmatigheid_totals_reconcile_on_the_page_and_per_municipality(
    server: Server,
) -> None:
    client = server.login("accountant")
    v = server.kamer.rechtmatigheid(JAAR)
    t = v.totaal
    page = client.get("/rechtmatigheid", params={"jaar": JAAR}).text
    for label, key in (("Gedeclareerd (netto)", "gedeclareerd_cent"),
                       ("Geaccepteerd", "geaccepteerd_cent"),
                       ("Financiële onzekerheid", "onzeker_cent")):  # fmt: skip
        assert _euro_on(page, label) == pages.shown("euro", t[key] / 100), label
    assert t["gedeclareerd_cent"] == (
        t["geaccepteerd_cent"] + t["onzeker_cent"] + t["saldo_gecrediteerd_cent"]
    )
    assert t["onzeker_cent"] > 0, "de synthetische regio heeft afgekeurde regels"
    # Filtered per municipality, the parts add up to the whole.
    parts = 0
    for g in sorted({p["gemeente"] for p in v.per_gemeente}):
        rows = _csv(client.get("/rechtmatigheid", params={"jaar": JAAR, "gemeente": g,
                                                          "formaat": "csv"}))  # fmt: skip
        assert {r["gemeente"] for r in rows} <= {g}
        parts += round(sum(float(r["financiele_onzekerheid"]) for r in rows) * 100)
    assert parts == t["onzeker_cent"]
    book = client.get("/rechtmatigheid/werkmap.xlsx", params={"jaar": JAAR})
    sheets = openpyxl.load_workbook(io.BytesIO(book.content), read_only=True)
    assert sheets.sheetnames == ["Samenvatting", "Financiële onzekerheid", "Regels"]
    assert len(list(sheets["Regels"].iter_rows())) == len(v.bevindingen) + 1
    client.close()


def test_an_aanbieder_sees_the_lawfulness_of_its_own_lines(server: Server) -> None:
    client = server.login("aanbieder")
    own = server.roles["aanbieder"].split(":")[1]
    page = client.get("/rechtmatigheid", params={"jaar": JAAR}).text
    mine = [p for p in server.kamer.rechtmatigheid(JAAR).per_aanbieder if p["aanbieder"] == own]
    onzeker = sum(p["onzeker_cent"] for p in mine)
    assert _euro_on(page, "Financiële onzekerheid") == pages.shown("euro", onzeker / 100)
    getoetst = sum(p["getoetst_cent"] for p in mine)
    assert 0 < getoetst < server.kamer.rechtmatigheid(JAAR).totaal["getoetst_cent"]
    assert _euro_on(page, "Getoetst") == pages.shown("euro", getoetst / 100)
    client.close()


def test_verevening_shows_the_settlement_and_the_regulation_used(server: Server) -> None:
    client = server.login("regio")
    page = client.get("/verevening", params={"jaar": JAAR})
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "verevening.yaml" in text and "Profijtbeginsel" in text and "segmenten:" in text
    rows = _csv(client.get("/verevening", params={"jaar": JAAR, "formaat": "csv"}))
    # Every variant shares out the same costs: the contributions add up to the same total.
    totals = {}
    for r in rows:
        totals[r["variant"]] = totals.get(r["variant"], 0) + round(float(r["bijdrage"]) * 100)
    assert len(totals) == 5 and len(set(totals.values())) == 1
    gemeente = server.login("gemeente")
    own = server.roles["gemeente"].split(":")[1]
    mine = _csv(gemeente.get("/verevening", params={"jaar": JAAR, "formaat": "csv"}))
    assert {r["gemeente"] for r in mine} == {own}
    assert sorted((r["variant"], r["bijdrage"]) for r in mine) == sorted(
        (r["variant"], r["bijdrage"]) for r in rows if r["gemeente"] == own
    )
    client.close()
    gemeente.close()


def test_incentives_show_every_provider_its_own_settlement(server: Server) -> None:
    client = server.login("regio")
    result = server.kamer.incentive(EXAMPLES / "incentive.yaml", JAAR)
    rows = _csv(client.get("/incentives", params={"jaar": JAAR, "formaat": "csv"}))
    assert [(r["aanbieder"], round(float(r["totaal"]) * 100)) for r in rows] == [
        (s.aanbieder, s.totaal_cent) for s in result.afrekeningen
    ]
    page = html.unescape(client.get("/incentives", params={"jaar": JAAR}).text)
    assert "incentive.yaml" in page and "kpi_afspraken:" in page
    assert result.afrekeningen[0].stappen[0] in page  # the calculation's steps, in words
    client.close()


def test_integraal_shows_stapeling_with_small_cells_of_others_suppressed(
    server: Server,
) -> None:
    client = server.login("gemeente")
    own = server.roles["gemeente"].split(":")[1]
    rows = _csv(client.get("/integraal", params={"jaar": JAAR, "formaat": "csv"}))
    raw = server.kamer.stapeling(year=JAAR)
    assert [r["huishoudens"] for r in rows if r["gemeente"] == own] == [
        str(r["huishoudens"]) for r in raw if r["gemeente"] == own
    ]
    hidden = [r for r in rows if r["gemeente"] != own and r["onderdrukt"] == "True"]
    assert hidden and all(r["huishoudens"] == "" for r in hidden)
    page = client.get("/integraal", params={"jaar": JAAR})
    assert "onderdrukt (kleine cel)" in page.text and 'class="grafiek"' in page.text
    assert "Bijstand per 1.000 inwoners" in page.text
    client.close()


def test_every_new_page_logs_its_access(server: Server) -> None:
    client = server.login("accountant")
    con = server.kamer._connect(read_only=True)
    before = con.execute("SELECT max(volgnummer) FROM toegangslog").fetchone()[0]
    con.close()
    for path in NEW_PAGES:
        assert client.get(path, params={"jaar": JAAR}).status_code == 200, path
    con = server.kamer._connect(read_only=True)
    try:
        logged = [
            w
            for (w,) in con.execute(
                "SELECT wat FROM toegangslog WHERE volgnummer > ? AND wie = 'accountant'",
                [before],
            ).fetchall()
        ]
    finally:
        con.close()
    for what in ("contracten", "rechtmatigheid", "verevening", "incentive", "stapeling"):
        assert any(w.startswith(what) for w in logged), (what, logged)
    assert server.kamer.verify_log().gebroken is None
    client.close()


def test_without_a_configured_regulation_the_pages_say_so(
    region_store: Path, tmp_path: Path
) -> None:
    store = tmp_path / "regio.duckdb"
    shutil.copy(region_store, store)
    rk, _ = _start(store)
    with serve(create_app(rk.settings)) as url:
        client = httpx.Client(timeout=TIMEOUT, base_url=url)
        client.post("/inloggen", data={"naam": "regio", "wachtwoord": PASSWORD})
        verevening = client.get("/verevening", params={"jaar": JAAR})
        assert verevening.status_code == 200
        assert "geen vereveningsregeling ingesteld" in verevening.text
        assert "REGIEKAMER_VEREVENING_CONFIG" in verevening.text
        incentives = client.get("/incentives", params={"jaar": JAAR})
        assert "geen incentiveregeling ingesteld" in incentives.text
        assert _csv(client.get("/incentives", params={"jaar": JAAR, "formaat": "csv"})) == []
        client.close()

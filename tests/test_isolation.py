"""Tenant isolation, generated from the app's route list.

``ROUTES`` names, for every (method, path) of the app except the public ones, how to ask it for
another tenant's objects (query parameters) and how to find foreign rows in the answer. The test
first checks that the app's routes are exactly the matrix's keys (a new route without an entry
fails), then asks every route as every role (regio, gemeente:<A>, aanbieder:<AGB>, accountant,
beheerder) and checks:

* KPI rows: a row of another gemeente/aanbieder (or a row without the tenant's own dimension)
  is exactly its disclosure-controlled version; the tenant's own rows are as they are; the
  region roles get every cell as is;
* findings: a tenant gets none of the findings of files it neither sent nor received;
* pages and downloads: a gemeente's Overzicht shows its own figures and none of the others'
  codes; an aanbieder's shows no other aanbieder's code;
* without a session or token every non-public route answers 401.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from live import TIMEOUT, flat_routes, serve
from regiekamer.facade import Regiekamer
from regiekamer.faces.web import pages
from regiekamer.faces.web.app import create_app
from regiekamer.ingest import yaml_aliases
from regiekamer.privacy.disclosure import suppress
from regiekamer.settings import Settings
from regiekamer.store import scenarios

PASSWORD = "een-lang-wachtwoord-2025"
PUBLIC_PATHS = {"/inloggen", "/openapi.json"}
ROLES = ("regio", "gemeente", "aanbieder", "accountant", "beheerder")
JAAR = 2025


def _public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith("/static/")


@dataclass
class World:
    """The running server, its facade, and who the tenants are."""

    url: str
    kamer: Regiekamer
    app: object
    gemeente: str  # the gemeente user's own code
    aanbieder: str  # the aanbieder user's own AGB code
    gemeenten: list[str]  # every gemeente with data
    aanbieders: list[str]  # every aanbieder with data
    roles: dict[str, str] = field(default_factory=dict)  # user name -> role text

    def tenant(self, naam: str) -> tuple[str | None, str | None]:
        """(column, own code) of a user; (None, None) for the region roles."""
        if naam == "gemeente":
            return "gemeente", self.gemeente
        if naam == "aanbieder":
            return "aanbieder", self.aanbieder
        return None, None


@dataclass(frozen=True)
class Probe:
    """How to ask a route for others' objects and how to check the answer.

    ``auth``: ``session`` (cookie, the pages) or ``token`` (bearer, the API); ``check(world,
    naam, params, response)`` asserts there is nothing foreign in the answer.
    """

    params: tuple[dict, ...]
    check: Callable[[World, str, dict, httpx.Response], None]
    auth: str = "session"
    data: dict | None = None  # form body for POST routes
    urls: tuple[str, ...] = ()  # the concrete URLs of a path with parameters ({slug})


# --- checks ---------------------------------------------------------------------------------


def _no_tenant_data(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    """Routes without tenant data (catalogue, reference list): the same answer for every role."""
    assert r.status_code == 200, (naam, r.status_code, r.text[:200])


def _kpi_rows(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    assert r.status_code == 200, (naam, params, r.text[:300])
    rows = r.json()["rijen"]
    by = [d for d in params.get("by", "").split(",") if d]
    kpis = [k for k in params.get("kpi", "").split(",") if k]
    raw = world.kamer.kpi(year=params["jaar"], by=by, kpis=kpis).rows
    safe = suppress(raw, by, world.kamer.settings.min_cell)
    assert len(rows) == len(raw) > 0, (naam, params)
    column, own = world.tenant(naam)
    foreign = 0
    for got, as_is, hidden in zip(rows, raw, safe, strict=True):
        if column is None or as_is.get(column) == own:
            assert got == as_is, (naam, params, got)
        else:
            foreign += 1
            assert got == hidden, (
                f"{naam} ziet een cel van een ander niet via onthullingscontrole / "
                f"sees another tenant's cell without disclosure control: {got} != {hidden}"
            )
    if column is not None:
        assert foreign > 0, "de test vraagt niets van een ander / the probe asks nothing foreign"


def _findings(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    assert r.status_code == 200, (naam, params, r.text[:300])
    got = r.json()
    con = world.kamer._connect(read_only=True)
    try:
        every = con.execute(
            "SELECT bestand FROM bevinding WHERE (? IS NULL OR code = ?)",
            [params.get("code"), params.get("code")],
        ).fetchall()
        _, own = world.tenant(naam)
        mine = con.execute(
            "SELECT DISTINCT v.bestand FROM bevinding v JOIN bericht b USING (bestand_id)"
            " WHERE ? IN (b.afzender, b.ontvanger)",
            [own],
        ).fetchall()
    finally:
        con.close()
    if own is None:
        assert len(got) == len(every), (naam, params)
        return
    own_files = {f for (f,) in mine}
    leaked = [f["bestand"] for f in got if f["bestand"] not in own_files]
    assert not leaked, f"{naam} ziet bevindingen van andermans bestanden / foreign files: {leaked}"


def _own_clienten(world: World, naam: str) -> str:
    """The Cliënten tile as the user should see it (own rows; the region's for the others)."""
    column, own = world.tenant(naam)
    by = ["gemeente"] if column == "gemeente" else []
    rows = world.kamer.kpi(year=JAAR, by=by, kpis=["clienten"]).rows
    if column == "aanbieder":
        rows = suppress(rows, by, world.kamer.settings.min_cell)
    if column == "gemeente":
        rows = [r for r in rows if r["gemeente"] == own]
    return pages.shown("aantal", sum(r["waarde"] for r in rows if r["waarde"] is not None))


def _others(world: World, naam: str) -> list[str]:
    column, own = world.tenant(naam)
    if column == "gemeente":
        return [g for g in world.gemeenten if g != own]
    if column == "aanbieder":
        return [a for a in world.aanbieders if a != own]
    return []


def _overview_page(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    assert r.status_code == 200, (naam, r.text[:300])
    column, own = world.tenant(naam)
    if column == "gemeente":
        assert f"gemeente {own}" in r.text
    for code in _others(world, naam):
        assert code not in r.text, f"{naam}: Overzicht toont / shows {code}"
    tile = re.search(r'<h2>Cliënten in zorg</h2>\s*<p class="waarde">([^<]*)</p>', r.text)
    assert tile and tile.group(1) == _own_clienten(world, naam), (naam, tile)


def _overview_csv(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    assert r.status_code == 200, (naam, r.text[:300])
    tiles = {row["kpi"]: row for row in csv.DictReader(io.StringIO(r.text), delimiter=";")}
    shown = pages.shown("aantal", float(tiles["clienten"]["waarde"]))
    assert shown == _own_clienten(world, naam), (naam, tiles["clienten"])
    for code in _others(world, naam):
        assert code not in r.text


def _overview_xlsx(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    import zipfile

    assert r.status_code == 200 and r.content[:2] == b"PK", naam
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    for code in _others(world, naam):
        assert f">{code}<" not in text


def _datakwaliteit(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    """Findings per code: the counts are those of the files the tenant sent or received."""
    assert r.status_code == 200, (naam, r.text[:300])
    if params.get("formaat") != "csv":
        return
    got = sum(int(row["aantal"]) for row in csv.DictReader(io.StringIO(r.text), delimiter=";"))
    con = world.kamer._connect(read_only=True)
    try:
        _, own = world.tenant(naam)
        want = con.execute(
            "SELECT count(*) FROM bevinding WHERE ? IS NULL OR bestand_id IN "
            "(SELECT bestand_id FROM bericht WHERE ? IN (afzender, ontvanger))",
            [own, own],
        ).fetchone()[0]
    finally:
        con.close()
    assert got == want, (naam, got, want)


def _logout_without_csrf(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    """The logout form answers nothing about anybody; without the CSRF token it is refused."""
    assert r.status_code == 403 and r.headers["content-type"].startswith(("text/", "application/"))
    for code in _others(world, naam):
        assert code not in r.text


def _overview_download(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    if "csv" in str(r.url):
        _overview_csv(world, naam, params, r)
    else:
        _overview_xlsx(world, naam, params, r)


def _themed(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    """A themed page's table (as CSV): a cell of another tenant is the disclosure-controlled
    one, the own cells are as they are."""
    from regiekamer.faces.web import views

    assert r.status_code == 200, (naam, str(r.url), r.text[:300])
    if params.get("formaat") != "csv":
        return
    view = views.BY_SLUG[str(r.url.path).rsplit("/", 1)[1]]
    by = list(view.by)
    raw = world.kamer.kpi(year=JAAR, per=view.pers[0], by=by, kpis=list(view.kpis)).rows
    safe = suppress(raw, by, world.kamer.settings.min_cell)
    column, own = world.tenant(naam)
    expected: dict[tuple, float | None] = {}
    for as_is, hidden in zip(raw, safe, strict=True):
        mine = column is None or as_is.get(column) == own
        cell = as_is if mine else hidden
        key = (cell["periode"], *(str(cell.get(d)) for d in by), cell["kpi"])
        expected[key] = None if cell["onderdrukt"] else cell["waarde"]
    for row in csv.DictReader(io.StringIO(r.text), delimiter=";"):
        if row.get("gemeente") == "Regio":
            continue
        for kpi in view.kpis:
            key = (row["periode"], *(row[d] for d in by), kpi)
            got = float(row[kpi]) if row[kpi] else None
            want = expected.get(key)
            assert got == pytest.approx(want) if want is not None else got is None, (
                f"{naam} /thema/{view.slug}: {key} = {got}, verwacht / expected {want}"
            )


# Saved scenarios in the isolation store: one of another municipality (no role here may load
# it: it answers as not found) and one of the region (every role may load it).
FOREIGN_SCENARIO, REGION_SCENARIO = "andermans-plan", "regio-plan"


def _prognose(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    """The forecast page and its downloads: a municipality gets its own forecast (the facade's
    for its code alone), the other roles the region's; another municipality's saved scenario
    answers 404 for everyone, the region's loads."""
    if params.get("scenario") == FOREIGN_SCENARIO:
        assert r.status_code == 404, (naam, r.status_code)
        assert FOREIGN_SCENARIO not in r.text
        return
    assert r.status_code == 200, (naam, str(r.url), r.text[:300])
    column, own = world.tenant(naam)
    if str(r.url.path).endswith(".xlsx"):
        assert r.content[:2] == b"PK"
        return
    if str(r.url.path).endswith(".csv"):
        from regiekamer.analyses.prognose.scenario import Scenario
        from regiekamer.faces.web.pages_prognose import SIMULATIES

        only = [own] if column == "gemeente" else []
        sc = Scenario("scenario")  # the page's name for the knobs as they are
        if "scenario" in params:
            sc = world.kamer.scenario(params["scenario"])
        rows = world.kamer.prognose(scenarios=[sc], gemeenten=only, sims=SIMULATIES).jaren
        want = {(w["scenario"] == "basis", w["jaar"], w["wet"]): w["uitgaven"] for w in rows}
        got = list(csv.DictReader(io.StringIO(r.text), delimiter=";"))
        assert got, naam
        for g in got:
            for base, col in ((True, "uitgaven_basis"), (False, "uitgaven_scenario")):
                expected = want[(base, g["jaar"], g["wet"])]
                assert float(g[col]) == pytest.approx(expected), (naam, col, g, expected)
        return
    if column == "gemeente":
        assert f"gemeente {own}" in r.text
    assert FOREIGN_SCENARIO not in r.text, naam  # not even listed
    assert REGION_SCENARIO in r.text, naam


def _themed_urls() -> tuple[str, ...]:
    from regiekamer.faces.web import views

    return tuple(f"/thema/{v.slug}" for v in views.VIEWS)


# --- the dashboard's contract, lawfulness, settlement and integral pages (paginas) ------------
# A contract of a provider that no user is, for a municipality that is not the gemeente user's:
# the world fixture adds it, so a gemeente and an aanbieder each have a foreign contract.
FOREIGN_AGB, FOREIGN_CONTRACT = "99999990", "K-ISOLATIE"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _csv(r: httpx.Response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(r.text), delimiter=";"))


def _refused_unless(roles: set[str], world: World, naam: str, r: httpx.Response) -> bool:
    """True when the page is for this role (then it answered 200); else it must be 403."""
    if naam in roles:
        assert r.status_code == 200, (naam, str(r.url), r.text[:300])
        return True
    assert r.status_code == 403, (naam, str(r.url), r.status_code)
    for code in _others(world, naam):
        assert code not in r.text
    return False


def _contracts(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    """Contracts: a gemeente only those its municipality is party to, an aanbieder only its
    own, the region roles all; a realisation outside the own scope only after disclosure
    control (the provider's figure over all its clients, by wet and aanbieder)."""
    assert r.status_code == 200, (naam, str(r.url), r.text[:300])
    if params.get("formaat") != "csv":
        return
    rows = _csv(r)
    column, own = world.tenant(naam)
    con = world.kamer._connect(read_only=True)
    try:
        every = con.execute(
            "SELECT DISTINCT agb_code, contract_id, gemeentecode FROM contract "
            "WHERE begindatum <= ? AND (einddatum IS NULL OR einddatum >= ?)",
            [f"{JAAR}-12-31", f"{JAAR}-01-01"],
        ).fetchall()
    finally:
        con.close()
    wanted = params.get("aanbieder")
    allowed = {
        (a, c)
        for a, c, g in every
        if (column is None or (a, g)[column == "gemeente"] == own) and (not wanted or a == wanted)
    }
    assert {(row["aanbieder"], row["contract_id"]) for row in rows} == allowed, naam
    if column is not None:
        assert {(a, c) for a, c, _ in every} - allowed, "geen vreemd contract / nothing foreign"
    by = ["wet", "aanbieder"]
    raw = world.kamer.kpi(year=JAAR, by=by).rows
    safe = suppress(raw, by, world.kamer.settings.min_cell)
    value = {}
    for as_is, hidden in zip(raw, safe, strict=True):
        cell = as_is if column is None or as_is.get(column) == own else hidden
        value[(cell["kpi"], cell["wet"], cell["aanbieder"])] = (
            None if cell["onderdrukt"] else cell["waarde"]
        )
    for row in rows:
        if row["kpi"]:
            want = value.get((row["kpi"], row["wet"], row["aanbieder"]))
            got = float(row["waarde"]) if row["waarde"] else None
            assert got == pytest.approx(want) if want is not None else got is None, (naam, row)


def _scorecard(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    """The foreign provider's scorecard: the region roles get it, a tenant 404."""
    column, _ = world.tenant(naam)
    if column is not None:
        assert r.status_code == 404, (naam, r.status_code)
        assert FOREIGN_CONTRACT not in r.text
        return
    assert r.status_code == 200 and r.content[:2] == b"PK", (naam, r.text[:200])
    assert FOREIGN_CONTRACT.encode() in _xlsx_text(r.content).encode()


def _xlsx_text(data: bytes) -> str:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def _lawful_scope(world: World, naam: str, rows: list[dict]) -> list[dict]:
    column, own = world.tenant(naam)
    return [row for row in rows if column is None or row[column] == own]


def _rechtmatigheid(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    """Lawfulness: the financiële onzekerheid of the own municipality's (gemeente) or own
    invoiced (aanbieder) lines only, the total on the page theirs; the region roles all."""
    assert r.status_code == 200, (naam, r.text[:300])
    full = world.kamer.rechtmatigheid(JAAR)
    mine = _lawful_scope(world, naam, full.onzekerheid)
    if params.get("formaat") == "csv":
        got = [(row["gemeente"], row["aanbieder"], float(row["financiele_onzekerheid"]))
               for row in _csv(r)]  # fmt: skip
        want = [(o["gemeente"], o["aanbieder"], o["financiele_onzekerheid_cent"] / 100)
                for o in mine]  # fmt: skip
        assert got == want, naam
        return
    total = sum(o["financiele_onzekerheid_cent"] for o in mine)
    shown = re.search(r'<td id="onzeker"><strong>([^<]*)</strong>', r.text)
    assert shown and shown.group(1) == pages.shown("euro", total / 100), (naam, shown)


def _werkmap(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    """The workbook's failed lines: only the user's own (clients as pseudonyms)."""
    import openpyxl

    assert r.status_code == 200 and r.content[:2] == b"PK", (naam, r.text[:200])
    sheet = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)["Regels"]
    lines = list(sheet.iter_rows(values_only=True))
    head, body = lines[0], lines[1:]
    got = sorted((row[head.index("gemeente")], row[head.index("aanbieder")],
                  row[head.index("referentie")]) for row in body)  # fmt: skip
    full = world.kamer.rechtmatigheid(JAAR).bevindingen
    want = sorted((b["gemeente"], b["aanbieder"], b["referentie"])
                  for b in _lawful_scope(world, naam, full))  # fmt: skip
    assert got == want, naam
    if world.tenant(naam)[0] is not None:
        assert len(full) > len(want), "geen vreemde regels / nothing foreign"


def _verevening(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    """Verevening: a gemeente its own municipality's rows, the aanbieder refused (403)."""
    if not _refused_unless({"regio", "accountant", "beheerder", "gemeente"}, world, naam, r):
        return
    if params.get("formaat") != "csv":
        return
    from regiekamer.analyses.verevening import run as verevening_run

    every = verevening_run.rows(world.kamer.verevening(EXAMPLES / "verevening.yaml", JAAR))
    column, own = world.tenant(naam)
    want = [(x["gemeente"], x["variant"], x["bijdrage_cent"] / 100) for x in every
            if column is None or x["gemeente"] == own]  # fmt: skip
    got = [(row["gemeente"], row["variant"], float(row["bijdrage"])) for row in _csv(r)]
    assert got == want and len(want) < len(every) if column else got == want, naam


def _incentives(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    """Incentives: an aanbieder its own settlement, the gemeente refused (403)."""
    if not _refused_unless({"regio", "accountant", "beheerder", "aanbieder"}, world, naam, r):
        return
    if params.get("formaat") != "csv":
        return
    every = world.kamer.incentive(EXAMPLES / "incentive.yaml", JAAR).afrekeningen
    column, own = world.tenant(naam)
    want = [(s.regeling, s.aanbieder, s.totaal_cent / 100) for s in every
            if column is None or s.aanbieder == own]  # fmt: skip
    got = [(row["regeling"], row["aanbieder"], float(row["totaal"])) for row in _csv(r)]
    assert got == want, naam
    if column is not None:
        assert len(every) > len(want), "geen vreemde afrekening / nothing foreign"


def _integraal(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    """Stapeling: the own municipality's cells as they are, every other cell (other
    municipalities, the region) exactly its disclosure-controlled version."""
    assert r.status_code == 200, (naam, r.text[:300])
    if params.get("formaat") != "csv":
        return
    raw = world.kamer.stapeling(year=JAAR)
    safe = world.kamer.stapeling(year=JAAR, public=True)
    column, own = world.tenant(naam)
    rows = _csv(r)
    assert len(rows) == len(raw), naam
    foreign = 0
    for got, as_is, hidden in zip(rows, raw, safe, strict=True):
        mine = column is None or (column == "gemeente" and as_is["gemeente"] == own)
        want = as_is if mine else hidden
        foreign += not mine
        assert got["combinatie"] == want["combinatie"] and got["onderdrukt"] == str(
            want["onderdrukt"]
        ), (naam, got, want)
        for key in ("huishoudens", "clienten"):
            assert (got[key] or None) == (None if want[key] is None else str(want[key])), (
                f"{naam} ziet een stapelingscel zonder onthullingscontrole: {got} != {want}"
            )
    assert foreign > 0 if column else True


# --- agreements, signals, actions (pages_afspraken.py, api_afspraken.py) ---------------------
# The world holds an agreement and an action for each tenant and one for another of the same
# kind (see _seed_afspraken); who may see which:
AFSPRAKEN = ("g-eigen", "g-ander", "a-eigen", "a-ander", "regio-breed")
ACTIES = (1, 2, 3, 4)  # on g-eigen, g-ander, a-eigen, a-ander, in this order
SEES_AFSPRAKEN = {"gemeente": {"g-eigen", "regio-breed"}, "aanbieder": {"a-eigen", "regio-breed"}}
SEES_ACTIES = {"gemeente": {1}, "aanbieder": {3}}


def _seen_afspraken(naam: str) -> set[str]:
    return SEES_AFSPRAKEN.get(naam, set(AFSPRAKEN))


def _seen_acties(naam: str) -> set[int]:
    return SEES_ACTIES.get(naam, set(ACTIES))


def _no_foreign_codes(world: World, naam: str, text: str) -> None:
    for code in _others(world, naam):
        assert code not in text, f"{naam} ziet / sees {code}"


def _afspraken_page(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    assert r.status_code == 200, (naam, r.text[:300])
    shown = set(re.findall(r'href="/afspraken/([\w.\-]+)"', r.text))
    assert shown == _seen_afspraken(naam), (naam, shown)
    _no_foreign_codes(world, naam, r.text)


def _afspraak_page(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    afspraak_id = r.url.path.rsplit("/", 1)[1]
    if afspraak_id in _seen_afspraken(naam):
        assert r.status_code == 200, (naam, afspraak_id, r.text[:300])
        _no_foreign_codes(world, naam, r.text)
    else:
        assert r.status_code == 404, (naam, afspraak_id, r.status_code)
        assert afspraak_id not in r.text or "Niet gevonden" in r.text


def _form_without_csrf(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    """A change without the session's CSRF token is refused before anything is looked up."""
    assert r.status_code == 403, (naam, str(r.url), r.status_code)
    _no_foreign_codes(world, naam, r.text)


def _expected_signals(world: World, naam: str) -> set[str]:
    column, own = world.tenant(naam)
    con = world.kamer._connect(read_only=True)
    try:
        where = f"{column or 'code'} = ?"
        rows = con.execute(
            f"SELECT signaal_id FROM signaal WHERE actief AND (? IS NULL OR {where})", [own, own]
        ).fetchall()
    finally:
        con.close()
    return {s for (s,) in rows}


def _signalen_page(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    assert r.status_code == 200, (naam, r.text[:300])
    shown = set(re.findall(r'<tr class="signaal" id="(s[0-9a-f]+)"', r.text))
    assert shown == _expected_signals(world, naam), naam
    _no_foreign_codes(world, naam, r.text)


def _signalen_json(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    assert r.status_code == 200, (naam, r.text[:300])
    rows = r.json()
    assert {s["signaal_id"] for s in rows} == _expected_signals(world, naam), naam
    column, own = world.tenant(naam)
    assert all(column is None or s[column] == own for s in rows)
    if column is not None:
        assert rows, "de test vraagt niets / the tenant has no signal of its own"


def _signalen_atom(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    assert r.status_code == 200 and "atom" in r.headers["content-type"], (naam, r.text[:300])
    shown = set(re.findall(r"<id>urn:regiekamer:signaal:(s[0-9a-f]+)</id>", r.text))
    assert shown == _expected_signals(world, naam), naam
    _no_foreign_codes(world, naam, r.text)


def _acties_page(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    assert r.status_code == 200, (naam, r.text[:300])
    shown = {int(i) for i in re.findall(r'href="/acties/(\d+)"', r.text)}
    assert shown == _seen_acties(naam), (naam, shown)
    _no_foreign_codes(world, naam, r.text)


def _actie_page(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    actie_id = int(r.url.path.rsplit("/", 1)[1])
    if actie_id in _seen_acties(naam):
        assert r.status_code == 200, (naam, actie_id, r.text[:300])
        _no_foreign_codes(world, naam, r.text)
    else:
        assert r.status_code == 404, (naam, actie_id, r.status_code)


def _evaluatie_page(world: World, naam: str, params: dict, r: httpx.Response) -> None:
    assert r.status_code == 200, (naam, r.text[:300])
    for afspraak_id in set(AFSPRAKEN) - _seen_afspraken(naam):
        assert f">{afspraak_id}<" not in r.text and f"{afspraak_id} " not in r.text, afspraak_id
    for actie_id in set(ACTIES) - _seen_acties(naam):
        assert f"Actie {actie_id} van de isolatietest" not in r.text, (naam, actie_id)
    _no_foreign_codes(world, naam, r.text)


KPI_BY = tuple(
    {"jaar": JAAR, "by": by, "kpi": "clienten,uitgaven"}
    for by in ("gemeente", "aanbieder", "gemeente,wet", "")
)

# Every (method, path) of the app except /inloggen, /openapi.json and /static/*.
ROUTES: dict[tuple[str, str], Probe] = {
    ("GET", "/"): Probe(({"jaar": JAAR},), _overview_page),
    ("GET", "/overzicht.{formaat}"): Probe(
        ({"jaar": JAAR},), _overview_download, urls=("/overzicht.csv", "/overzicht.xlsx")
    ),
    ("GET", "/thema/{slug}"): Probe(
        ({"jaar": JAAR}, {"jaar": JAAR, "formaat": "csv"}), _themed, urls=_themed_urls()
    ),
    ("GET", "/datakwaliteit"): Probe(({}, {"formaat": "csv"}), _datakwaliteit),
    ("GET", "/prognose"): Probe(
        ({}, {"scenario": FOREIGN_SCENARIO}, {"scenario": REGION_SCENARIO}), _prognose
    ),
    ("GET", "/prognose.{formaat}"): Probe(
        ({}, {"scenario": FOREIGN_SCENARIO}, {"scenario": REGION_SCENARIO}),
        _prognose,
        urls=("/prognose.csv", "/prognose.xlsx"),
    ),
    ("POST", "/prognose/scenario"): Probe(({},), _logout_without_csrf, data={"naam": "x"}),
    ("GET", "/kpi"): Probe(({},), _no_tenant_data),
    ("POST", "/uitloggen"): Probe(({},), _logout_without_csrf, data={}),
    ("GET", "/api/v1/kpi"): Probe(KPI_BY, _kpi_rows, auth="token"),
    ("GET", "/api/v1/kpi/catalogus"): Probe(({},), _no_tenant_data, auth="token"),
    ("GET", "/api/v1/bevindingen"): Probe(({}, {"code": "XSD"}), _findings, auth="token"),
    ("GET", "/api/v1/gemeenten"): Probe(({},), _no_tenant_data, auth="token"),
    ("GET", "/contracten"): Probe(
        (
            {"jaar": JAAR},
            {"jaar": JAAR, "formaat": "csv"},
            {"jaar": JAAR, "formaat": "csv", "aanbieder": FOREIGN_AGB},
        ),
        _contracts,
    ),
    ("GET", "/contracten/scorecard.{formaat}"): Probe(
        ({"jaar": JAAR, "aanbieder": FOREIGN_AGB},),
        _scorecard,
        urls=("/contracten/scorecard.xlsx",),
    ),
    ("GET", "/rechtmatigheid"): Probe(
        ({"jaar": JAAR}, {"jaar": JAAR, "formaat": "csv"}), _rechtmatigheid
    ),
    ("GET", "/rechtmatigheid/werkmap.xlsx"): Probe(({"jaar": JAAR},), _werkmap),
    ("GET", "/verevening"): Probe(({"jaar": JAAR}, {"jaar": JAAR, "formaat": "csv"}), _verevening),
    ("GET", "/incentives"): Probe(({"jaar": JAAR}, {"jaar": JAAR, "formaat": "csv"}), _incentives),
    ("GET", "/integraal"): Probe(({"jaar": JAAR}, {"jaar": JAAR, "formaat": "csv"}), _integraal),
    ("GET", "/afspraken"): Probe(({},), _afspraken_page),
    ("POST", "/afspraken"): Probe(({},), _form_without_csrf, data={}),
    ("GET", "/afspraken/{afspraak_id}"): Probe(
        ({},), _afspraak_page, urls=tuple(f"/afspraken/{a}" for a in AFSPRAKEN)
    ),
    ("POST", "/afspraken/{afspraak_id}"): Probe(
        ({},), _form_without_csrf, data={}, urls=tuple(f"/afspraken/{a}" for a in AFSPRAKEN)
    ),
    ("POST", "/afspraken/{afspraak_id}/ondertekenen"): Probe(
        ({},),
        _form_without_csrf,
        data={},
        urls=tuple(f"/afspraken/{a}/ondertekenen" for a in AFSPRAKEN),
    ),
    ("GET", "/signalen"): Probe(({},), _signalen_page),
    ("GET", "/acties"): Probe(({},), _acties_page),
    ("POST", "/acties"): Probe(({},), _form_without_csrf, data={}),
    ("GET", "/acties/{actie_id}"): Probe(
        ({},), _actie_page, urls=tuple(f"/acties/{i}" for i in ACTIES)
    ),
    ("POST", "/acties/{actie_id}"): Probe(
        ({},), _form_without_csrf, data={}, urls=tuple(f"/acties/{i}" for i in ACTIES)
    ),
    ("GET", "/evaluatie"): Probe(({"periode": "2025-Q3"}, {"periode": "2025"}), _evaluatie_page),
    ("GET", "/api/v1/signalen"): Probe(({}, {"alle": "true"}), _signalen_json, auth="token"),
    ("GET", "/api/v1/signalen.atom"): Probe(({},), _signalen_atom, auth="token"),
}


# --- server ---------------------------------------------------------------------------------


def _app_routes(app: object) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in flat_routes(app.routes)  # type: ignore[attr-defined]
        for method in getattr(route, "methods", None) or ()
        if method != "HEAD" and not _public(route.path)
    }


def world_settings(store: Path) -> Settings:
    """The store's settings, with the example regulations for the settlement pages."""
    return Settings(
        store=store,
        key="test-key",
        workers=1,
        verevening_config=EXAMPLES / "verevening.yaml",
        incentive_config=EXAMPLES / "incentive.yaml",
    )


def tenants(rk: Regiekamer) -> tuple[list[str], list[str]]:
    """The gemeenten and aanbieders with data in the region."""
    gemeenten = sorted(
        r["gemeente"] for r in rk.kpi(year=JAAR, by=["gemeente"], kpis=["clienten"]).rows
    )
    aanbieders = sorted(
        r["aanbieder"]
        for r in rk.kpi(year=JAAR, by=["aanbieder"], kpis=["clienten"]).rows
        if r["aanbieder"]
    )
    return gemeenten, aanbieders


def seed(rk: Regiekamer, gemeenten: list[str], aanbieders: list[str]) -> str:
    """The objects the checks ask for: a foreign contract, a region scenario and one of
    gemeenten[1], agreements and actions. The checks know them for the gemeente user of
    gemeenten[0] and the returned aanbieder (one with findings of its own, so the findings
    probe has both kinds)."""
    con = rk._connect(read_only=True)
    try:
        with_findings = [
            a
            for (a,) in con.execute(
                "SELECT DISTINCT b.afzender FROM bevinding v JOIN bericht b USING (bestand_id)"
                " WHERE length(b.afzender) = 8 ORDER BY 1"
            ).fetchall()
        ]
    finally:
        con.close()
    con = rk._connect()
    try:  # a contract no tenant user is party to (see FOREIGN_CONTRACT)
        con.execute(
            "INSERT INTO contract (contract_id, agb_code, gemeentecode, wet, inkoopmodel, "
            "uitvoeringsvariant, begindatum, plafond_cent) VALUES (?, ?, ?, 'jeugd', "
            "'concurrentie', 'inspanningsgericht', ?, 100000000)",
            [FOREIGN_CONTRACT, FOREIGN_AGB, gemeenten[1], f"{JAAR}-01-01"],
        )
    finally:
        con.close()
    aanbieder = with_findings[0] if with_findings else aanbieders[0]
    rk.save_scenario(f"naam: {REGION_SCENARIO}\nduur_pct: -10\n")
    con = rk._connect()
    try:  # as the page saves a municipality's own scenario: under its code
        scenarios.save(
            con,
            f"gemeente:{gemeenten[1]}/{FOREIGN_SCENARIO}",
            f"naam: {FOREIGN_SCENARIO}\nduur_pct: -20\n",
        )
    finally:
        con.close()
    _seed_afspraken(rk, gemeenten, aanbieder, next(a for a in aanbieders if a != aanbieder))
    return aanbieder


@pytest.fixture(scope="module")
def world(region_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    store = tmp_path_factory.mktemp("isolatie") / "regio.duckdb"
    shutil.copy(region_store, store)
    rk = Regiekamer(world_settings(store))
    gemeenten, aanbieders = tenants(rk)
    aanbieder = seed(rk, gemeenten, aanbieders)
    roles = {
        "regio": "regio",
        "gemeente": f"gemeente:{gemeenten[0]}",
        "aanbieder": f"aanbieder:{aanbieder}",
        "accountant": "accountant",
        "beheerder": "beheerder",
    }
    for naam, rol in roles.items():
        rk.add_user(naam, rol, PASSWORD)
    app = create_app(rk.settings)
    with serve(app) as url:
        yield World(
            url,
            app.state.kamer,
            app,
            gemeenten[0],
            aanbieder,
            gemeenten,
            aanbieders,
            roles,
        )


def _seed_afspraken(rk: Regiekamer, gemeenten: list[str], own: str, other: str) -> None:
    """Agreements of both municipalities and both providers and one of the region, an action
    on each tenant's agreement (ids 1-4), and an agreement for each that is missed (so every
    tenant has a signal of its own)."""
    base = {"periode": 2025, "per": "quarter", "wet": "jeugd", "kpi": "clienten",
            "richting": ">=", "doel": 1e6, "afgesproken_door": ["regio"],
            "afgesproken_op": "2024-12-01"}  # fmt: skip
    items = [
        base | {"id": "g-eigen", "niveau": "gemeente", "gemeente": gemeenten[0]},
        base | {"id": "g-ander", "niveau": "gemeente", "gemeente": gemeenten[1]},
        base | {"id": "a-eigen", "niveau": "aanbieder", "aanbieder": own},
        base | {"id": "a-ander", "niveau": "aanbieder", "aanbieder": other},
        base | {"id": "regio-breed", "niveau": "regio"},
    ]
    path = rk.store.parent / "afspraken.yaml"
    path.write_text(yaml_aliases.dump({"afspraken": items}), encoding="utf-8")
    rk.import_afspraken(path)
    rk.compute_signals()
    for i, afspraak_id in enumerate(("g-eigen", "g-ander", "a-eigen", "a-ander"), start=1):
        titel = f"Actie {i} van de isolatietest"
        rk.add_action(
            None,
            {"onderwerp_soort": "afspraak", "onderwerp": afspraak_id, "titel": titel,
             "eigenaar": "test"},
        )  # fmt: skip


def _client(world: World, naam: str, auth: str) -> httpx.Client:
    if auth == "token":
        token = world.kamer.new_token(naam)
        return httpx.Client(
            timeout=TIMEOUT, base_url=world.url, headers={"Authorization": f"Bearer {token}"}
        )
    client = httpx.Client(timeout=TIMEOUT, base_url=world.url, follow_redirects=False)
    r = client.post("/inloggen", data={"naam": naam, "wachtwoord": PASSWORD})
    assert r.status_code == 303, r.text
    return client


# --- tests ----------------------------------------------------------------------------------


def test_every_route_has_an_isolation_entry(world: World) -> None:
    routes = _app_routes(world.app)
    missing = sorted(routes - set(ROUTES))
    stale = sorted(set(ROUTES) - routes)
    assert not missing, (
        f"Route(s) zonder regel in ROUTES: {missing}. Voeg ze toe aan ROUTES in "
        "tests/test_isolation.py: hoe vraag je er andermans gegevens mee op en hoe herken je "
        "die in het antwoord. / Route(s) without an isolation entry: add them to ROUTES in "
        "tests/test_isolation.py (how to ask for another tenant's objects, how to spot them)."
    )
    assert not stale, f"ROUTES noemt routes die de app niet heeft / unknown routes: {stale}"


@pytest.mark.parametrize("naam", ROLES)
def test_no_role_sees_another_tenants_objects(world: World, naam: str) -> None:
    clients = {auth: _client(world, naam, auth) for auth in ("session", "token")}
    try:
        for (method, path), probe in sorted(ROUTES.items()):
            for url in probe.urls or (path,):
                for params in probe.params:
                    r = clients[probe.auth].request(method, url, params=params, data=probe.data)
                    probe.check(world, naam, params, r)
    finally:
        for c in clients.values():
            c.close()


def test_without_a_session_or_token_every_route_answers_401(world: World) -> None:
    with httpx.Client(timeout=TIMEOUT, base_url=world.url) as client:
        for (method, path), probe in sorted(ROUTES.items()):
            for url in probe.urls or (path,):
                for params in probe.params:
                    r = client.request(method, url, params=params, data=probe.data)
                    assert r.status_code == 401, (method, url, params, r.status_code)
                    assert "fout" in r.json() if url.startswith("/api/") else True
        bad = {"Authorization": "Bearer nep"}
        for (method, path), probe in sorted(ROUTES.items()):
            url = (probe.urls or (path,))[0]
            r = client.request(method, url, params=probe.params[0], data=probe.data, headers=bad)
            assert r.status_code == 401, (method, url, "nep-token")


@pytest.mark.parametrize("naam", ROLES)
def test_a_change_to_a_foreign_or_unowned_object_is_refused(world: World, naam: str) -> None:
    """With a valid CSRF token: a foreign agreement or action answers 404, one the role sees
    but does not own 403; only the owner gets to the checks of the form (an incomplete form
    answers 400), so nothing of another tenant is changed."""
    owned = {"regio": {"a-eigen", "a-ander", "regio-breed"}, "gemeente": {"g-eigen"}}
    writers = {"regio", "gemeente", "aanbieder"}
    client = _client(world, naam, "session")
    try:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/afspraken").text).group(1)
        before = world.kamer.export_afspraken()
        for afspraak_id in AFSPRAKEN:
            r = client.post(f"/afspraken/{afspraak_id}", data={"csrf": csrf, "periode": "2025"})
            if afspraak_id not in _seen_afspraken(naam):
                want = 404
            else:
                want = 400 if afspraak_id in owned.get(naam, set()) else 403
            assert r.status_code == want, (naam, afspraak_id, r.status_code, r.text[:200])
        assert world.kamer.export_afspraken() == before
        for actie_id in ACTIES:
            r = client.post(f"/acties/{actie_id}", data={"csrf": csrf, "status": "onbekend"})
            want = 403 if naam not in writers else 400
            want = want if actie_id in _seen_acties(naam) else 404
            assert r.status_code == want, (naam, actie_id, r.status_code, r.text[:200])
    finally:
        client.close()

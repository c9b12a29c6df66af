"""The web app in a real browser: Debian's Chromium, driven by Playwright, against a real uvicorn
server on loopback over the synthetic region.

Every role logs in through the login form and opens every page of its menu (a page outside it
answers 403): the heading is the page's and every chart (``div.grafiek``) has drawn an SVG or a
canvas that is not empty, and each dashboard page in ``CHARTED`` has one; the Overzicht's CSV
downloads through its link; a gemeente's browser gets other municipalities' cells only after
disclosure control; a browser without a session gets 401.

One browser for the module, one context (its own cookies) per role. Playwright never downloads a
browser here: it starts /usr/bin/chromium (installed by scripts/system.sh), and the test is
skipped only when that is missing.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from live import serve
from regiekamer.facade import Regiekamer
from regiekamer.faces.web.app import create_app
from regiekamer.faces.web.pages import PAGES, may_open  # every page of a role's menu
from regiekamer.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian chromium (/usr/bin/chromium) ontbreekt; scripts/system.sh installeert het",
    ),
]

# Without the background-networking flags Chromium keeps trying Google's hosts, which this
# closed network refuses; --headless --no-sandbox because the tests may run as root, no screen.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "een-lang-wachtwoord-2025"


# A chart has rendered when vega-embed put an SVG with drawn marks, or a canvas with at least one
# painted pixel, in its div.
CHART_DRAWN = """el => {
  const svg = el.querySelector("svg");
  if (svg) {
    const box = svg.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && svg.querySelectorAll("path, rect, line").length > 0;
  }
  const canvas = el.querySelector("canvas");
  if (!canvas || canvas.width === 0 || canvas.height === 0) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
  return false;
}"""


class Server:
    def __init__(self, url: str, kamer: Regiekamer, gemeente: str, users: dict[str, str]) -> None:
        self.url, self.kamer, self.gemeente, self.users = url, kamer, gemeente, users


@pytest.fixture(scope="module")
def server(region_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """As in test_web.py: a copy of the region store behind uvicorn, one user per role."""
    store = tmp_path_factory.mktemp("browser") / "regio.duckdb"
    shutil.copy(region_store, store)
    examples = Path(__file__).resolve().parents[1] / "examples"
    rk = Regiekamer(
        Settings(
            store=store,
            key="test-key",
            workers=1,
            verevening_config=examples / "verevening.yaml",
            incentive_config=examples / "incentive.yaml",
        )
    )
    rows = rk.kpi(year=2025, by=["gemeente", "aanbieder"], kpis=["clienten"]).rows
    gemeenten = sorted({r["gemeente"] for r in rows})
    # A provider with an incentive settlement and contract targets, so that it sees a chart on
    # each dashboard page of its menu.
    settled = {s.aanbieder for s in rk.incentive(examples / "incentive.yaml", 2025).afrekeningen}
    con = rk._connect(read_only=True)
    try:
        targeted = {
            a for (a,) in con.execute("SELECT agb_code FROM contract JOIN contract_doel USING "
                                      "(contract_id)").fetchall()
        }  # fmt: skip
    finally:
        con.close()
    aanbieder = sorted({r["aanbieder"] for r in rows} & settled & targeted)[0]
    users = {
        "regio": "regio",
        "gemeente": f"gemeente:{gemeenten[0]}",
        "aanbieder": f"aanbieder:{aanbieder}",
        "accountant": "accountant",
        "beheerder": "beheerder",
    }
    for naam, rol in users.items():
        rk.add_user(naam, rol, PASSWORD)
    app = create_app(rk.settings)
    with serve(app) as url:
        yield Server(url, app.state.kamer, gemeenten[0], users)


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium under Playwright (also test_browser_acties.py's)."""
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield launched
        launched.close()


@contextlib.contextmanager
def logins(browser: Browser, url: str) -> Iterator[Callable[[str], BrowserContext]]:
    """A browser context per user, logged in once through the login form at ``url``."""
    contexts: dict[str, BrowserContext] = {}

    def logged_in(naam: str) -> BrowserContext:
        if naam not in contexts:
            context = browser.new_context(base_url=url)
            page = context.new_page()
            page.goto("/inloggen")
            page.fill("input[name=naam]", naam)
            page.fill("input[name=wachtwoord]", PASSWORD)
            with page.expect_navigation():
                page.click("form.inloggen button")
            assert page.url == f"{url}/", page.content()
            page.close()
            contexts[naam] = context
        return contexts[naam]

    yield logged_in
    for context in contexts.values():
        context.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def login(browser: Browser, server: Server) -> Iterator[Callable[[str], BrowserContext]]:
    with logins(browser, server.url) as logged_in:
        yield logged_in


def _open(context: BrowserContext, origin: str, path: str) -> tuple[Page, list[str]]:
    """A page at ``path`` and the list that collects its script errors and any request that
    leaves the server (there is no internet at run time, and the app must not need it)."""
    page = context.new_page()
    trouble: list[str] = []
    page.on("pageerror", lambda exc: trouble.append(f"script: {exc}"))
    page.on("request", lambda r: None if r.url.startswith(origin) else trouble.append(r.url))
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    return page, trouble


# The dashboard pages that draw a chart for every role that may open them.
CHARTED = ("/contracten", "/rechtmatigheid", "/verevening", "/incentives", "/integraal")


@pytest.mark.parametrize("naam", ["regio", "gemeente", "aanbieder", "accountant", "beheerder"])
def test_every_role_sees_every_page_with_its_charts(
    naam: str, login: Callable[[str], BrowserContext], server: Server
) -> None:
    context = login(naam)
    rol = server.users[naam].split(":")[0]
    charts = 0
    for path, titel in PAGES:
        if not may_open(rol, path):  # not in this role's menu: the page refuses it
            assert context.request.get(server.url + path).status == 403, (naam, path)
            continue
        page, trouble = _open(context, server.url + "/", path)
        assert page.inner_text("main h1").strip() == titel, path
        drawn = page.query_selector_all("div.grafiek")
        for i, chart in enumerate(drawn):
            page.wait_for_function(CHART_DRAWN, arg=chart, timeout=15_000)
            charts += 1
            assert chart.bounding_box() is not None, (path, i)
        if path in CHARTED:
            assert drawn, f"{naam}: {path} zonder grafiek / without a chart"
        assert trouble == [], (path, trouble)
        page.close()
    assert charts > 0  # the Overzicht has its trend chart at least


def test_the_overzicht_csv_downloads_through_its_link(
    login: Callable[[str], BrowserContext], server: Server
) -> None:
    page, trouble = _open(login("gemeente"), server.url + "/", "/?jaar=2025")
    with page.expect_download() as info:
        page.click("a:has-text('Download de tabel (CSV)')")
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == "overzicht-2025.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "kpi;titel;waarde;vorig_jaar"
    assert any(line.startswith("clienten;Cliënten in zorg;") for line in lines[1:])
    assert trouble == []
    page.close()


def test_a_moved_knob_changes_the_scenario_figures(
    login: Callable[[str], BrowserContext], server: Server
) -> None:
    """Prognose & scenario's: a gemeente moves the inflow slider with the keyboard; the page
    recomputes, the scenario's figures change, the baseline's do not, and both charts draw."""
    page, trouble = _open(login("gemeente"), server.url + "/", "/prognose")
    row = "#naast-elkaar tbody tr:last-child"
    scenario, basis = (
        f"{row} td[data-kolom=uitgaven_scenario]",
        f"{row} td[data-kolom=uitgaven_basis]",
    )
    before, base = page.inner_text(scenario), page.inner_text(basis)
    assert before == base  # every knob at zero: the scenario is the baseline
    page.focus("#instroom_alle")
    with page.expect_navigation():
        page.keyboard.press("Home")  # the slider to its lowest: no inflow at all
    assert page.input_value("#instroom_alle") == "-100"
    assert page.inner_text("output[for=instroom_alle]") == "-100 %"
    assert page.inner_text(basis) == base
    after = page.inner_text(scenario)
    assert after != before, after
    assert "-" in page.inner_text(f"{row} td[data-kolom=uitgaven_verschil]")
    charts = page.query_selector_all("div.grafiek")
    assert len(charts) == 2
    for chart in charts:
        page.wait_for_function(CHART_DRAWN, arg=chart, timeout=15_000)
    assert trouble == []
    page.close()


FETCH = """async url => {
  const r = await fetch(url);
  return {status: r.status, body: await r.json()};
}"""


# By municipality alone every cell of the synthetic region is large enough to show; by
# municipality and provider most are small, so there disclosure control visibly changes cells.
@pytest.mark.parametrize("by", ["gemeente", "gemeente,aanbieder"])
def test_a_gemeente_browser_gets_other_municipalities_only_after_disclosure_control(
    by: str, login: Callable[[str], BrowserContext], server: Server
) -> None:
    page, _ = _open(login("gemeente"), server.url + "/", "/kpi")
    got = page.evaluate(FETCH, f"/api/v1/kpi?jaar=2025&by={by}&kpi=clienten")
    page.close()
    assert got["status"] == 200, got
    rows = got["body"]["rijen"]
    dims = by.split(",")
    own = server.kamer.kpi(year=2025, by=dims, kpis=["clienten"]).rows
    public = server.kamer.kpi(year=2025, by=dims, kpis=["clienten"], public=True).rows
    assert len(rows) == len(own) == len(public)
    mine = [(g, m) for g, m in zip(rows, own, strict=True) if m["gemeente"] == server.gemeente]
    others = [(g, p) for g, p in zip(rows, public, strict=True) if p["gemeente"] != server.gemeente]
    assert mine and others
    for got_row, expected in mine + others:
        assert got_row == expected
    if by == "gemeente,aanbieder":
        assert any(g["onderdrukt"] for g, _ in others), "no suppressed cell of another gemeente"
        assert any(g["n"] is not None and g["n"] < 10 for g, _ in mine), "no small own cell"


def test_a_browser_without_a_session_gets_401(browser: Browser, server: Server) -> None:
    context = browser.new_context(base_url=server.url)
    try:
        page = context.new_page()
        response = page.goto("/")
        assert response is not None and response.status == 401
        assert context.request.get("/api/v1/kpi?jaar=2025").status == 401
        assert page.goto("/inloggen").status == 200  # type: ignore[union-attr]
    finally:
        context.close()


# axe-core (npm, installed by scripts/setup.sh into .venv/npm): the WCAG 2.1 AA rules that Dutch
# public bodies must meet (DOMAIN.md §8). Missing axe is a failure, not a skip: the rule is law.
AXE = Path(__file__).parent.parent / ".venv" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """async () => {
  const r = await axe.run(document, {runOnly: {type: "tag",
    values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
  return r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
}"""


def test_every_page_has_no_serious_accessibility_violations(
    browser: Browser, login: Callable[[str], BrowserContext], server: Server
) -> None:
    assert AXE.exists(), f"{AXE} ontbreekt; scripts/setup.sh installeert axe-core met npm"
    found: dict[str, list[dict]] = {}
    anonymous = browser.new_context(base_url=server.url)
    pages = [(anonymous, "/inloggen")] + [(login("regio"), path) for path, _ in PAGES]
    for context, path in pages:
        page, _ = _open(context, server.url + "/", path)
        for chart in page.query_selector_all("div.grafiek"):
            page.wait_for_function(CHART_DRAWN, arg=chart, timeout=15_000)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(AXE_RUN)
        if violations:
            found[path] = violations
        page.close()
    anonymous.close()
    assert found == {}, found

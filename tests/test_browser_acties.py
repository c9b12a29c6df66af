"""The improvement cycle in a real browser (Debian's Chromium, Playwright, uvicorn on loopback):
the region's contract manager records an action on a signal, the provider it concerns sees it
and sets it to done, and the evaluation report (page and PDF) lists it with what became of it.
A provider that is not concerned does not get the action ("not found").

Conventions as tests/test_browser.py (its fixtures are reused): one browser, one context per
user, logged in through the login form.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext

from live import serve
from regiekamer.facade import Regiekamer
from regiekamer.faces.web.app import create_app
from regiekamer.ingest import yaml_aliases
from regiekamer.settings import Settings
from test_browser import AXE, AXE_RUN, CHROMIUM, PASSWORD, chromium, logins

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) ontbreekt"
    ),
]


class Cycle:
    def __init__(self, url: str, kamer: Regiekamer, aanbieder: str, other: str) -> None:
        self.url, self.kamer, self.aanbieder, self.other = url, kamer, aanbieder, other


@pytest.fixture(scope="module")
def cycle(region_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cycle]:
    """The region store with one agreement for a provider that it misses (so there is a signal
    about that provider), a contract manager of the region and two provider users."""
    store = tmp_path_factory.mktemp("acties") / "regio.duckdb"
    shutil.copy(region_store, store)
    rk = Regiekamer(Settings(store=store, key="test-key", workers=1))
    rows = rk.kpi(year=2025, by=["aanbieder"], kpis=["clienten"]).rows
    aanbieder, other = sorted(r["aanbieder"] for r in rows if r["aanbieder"])[:2]
    afspraak = {"id": "clienten-aanbieder", "periode": 2025, "niveau": "aanbieder",
                "aanbieder": aanbieder, "kpi": "clienten", "richting": ">=", "doel": 1e6,
                "afgesproken_door": ["regio", "aanbieder"],
                "afgesproken_op": "2024-12-01"}  # fmt: skip
    path = store.parent / "afspraken.yaml"
    path.write_text(yaml_aliases.dump({"afspraken": [afspraak]}), encoding="utf-8")
    rk.import_afspraken(path)
    for naam, rol in {"contractmanager": "regio", "zorgaanbieder": f"aanbieder:{aanbieder}",
                      "andere": f"aanbieder:{other}"}.items():  # fmt: skip
        rk.add_user(naam, rol, PASSWORD)
    app = create_app(rk.settings)
    with serve(app) as url:
        yield Cycle(url, app.state.kamer, aanbieder, other)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def login(browser: Browser, cycle: Cycle) -> Iterator[Callable[[str], BrowserContext]]:
    with logins(browser, cycle.url) as logged_in:
        yield logged_in


def test_an_action_on_a_signal_is_done_by_the_provider_and_evaluated(
    login: Callable[[str], BrowserContext], cycle: Cycle
) -> None:
    # The contract manager finds the signal about the missed agreement on the Signalen page.
    manager = login("contractmanager").new_page()
    manager.goto("/signalen")
    row = manager.locator("tr.signaal", has_text="clienten-aanbieder")
    assert row.count() == 1, manager.content()
    assert "RK-SIG-04" in row.inner_text()
    with manager.expect_navigation():
        row.get_by_role("link", name=re.compile("Actie vastleggen")).click()
    manager.fill("input[name=titel]", "Instroom bespreken in het contractgesprek")
    manager.fill("input[name=eigenaar]", "Contractmanager regio")
    manager.fill("input[name=deadline]", "2025-12-15")
    with manager.expect_navigation():
        manager.click("form.formulier button")
    match = re.search(r"/acties/(\d+)$", manager.url)
    assert match, manager.url
    actie = match.group(0)
    assert manager.inner_text("td.status") == "open"
    manager.close()

    # The provider it concerns sees the action and sets it to done with a note.
    provider = login("zorgaanbieder").new_page()
    provider.goto("/acties")
    assert provider.locator("tr.actie", has_text="Instroom bespreken").count() == 1
    provider.goto(actie)
    provider.select_option("select[name=status]", "afgerond")
    provider.fill("textarea[name=notitie]", "Besproken op 10 december; instroom loopt weer.")
    with provider.expect_navigation():
        provider.click("form.formulier button")
    assert provider.inner_text("td.status") == "afgerond"
    history = provider.inner_text("table.geschiedenis")
    assert "contractmanager" in history and "zorgaanbieder" in history
    provider.close()

    # Another provider does not get it: as if it did not exist.
    other = login("andere").new_page()
    response = other.goto(actie)
    assert response is not None and response.status == 404
    other.close()

    # The evaluation lists it with what became of it, on the page and in the PDF.
    manager = login("contractmanager").new_page()
    manager.goto(f"/evaluatie?periode=2025-Q3&aanbieder={cycle.aanbieder}")
    listed = manager.locator("tr.actie", has_text="Instroom bespreken")
    assert listed.count() == 1
    assert "afgerond" in listed.inner_text() and "Besproken op 10 december" in listed.inner_text()
    assert "clienten-aanbieder" in manager.inner_text("div.evaluatie")
    with manager.expect_download() as info:
        manager.click("a:has-text('Download als PDF')")
    download = info.value
    assert download.failure() is None
    assert Path(download.path()).read_bytes()[:5] == b"%PDF-"
    manager.close()
    done = cycle.kamer.action_for(None, int(actie.rsplit("/", 1)[1]))
    assert [w["status"] for w in done["wijzigingen"]] == ["open", "afgerond"]


def test_the_pages_with_agreements_and_actions_have_no_serious_accessibility_violations(
    login: Callable[[str], BrowserContext], cycle: Cycle
) -> None:
    """The detail pages and an evaluation with content (the menu pages are checked by
    tests/test_browser.py on a store without agreements)."""
    assert AXE.exists(), f"{AXE} ontbreekt; scripts/setup.sh installeert axe-core met npm"
    rk = cycle.kamer
    actie_id = rk.add_action(None, {"onderwerp_soort": "afspraak",
                                    "onderwerp": "clienten-aanbieder", "titel": "Toegankelijk",
                                    "eigenaar": "test", "aanbieder": cycle.aanbieder})  # fmt: skip
    found = {}
    context = login("contractmanager")
    for path in ("/afspraken", "/afspraken/clienten-aanbieder", "/signalen", "/acties",
                 f"/acties/{actie_id}", "/evaluatie?periode=2025-Q3"):  # fmt: skip
        page = context.new_page()
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(AXE_RUN)
        if violations:
            found[path] = violations
        page.close()
    assert found == {}, found

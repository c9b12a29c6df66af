"""The council report: real region store in, a Dutch HTML page and an A4 PDF out.

The region is the session's synthetic store (conftest ``region_store``: 3 municipalities, 2 years,
400 clients); each module-scoped copy here gets its own KPI cache.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import zlib
from pathlib import Path

import duckdb
import pytest

from regiekamer.errors import RegiekamerError
from regiekamer.facade import Regiekamer
from regiekamer.faces import dutch, report, report_context
from regiekamer.settings import Settings

YEAR = 2025
TITLES = (
    "Cliënten in zorg",
    "Uitgaven",
    "Budgetuitputting",
    "Prognose jaaruitgaven",
    "Wachttijd (mediaan)",
    "Binnen de wachttijdnorm",
    "Wachtenden op 31 december",
    "Beëindigd volgens plan",
    "Uitval",
    "Herhaald beroep",
    "Aandeel met verblijf",
    "Afgewezen declaraties",
)


def _copy(src: Path, folder: Path, **settings: object) -> Regiekamer:
    folder.mkdir(parents=True, exist_ok=True)
    store = folder / "regio.duckdb"
    shutil.copy(src, store)
    return Regiekamer(Settings(store=store, key="test-key", workers=1, **settings))


def _first_gemeente(store: Path) -> tuple[str, str]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(
            "SELECT t.gemeente, g.gemeentenaam FROM toewijzing t "
            "JOIN gemeente g ON g.gemeentecode = t.gemeente ORDER BY 1 LIMIT 1"
        ).fetchone()
    finally:
        con.close()


@pytest.fixture(scope="module")
def made(region_store: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One HTML and one PDF report for the region's first municipality."""
    folder = tmp_path_factory.mktemp("rapport")
    rk = _copy(region_store, folder)
    code, naam = _first_gemeente(rk.store)
    steps: list[str] = []
    html = report.write_report(rk, code, YEAR, folder / "rapport.html", on_step=steps.append)
    pdf = report.write_report(rk, code, YEAR, folder / "rapport.pdf")
    return {"rk": rk, "code": code, "naam": naam, "html": html, "pdf": pdf, "steps": steps}


def _pdf_objects(data: bytes) -> bytes:
    """The PDF's bytes with every compressed stream (object streams too) inflated."""
    chunks = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        with contextlib.suppress(zlib.error):
            chunks.append(zlib.decompress(m.group(1)))
    return b"\n".join(chunks)


def test_pdf_is_an_a4_document_of_several_pages(made: dict) -> None:
    written = made["pdf"]
    data = written.path.read_bytes()
    assert data.startswith(b"%PDF")
    assert written.formaat == "pdf" and written.paginas >= 2
    objects = _pdf_objects(data)
    assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", objects)) == written.paginas
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", objects)
    assert boxes and all(round(float(w)) == 595 and round(float(h)) == 842 for w, h in boxes)


def test_html_is_dutch_self_contained_and_complete(made: dict) -> None:
    html = made["html"].path.read_text(encoding="utf-8")
    assert '<html lang="nl">' in html
    assert made["naam"] in html and f"({made['code']})" in html
    for title in TITLES:
        assert title in html, title
    assert html.count("<svg") >= 3  # trend, spend against budget, waiting, outcomes
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", html, re.I)
    assert len(made["steps"]) == report.STEPS


def test_figures_carry_a_sentence_and_dutch_numbers(made: dict) -> None:
    html = made["html"].path.read_text(encoding="utf-8")
    assert html.count("<figcaption>") == 4
    assert re.search(r"In 2025 kregen [\d.]+ inwoners? van ", html)
    assert re.search(r"€\u00a0\d{1,3}(\.\d{3})+", html)  # € 1.234.567
    assert not re.search(r"€\u00a0?\d+,\d{3}", html)  # no English thousands separator
    # Percentages are rounded: never more than one decimal.
    assert not re.search(r"\d+,\d{2,}%", html)


def _tile_value(html: str, kpi: str) -> str:
    m = re.search(rf'id="tegel-{kpi}".*?<p class="waarde">(.*?)</p>', html, re.S)
    assert m, kpi
    return re.sub(r"<[^>]+>", "", m.group(1))


def test_suppressed_cells_show_onderdrukt_and_no_number(
    tmp_path_factory: pytest.TempPathFactory, made: dict
) -> None:
    # A threshold above every count hides every cell. The copy keeps the computed KPI cache:
    # disclosure control runs after it, so the threshold is applied afresh.
    folder = tmp_path_factory.mktemp("streng")
    rk = _copy(made["rk"].store, folder, min_cell=100_000)
    written = report.write_report(rk, made["code"], YEAR, folder / "rapport.html")
    html = written.path.read_text(encoding="utf-8")
    real = made["rk"].kpi(year=YEAR, by=["gemeente"], kpis=["clienten"]).rows
    count = next(r["waarde"] for r in real if r["gemeente"] == made["code"])
    for kpi in report.TILE_KPIS:
        shown = _tile_value(html, kpi)
        assert "onderdrukt" in shown, kpi
        assert "minder dan 100.000 cliënten" in shown
        assert not re.search(r"\d", shown.replace("100.000", "")), (kpi, shown)
    assert f">{dutch.number(count)}<" not in html
    cells = re.findall(r'<td class="getal [gr]">(.*?)</td>', html, re.S)
    assert cells
    for cell in cells:
        text = re.sub(r"<[^>]+>", "", cell).replace("100.000", "")
        assert "onderdrukt" in text or text.strip() == "—", text
        assert not re.search(r"\d", text), text


def test_normal_report_suppresses_small_cells_too(made: dict) -> None:
    """Whatever the public facade hides for this municipality, the report does not show."""
    rows = made["rk"].kpi(year=YEAR, by=["gemeente"], kpis=list(report.TILE_KPIS), public=True)
    hidden = {
        r["kpi"]
        for r in rows.rows
        if r["gemeente"] == made["code"] and r["onderdrukt"] and "wet" not in r
    }
    assert hidden, "the synthetic region has a small cell (the waiting list) to check"
    html = made["html"].path.read_text(encoding="utf-8")
    for kpi in hidden:
        assert "onderdrukt" in _tile_value(html, kpi)


def test_unknown_gemeente_and_empty_year_are_clear_errors(made: dict, tmp_path: Path) -> None:
    rk = made["rk"]
    with pytest.raises(RegiekamerError, match="Onbekende gemeentecode '9999'"):
        report.write_report(rk, "9999", YEAR, tmp_path / "r.html")
    with pytest.raises(RegiekamerError, match="geen gegevens over 2019"):
        report.write_report(rk, made["code"], 2019, tmp_path / "r.html")
    with pytest.raises(RegiekamerError, match="geen gegevens over gemeente Alblasserdam"):
        report.write_report(rk, "0482", YEAR, tmp_path / "r.html")  # a real code, not in the region
    with pytest.raises(RegiekamerError, match=r"\.pdf of \.html"):
        report.write_report(rk, made["code"], YEAR, tmp_path / "r.docx")
    assert not list(tmp_path.iterdir())


def test_dutch_number_formats() -> None:
    assert dutch.number(1234567.5) == "1.234.568"
    assert dutch.euro(1234567) == "€\u00a01.234.567"
    assert dutch.percent(94.36) == "94%"
    assert dutch.percent(2.639) == "2,6%"
    assert dutch.percent(0.0) == "0%"
    assert dutch.days(44.5) == "45 dagen" and dutch.days(1) == "1 dag"
    assert dutch.number(-0.2) == "0"


def test_change_against_last_year() -> None:
    def shown(x: float) -> report_context.Shown:
        return report_context.Shown("x", waarde=x)

    assert report_context.change("clienten", shown(105), shown(100), 2024) == (
        "+5% t.o.v. 2024",
        "5% meer dan in 2024",
    )
    assert report_context.change("uitval_pct", shown(10), shown(12.4), 2024)[1] == (
        "2 procentpunt lager dan in 2024"
    )
    assert report_context.change("wachttijd_dagen_mediaan", shown(30), shown(31), 2024)[1] == (
        "1 dag korter dan in 2024"
    )
    assert report_context.change("clienten", report_context.ONDERDRUKT, shown(100), 2024) == (
        None,
        None,
    )


def test_cli_writes_the_report_and_says_where(made: dict, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from regiekamer.faces.cli import app

    out = tmp_path / "sub" / "rapport.html"
    args = ["report", "--store", str(made["rk"].store), "--gemeente", made["code"]]
    result = CliRunner().invoke(app, [*args, "--year", str(YEAR), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "geschreven naar" in result.output and out.exists()
    bad = CliRunner().invoke(app, [*args, "--year", str(YEAR), "--out", str(tmp_path / "r.txt")])
    assert isinstance(bad.exception, RegiekamerError)

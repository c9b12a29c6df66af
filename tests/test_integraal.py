"""The integral view around the store: stapeling's disclosure control and scope, the CLI,
the council report's CBS page, and the bijstand KPIs on both engines."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from regiekamer.facade import Regiekamer
from regiekamer.faces.cli import app
from regiekamer.faces.dutch import number
from regiekamer.faces.report import render_html
from regiekamer.faces.report_context import build_context
from regiekamer.privacy.accounts import User, parse_role
from test_golden import blank_store, build_store  # noqa: F401 - blank_store is a fixture

GOLDEN = Path(__file__).parent / "golden"
STAPELING = GOLDEN / "stapeling" / "01_een_twee_drie_verhuizing.yaml"
PASSWORD = "Lang-en-sterk-wachtwoord-2025!"


@pytest.fixture
def stapeling_kamer(tmp_path: Path, blank_store: Path) -> Regiekamer:  # noqa: F811
    case = yaml.safe_load(STAPELING.read_text(encoding="utf-8"))
    return build_store(tmp_path, STAPELING.name, case, blank_store)


def test_public_stapeling_hides_every_small_cell(stapeling_kamer: Regiekamer) -> None:
    raw = stapeling_kamer.stapeling(year=2025)
    public = stapeling_kamer.stapeling(year=2025, public=True)
    assert len(raw) == len(public)
    for r, p in zip(raw, public, strict=True):
        assert (r["gemeente"], r["combinatie"]) == (p["gemeente"], p["combinatie"])
        if r["huishoudens"] == 0:  # nothing to protect
            assert not p["onderdrukt"] and p["huishoudens"] == 0
        else:  # every cell here rests on fewer than 10 households
            assert p["onderdrukt"]
            assert p["huishoudens"] is p["uitgaven"] is p["clienten"] is p["aandeel_pct"] is None
    # The threshold is the setting: at 1, nothing rests on too few.
    stapeling_kamer.settings.min_cell = 1
    assert not any(r["onderdrukt"] for r in stapeling_kamer.stapeling(year=2025, public=True))


def test_a_municipality_sees_its_own_cells_and_others_only_protected(
    stapeling_kamer: Regiekamer,
) -> None:
    con_user = stapeling_kamer.add_user("r.devries", "gemeente:0363", PASSWORD)
    user = User(con_user.naam, parse_role("gemeente:0363"))
    rows = stapeling_kamer.stapeling_for(user, year=2025)
    own = [r for r in rows if r["gemeente"] == "0363"]
    other = [r for r in rows if r["gemeente"] != "0363"]
    assert own and other
    assert not any(r["onderdrukt"] for r in own)
    assert next(r for r in own if r["combinatie"] == "totaal")["huishoudens"] == 5
    assert all(r["onderdrukt"] for r in other if r["huishoudens"] != 0)
    assert any("stapeling" in w for w in _log(stapeling_kamer))


def _log(kamer: Regiekamer) -> list[str]:
    from regiekamer.store.connection import connect

    con = connect(kamer.store, read_only=True)
    try:
        return [r[0] for r in con.execute("SELECT wat FROM toegangslog").fetchall()]
    finally:
        con.close()


def test_cli_stapeling_as_json_and_xlsx(stapeling_kamer: Regiekamer, tmp_path: Path) -> None:
    runner = CliRunner(env={"COLUMNS": "200"})
    store = ["--store", str(stapeling_kamer.store)]
    res = runner.invoke(app, ["stapeling", *store, "--year", "2025", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    total = next(r for r in rows if r["gemeente"] is None and r["combinatie"] == "totaal")
    assert total["huishoudens"] == 5
    out = tmp_path / "stapeling.xlsx"
    res = runner.invoke(
        app, ["stapeling", *store, "--year", "2025", "--format", "xlsx", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 1000
    svg = tmp_path / "stapeling.svg"
    res = runner.invoke(app, ["stapeling", *store, "--year", "2025", "--chart", str(svg)])
    assert res.exit_code == 0, res.output
    assert svg.read_text(encoding="utf-8").startswith("<svg") and "Rotterdam" in svg.read_text()
    res = runner.invoke(app, ["stapeling", *store, "--year", "2025", "--openbaar", "--wijk"])
    assert res.exit_code == 0, res.output
    assert "onderdrukt" in res.stdout


def test_the_council_report_shows_cbs_figures_only_when_present(
    region_kamer: Regiekamer, tmp_path: Path
) -> None:
    code = next(
        r["gemeente"] for r in region_kamer.kpi(year=2025, by=["gemeente"], kpis=["clienten"]).rows
    )
    before = render_html(build_context(region_kamer, code, 2025))
    assert "(CBS)" not in before
    cbs = tmp_path / "85094NED.csv"
    cbs.write_text(
        '"ID";"TypeJeugdzorg";"RegioS";"Perioden";"Jeugdzorgtrajecten_1"\n'
        f'"0";"T001203";"GM{code}  ";"2024JJ00";"      1234"\n'
        '"1";"T001203";"NL01    ";"2024JJ00";"    480315"\n',
        encoding="utf-8",
    )
    combined = tmp_path / "86195NED.csv"
    combined.write_text(
        '"ID";"Voorzieningen";"RegioS";"Perioden";"ClientenMetVoorzieningen_1";'
        '"HuishoudensMetVoorzieningen_2"\n'
        f'"0";"T001287";"GM{code}  ";"2024JJ00";"      5678";"      4321"\n',
        encoding="utf-8",
    )
    assert region_kamer.ingest([cbs, combined]).totals["afgewezen"] == 0
    html = render_html(build_context(region_kamer, code, 2025))
    assert "naast de regio en Nederland (CBS)" in html
    assert "1.234" in html and "480.315" in html and "85094NED" in html and "4.321" in html
    # Beside CBS's households, the store's own count of this year (the synthetic region has
    # bijstand and households, so well over 10 of them: not suppressed).
    own = next(
        r["huishoudens"]
        for r in region_kamer.stapeling(year=2025, public=True)
        if r["gemeente"] == code and r["combinatie"] == "totaal"
    )
    assert own and own >= 10
    assert "regiekamer 2025" in html and f'<td class="getal">{number(own)}</td>' in html


@pytest.mark.spark
@pytest.mark.slow
def test_bijstand_kpis_agree_on_duckdb_and_spark(tmp_path: Path, blank_store: Path) -> None:  # noqa: F811
    path = GOLDEN / "12_bijstand.yaml"
    rk = build_store(tmp_path, path.name, yaml.safe_load(path.read_text()), blank_store)
    kpis = ["bijstand_per_1000", "instroom", "uitstroom", "uitstroom_naar_werk_pct"]
    for per, by in (("month", ["gemeente"]), ("quarter", [])):
        duck = rk.kpi(year=2025, per=per, by=by, kpis=kpis, engine="duckdb").rows
        spark = rk.kpi(year=2025, per=per, by=by, kpis=kpis, engine="spark").rows
        assert len(duck) > 10
        key = lambda r: (r["kpi"], r["periode"], r.get("gemeente"))  # noqa: E731
        d, s = {key(r): r for r in duck}, {key(r): r for r in spark}
        assert d.keys() == s.keys()
        for k, row in d.items():
            assert row["n"] == s[k]["n"], k
            assert math.isclose(row["waarde"], s[k]["waarde"], rel_tol=1e-9), k

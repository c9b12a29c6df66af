"""Contracts as data: contracten.yaml and the CSV layouts, with coded findings, and the
contract view (agreed against delivered)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from regiekamer.analyses import contracten as C
from regiekamer.facade import Regiekamer
from regiekamer.standards.messages import gemeenten

YAML = """\
# Twee contracten van een jeugdregio
contracten:
  - contract_id: K2025-75116937-J
    agb_code: "75116937"
    wet: jeugd
    gemeenten: ["0375", "0376"]
    inkoopmodel: partner
    uitvoeringsvariant: taakgericht
    begindatum: 2025-01-01
    einddatum: 2025-12-31
    lumpsum_cent: {"0375": 90000000, "0376": 45000000}
    doelen:
      - {kpi: wachttijd_binnen_norm_pct, richting: ">=", waarde: 90}
      - {kpi: uitval_pct, richting: "<=", waarde: 10}
  - contract_id: K2025-75062020-J
    agb_code: "75062020"
    wet: jeugd
    regio: REGIO
    inkoopmodel: concurrentie
    uitvoeringsvariant: inspanningsgericht
    begindatum: 2025-01-01
    plafond_cent: 250000000
    tarieven:
      - {productcode: 45A01, jaar: 2025, tarief_cent: 10200}
      - {productcode: 45A02, jaar: 2025, tarief_cent: 12036}
    doelen:
      - {kpi: beeindigd_volgens_plan_pct, richting: ">=", waarde: 70.5}
"""


def regio_of(code: str) -> str:
    return gemeenten()[code]["jeugdregio"]


def write_yaml(path: Path, text: str = YAML) -> Path:
    path.write_text(text.replace("REGIO", regio_of("0375")), encoding="utf-8")
    return path


def contract_case(code: str, tmp: Path) -> list[Path]:
    """A contracten.yaml that raises ``code`` (used by test_rules too)."""
    if code == "RK-CONTRACT-01":
        (tmp / "contracten.yaml").write_text("contracten: [unclosed", encoding="utf-8")
        return [tmp / "contracten.yaml"]
    if code == "RK-CONTRACT-02":
        text = YAML.replace('    gemeenten: ["0375", "0376"]\n', "")
        return [write_yaml(tmp / "contracten.yaml", text)]
    if code == "RK-CONTRACT-03":
        text = YAML.replace("    plafond_cent:", "    plafond:")
        return [write_yaml(tmp / "contracten.yaml", text)]
    raise AssertionError(code)


def _rows(rk: Regiekamer, sql: str) -> list[tuple]:
    con = duckdb.connect(str(rk.store), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_yaml_contracts_ingest(kamer: Regiekamer, tmp_path: Path) -> None:
    report = kamer.ingest([write_yaml(tmp_path / "contracten.yaml")])
    t = report.totals
    assert (t["gelezen"], t["geaccepteerd"], t["afgewezen"]) == (2, 2, 0)
    regio = sorted(c for c, g in gemeenten().items() if g["jeugdregio"] == regio_of("0375"))
    rows = _rows(
        kamer,
        "SELECT contract_id, gemeentecode, inkoopmodel, plafond_cent, lumpsum_cent FROM contract "
        "ORDER BY 1, 2",
    )
    assert [r[1] for r in rows if r[0].endswith("75062020-J")] == regio
    assert all(r[3] == 250_000_000 for r in rows if r[0].endswith("75062020-J"))
    partner = [r for r in rows if r[0].endswith("75116937-J")]
    assert [(r[1], r[2], r[4]) for r in partner] == [
        ("0375", "partner", 90_000_000),
        ("0376", "partner", 45_000_000),
    ]
    assert _rows(
        kamer, "SELECT productcode, jaar, tarief_cent FROM contract_tarief ORDER BY 1"
    ) == [
        ("45A01", 2025, 10200),
        ("45A02", 2025, 12036),
    ]
    assert _rows(kamer, "SELECT kpi, richting, waarde FROM contract_doel ORDER BY 1") == [
        ("beeindigd_volgens_plan_pct", ">=", 70.5),
        ("uitval_pct", "<=", 10.0),
        ("wachttijd_binnen_norm_pct", ">=", 90.0),
    ]
    # The same contracts again (another file name): nothing changes.
    before = _rows(kamer, "SELECT * EXCLUDE (bestand_id) FROM contract ORDER BY ALL")
    kamer.ingest([write_yaml(tmp_path / "contracten-kopie.yml")])
    assert _rows(kamer, "SELECT * EXCLUDE (bestand_id) FROM contract ORDER BY ALL") == before
    assert _rows(kamer, "SELECT count(*) FROM contract_doel") == [(3,)]


@pytest.mark.parametrize(
    ("change", "code", "veld"),
    [
        (("wachttijd_binnen_norm_pct", "wachttijd_pct"), "RK-TABEL-04", "kpi"),
        (('richting: "<="', 'richting: "=="'), "RK-TABEL-04", "richting"),
        (("waarde: 70.5", "waarde: veel"), "RK-TABEL-03", "waarde"),
        (('"0376"', '"9999"'), "S300", "gemeenten"),
        (("inkoopmodel: partner", "inkoopmodel: vriendjes"), "RK-TABEL-04", "inkoopmodel"),
        (("plafond_cent: 250000000", "plafond_cent: 2,5 miljoen"), "RK-TABEL-03", "plafond_cent"),
    ],
)
def test_yaml_findings_reject_the_contract(
    change: tuple[str, str], code: str, veld: str, kamer: Regiekamer, tmp_path: Path
) -> None:
    text = YAML.replace(*change, 1)
    report = kamer.ingest([write_yaml(tmp_path / "contracten.yaml", text)])
    t = report.totals
    assert (t["gelezen"], t["geaccepteerd"], t["afgewezen"]) == (2, 1, 1)
    found = [f for f in kamer.findings() if f["code"] == code]
    assert found and found[0]["veld"] == veld and found[0]["locatie"].startswith("contracten[")


@pytest.mark.parametrize("code", ["RK-CONTRACT-01", "RK-CONTRACT-02", "RK-CONTRACT-03"])
def test_contract_rules(code: str, kamer: Regiekamer, tmp_path: Path) -> None:
    report = kamer.ingest(contract_case(code, tmp_path))
    t = report.totals
    assert t["afgewezen"] >= 1 and t["gelezen"] == t["geaccepteerd"] + t["afgewezen"]
    assert any(f["code"] == code for f in kamer.findings())


def test_csv_targets_and_tariffs(kamer: Regiekamer, tmp_path: Path) -> None:
    (tmp_path / "doel.csv").write_text(
        "contract_id;kpi;richting;waarde\nK1;uitval_pct;<=;12,5\nK1;onbekend;>=;1\n",
        encoding="utf-8",
    )
    (tmp_path / "tarief.csv").write_text(
        "contract_id,productcode,jaar,tarief_cent\nK1,45A01,2025,10200\n", encoding="utf-8"
    )
    report = kamer.ingest([tmp_path / "doel.csv", tmp_path / "tarief.csv"])
    assert report.totals["afgewezen"] == 1
    assert _rows(kamer, "SELECT kpi, waarde FROM contract_doel") == [("uitval_pct", 12.5)]
    assert _rows(kamer, "SELECT tarief_cent FROM contract_tarief") == [(10200,)]


# --- agreed against delivered -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("richting", "doel", "waarde", "licht"),
    [
        (">=", 90, 92, "groen"),
        (">=", 90, 90, "groen"),
        (">=", 90, 81, "oranje"),  # 9 below: within 10 % of 90
        (">=", 90, 80, "rood"),
        ("<=", 10, 10.9, "oranje"),
        ("<=", 10, 12, "rood"),
        ("<=", 10, 3, "groen"),
        (">=", 90, None, "onbekend"),
    ],
)
def test_traffic_light(richting: str, doel: float, waarde: float | None, licht: str) -> None:
    assert C.traffic_light(richting, doel, waarde) == licht


def test_trend_follows_the_direction() -> None:
    assert C.trend(">=", 90, [80, None, 85, 88]) == "verbetert"
    assert C.trend("<=", 10, [8, 9, 12]) == "verslechtert"
    assert C.trend(">=", 90, [90, 91]) == "stabiel"
    assert C.trend(">=", 90, [None, 90]) == "onbekend"


def test_ceiling_date_at_the_run_rate() -> None:
    # € 1.000 a day for January and February (59 days); ceiling € 100.000 -> day 100 = 10 April.
    monthly = {1: 31_000.0, 2: 28_000.0}
    b = C.ceiling(2025, monthly, 100_000.0, dt.date(2025, 2, 28))
    assert b["besteed"] == 59_000 and b["per_dag"] == pytest.approx(1_000)
    assert b["datum_plafond"] == dt.date(2025, 4, 10) and not b["bereikt"]
    assert b["prognose_jaar"] == pytest.approx(365_000)
    # Already past the ceiling: the day within February where the running total crossed it.
    done = C.ceiling(2025, monthly, 45_000.0, dt.date(2025, 2, 28))
    assert done["bereikt"] and done["datum_plafond"] == dt.date(2025, 2, 14)
    # Slow spending: not reached this year.
    assert C.ceiling(2025, {1: 100.0}, 1e9, dt.date(2025, 1, 31))["datum_plafond"] is None


@pytest.fixture(scope="module")
def region_contracts(tmp_path_factory: pytest.TempPathFactory):
    from regiekamer.settings import Settings
    from regiekamer.synth import generate_region

    base = tmp_path_factory.mktemp("contract")
    generate_region(base / "regio", clients=300, seed=4)
    rk = Regiekamer(Settings(store=base / "s.duckdb", key="test-key", workers=1))
    rk.init()
    rk.ingest([base / "regio" / "referentie", base / "regio" / "berichten"])
    return rk


@pytest.mark.slow
def test_contract_view_uses_the_kpi_engine(region_contracts, tmp_path: Path) -> None:
    rk = region_contracts
    partner = _rows(
        rk,
        "SELECT agb_code, sum(lumpsum_cent) FROM contract WHERE inkoopmodel = 'partner' "
        "AND uitvoeringsvariant = 'taakgericht' GROUP BY 1",
    )
    assert partner, "de synthetische regio heeft een taakgericht partnercontract"
    agb, lump = partner[0]
    items = rk.contract(agb, 2025)
    tg = next(c for c in items if c["taakgericht"])
    assert tg["taakgericht"]["lumpsum"] == lump / 100
    assert tg["besteding"] is None and tg["doelen"]
    kpi = {
        (r["kpi"], r["wet"]): r["waarde"]
        for r in rk.kpi(year=2025, by=["wet", "aanbieder"]).rows
        if r["aanbieder"] == agb
    }
    for c in items:
        for d in c["doelen"]:
            assert d["waarde"] == kpi.get((d["kpi"], c["wet"]))
            assert d["licht"] == C.traffic_light(d["richting"], d["doel"], d["waarde"])
        assert c["volumes"]["clienten"] == kpi.get(("clienten", c["wet"]))
    # A capped contract: spend from the KPI engine's uitgaven, ceiling = sum over its gemeenten.
    capped = _rows(
        rk,
        "SELECT agb_code, contract_id, wet, sum(plafond_cent) FROM contract WHERE plafond_cent "
        "IS NOT NULL GROUP BY ALL ORDER BY 1 LIMIT 1",
    )[0]
    c = next(x for x in rk.contract(capped[0], 2025) if x["contract_id"] == capped[1])
    spend = sum(
        r["waarde"] or 0
        for r in rk.kpi(year=2025, by=["wet", "gemeente", "aanbieder"], kpis=["uitgaven"]).rows
        if r["aanbieder"] == capped[0] and r["wet"] == capped[2]
    )
    assert c["besteding"]["plafond"] == capped[3] / 100
    assert c["besteding"]["besteed"] == pytest.approx(spend)


@pytest.mark.slow
def test_scorecard_pdf_and_xlsx(region_contracts, tmp_path: Path) -> None:
    import openpyxl
    from typer.testing import CliRunner

    from regiekamer.faces.cli import app

    rk = region_contracts
    agb = _rows(
        rk,
        "SELECT agb_code FROM contract_doel JOIN contract USING (contract_id) ORDER BY 1 LIMIT 1",
    )[0][0]
    runner = CliRunner()
    for name in ("scorecard.pdf", "scorecard.xlsx"):
        out = tmp_path / name
        res = runner.invoke(
            app,
            [
                "contract",
                "--store",
                str(rk.store),
                "--aanbieder",
                agb,
                "--year",
                "2025",
                "--out",
                str(out),
            ],
        )
        assert res.exit_code == 0, res.output
        assert out.stat().st_size > 1000
    assert (tmp_path / "scorecard.pdf").read_bytes().startswith(b"%PDF")
    ws = openpyxl.load_workbook(tmp_path / "scorecard.xlsx")["Scorecard"]
    lights = [r[5] for r in ws.iter_rows(values_only=True) if r[5] in C.LIGHTS]
    assert lights
    res = runner.invoke(
        app,
        [
            "contract",
            "--store",
            str(rk.store),
            "--aanbieder",
            agb,
            "--year",
            "2025",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0 and '"doelen"' in res.stdout

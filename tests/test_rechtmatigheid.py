"""Lawfulness checks (DOMAIN.md §5): one golden case per check and a clean case, the
reconciliation on a generated region, and every planted fault found (recall and precision)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from regiekamer.analyses.rechtmatigheid import ORDER
from regiekamer.analyses.verantwoording import Verantwoording
from regiekamer.facade import Regiekamer
from regiekamer.ingest.layouts import LAYOUTS
from regiekamer.settings import Settings
from regiekamer.standards.messages import gemeenten

GOLDEN = Path(__file__).parent / "golden" / "rechtmatigheid" / "toetsen.yaml"
SPEC = yaml.safe_load(GOLDEN.read_text(encoding="utf-8"))
CASES = SPEC["gevallen"]


def write_table(path: Path, layout: str, rows: list[dict]) -> Path:
    cols = [c.name for c in LAYOUTS[layout].columns]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, extrasaction="raise")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in cols})
    return path


def parties(i: int) -> dict[str, str]:
    """Case i gets a municipality and provider of its own, so that all cases share one store
    without touching each other (allocation numbers, references and contracts are per party)."""
    return {
        "wet": "jeugd",
        "gemeente": sorted(gemeenten())[i],
        "aanbieder": f"424200{i:02d}",
        "bsn": "999900006",
    }


def case_rows(i: int, case: dict) -> dict[str, list[dict]]:
    """Golden case i as the rows of the tables a municipality would deliver."""
    base, who = SPEC["basis"], parties(i)
    toew = {
        **who,
        "dagtekening": "2025-01-01",
        "toewijzingsdatum": "2025-01-01",
        **base["toewijzing"],
        **case.get("toewijzing", {}),
    }
    start = {
        **who,
        "dagtekening": "2025-01-06",
        "soort": "start",
        "toewijzing_nummer": "T1",
        "status_aanlevering": "1",
        **base["start"],
        **case.get("start", {}),
    }
    lines = [
        {
            **who,
            "dagtekening": "2025-03-05",
            "declaratie_nummer": f"D{n}",
            "referentie_nummer": f"R{n}",
            **base["regel"],
            **change,
        }
        for n, change in enumerate(case["regels"], start=1)
    ]
    kid = f"K{i}"
    contract = {
        "contract_id": kid,
        "agb_code": who["aanbieder"],
        "gemeentecode": who["gemeente"],
        "wet": "jeugd",
        "inkoopmodel": "concurrentie",
        "uitvoeringsvariant": "inspanningsgericht",
        "begindatum": "2025-01-01",
    }
    tarieven = [
        {"contract_id": kid, "productcode": "45A01", "jaar": 2025, "tarief_cent": 10200},
        {"contract_id": kid, "productcode": "45A02", "jaar": 2025, "tarief_cent": 12000},
    ]
    return {
        "contract": [contract],
        "contract_tarief": tarieven,
        "toewijzing": [toew],
        "levering": [start],
        "prestatie": lines,
    }


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Verantwoording:
    """Every golden case ingested as CSV into one real store, and the checks run once."""
    folder = tmp_path_factory.mktemp("golden")
    tables: dict[str, list[dict]] = {}
    for i, case in enumerate(CASES):
        for name, rows in case_rows(i, case).items():
            tables.setdefault(name, []).extend(rows)
    files = [write_table(folder / f"{n}.csv", n, rows) for n, rows in tables.items()]
    rk = Regiekamer(Settings(store=folder / "s.duckdb", key="test-key", workers=1))
    rk.init()
    report = rk.ingest(files)
    assert report.totals["afgewezen"] == 0, rk.findings()
    return rk.rechtmatigheid(2025)


@pytest.mark.parametrize("i", range(len(CASES)), ids=[c["naam"] for c in CASES])
def test_golden_case(i: int, golden: Verantwoording) -> None:
    case, who = CASES[i], parties(i)
    got = [
        {
            "regel": int(b["declaratie_nummer"][1:]),
            "code": b["code"],
            "risico_cent": b["risico_cent"],
        }
        for b in golden.bevindingen
        if b["aanbieder"] == who["aanbieder"]
    ]
    assert sorted(got, key=lambda g: g["regel"]) == case["verwacht"]
    none = {"getoetst_cent": 0, "geaccepteerd_cent": 0, "onzeker_cent": 0}
    mine = next((p for p in golden.per_aanbieder if p["aanbieder"] == who["aanbieder"]), none)
    assert mine["getoetst_cent"] == mine["geaccepteerd_cent"] + mine["onzeker_cent"]
    assert mine["onzeker_cent"] == sum(e["risico_cent"] for e in case["verwacht"])


def test_golden_totals_reconcile(golden: Verantwoording) -> None:
    t = golden.totaal
    assert t["gedeclareerd_cent"] == (
        t["geaccepteerd_cent"] + t["onzeker_cent"] + t["saldo_gecrediteerd_cent"]
    )
    assert t["regels_gecrediteerd"] == 1


def test_every_check_has_a_golden_case() -> None:
    codes = {e["code"] for c in CASES for e in c["verwacht"]}
    assert codes == set(ORDER)
    assert any(not c["verwacht"] for c in CASES)


# --- the generated region -------------------------------------------------------------------


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Regiekamer]:
    from regiekamer.synth import generate_region

    base = tmp_path_factory.mktemp("recht")
    generate_region(base / "regio", clients=500, seed=11)
    rk = Regiekamer(Settings(store=base / "s.duckdb", key="test-key", workers=1))
    rk.init()
    rk.ingest([base / "regio" / "referentie", base / "regio" / "berichten"])
    return base / "regio", rk


@pytest.mark.slow
def test_reconciles_to_the_invoiced_total(region) -> None:
    _, rk = region
    con = duckdb.connect(str(rk.store), read_only=True)
    for year in (2024, 2025):
        invoiced = con.execute(
            "SELECT sum(CASE WHEN debet_credit = 'C' THEN -bedrag_cent ELSE bedrag_cent END) "
            "FROM prestatie WHERE year(begindatum) = ?",
            [year],
        ).fetchone()[0]
        v = rk.rechtmatigheid(year)
        t = v.totaal
        assert t["gedeclareerd_cent"] == invoiced
        assert invoiced == t["geaccepteerd_cent"] + t["onzeker_cent"] + t["saldo_gecrediteerd_cent"]
        assert t["onzeker_cent"] == sum(p["bedrag_cent"] for p in v.per_toets)
        assert t["onzeker_cent"] == sum(b["risico_cent"] for b in v.bevindingen)
        assert t["onzeker_cent"] == sum(o["financiele_onzekerheid_cent"] for o in v.onzekerheid)
        for part in (v.per_aanbieder, v.per_gemeente):
            assert sum(p["getoetst_cent"] for p in part) == t["getoetst_cent"]
            assert sum(p["onzeker_cent"] for p in part) == t["onzeker_cent"]
        # No line counted twice: one finding per failed line.
        refs = [(b["aanbieder"], b["referentie"], b["declaratie_nummer"]) for b in v.bevindingen]
        assert len(refs) == len(set(refs)) == t["regels_fout"]
    con.close()


@pytest.mark.slow
def test_planted_faults_all_found_and_nothing_else(region) -> None:
    out, rk = region
    planted = json.loads((out / "fouten.json").read_text(encoding="utf-8"))
    expected = {
        (f["referentie_nummer"], f["declaratie_nummer"]): f["verwacht_code"]
        for f in planted
        if "referentie_nummer" in f
    }
    kinds = set(expected.values())
    assert kinds == set(ORDER), f"niet geplant: {set(ORDER) - kinds}"
    found = {}
    for year in (2024, 2025):
        for b in rk.rechtmatigheid(year).bevindingen:
            found[(b["referentie"], b["declaratie_nummer"])] = b["code"]
    missed = {k: v for k, v in expected.items() if found.get(k) != v}
    extra = {k: v for k, v in found.items() if k not in expected}
    assert not missed, f"gemist of verkeerd: {missed}"
    assert not extra, f"onterecht afgekeurd: {extra}"
    amounts = {
        (f["referentie_nummer"], f["declaratie_nummer"]): f["risico_cent"]
        for f in planted
        if "risico_cent" in f
    }
    for year in (2024, 2025):
        for b in rk.rechtmatigheid(year).bevindingen:
            key = (b["referentie"], b["declaratie_nummer"])
            if key in amounts:
                assert b["risico_cent"] == amounts[key], (key, b["code"])


def test_year_without_invoices_is_empty(kamer: Regiekamer) -> None:
    v = kamer.rechtmatigheid(2025)
    assert v.totaal["gedeclareerd_cent"] == 0 and v.bevindingen == []


@pytest.mark.slow
def test_store_copy_untouched_by_checks(region, tmp_path: Path) -> None:
    """The checks only read: the store file is byte-identical afterwards."""
    _, rk = region
    copy = tmp_path / "c.duckdb"
    shutil.copy(rk.store, copy)
    before = copy.read_bytes()
    Regiekamer(Settings(store=copy, key="test-key", workers=1)).rechtmatigheid(2025)
    assert copy.read_bytes() == before


@pytest.mark.slow
def test_cli_writes_workbook_and_json(region, tmp_path: Path) -> None:
    import openpyxl
    from typer.testing import CliRunner

    from regiekamer.faces.cli import app

    _, rk = region
    out = tmp_path / "rechtmatigheid.xlsx"
    store = ["--store", str(rk.store)]
    runner = CliRunner()
    res = runner.invoke(app, ["rechtmatigheid", *store, "--year", "2025", "--out", str(out)])
    assert res.exit_code == 0, res.output
    v = rk.rechtmatigheid(2025)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Samenvatting", "Financiële onzekerheid", "Regels"]
    summary = {r[0]: r[2] for r in wb["Samenvatting"].iter_rows(values_only=True) if r[0]}
    assert summary["Financiële onzekerheid (Σ bedragen op het spel)"] == pytest.approx(
        v.totaal["onzeker_cent"] / 100
    )
    lines = list(wb["Regels"].iter_rows(values_only=True))
    assert len(lines) - 1 == len(v.bevindingen)
    header = lines[0]
    assert "client" in header and "bsn" not in header
    bedrag = header.index("bedrag")
    assert sum(r[bedrag] for r in lines[1:]) == pytest.approx(v.totaal["onzeker_cent"] / 100)
    res = runner.invoke(app, ["rechtmatigheid", *store, "--year", "2025", "--format", "json"])
    assert res.exit_code == 0, res.output
    items = json.loads(res.stdout)
    assert items and all(
        list(i)
        == ["code", "melding", "gemeente", "aanbieder", "toewijzing_nummer", "referentie", "bedrag"]
        for i in items
    )
    assert sum(round(i["bedrag"] * 100) for i in items) == v.totaal["onzeker_cent"]
    con = duckdb.connect(str(rk.store), read_only=True)
    logged = con.execute("SELECT wat FROM toegangslog WHERE wat LIKE 'rechtmatigheid%'").fetchall()
    con.close()
    assert len(logged) == 2

"""The synthetic generators: valid messages, planted faults listed, store-compatible Parquet."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import duckdb
import pytest
from lxml import etree

from regiekamer.ingest.layouts import LAYOUTS
from regiekamer.standards.messages import by_namespace, schema
from regiekamer.store.schema import MIGRATIONS
from regiekamer.synth import generate_national, generate_region, write_large_jw323
from regiekamer.synth.common import elfproef

SMALL = {"gemeenten": 2, "clients": 150, "years": 2, "seed": 7}
REFERENCE = ("gemeente", "populatie", "aanbieder", "product", "budget", "contract")


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("regio")
    calls: list[tuple[int, int]] = []
    summary = generate_region(out, progress=lambda d, t: calls.append((d, t)), **SMALL)
    assert calls and calls[-1][0] == calls[-1][1]
    return out, summary


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(folder)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _soort(doc: etree._ElementTree) -> str:
    return by_namespace(etree.QName(doc.getroot()).namespace).soort


def test_messages_validate_except_planted(region):
    out, summary = region
    fouten = json.loads((out / "fouten.json").read_text())
    invalid = {f["bestand"] for f in fouten if f["verwacht_code"] == "0001"}
    assert invalid, "an XSD-invalid message is planted"
    files = sorted((out / "berichten").rglob("*.xml"))
    assert len(files) == sum(summary["berichten"].values())
    for p in files:
        doc = etree.parse(str(p))
        rel = str(p.relative_to(out))
        assert schema(_soort(doc)).validate(doc) != (rel in invalid), rel


def test_planted_faults_listed(region):
    out, _ = region
    fouten = json.loads((out / "fouten.json").read_text())
    codes = {f["verwacht_code"] for f in fouten}
    assert {"0001", "RK-BSN-01", "S300", "9063", "9056"} <= codes
    assert codes & {"9338", "9321", "0611"}
    for f in fouten:
        assert (out / f["bestand"]).exists()
        assert "referentie_nummer" in f or "toewijzing_nummer" in f
    bsn_file = next(f["bestand"] for f in fouten if f["verwacht_code"] == "RK-BSN-01")
    bsn = etree.parse(str(out / bsn_file)).find(".//{*}Bsn").text
    assert not elfproef(bsn)
    gem_file = next(f["bestand"] for f in fouten if f["verwacht_code"] == "S300")
    assert etree.parse(str(out / gem_file)).find(".//{*}Ontvanger").text == "9999"


def test_reference_headers(region):
    out, _ = region
    for name in REFERENCE:
        with (out / "referentie" / f"{name}.csv").open(encoding="utf-8") as fh:
            header = next(csv.reader(fh))
        assert header == [c.name for c in LAYOUTS[name].columns], name
    with (out / "referentie" / "gemeente.csv").open(encoding="utf-8") as fh:
        regios = {row["jeugdregio"] for row in csv.DictReader(fh)}
    assert len(regios) == 1


def test_flow_consistent(region):
    """Every start/stop refers to an allocation that was sent; BSNs pass the elfproef."""
    out, _ = region
    fouten = json.loads((out / "fouten.json").read_text())
    planted = {f["bestand"] for f in fouten if "referentie_nummer" not in f}
    toegewezen: set[str] = set()
    starts: list[tuple[str, str]] = []
    for p in sorted((out / "berichten").rglob("*.xml")):
        rel = str(p.relative_to(out))
        if rel in planted:
            continue
        root = etree.parse(str(p)).getroot()
        soort = by_namespace(etree.QName(root).namespace).soort
        if soort.endswith("301"):
            toegewezen.add(root.find(".//{*}ToewijzingNummer").text)
        elif soort[-3:] in ("305", "307"):
            starts.append((rel, root.find(".//{*}ToewijzingNummer").text))
        for bsn in root.iterfind(".//{*}Bsn"):
            assert elfproef(bsn.text), rel
    assert starts
    assert all(nr in toegewezen for _, nr in starts)


def test_same_seed_same_bytes(region, tmp_path):
    out, _ = region
    again = tmp_path / "again"
    generate_region(again, **SMALL)
    assert _digest(again) == _digest(out)
    other = tmp_path / "other"
    generate_region(other, **(SMALL | {"seed": 8}))
    assert _digest(other) != _digest(out)


def test_national_parquet_loads_into_store(tmp_path):
    summary = generate_national(tmp_path / "nat", clients=20_000, seed=3)
    assert summary["rijen"]["prestatie"] > 100_000
    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    for stmt in MIGRATIONS[1]:
        con.execute(stmt)
    for table in (
        "prestatie",
        "toewijzing",
        "levering",
        "verzoek",
        "declaratie_antwoord",
        "client",
        "gemeente",
        "populatie",
        "aanbieder",
        "product",
        "budget",
    ):
        path = tmp_path / "nat" / f"{table}.parquet"
        con.execute(f"INSERT INTO {table} SELECT * FROM read_parquet('{path}')")
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM gemeente").fetchone()[0] == 342
    assert con.execute("SELECT min(length(client_id)) FROM client").fetchone()[0] == 32


def test_large_jw323_valid(tmp_path):
    path = tmp_path / "groot.xml"
    n = write_large_jw323(path, target_bytes=3_000_000, seed=2)
    assert n > 1_000
    assert 2_900_000 < path.stat().st_size < 3_200_000
    schema("JW323").assertValid(etree.parse(str(path)))
    root = etree.parse(str(path)).getroot()
    assert len(root.findall(".//{*}Prestatie")) == n
    total = int(root.find(".//{*}TotaalBedrag").text)
    assert total == sum(int(b.text) for b in root.iterfind(".//{*}Bedrag"))

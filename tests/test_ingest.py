"""Ingest behaviour on the official samples and on hand-made variants of them."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from lxml import etree
from openpyxl import Workbook

from regiekamer import __version__
from regiekamer.facade import Regiekamer
from regiekamer.ingest.findings import FINDING_FIELDS
from regiekamer.settings import Settings

# (file, records read, accepted, rejected) for every sample message.
SAMPLES = [
    ("ijw/JW301.xml", 2, 2, 0),
    ("ijw/JW302.xml", 1, 1, 0),
    ("ijw/JW305.xml", 2, 2, 0),
    ("ijw/JW306.xml", 1, 1, 0),
    ("ijw/JW307.xml", 2, 2, 0),
    ("ijw/JW308.xml", 1, 1, 0),
    ("ijw/JW315.xml", 2, 0, 2),
    ("ijw/JW316.xml", 1, 1, 0),
    ("ijw/JW317.xml", 2, 2, 0),
    ("ijw/JW318.xml", 1, 0, 1),
    ("ijw/JW319.xml", 1, 1, 0),
    ("ijw/JW320.xml", 1, 1, 0),
    ("ijw/JW323.xml", 5, 5, 0),
    ("ijw/JW325.xml", 3, 3, 0),
    ("iwmo/WMO301.xml", 1, 1, 0),
    ("iwmo/WMO305.xml", 2, 2, 0),
    ("iwmo/WMO307.xml", 2, 2, 0),
    ("iwmo/WMO315.xml", 2, 2, 0),
    ("iwmo/WMO317.xml", 3, 3, 0),
    ("iwmo/WMO319.xml", 1, 1, 0),
    ("iwmo/WMO323.xml", 4, 4, 0),
]
NS_BASIS = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"


def _one(kamer: Regiekamer, sql: str) -> object:
    con = duckdb.connect(str(kamer.store), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_all_samples_ingest_with_the_right_counts(kamer: Regiekamer, samples: Path) -> None:
    report = kamer.ingest([samples])
    got = {o.naam: (o.gelezen, o.geaccepteerd, o.afgewezen) for o in report.files}
    assert got == {Path(f).name: (r, a, x) for f, r, a, x in SAMPLES}
    t = report.totals
    assert t["gelezen"] == t["geaccepteerd"] + t["afgewezen"] == 40
    assert _one(kamer, "SELECT count(*) FROM prestatie") == 9
    assert _one(kamer, "SELECT sum(bedrag_cent) FROM prestatie WHERE wet = 'jeugd'") == 79000


def test_invalid_samples_give_coded_findings(kamer: Regiekamer, samples: Path) -> None:
    kamer.ingest([samples / "ijw/JW315.xml", samples / "ijw/JW318.xml"])
    found = {f["bestand"]: f for f in kamer.findings()}
    assert found["JW315.xml"]["code"] == "0001"
    assert "2027-06-31" in found["JW315.xml"]["melding"]
    assert found["JW315.xml"]["locatie"] == "AangevraagdProduct 1, regel 44"
    assert found["JW315.xml"]["bericht_id"] == "123456789012"
    assert found["JW318.xml"]["code"] == "0001"
    assert "RetourCode" in found["JW318.xml"]["melding"]


def _jw305(
    samples: Path, out: Path, ident: str, dag: str, status: str, begin: str = "2026-04-03"
) -> Path:
    """The sample JW305 with one StartProduct, a new id, Dagtekening and StatusAanlevering."""
    tree = etree.parse(str(samples / "ijw/JW305.xml"))
    root = tree.getroot()
    ns = root.nsmap["jw305"]
    root.find(f".//{{{NS_BASIS}}}Identificatie").text = ident
    root.find(f".//{{{NS_BASIS}}}Dagtekening").text = dag
    products = root.find(f".//{{{ns}}}StartProducten")
    products.remove(products[1])
    products[0].find(f"{{{ns}}}StatusAanlevering").text = status
    products[0].find(f"{{{ns}}}Begindatum").text = begin
    tree.write(str(out), xml_declaration=True, encoding="UTF-8")
    return out


def test_status_aanlevering_new_change_delete(
    kamer: Regiekamer, samples: Path, tmp_path: Path
) -> None:
    count = "SELECT count(*) FROM levering"
    kamer.ingest([_jw305(samples, tmp_path / "a.xml", "1001", "2026-04-10", "1")])
    assert _one(kamer, count) == 1
    r = kamer.ingest([_jw305(samples, tmp_path / "b.xml", "1002", "2026-04-11", "1")])
    assert (r.files[0].geaccepteerd, r.files[0].afgewezen) == (1, 0)
    assert _one(kamer, count) == 1
    assert [f["code"] for f in kamer.findings()] == ["9074"]
    kamer.ingest([_jw305(samples, tmp_path / "c.xml", "1003", "2026-04-12", "3")])
    assert _one(kamer, count) == 0
    r = kamer.ingest([_jw305(samples, tmp_path / "d.xml", "1004", "2026-04-13", "3")])
    assert (r.files[0].gelezen, r.files[0].geaccepteerd, r.files[0].afgewezen) == (1, 0, 1)
    assert kamer.findings()[-1]["code"] == "9063"
    kamer.ingest([_jw305(samples, tmp_path / "e.xml", "1005", "2026-04-14", "2")])
    assert _one(kamer, count) == 1
    assert kamer.findings()[-1]["code"] == "RK-STATUS-01"


def test_messages_apply_in_dagtekening_order_not_file_order(
    kamer: Regiekamer, samples: Path, tmp_path: Path
) -> None:
    # 'a' deletes what 'z' creates; 'z' has the earlier Dagtekening, so it goes first.
    delete = _jw305(samples, tmp_path / "a_delete.xml", "2002", "2026-05-01", "3")
    create = _jw305(samples, tmp_path / "z_create.xml", "2001", "2026-04-20", "1")
    report = kamer.ingest([delete, create])
    assert [o.naam for o in report.files] == ["z_create.xml", "a_delete.xml"]
    assert report.totals["afgewezen"] == 0
    assert _one(kamer, "SELECT count(*) FROM levering") == 0


def test_same_message_id_with_other_content_is_rejected(
    kamer: Regiekamer, samples: Path, tmp_path: Path
) -> None:
    kamer.ingest([_jw305(samples, tmp_path / "a.xml", "3001", "2026-04-10", "1")])
    r = kamer.ingest(
        [_jw305(samples, tmp_path / "b.xml", "3001", "2026-04-10", "1", begin="2026-04-05")]
    )
    assert (r.files[0].gelezen, r.files[0].afgewezen) == (1, 1)
    assert kamer.findings()[-1]["code"] == "9056"
    assert _one(kamer, "SELECT count(*) FROM levering") == 1


def test_reimport_changes_nothing(kamer: Regiekamer, samples: Path) -> None:
    kamer.ingest([samples])
    before = kamer.summary()
    again = kamer.ingest([samples])
    assert {o.status for o in again.files} == {"al ingelezen"}
    assert kamer.summary() == before


def _jw301(samples: Path, out: Path, ident: str, dag: str, einddatum: str) -> Path:
    tree = etree.parse(str(samples / "ijw/JW301.xml"))
    root = tree.getroot()
    ns = root.nsmap["jw301"]
    root.find(f".//{{{NS_BASIS}}}Identificatie").text = ident
    root.find(f".//{{{NS_BASIS}}}Dagtekening").text = dag
    root.find(f".//{{{ns}}}ToegewezenProduct/{{{ns}}}Einddatum").text = einddatum
    tree.write(str(out), xml_declaration=True, encoding="UTF-8")
    return out


def test_latest_allocation_version_wins(kamer: Regiekamer, samples: Path, tmp_path: Path) -> None:
    sql = "SELECT CAST(einddatum AS VARCHAR) FROM toewijzing WHERE toewijzing_nummer = '300201'"
    kamer.ingest([_jw301(samples, tmp_path / "a.xml", "1", "2026-04-01", "2026-07-14")])
    kamer.ingest([_jw301(samples, tmp_path / "b.xml", "2", "2026-05-01", "2026-06-30")])
    assert _one(kamer, sql) == "2026-06-30"
    r = kamer.ingest([_jw301(samples, tmp_path / "c.xml", "3", "2026-04-15", "2026-12-31")])
    assert r.files[0].afgewezen == 0
    assert _one(kamer, sql) == "2026-06-30"
    assert "RK-TOEW-01" in {f["code"] for f in kamer.findings()}
    assert _one(kamer, "SELECT count(*) FROM toewijzing") == 2


TOEWIJZING_ROWS = [
    [
        "wet",
        "gemeente",
        "aanbieder",
        "bsn",
        "geboortedatum",
        "dagtekening",
        "ToewijzingNummer",
        "productcategorie",
        "productcode",
        "toewijzingsdatum",
        "ingangsdatum",
        "einddatum",
        "volume",
        "eenheid",
        "frequentie",
    ],
    [
        "jeugd",
        "384",
        "42420001",
        "999900006",
        "14-02-2010",
        "2025-01-06",
        "T1",
        "45",
        "45A03",
        "2025-01-06",
        "2025-01-13",
        "",
        "4",
        "4",
        "2",
    ],
    [
        "Jeugd",
        "0384",
        "42420001",
        "999900018",
        "2011-03-01",
        "2025-01-06",
        "T2",
        "43",
        "43A01",
        "2025-01-06",
        "2025-02-30",
        "",
        "1",
        "14",
        "4",
    ],
    [
        "wmo",
        "9999",
        "4242A",
        "123456789",
        "2011-03-01",
        "2025-01-06",
        "T3",
        "99",
        "X",
        "2025-01-06",
        "2025-01-06",
        "",
        "-1",
        "04",
        "2",
    ],
]


def _write_csv(
    path: Path, rows: list[list[str]], delimiter: str = ";", encoding: str = "utf-8-sig"
) -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def test_csv_table_rows_are_validated_with_codes_and_locations(
    kamer: Regiekamer, tmp_path: Path
) -> None:
    r = kamer.ingest([_write_csv(tmp_path / "toewijzingen.csv", TOEWIJZING_ROWS)])
    o = r.files[0]
    assert (o.soort, o.gelezen, o.geaccepteerd, o.afgewezen) == ("tabel:toewijzing", 3, 1, 2)
    found = {(f["locatie"], f["veld"], f["code"]) for f in kamer.findings()}
    assert ("rij 3", "ingangsdatum", "RK-TABEL-03") in found
    assert {
        ("rij 4", "gemeente", "S300"),
        ("rij 4", "aanbieder", "RK-TABEL-03"),
        ("rij 4", "bsn", "RK-BSN-01"),
        ("rij 4", "productcategorie", "RK-TABEL-04"),
        ("rij 4", "volume", "RK-TABEL-03"),
    } <= found
    # Excel's lost leading zeros are restored; the Dutch date is understood.
    row = (
        duckdb.connect(str(kamer.store), read_only=True)
        .execute(
            "SELECT gemeente, eenheid, CAST(c.geboortemaand AS VARCHAR) FROM toewijzing "
            "JOIN client c USING (client_id)"
        )
        .fetchone()
    )
    assert row == ("0384", "04", "2010-02-01")


def test_xlsx_parquet_and_csv_give_the_same_store_rows(tmp_path: Path) -> None:
    rows = TOEWIJZING_ROWS[:2]
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(tmp_path / "t.xlsx")
    pq.write_table(
        pa.table({k: [v] for k, v in zip(rows[0], rows[1], strict=True)}), tmp_path / "t.parquet"
    )
    _write_csv(tmp_path / "t.csv", rows, delimiter=",", encoding="cp1252")
    results = []
    for name in ("t.xlsx", "t.parquet", "t.csv"):
        k = Regiekamer(Settings(store=tmp_path / f"{name}.duckdb", key="k", workers=1))
        k.init()
        assert k.ingest([tmp_path / name]).totals["geaccepteerd"] == 1
        con = duckdb.connect(str(k.store), read_only=True)
        results.append(con.execute("SELECT * EXCLUDE (bestand_id) FROM toewijzing").fetchall())
        con.close()
    assert results[0] == results[1] == results[2]


def test_reference_tables_upsert_by_key(kamer: Regiekamer, tmp_path: Path) -> None:
    header = ["gemeentecode", "jaar", "inwoners_0_17", "inwoners_totaal"]
    kamer.ingest([_write_csv(tmp_path / "p1.csv", [header, ["0384", "2025", "5000", "28000"]])])
    kamer.ingest(
        [
            _write_csv(
                tmp_path / "p2.csv",
                [header, ["0384", "2025", "5100", "28100"], ["0363", "2025", "150000", "930000"]],
            )
        ]
    )
    assert _one(kamer, "SELECT count(*) FROM populatie") == 2
    assert _one(kamer, "SELECT inwoners_0_17 FROM populatie WHERE gemeentecode='0384'") == 5100


def test_unknown_layout_names_the_expected_columns(kamer: Regiekamer, tmp_path: Path) -> None:
    r = kamer.ingest([_write_csv(tmp_path / "x.csv", [["foo", "bar"], ["1", "2"], ["3", "4"]])])
    assert (r.files[0].gelezen, r.files[0].afgewezen) == (2, 2)
    (f,) = kamer.findings()
    assert f["code"] == "RK-TABEL-01" and "Verwacht" in f["melding"]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {"REGIEKAMER_KEY": "cli-key", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "regiekamer", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_exit_codes_and_json(tmp_path: Path, samples: Path) -> None:
    assert _cli("--version", cwd=tmp_path).stdout.strip() == f"regiekamer {__version__}"
    assert _cli("ingest", str(samples), cwd=tmp_path).returncode == 2  # no store yet
    assert _cli("init", cwd=tmp_path).returncode == 0
    missing = _cli("ingest", str(tmp_path / "nope"), cwd=tmp_path)
    assert missing.returncode == 2 and "bestaat niet" in missing.stderr
    assert _cli("ingest", str(samples), cwd=tmp_path).returncode == 0
    strict = _cli("ingest", "--strict", str(samples / "ijw/JW315.xml"), cwd=tmp_path)
    assert strict.returncode == 0  # already imported: nothing new was rejected
    (tmp_path / "bad.xml").write_bytes((samples / "ijw/JW318.xml").read_bytes() + b"\n")
    assert _cli("ingest", "--strict", str(tmp_path / "bad.xml"), cwd=tmp_path).returncode == 1
    out = _cli("findings", "--format", "json", cwd=tmp_path)
    rows = json.loads(out.stdout)
    assert rows and tuple(rows[0]) == FINDING_FIELDS
    cat = json.loads(_cli("findings", "--catalogue", "--format", "json", cwd=tmp_path).stdout)
    assert {r["code"] for r in rows} <= {r["code"] for r in cat}
    xlsx = _cli("findings", "--format", "xlsx", "--out", "b.xlsx", cwd=tmp_path)
    assert xlsx.returncode == 0 and (tmp_path / "b.xlsx").stat().st_size > 0


def test_ibis_smoke(tmp_path: Path) -> None:
    """Catches the next upstream break of Ibis on DuckDB (create, list, table, sql, drop)."""
    import ibis

    con = ibis.duckdb.connect(str(tmp_path / "ibis.duckdb"))
    con.create_table("t", ibis.memtable({"a": [1, 2, 3]}))
    assert "t" in con.list_tables()
    assert con.table("t").a.sum().execute() == 6
    assert con.sql("SELECT max(a) AS m FROM t").execute()["m"][0] == 3
    con.drop_table("t")
    assert "t" not in con.list_tables()

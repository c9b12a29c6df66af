"""Participatiewet, households and CBS StatLine downloads through the real ingest pipeline."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from regiekamer.facade import Regiekamer
from regiekamer.ingest.layouts import LAYOUTS
from regiekamer.store.connection import connect

CBS = Path(__file__).parent / "data" / "cbs"
BSN_A, BSN_B = "999900006", "999900018"  # elfproef-valid test numbers
HH_A = "LEEF-2025-000417"


def _uitkering(path: Path, *rows: dict[str, str]) -> Path:
    header = [c.name for c in LAYOUTS["uitkering"].columns]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for r in rows:
            w.writerow({h: r.get(h, "") for h in header})
    return path


def _row(**changes: str) -> dict[str, str]:
    row = {
        "gemeente": "0363",
        "bsn": BSN_A,
        "huishouden": HH_A,
        "begindatum": "2025-01-01",
        "maandbedrag_cent": "135000",
    }
    return row | changes


def _end_before_begin(tmp: Path) -> Path:
    return _uitkering(tmp / "u.csv", _row(einddatum="2024-12-31", reden_beeindiging="werk"))


def _labels_download(tmp: Path) -> Path:
    path = tmp / "statline_labels.csv"
    path.write_text(
        '"Regio\'s";"Perioden";"Wmo-cliënten (aantal)"\n"Amsterdam";"2024";"61240"\n',
        encoding="utf-8",
    )
    return path


def _bad_region(tmp: Path) -> Path:
    path = tmp / "wmo.csv"
    text = (CBS / "wmo_clienten_TypedDataSet.csv").read_text(encoding="utf-8")
    path.write_text(text.replace("GM0599", "GM9999"), encoding="utf-8")
    return path


def _same_key_twice(tmp: Path) -> Path:
    return _uitkering(tmp / "u.csv", _row(), _row(maandbedrag_cent="140000"))


# One case per rule of this topic, used by test_rules.py (one rule, one code, one test).
INTEGRAAL_CASES: dict[str, Callable[[Path], Path]] = {
    "RK-UITK-01": _end_before_begin,
    "RK-UITK-02": _same_key_twice,
    "RK-CBS-01": _labels_download,
    "RK-CBS-02": _bad_region,
}


def _rows(kamer: Regiekamer, sql: str) -> list[tuple]:
    con = connect(kamer.store, read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_benefits_are_stored_with_pseudonyms_only(kamer: Regiekamer, tmp_path: Path) -> None:
    path = _uitkering(
        tmp_path / "uitkering.csv",
        _row(einddatum="2025-06-30", reden_beeindiging="werk", wijk="WK036301"),
        _row(bsn=BSN_B, begindatum="2025-03-01"),
        _row(bsn="123456789"),  # fails the elfproef
        _row(bsn=BSN_B, begindatum="2025-04-01", einddatum="2025-05-01"),  # no reason
        _row(bsn=BSN_B, begindatum="2025-05-01", wijk="Centrum"),
        _row(bsn=BSN_B, begindatum="2025-06-01", reden_beeindiging="ontslag"),
    )
    t = kamer.ingest([path]).totals
    assert (t["gelezen"], t["geaccepteerd"], t["afgewezen"]) == (6, 2, 4)
    codes = {(f["locatie"], f["code"], f["veld"]) for f in kamer.findings()}
    assert codes == {
        ("rij 4", "RK-BSN-01", "bsn"),
        ("rij 5", "RK-TABEL-02", "reden_beeindiging"),
        ("rij 6", "RK-TABEL-03", "wijk"),
        ("rij 7", "RK-TABEL-04", "reden_beeindiging"),
    }
    stored = _rows(kamer, "SELECT client_id, huishouden_id, einddatum, wijk FROM uitkering")
    assert len(stored) == 2
    assert all(len(c) == 32 and len(h) == 32 and c != h for c, h, _, _ in stored)
    assert len({h for _, h, _, _ in stored}) == 1  # both members of HH_A
    con = connect(kamer.store)
    con.execute("CHECKPOINT")
    con.close()
    raw = kamer.store.read_bytes()
    for plain in (BSN_A, BSN_B, HH_A):
        assert plain.encode() not in raw
    for f in kamer.findings():
        assert BSN_A not in f["melding"] and HH_A not in f["melding"]


def test_a_corrected_export_replaces_and_the_same_file_changes_nothing(
    kamer: Regiekamer, tmp_path: Path
) -> None:
    first = _uitkering(tmp_path / "jan.csv", _row())
    kamer.ingest([first])
    assert kamer.ingest([first]).totals["nieuw"] == 0
    later = _uitkering(tmp_path / "jul.csv", _row(einddatum="2025-06-30", reden_beeindiging="werk"))
    kamer.ingest([later])
    assert _rows(kamer, "SELECT count(*), max(einddatum)::VARCHAR FROM uitkering") == [
        (1, "2025-06-30")
    ]


def test_the_same_key_twice_in_one_file_keeps_the_last_row_with_a_warning(
    kamer: Regiekamer, tmp_path: Path
) -> None:
    t = kamer.ingest([_same_key_twice(tmp_path)]).totals
    assert (t["gelezen"], t["geaccepteerd"], t["bevindingen"]) == (2, 2, 1)
    (f,) = kamer.findings()
    assert (f["code"], f["ernst"], f["locatie"]) == ("RK-UITK-02", "waarschuwing", "rij 2")
    assert "Rij 3" in f["melding"]
    assert _rows(kamer, "SELECT maandbedrag_cent FROM uitkering") == [(140000,)]


def test_household_keys_meet_across_tables_and_formats(kamer: Regiekamer, tmp_path: Path) -> None:
    """The same household key gives the same pseudonym in CSV, XLSX and Parquet, in the
    uitkering and huishouden layouts alike; an XLSX that dropped the BSN's leading zero too."""
    xlsx = tmp_path / "huishouden.xlsx"
    wb = xlsxwriter.Workbook(str(xlsx))
    ws = wb.add_worksheet()
    for j, name in enumerate(["bsn", "huishouden", "gemeente", "wijk"]):
        ws.write(0, j, name)
    for j, value in enumerate([int(BSN_B), HH_A, "363", "wk036302"]):
        ws.write(1, j, value)
    wb.close()
    parquet = tmp_path / "uitkering.parquet"
    header = [c.name for c in LAYOUTS["uitkering"].columns]
    values = _row() | {"begindatum": "2025-02-01"}
    pq.write_table(pa.table({h: [values.get(h)] for h in header}), parquet)
    t = kamer.ingest([xlsx, parquet]).totals
    assert t["afgewezen"] == 0, kamer.findings()
    (one,) = _rows(kamer, "SELECT DISTINCT huishouden_id FROM huishouden")
    (two,) = _rows(kamer, "SELECT DISTINCT huishouden_id FROM uitkering")
    assert one == two
    assert _rows(kamer, "SELECT gemeente, wijk FROM huishouden") == [("0363", "WK036302")]


def test_the_three_cbs_tables_load_from_their_statline_downloads(kamer: Regiekamer) -> None:
    report = kamer.ingest(sorted(CBS.glob("*.csv")))
    t = report.totals
    assert (t["gelezen"], t["afgewezen"]) == (16, 0), kamer.findings()
    assert {o.soort for o in report.files} == {"cbs:85094NED", "cbs:86195NED", "cbs:wmo_clienten"}
    got = dict(
        ((tabel, regio, m, cat), (periode, w))
        for tabel, regio, m, cat, periode, w in _rows(
            kamer,
            "SELECT tabel, regiocode, maatstaf, categorie, periode, waarde FROM cbs_cijfer",
        )
    )
    assert got[("85094NED", "GM0363", "trajecten", "totaal")] == ("2024", 38120)
    assert got[("85094NED", "GM0599", "trajecten", "jeugdhulp_met_verblijf")] == ("2024", None)
    assert got[("86195NED", "GM0363", "huishoudens", "jeugd+wmo+bijstand")] == ("2024", 1630)
    assert got[("86195NED", "NL01", "clienten_per_1000_inwoners", "totaal")] == ("2024", 113.4)
    assert got[("wmo_clienten", "GM0363", "clienten", "pgb")] == ("2024-H2", 0)  # '-' is nihil
    # A revised download replaces the figures instead of adding to them.
    assert kamer.ingest(sorted(CBS.glob("*.csv"))).totals["nieuw"] == 0
    assert _rows(kamer, "SELECT count(*) FROM cbs_cijfer") == [(44,)]  # 6 x 2 + 6 x 4 + 4 x 2 cells


def test_a_download_in_another_layout_names_the_expected_columns(
    kamer: Regiekamer, tmp_path: Path
) -> None:
    t = kamer.ingest([_labels_download(tmp_path)]).totals
    assert (t["gelezen"], t["afgewezen"]) == (1, 1)
    (f,) = kamer.findings()
    assert f["code"] == "RK-CBS-01" and f["locatie"] == "rij 1"
    for column in ("ID", "RegioS", "Perioden", "Jeugdzorgtrajecten_<nr>"):
        assert column in f["melding"]


def test_benchmarks_put_the_municipality_beside_region_and_nation(
    kamer: Regiekamer, tmp_path: Path
) -> None:
    kamer.ingest(sorted(CBS.glob("*.csv")))
    # Haarlemmermeer (0394) is a youth-care region of its own: its sum is the region's figure.
    own = tmp_path / "85094NED_0394.csv"
    own.write_text(
        '"ID";"TypeJeugdzorg";"RegioS";"Perioden";"Jeugdzorgtrajecten_1"\n'
        '"0";"T001203";"GM0394  ";"2023JJ00";"      4100"\n'
        '"1";"T001203";"GM0394  ";"2024JJ00";"      4260"\n',
        encoding="utf-8",
    )
    kamer.ingest([own])
    rows = {(r["tabel"], r["maatstaf"], r["categorie"]): r for r in kamer.benchmarks("0363", 2025)}
    r = rows[("85094NED", "trajecten", "totaal")]
    assert (r["periode"], r["gemeente_waarde"], r["land_waarde"]) == ("2024", 38120, 480315)
    assert r["regio_waarde"] is None  # CBS gave 1 of the 6 municipalities of Amsterdam-Amstelland
    assert rows[("wmo_clienten", "clienten_per_1000_inwoners", "totaal")]["land_waarde"] == 69.2
    (haarlemmermeer,) = kamer.benchmarks("0394", 2023)
    assert (haarlemmermeer["periode"], haarlemmermeer["regio_waarde"]) == ("2023", 4100)
    assert kamer.benchmarks("0394", 2024)[0]["regio_waarde"] == 4260


@pytest.mark.parametrize("name", ["85094NED_TypedDataSet.csv"])
def test_a_cbs_download_with_windows_line_ends_and_bom_reads_the_same(
    kamer: Regiekamer, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    text = (CBS / name).read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert kamer.ingest([path]).totals["afgewezen"] == 0
    shutil.copy(CBS / name, tmp_path / "again.csv")
    kamer.ingest([tmp_path / "again.csv"])
    assert _rows(kamer, "SELECT count(*) FROM cbs_cijfer") == [(12,)]


def test_store_migrates_to_the_integraal_tables(kamer: Regiekamer) -> None:
    con = duckdb.connect(str(kamer.store), read_only=True)
    try:
        sql = "SELECT table_name FROM information_schema.tables"
        tables = {r[0] for r in con.execute(sql).fetchall()}
    finally:
        con.close()
    assert {"uitkering", "huishouden", "cbs_cijfer"} <= tables

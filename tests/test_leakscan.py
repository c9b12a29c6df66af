"""The leak scanner (scripts/leakscan.py, run by scripts/test.sh after the whole suite) finds
a planted BSN wherever a run can leave one, and nothing in what the product itself writes.

The planted files are removed at the end of each test: the scan after the suite would
rightly report them.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from openpyxl import Workbook

from regiekamer.facade import Regiekamer
from regiekamer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("leakscan", ROOT / "scripts" / "leakscan.py")
leakscan = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(leakscan)  # type: ignore[union-attr]

FED = "999900018"  # passes the elfproef
OTHER = "999900031"  # passes too, but is never fed in


@pytest.fixture
def area(tmp_path: Path) -> Iterator[Path]:
    d = tmp_path / "run"
    d.mkdir()
    (d / "in").mkdir()
    (d / "in" / "toewijzing.csv").write_text(
        f"gemeente;aanbieder;bsn;product\n0384;12345678;{FED};45A01\n"
    )
    yield d
    shutil.rmtree(d)


def test_the_elfproef_of_the_scanner_is_the_bsn_rule() -> None:
    assert leakscan.elfproef(FED) and leakscan.elfproef(OTHER)
    assert leakscan.elfproef("111222333")
    assert not leakscan.elfproef("123456780") and not leakscan.elfproef("000000000")


@pytest.mark.parametrize("kind", ["log", "html", "store", "xlsx", "wal-like bytes"])
def test_a_planted_bsn_is_found(area: Path, kind: str) -> None:
    out = area / "uit"
    out.mkdir()
    if kind == "log":
        (out / "server.log").write_text(f"GET /clienten?bsn={FED} 200\n")
    elif kind == "html":
        (out / "rapport.html").write_text(f"<td>{FED}</td>")
    elif kind == "store":
        con = duckdb.connect(str(out / "export.duckdb"))
        con.execute("CREATE TABLE t (id INTEGER, tekst VARCHAR)")
        con.execute("INSERT INTO t VALUES (1, ?)", [f"client {FED} kwam"])
        con.close()
    elif kind == "xlsx":
        wb = Workbook()
        wb.active.append(["kenmerk", "waarde"])
        wb.active.append(["x", FED])
        buf = io.BytesIO()
        wb.save(buf)
        (out / "overzicht.xlsx").write_bytes(buf.getvalue())
    else:
        (out / "s.duckdb.wal").write_bytes(b"\x00\x01" + FED.encode() + b"\xff")
    scanned, inputs, n_bsn, leaks = leakscan.scan([area], [])
    assert inputs == 1 and n_bsn == 1 and scanned == 1
    assert len(leaks) == 1, leaks
    assert FED not in leaks[0]  # the report masks the number it found


def test_other_numbers_are_not_leaks(area: Path) -> None:
    (area / "rapport.txt").write_text(f"{OTHER} 1{FED} {FED}0 {FED[:8]}\n")
    assert leakscan.scan([area], [])[3] == []


def test_the_command_fails_on_a_leak(area: Path) -> None:
    assert leakscan.main([str(area)]) == 0
    (area / "pytest.log").write_text(f"AssertionError: {FED} != None\n")
    assert leakscan.main([str(area)]) == 1


def test_what_ingest_writes_holds_no_input_bsn(area: Path, samples: Path) -> None:
    """The samples and a table ingested into a store in the scanned area: 0 leaks."""
    shutil.copytree(samples, area / "in" / "berichten")
    kamer = Regiekamer(Settings(store=area / "s.duckdb", key="test-key", workers=1))
    kamer.init()
    kamer.ingest([area / "in"])
    scanned, inputs, n_bsn, leaks = leakscan.scan([area], [ROOT / "tests" / "data"])
    assert inputs >= 20 and n_bsn >= 2 and scanned >= 1
    assert leaks == []

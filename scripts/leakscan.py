"""Scan what a test run left behind for the BSNs it fed in (issue 9, "no leaks").

Run by scripts/test.sh after pytest: ``leakscan.py --source tests --source src/regiekamer/synth
--log pytest.log BASETEMP [DIR ...]``. Files are split in two by their content:

* inputs: iJw/iWmo messages (an element ``Bsn``) and tables with a ``bsn`` column (CSV, XLSX,
  Parquet). They are what was fed in: every 9-digit number in them that passes the elfproef is
  an input BSN, as is every such number written in the test and generator sources;
* everything else: logs, exports, reports, stores, staging files, backups. In these, every
  9-digit sequence (not part of a longer number) that passes the elfproef is looked up in the
  set of input BSNs; a hit is a leak. DuckDB stores are opened and every text column is
  searched; zip files (XLSX) are searched member by member; other files byte for byte.

Exit status 1 with the hits (file, place; the number itself masked) when anything is found.
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

NINE = re.compile(rb"(?<!\d)(\d{9})(?!\d)")
TEXT_NINE = re.compile(r"(?<!\d)(\d{9})(?!\d)")
# A message: an element Bsn, or the iStandaarden namespace (a damaged message is still input).
MESSAGE = re.compile(rb"<(?:\w+:)?Bsn>|www\.istandaarden\.nl/i(?:jw|wmo)/")
DUCKDB_MAGIC = b"DUCK"
CHUNK = 1 << 22


def elfproef(s: str) -> bool:
    """The BSN check digit rule (11-test), the last weight -1."""
    if len(s) != 9 or not s.isdigit() or s == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(s[:8], range(9, 1, -1), strict=True))
    return (total - int(s[8])) % 11 == 0


def nines(data: bytes) -> Iterator[str]:
    for m in NINE.finditer(data):
        s = m.group(1).decode()
        if elfproef(s):
            yield s


def _header(path: Path) -> list[str]:
    """The first row of a table file, lower-cased; [] when it is not a table we can read."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt", ".tsv"):
            with path.open("rb") as fh:
                first = fh.readline(65536).decode("utf-8-sig", "replace")
            return [c.strip().strip('"').lower() for c in re.split(r"[,;\t]", first)]
        if suffix == ".xlsx":
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True)
            try:
                row = next(wb.worksheets[0].iter_rows(values_only=True, max_row=1), ())
            finally:
                wb.close()
            return [str(c).strip().lower() for c in row if c is not None]
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            return [n.lower() for n in pq.ParquetFile(path).schema_arrow.names]
    except Exception:  # a broken table (a fuzz mutant) is no input; it is scanned as bytes
        return []
    return []


def is_input(path: Path) -> bool:
    """A message or a table with a bsn column: what the tests and the generator fed in."""
    suffix = path.suffix.lower()
    if suffix == ".xml":
        with path.open("rb") as fh:
            return bool(MESSAGE.search(fh.read(1 << 20)))
    return "bsn" in _header(path)


BSN_ELEMENT = re.compile(rb"<(?:\w+:)?Bsn>\s*(\d{9})\s*<")
BSN_LITERAL = re.compile(r"[\"'](\d{9})[\"']")


def input_bsns(path: Path) -> set[str]:
    """The BSNs of an input: its Bsn elements, or the cells of its bsn column."""
    if path.suffix.lower() == ".xml":
        found: set[str] = set()
        for chunk in _chunks(path):
            found.update(m.decode() for m in BSN_ELEMENT.findall(chunk))
        return {s for s in found if elfproef(s)}
    return {s for s in _bsn_column(path) if elfproef(s)}


def source_bsns(path: Path) -> set[str]:
    """BSNs written in code: a quoted 9-digit literal on a line that speaks of a BSN."""
    found = set()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if "bsn" in line.lower():
            found.update(s for s in BSN_LITERAL.findall(line) if elfproef(s))
    return found


def _bsn_column(path: Path) -> Iterator[str]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            rows = _xlsx_rows(path)
        elif suffix == ".parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            names = [n.lower() for n in table.column_names]
            yield from (str(v).strip() for v in table.column(names.index("bsn")).to_pylist())
            return
        else:
            rows = _csv_rows(path)
        header = [str(c).strip().strip('"').lower() for c in next(rows)]
        at = header.index("bsn")
        for row in rows:
            if at < len(row):
                yield str(row[at]).strip()
    except Exception:  # a broken table: what could be read of it is enough
        return


def _csv_rows(path: Path) -> Iterator[list[str]]:
    import csv

    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        first = fh.readline()
        sep = max(",;\t", key=first.count)
        yield next(csv.reader([first], delimiter=sep))
        yield from csv.reader(fh, delimiter=sep)


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        for row in wb.worksheets[0].iter_rows(values_only=True):
            yield ["" if c is None else str(c) for c in row]
    finally:
        wb.close()


def _chunks(path: Path) -> Iterator[bytes]:
    """The file in overlapping chunks (a number on a chunk border is seen whole)."""
    with path.open("rb") as fh:
        tail = b""
        while block := fh.read(CHUNK):
            yield tail + block
            tail = block[-16:]


def _store_hits(path: Path, wanted: set[str]) -> Iterator[tuple[str, str]]:
    """Every text column of every table of a DuckDB store, searched for the input BSNs."""
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True, config={"memory_limit": "2GB"})
    except duckdb.Error:  # a store still open elsewhere or torn on purpose: read its bytes
        yield from _byte_hits(path, wanted)
        return
    try:
        cols = con.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'VARCHAR' OR data_type LIKE '%VARCHAR[]' OR data_type = 'JSON'"
        ).fetchall()
        for schema, table, column in cols:
            rows = con.execute(
                f'SELECT DISTINCT m FROM (SELECT unnest(regexp_extract_all(CAST("{column}" AS '
                f'VARCHAR), \'[0-9]{{9,}}\')) AS m FROM "{schema}"."{table}") '
                "WHERE length(m) = 9"
            ).fetchall()
            for (m,) in rows:
                if m in wanted:
                    yield m, f"{table}.{column}"
    finally:
        con.close()


def _byte_hits(path: Path, wanted: set[str]) -> Iterator[tuple[str, str]]:
    for chunk in _chunks(path):
        for s in nines(chunk):
            if s in wanted:
                yield s, "bytes"


def _zip_hits(path: Path, wanted: set[str]) -> Iterator[tuple[str, str]]:
    try:
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                for s in nines(z.read(name)):
                    if s in wanted:
                        yield s, name
    except Exception:  # a damaged zip (a fuzz mutant, a killed export): read its bytes
        yield from _byte_hits(path, wanted)


def hits(path: Path, wanted: set[str]) -> Iterator[tuple[str, str]]:
    with path.open("rb") as fh:
        head = fh.read(16)
    if head[8:12] == DUCKDB_MAGIC:
        yield from _store_hits(path, wanted)
    elif head[:2] == b"PK":
        yield from _zip_hits(path, wanted)
    else:
        yield from _byte_hits(path, wanted)


def files(roots: Iterable[Path]) -> Iterator[Path]:
    for root in roots:
        if root.is_file():
            yield root
        elif root.is_dir():
            for p in sorted(root.rglob("*")):
                if p.is_file() and not p.is_symlink():
                    yield p


def mask(bsn: str) -> str:
    return bsn[:2] + "*****" + bsn[-2:]


def scan(roots: list[Path], sources: list[Path]) -> tuple[int, int, int, list[str]]:
    """(files scanned, input files, input BSNs, leaks as text)."""
    wanted: set[str] = set()
    for src in files(sources):
        if src.suffix == ".py":
            wanted |= source_bsns(src)
        elif src.suffix == ".xml" and is_input(src):
            wanted |= input_bsns(src)
    outputs: list[Path] = []
    n_inputs = 0
    for p in files(roots):
        try:
            if is_input(p):
                n_inputs += 1
                wanted |= input_bsns(p)
            else:
                outputs.append(p)
        except OSError:
            continue
    leaks = []
    for p in outputs:
        try:
            for bsn, where in hits(p, wanted):
                leaks.append(f"{p} ({where}): BSN {mask(bsn)}")
        except OSError:
            continue
    return len(outputs), n_inputs, len(wanted), leaks


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Zoek ingevoerde BSN's in wat een testrun achterliet.")
    ap.add_argument("roots", nargs="+", type=Path, help="mappen en bestanden om te doorzoeken")
    ap.add_argument("--source", action="append", type=Path, default=[], help="bron met BSN's")
    args = ap.parse_args(argv)
    scanned, n_inputs, n_bsn, leaks = scan(args.roots, args.source)
    print(
        f"leakscan: {scanned} bestanden doorzocht, {n_inputs} invoerbestanden, "
        f"{n_bsn} ingevoerde BSN's, {len(leaks)} gevonden"
    )
    for line in leaks[:50]:
        print(f"  LEK: {line}")
    return 1 if leaks else 0


if __name__ == "__main__":
    sys.exit(main())

"""Parse one table file (CSV, XLSX or Parquet): read rows -> validate -> minimise -> stage.

The layout is recognised from the header (ingest/layouts.py). Every cell is checked against
its column kind; a row with any error is rejected with one finding per wrong field, and the
row's number as the user sees it (row 1 is the header, as in Excel).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

from regiekamer.ingest import findings as F
from regiekamer.ingest import layouts as L
from regiekamer.ingest import statline
from regiekamer.ingest.minimise import birth_month
from regiekamer.ingest.participatie import row_checks
from regiekamer.ingest.staging import Parsed, Stage
from regiekamer.privacy.pseudonym import Pseudonymiser
from regiekamer.standards.codelists import codelist
from regiekamer.standards.messages import gemeenten

TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".parquet"}
_MAX_TEXT = 200
_MAX_INT = 2**63 - 1
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NL = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")
_CLIENT_FIELDS = {"bsn", "geboortedatum", "geslacht"}


class _Undecodable(Exception):
    """The file is not UTF-8; read it again as Windows-1252."""


def parse_table(
    path: str, naam: str, sha256: str, pseudonymise: Pseudonymiser, stage: Stage
) -> Parsed:
    """Read a table file; every data row ends staged or rejected with findings."""
    result = Parsed(path=path, naam=naam, sha256=sha256, soort="tabel")
    try:
        return _parse(path, result, pseudonymise, stage, "utf-8-sig")
    except _Undecodable:
        stage.discard()
        result = Parsed(path=path, naam=naam, sha256=sha256, soort="tabel")
        result.findings.append(F.finding("RK-TABEL-05", bestand=naam, locatie="bestand"))
        try:
            return _parse(path, result, pseudonymise, stage, "cp1252")
        except _Undecodable:  # bytes Windows-1252 leaves undefined (found by the fuzzer)
            stage.discard()
            result.staged = {}
            result.gelezen = result.afgewezen = max(result.gelezen, 1)
            result.findings = [
                F.finding(
                    "RK-BESTAND-02",
                    bestand=naam,
                    locatie="bestand",
                    reden="de tekst is geen UTF-8 en geen Windows-1252",
                )
            ]
            return result
    except Exception as exc:  # corrupt xlsx/parquet, unreadable file: reject, never crash
        stage.discard()
        result.staged = {}
        result.gelezen = max(result.gelezen, 1)
        result.afgewezen = result.gelezen
        result.findings = [
            F.finding(
                "RK-BESTAND-02",
                bestand=naam,
                locatie="bestand",
                reden=f"{type(exc).__name__}: {str(exc)[:200]}",
            )
        ]
        return result


def _parse(
    path: str, result: Parsed, pseudonymise: Pseudonymiser, stage: Stage, encoding: str
) -> Parsed:
    rows = _rows(path, encoding)
    header = next(rows, None)
    if header is None:
        result.gelezen = result.afgewezen = 1
        result.findings.append(
            F.finding("RK-BESTAND-01", bestand=result.naam, locatie="bestand", reden="leeg bestand")
        )
        return result
    if statline.is_statline(header):  # a CBS StatLine download: its own layouts
        return statline.parse(rows, header, result, stage)
    layout, closest = L.detect(header)
    if layout is None:
        present = {L.normalise_header(h) for h in header}
        missing = [n for n in closest.required if L.normalise_header(n) not in present]
        result.gelezen = result.afgewezen = max(1, sum(1 for _ in rows))
        result.findings.append(
            F.finding(
                "RK-TABEL-01",
                bestand=result.naam,
                locatie="rij 1",
                tabel=closest.name,
                kolommen=", ".join(c.name for c in closest.columns),
                ontbrekend=", ".join(missing),
            )
        )
        return result
    result.soort, result.reference = f"tabel:{layout.name}", layout.reference
    index = {L.normalise_header(h): i for i, h in enumerate(header)}
    columns = [(c, index.get(L.normalise_header(c.name))) for c in layout.columns]
    for rownr, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue  # blank lines are not records
        result.gelezen += 1
        if len(cells) != len(header):
            _reject(
                result,
                [
                    F.finding(
                        "RK-TABEL-06",
                        bestand=result.naam,
                        locatie=f"rij {rownr}",
                        aantal=len(cells),
                        verwacht=len(header),
                    )
                ],
            )
            continue
        row, errors = _validate_row(layout, columns, cells, rownr, result.naam, pseudonymise)
        if errors:
            _reject(result, errors)
            continue
        client = row.pop("_client", None)
        if client:
            stage.add("client", client)
        stage.add(layout.store_table, row)
    result.staged = stage.close()
    return result


def _reject(result: Parsed, errors: list[F.Finding]) -> None:
    result.findings.extend(errors)
    result.afgewezen += 1


def _validate_row(
    layout: L.Layout,
    columns: list,
    cells: list[str],
    rownr: int,
    naam: str,
    pseudonymise: Pseudonymiser,
) -> tuple[dict, list[F.Finding]]:
    where = f"rij {rownr}"
    errors: list[F.Finding] = []
    values: dict[str, str | None] = {}
    wet = None
    for col, i in columns:
        raw = cells[i].strip() if i is not None else ""
        if raw == "":
            if col.required:
                errors.append(F.finding("RK-TABEL-02", bestand=naam, locatie=where, veld=col.name))
            values[col.name] = None
            continue
        value, error = _check(col, raw, wet, pseudonymise)
        if error:
            code, params = error
            errors.append(F.finding(code, bestand=naam, locatie=where, veld=col.name, **params))
        values[col.name] = value
        if col.kind == L.WET:
            wet = value
    if layout.name == "levering" and values.get("soort") == "stop":
        for name in ("einddatum", "reden_beeindiging"):
            if values.get(name) is None and not any(e.veld == name for e in errors):
                errors.append(F.finding("RK-TABEL-02", bestand=naam, locatie=where, veld=name))
    errors += row_checks(layout.name, values, naam, where, errors)
    if errors:
        return {}, errors
    return _store_row(layout, values, rownr), []


def _check(
    col: L.Column, raw: str, wet: str | None, pseudonymise: Pseudonymiser
) -> tuple[str | None, tuple | None]:
    """Canonical value of one cell, or an error (code, params). Never echoes a BSN."""
    shown = raw[:40]
    kind = col.kind
    if kind == L.BSN:
        client_id = pseudonymise(raw)
        return (client_id, None) if client_id else (None, ("RK-BSN-01", {}))
    if kind == L.HUISHOUDEN:  # like the BSN: pseudonymised here, never echoed
        key = pseudonymise.household(raw)
        soort = "huishoudsleutel (hoogstens 64 tekens)"
        return (key, None) if key else (None, ("RK-TABEL-03", {"waarde": "…", "soort": soort}))
    if kind == L.WIJK:
        code = raw.upper()
        if re.fullmatch(r"WK\d{6}", code):
            return code, None
        return None, ("RK-TABEL-03", {"waarde": shown, "soort": "wijkcode (WK + 6 cijfers)"})
    if kind == L.DATE:
        value = _date(raw)
        return (
            (value, None) if value else (None, ("RK-TABEL-03", {"waarde": shown, "soort": "datum"}))
        )
    if kind in (L.INT, L.CENT):
        text = raw.replace(" ", "")
        if re.fullmatch(r"-?\d{1,19}", text) and abs(int(text)) <= _MAX_INT:
            if kind == L.INT and int(text) < 0:
                return None, ("RK-TABEL-03", {"waarde": shown, "soort": "niet-negatief getal"})
            if col.bounds and not col.bounds[0] <= int(text) <= col.bounds[1]:
                low, high = col.bounds
                return None, (
                    "RK-TABEL-03",
                    {"waarde": shown, "soort": f"getal van {low} t/m {high}"},
                )
            return str(int(text)), None
        soort = "bedrag in hele eurocenten" if kind == L.CENT else "geheel getal"
        return None, ("RK-TABEL-03", {"waarde": shown, "soort": soort})
    if kind == L.GEMEENTE:
        code = raw.zfill(4) if raw.isdigit() and len(raw) < 4 else raw
        if code in gemeenten():
            return code, None
        return None, ("S300", {"waarde": shown, "aantal": 1})
    if kind == L.AGB:
        code = raw.zfill(8) if raw.isdigit() and len(raw) < 8 else raw
        if re.fullmatch(r"\d{8}", code):
            return code, None
        return None, ("RK-TABEL-03", {"waarde": shown, "soort": "AGB-code (8 cijfers)"})
    if kind == L.WET:
        value = raw.lower()
        if value in ("jeugd", "wmo"):
            return value, None
        return None, ("RK-TABEL-04", {"waarde": shown, "codelijst": "wet (jeugd, wmo)"})
    if kind == L.CODE:
        return _code(col, raw, wet)
    if kind == L.NUMBER:
        text = raw.replace(" ", "").replace(",", ".")
        if re.fullmatch(r"-?\d{1,12}(\.\d{1,6})?", text):
            return text, None
        return None, ("RK-TABEL-03", {"waarde": shown, "soort": "getal"})
    if kind == L.KPI:
        # Imported here, not at the top: parsing workers need the KPI engine only for this.
        from regiekamer.analyses.kpi.definitions import BY_ID

        if raw in BY_ID:
            return raw, None
        return None, ("RK-TABEL-04", {"waarde": shown, "codelijst": "KPI-catalogus"})
    if len(raw) > _MAX_TEXT:
        return None, (
            "RK-TABEL-03",
            {"waarde": shown + "...", "soort": f"tekst van hoogstens {_MAX_TEXT} tekens"},
        )
    return raw, None


def _code(col: L.Column, raw: str, wet: str | None) -> tuple[str | None, tuple | None]:
    if col.values:
        value = raw.lower()
        if value in col.values:
            return value, None
        return None, ("RK-TABEL-04", {"waarde": raw[:40], "codelijst": "/".join(col.values)})
    allowed = codelist(wet or "jeugd", col.ldt)
    if raw in allowed:
        return raw, None
    width = max((len(c) for c in allowed), default=0)
    if raw.isdigit() and raw.zfill(width) in allowed:  # Excel dropped a leading zero
        return raw.zfill(width), None
    return None, ("RK-TABEL-04", {"waarde": raw[:40], "codelijst": col.ldt})


def _date(raw: str) -> str | None:
    text = raw.split("T")[0].split(" ")[0]
    m = _ISO.fullmatch(text)
    parts = (m.group(1), m.group(2), m.group(3)) if m else None
    if parts is None and (m := _NL.fullmatch(text)):
        parts = (m.group(3), m.group(2), m.group(1))
    if parts is None:
        return None
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2])).isoformat()
    except ValueError:
        return None


def _store_row(layout: L.Layout, values: dict[str, str | None], rownr: int) -> dict:
    row = {k: v for k, v in values.items() if k not in _CLIENT_FIELDS}
    row["bericht_id"] = None
    row["regel"] = rownr
    if "huishouden" in row:
        row["huishouden_id"] = row.pop("huishouden")
    if "bsn" in values:
        row["client_id"] = values["bsn"]
        row["_client"] = {
            "client_id": values["bsn"],
            "geboortemaand": birth_month(values.get("geboortedatum")),
            "geslacht": values.get("geslacht"),
        }
    if layout.name == "declaratie_antwoord":
        codes = re.split(r"[\s,;]+", values["retourcodes"] or "")
        row["retourcodes"] = [c for c in codes if c]
    return row


def _rows(path: str, encoding: str) -> Iterator[list[str]]:
    suffix = Path(path).suffix.lower()
    if suffix == ".xlsx":
        yield from _xlsx_rows(path)
    elif suffix == ".parquet":
        yield from _parquet_rows(path)
    else:
        yield from _csv_rows(path, encoding)


def _csv_rows(path: str, encoding: str) -> Iterator[list[str]]:
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        try:
            first = text.readline()
            delimiter = max(",;\t", key=first.count)
            yield from csv.reader(io.StringIO(first), delimiter=delimiter)
            yield from csv.reader(text, delimiter=delimiter)
        except UnicodeDecodeError as exc:
            raise _Undecodable from exc


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_rows(path: str) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        for values in wb.worksheets[0].iter_rows(values_only=True):
            yield [_cell(v) for v in values]
    finally:
        wb.close()


def _parquet_rows(path: str) -> Iterator[list[str]]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    names = pf.schema_arrow.names
    yield list(names)
    for batch in pf.iter_batches(batch_size=50_000):
        cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
        for values in zip(*cols, strict=True):
            yield [_cell(v) for v in values]

"""Property tests: whatever bytes arrive, ingest never crashes and every rejection is explained.

XML files start from the valid sample messages and are damaged on purpose (truncated, bytes
flipped, values replaced, encodings lied about, clients duplicated, ...). Table files are
built from the documented layouts (ingest/layouts.py) and then damaged cell by cell. Every
example is ingested into one store per test function; a unique marker in every file keeps the
sha256 check from skipping it.

For every file: no exception escapes ``ingest``; gelezen = geaccepteerd + afgewezen; every
finding has a catalogue code, its severity, a Dutch message built from the catalogue template
and the file's name; a file with rejected records has at least one finding.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.nl import bsn as stdnum_bsn

from regiekamer.facade import Regiekamer
from regiekamer.ingest import layouts as L
from regiekamer.ingest.findings import CATALOGUE, SCENARIO_CODES
from regiekamer.standards.codelists import codelist
from regiekamer.standards.messages import MESSAGE_TYPES

SAMPLES = Path(__file__).parent / "data" / "berichten"
INVALID_SAMPLES = {"JW315.xml", "JW318.xml"}
VALID_XML = {
    p.name: p.read_bytes() for p in sorted(SAMPLES.rglob("*.xml")) if p.name not in INVALID_SAMPLES
}
RETOUR = {mt.soort for mt in MESSAGE_TYPES.values() if mt.table == "retourbericht"}
VALID_BSN = [str(n) for n in range(999900000, 999900200) if stdnum_bsn.is_valid(str(n))]


def fuzz(max_examples: int) -> settings:
    """A deterministic profile: the same examples on every run and every machine."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )


_serial = itertools.count(1)

bad_bsns = (
    st.integers(100_000_000, 999_999_999).map(str).filter(lambda s: not stdnum_bsn.is_valid(s))
)


# --------------------------------------------------------------------------- checks


def _template_pattern(sjabloon: str) -> re.Pattern[str]:
    """The catalogue template as a regex: its literal (Dutch) text, anything for a {param}."""
    parts = re.split(r"\{[a-z_]+\}", sjabloon)
    return re.compile(".*".join(re.escape(p) for p in parts), re.DOTALL)


TEMPLATES = {code: _template_pattern(rule.sjabloon) for code, rule in CATALOGUE.items()}


def ingest_and_check(kamer: Regiekamer, path: Path) -> tuple[object, list[dict]]:
    """Ingest one file and assert the invariants every file must keep; return its findings."""
    report = kamer.ingest([path])  # must never raise, whatever the content
    assert len(report.files) == 1
    o = report.files[0]
    assert o.naam == path.name
    assert o.status == "ingelezen", "every example must be new (unique content)"
    assert min(o.gelezen, o.geaccepteerd, o.afgewezen) >= 0
    assert o.gelezen == o.geaccepteerd + o.afgewezen
    t = report.totals
    assert t["gelezen"] == t["geaccepteerd"] + t["afgewezen"]

    con = duckdb.connect(str(kamer.store), read_only=True)
    try:
        row = con.execute(
            "SELECT bestand_id, naam, gelezen, geaccepteerd, afgewezen FROM bestand "
            "WHERE bestand_id = (SELECT max(bestand_id) FROM bestand)"
        ).fetchone()
        found = [
            dict(zip(("code", "ernst", "melding", "bestand", "locatie"), r, strict=True))
            for r in con.execute(
                "SELECT code, ernst, melding, bestand, locatie FROM bevinding "
                "WHERE bestand_id = ? ORDER BY volgnummer",
                [row[0]],
            ).fetchall()
        ]
    finally:
        con.close()
    assert row[1:] == (o.naam, o.gelezen, o.geaccepteerd, o.afgewezen)
    assert o.bevindingen == len(found)
    for f in found:
        assert f["code"] in CATALOGUE, f
        assert f["ernst"] in ("fout", "waarschuwing"), f
        assert f["ernst"] == CATALOGUE[f["code"]].ernst, f
        assert f["melding"].strip(), f
        assert TEMPLATES[f["code"]].fullmatch(f["melding"]), f
        assert f["bestand"] == path.name, f
        assert f["locatie"], f
    if o.afgewezen:
        assert any(f["ernst"] == "fout" for f in found), (o, found)
    path.unlink()  # a damaged input may no longer look like one to the leak scan after the suite
    return o, found


# --------------------------------------------------------------------------- XML

_TEXT_NODE = re.compile(rb">([^<>\s][^<>]*)<")
_BSN_NODE = re.compile(rb"(:Bsn>)(\d{9})(<)")
_GEMEENTE_NODE = re.compile(rb"(:(?:Afzender|Ontvanger|Gemeente)>)(0384|0363|1916)(<)")
_CLIENT = re.compile(rb"<(\w+):Client>.*?</\1:Client>\s*", re.DOTALL)
_IDENT = re.compile(rb"(:Identificatie>)([^<]*)(<)")
BYTE_LEVEL = {"truncate", "flip", "delete", "insert", "value"}
REPLACEMENTS = [
    b"9" * 40,
    b"99999999999999999999",
    b"",
    b"x",
    b"-1",
    b"1e9",
    b"2025-02-30",
    b"&amp;",
    b"\xc3\xa9",
    b"\x00",
]


@st.composite
def mutated_messages(draw: st.DrawFn) -> tuple[str, bytes, list[str], str | None]:
    """(file name, bytes, mutations applied, the bad BSN put in or None)."""
    sample = draw(st.sampled_from(sorted(VALID_XML)))
    n = next(_serial)
    data = VALID_XML[sample]
    if draw(st.booleans()):  # a fresh message id, so TR056 (9056) does not hide the damage
        data = _IDENT.sub(lambda m: m.group(1) + b"FZ%010d" % n + m.group(3), data, count=1)
    decl_end = data.index(b"?>") + 2
    data = data[:decl_end] + b"\n<!-- fuzz %08d -->" % n + data[decl_end:]
    # Byte-level damage stays behind the marker (up to its "-->"), so every file is unique.
    kinds = draw(
        st.lists(
            st.sampled_from(
                [
                    "truncate",
                    "flip",
                    "delete",
                    "insert",
                    "value",
                    "utf16_decl",
                    "latin1_bytes",
                    "bom",
                    "bad_bsn",
                    "gemeente_9999",
                    "dup_client",
                ]
            ),
            min_size=1,
            max_size=3,
        )
    )
    bad = None
    for kind in kinds:
        protected = data.index(b"-->") + 3
        if kind == "truncate":
            data = data[: draw(st.integers(protected, max(protected, len(data) - 1)))]
        elif len(data) <= protected and kind in BYTE_LEVEL - {"insert"}:
            continue
        elif kind == "flip":
            for _ in range(draw(st.integers(1, 8))):
                i = draw(st.integers(protected, len(data) - 1))
                data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
        elif kind == "delete":
            i = draw(st.integers(protected, len(data) - 1))
            data = data[:i] + data[i + draw(st.integers(1, 64)) :]
        elif kind == "insert":
            i = draw(st.integers(protected, len(data)))
            data = data[:i] + draw(st.binary(min_size=1, max_size=16)) + data[i:]
        elif kind == "value":
            nodes = list(_TEXT_NODE.finditer(data, protected))
            if nodes:
                m = nodes[draw(st.integers(0, len(nodes) - 1))]
                new = draw(st.sampled_from(REPLACEMENTS))
                data = data[: m.start(1)] + new + data[m.end(1) :]
        elif kind == "utf16_decl":
            data = data.replace(b'encoding="UTF-8"', b'encoding="UTF-16"', 1)
        elif kind == "latin1_bytes":  # Latin-1 bytes under a UTF-8 declaration
            nodes = list(_TEXT_NODE.finditer(data, protected))
            if not nodes:
                continue
            m = nodes[draw(st.integers(0, len(nodes) - 1))]
            data = data[: m.start(1)] + "Caf\xe9 \xfc".encode("latin-1") + data[m.end(1) :]
        elif kind == "bom":
            data = b"\xef\xbb\xbf" + data
        elif kind == "bad_bsn":
            if _BSN_NODE.search(data):
                bad = draw(bad_bsns)
                data = _BSN_NODE.sub(lambda m, b=bad: m.group(1) + b.encode() + m.group(3), data)
        elif kind == "gemeente_9999":
            data = _GEMEENTE_NODE.sub(lambda m: m.group(1) + b"9999" + m.group(3), data)
        elif kind == "dup_client":
            m = _CLIENT.search(data)
            if m:
                data = data[: m.end()] + m.group(0) + data[m.end() :]
    return f"fz{n:05d}_{sample}", data, kinds, bad


@fuzz(120)
@given(case=mutated_messages())
def test_damaged_messages_are_rejected_with_coded_findings(
    kamer: Regiekamer, tmp_path: Path, case: tuple[str, bytes, list[str], str | None]
) -> None:
    naam, data, kinds, bad = case
    path = tmp_path / naam
    path.write_bytes(data)
    o, found = ingest_and_check(kamer, path)
    if bad is not None and not BYTE_LEVEL & set(kinds):
        # A BSN failing the elfproef is rejected (retour messages keep no client), never shown.
        assert o.afgewezen > 0 or o.soort in RETOUR
        assert all(bad not in f["melding"] and bad not in f["locatie"] for f in found)


def test_a_valid_message_with_a_unique_marker_is_accepted(kamer: Regiekamer, tmp_path: Path):
    """The fuzz baseline: the marker itself does not make a valid sample invalid."""
    for name, data in VALID_XML.items():
        decl_end = data.index(b"?>") + 2
        path = tmp_path / f"base_{name}"
        path.write_bytes(data[:decl_end] + b"\n<!-- fuzz base -->" + data[decl_end:])
        o, _found = ingest_and_check(kamer, path)
        assert o.afgewezen == 0, (name, _found)


def test_unknown_gemeente_rejects_the_whole_message_with_s300(kamer: Regiekamer, tmp_path: Path):
    path = tmp_path / "JW301_9999.xml"
    path.write_bytes(_GEMEENTE_NODE.sub(rb"\g<1>9999\g<3>", VALID_XML["JW301.xml"]))
    o, found = ingest_and_check(kamer, path)
    assert (o.gelezen, o.geaccepteerd, o.afgewezen) == (2, 0, 2)
    assert [f["code"] for f in found] == ["S300"]
    assert "9999" in found[0]["melding"]


def test_latin1_bytes_under_a_utf8_declaration_are_rejected_not_raised(
    kamer: Regiekamer, tmp_path: Path
) -> None:
    """Found by the fuzzer: lxml raises OSError (not XMLSyntaxError) for bad encoding bytes,
    which escaped ingest from _locate_error; now the whole message is rejected."""
    data = VALID_XML["JW301.xml"].replace(b">Commentaar client<", b">Caf\xe9 cr\xe8me<")
    path = tmp_path / "JW301_latin1.xml"
    path.write_bytes(data)
    o, found = ingest_and_check(kamer, path)
    assert o.gelezen >= 1
    assert (o.geaccepteerd, o.afgewezen) == (0, o.gelezen)
    assert [f["code"] for f in found] in (["0001"], ["RK-BESTAND-02"])


# --------------------------------------------------------------------------- tables

TEXT_ALPHABET = st.characters(
    codec="cp1252", categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x7f"
)
DEFINITELY_BAD = {
    "empty",
    "bad_date",
    "decimal_cents",
    "unknown_code",
    "bad_bsn",
    "gemeente_9999",
    "extra_field",
    "missing_field",
}


def _valid_cell(draw: st.DrawFn, col: L.Column, wet: str) -> str:
    if col.kind == L.WET:
        return wet
    if col.kind == L.GEMEENTE:
        return draw(st.sampled_from(["0384", "0363", "1916", "363"]))
    if col.kind == L.AGB:
        return draw(st.sampled_from(["65656055", "42420001", "1234567"]))
    if col.kind == L.BSN:
        return draw(st.sampled_from(VALID_BSN))
    if col.kind == L.DATE:
        return draw(st.sampled_from(["2026-03-01", "2025-12-31", "1-4-2026", "2024-02-29"]))
    if col.kind == L.INT:
        low, high = col.bounds or (0, 10**6)
        return str(draw(st.integers(low, high)))
    if col.kind == L.CENT:
        return str(draw(st.integers(-(10**9), 10**9)))
    if col.kind == L.NUMBER:
        return draw(st.sampled_from(["75", "12,5", "0.5", "-3"]))
    if col.kind == L.KPI:
        return draw(st.sampled_from(["clienten", "wachttijd_binnen_norm_pct", "uitval_pct"]))
    if col.kind == L.WIJK:
        return draw(st.sampled_from(["WK038401", "WK036312"]))
    if col.kind == L.HUISHOUDEN:
        return draw(st.sampled_from(["HH-1", "huishouden 17", "999900000"]))
    if col.kind == L.CODE:
        if col.values:
            return "start" if col.name == "soort" else col.values[0]
        if col.name == "status_aanlevering":
            return "1"
        return draw(st.sampled_from(sorted(codelist(wet, col.ldt))))
    text = draw(st.text(TEXT_ALPHABET, min_size=1, max_size=20).filter(lambda s: s.strip()))
    return text.strip()


def _day(text: str) -> dt.date:
    if "-" in text and len(text.split("-")[0]) == 4:
        return dt.date.fromisoformat(text)
    d, m, y = (int(p) for p in text.split("-"))
    return dt.date(y, m, d)


def _in_date_order(layout: L.Layout, row: list[str]) -> list[str]:
    """A valid row has its dates in column order (begin before end: rules such as RK-UITK-01
    reject an end before the start)."""
    where = [j for j, c in enumerate(layout.columns) if c.kind == L.DATE]
    for j, value in zip(where, sorted((row[j] for j in where), key=_day), strict=True):
        row[j] = value
    return row


def _bad_cell(draw: st.DrawFn, kind: str) -> str:
    return draw(
        st.sampled_from(
            {
                "empty": [""],
                "bad_date": ["2025-02-30", "31-02-2025", "2025-13-01", "0000-00-00", "morgen"],
                "huge_int": [str(2**31), str(2**63 - 1), str(2**63), "9" * 25, "-5"],
                "decimal_cents": ["12.50", "12,50", "€ 12", "1e3"],
                "unknown_code": ["ZZ", "999", "x"],
                "gemeente_9999": ["9999"],
            }[kind]
        )
    )


_CELL_MUTATIONS = {
    "empty": lambda c: c.required,
    "bad_date": lambda c: c.kind == L.DATE,
    "huge_int": lambda c: c.kind in (L.INT, L.CENT),
    "decimal_cents": lambda c: c.kind == L.CENT,
    "unknown_code": lambda c: c.kind == L.CODE,
    "bad_bsn": lambda c: c.kind == L.BSN,
    "gemeente_9999": lambda c: c.kind == L.GEMEENTE,
}


@st.composite
def damaged_tables(draw: st.DrawFn) -> dict:
    """A CSV file built from a layout, then damaged; what we know about its rows."""
    layout = L.LAYOUTS[draw(st.sampled_from(sorted(L.LAYOUTS)))]
    wet = draw(st.sampled_from(["jeugd", "wmo"]))
    n = next(_serial)
    header = [c.name for c in layout.columns] + ["kenmerk"]
    rows = [
        [
            *_in_date_order(layout, [_valid_cell(draw, c, wet) for c in layout.columns]),
            f"fuzz-{n}-{i}",
        ]
        for i in range(draw(st.integers(1, 6)))
    ]
    touched, bad_cell, bsns = set(), set(), []
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(rows) - 1))
        kind = draw(st.sampled_from([*_CELL_MUTATIONS, "extra_field", "missing_field"]))
        touched.add(i)
        if kind == "extra_field":
            rows[i].append(draw(st.sampled_from(["", "x", "0384"])))
            continue
        if kind == "missing_field":
            # Drop the field before the marker: the marker keeps every file's content unique (a
            # one-row file of a small layout without it could repeat an earlier example).
            if len(rows[i]) > 1:
                rows[i].pop(-2)
            continue
        cols = [
            j
            for j, c in enumerate(layout.columns)
            if _CELL_MUTATIONS[kind](c) and j < len(rows[i]) - 1  # never the marker
        ]
        if not cols:
            continue
        j = draw(st.sampled_from(cols))
        if kind == "bad_bsn":
            rows[i][j] = draw(bad_bsns)
            bsns.append(rows[i][j])
        else:
            rows[i][j] = _bad_cell(draw, kind)
        if kind in DEFINITELY_BAD:
            bad_cell.add(i)
    surely_bad = bad_cell | {i for i, r in enumerate(rows) if len(r) != len(header)}
    sep = draw(st.sampled_from([",", ";"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    writer.writerows(rows)
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    if encoding == "cp1252":
        text = text.replace(f"fuzz-{n}-0", f"fuzz-{n}-0-é", 1)  # surely not UTF-8 then
    return {
        "naam": f"fz{n:05d}_{layout.name}.csv",
        "layout": layout.name,
        "data": text.encode(encoding),
        "encoding": encoding,
        "rows": len(rows),
        "clean": len(rows) - len(touched),
        "surely_bad": len(surely_bad),
        "bsns": bsns,
    }


@fuzz(100)
@given(case=damaged_tables())
def test_damaged_tables_are_rejected_row_by_row(
    kamer: Regiekamer, tmp_path: Path, case: dict
) -> None:
    path = tmp_path / case["naam"]
    path.write_bytes(case["data"])
    o, found = ingest_and_check(kamer, path)
    assert o.soort == f"tabel:{case['layout']}"
    assert o.gelezen == case["rows"]
    assert o.geaccepteerd >= case["clean"], found
    assert o.afgewezen >= case["surely_bad"], found
    for b in case["bsns"]:
        assert all(b not in f["melding"] for f in found)
    if case["encoding"] == "cp1252":
        assert any(f["code"] == "RK-TABEL-05" for f in found)


@pytest.mark.parametrize(
    ("layout", "row"),
    [
        ("populatie", "0384,2147483648,10,100"),
        ("budget", "0384,jeugd,2147483648,100"),
        ("product", "jeugd,45A03,9223372036854775807,45,,04,1250"),
    ],
)
def test_a_year_beyond_int32_is_rejected_not_raised(
    kamer: Regiekamer, tmp_path: Path, layout: str, row: str
) -> None:
    """Found by the fuzzer: INT cells pass up to 2**63-1, but jaar is an INTEGER column."""
    path = tmp_path / f"{layout}.csv"
    header = ",".join(c.name for c in L.LAYOUTS[layout].columns)
    path.write_text(f"{header}\n{row}\n")
    o, found = ingest_and_check(kamer, path)
    assert (o.gelezen, o.geaccepteerd, o.afgewezen) == (1, 0, 1)
    assert [(f["code"], "jaar" in f["melding"]) for f in found] == [("RK-TABEL-03", True)]


@st.composite
def unrelated_headers(draw: st.DrawFn) -> list[str]:
    known = {L.normalise_header(c.name) for lay in L.LAYOUTS.values() for c in lay.columns}
    names = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=12).filter(
        lambda s: L.normalise_header(s) not in known
    )
    return draw(st.lists(names, min_size=1, max_size=8, unique_by=L.normalise_header))


def _check_unrelated(kamer: Regiekamer, path: Path, n_rows: int) -> None:
    o, found = ingest_and_check(kamer, path)
    assert (o.gelezen, o.geaccepteerd, o.afgewezen) == (max(1, n_rows), 0, max(1, n_rows))
    assert [f["code"] for f in found] == ["RK-TABEL-01"]
    melding = found[0]["melding"]
    named = [
        lay
        for lay in L.LAYOUTS.values()
        if f"voor {lay.name}: " in melding and all(c.name in melding for c in lay.columns)
    ]
    assert named, melding
    assert all(r in melding.split("Ontbrekend: ")[1] for r in named[0].required)


def test_an_unrelated_header_gives_one_tabel01_naming_the_columns(
    kamer: Regiekamer, tmp_path: Path
) -> None:
    path = tmp_path / "boodschappen.csv"
    path.write_text("artikel,aantal,prijs\nbrood,1,250\nkaas,2,899\nmelk,1,115\n")
    _check_unrelated(kamer, path, 3)
    found = kamer.findings(code="RK-TABEL-01")
    assert len(found) == 1
    assert "verzoek" in found[0]["melding"] or "toewijzing" in found[0]["melding"]


@fuzz(30)
@given(header=unrelated_headers(), n_rows=st.integers(0, 4))
def test_any_unrelated_header_gives_exactly_one_tabel01(
    kamer: Regiekamer, tmp_path: Path, header: list[str], n_rows: int
) -> None:
    n = next(_serial)
    path = tmp_path / f"vreemd{n}.csv"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[f"{n}-{i}-{j}" for j in range(len(header))] for i in range(n_rows)])
    path.write_text(out.getvalue(), encoding="utf-8")
    _check_unrelated(kamer, path, n_rows)


# --------------------------------------------------------------------------- found at volume
# Regression tests for what tests/test_fuzz_volume.py found.

_DTD_ENTITY = (
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)
_DTD_FILE = b'<!DOCTYPE x [<!ENTITY c SYSTEM "file:///etc/hostname">]>'


@pytest.mark.parametrize(
    ("dtd", "element"),
    [
        (_DTD_ENTITY, b"ProductTarief"),
        (_DTD_FILE, b"ProductTarief"),
        (_DTD_ENTITY, b"ReferentieNummer"),
    ],
    ids=["intern", "extern", "leeg-verplicht-veld"],
)
def test_an_entity_in_a_message_is_rejected_not_expanded(
    kamer: Regiekamer, tmp_path: Path, dtd: bytes, element: bytes
) -> None:
    """An internal entity where an amount belongs crashed the process (libxml2 segfault while
    validating the stream); an external one would have read a local file; an unexpanded one in
    ReferentieNummer left it empty, which the schema accepted and the store's NOT NULL refused,
    failing the whole ingest. Now a message with a DOCTYPE is rejected as a whole."""
    data = VALID_XML["WMO323.xml"]
    decl = data.index(b"?>") + 2
    data = data[:decl] + dtd + data[decl:]
    data = re.sub(rb"<(\w+:)?" + element + rb">\w+<", rb"<\1" + element + rb">&c;<", data, count=1)
    path = tmp_path / "WMO323_entity.xml"
    path.write_bytes(data)
    o, found = ingest_and_check(kamer, path)
    assert o.geaccepteerd == 0 and o.afgewezen == o.gelezen >= 1
    assert [f["code"] for f in found] == ["0001"]
    assert "DOCTYPE" in found[0]["melding"] and "aaaaaaaaaa" not in found[0]["melding"]


@pytest.mark.parametrize("node", [0, 5, 6, -1])
def test_latin1_bytes_anywhere_in_a_message_are_rejected_not_raised(
    kamer: Regiekamer, tmp_path: Path, node: int
) -> None:
    """Re-reading the whole file to locate the error raised OSError (bytes not of the declared
    encoding) after the stream had failed on them with a syntax or schema error."""
    data = VALID_XML["WMO307.xml"]
    m = list(_TEXT_NODE.finditer(data))[node]
    data = data[: m.start(1)] + "Caf\xe9 \xfc".encode("latin-1") + data[m.end(1) :]
    path = tmp_path / f"WMO307_latin1_{node}.xml"
    path.write_bytes(data)
    o, found = ingest_and_check(kamer, path)
    assert (o.geaccepteerd, o.afgewezen) == (0, o.gelezen)
    assert [f["code"] for f in found] in (["0001"], ["RK-BESTAND-01"])


def test_a_message_broken_before_its_first_record_counts_one_rejected_record(
    kamer: Regiekamer, tmp_path: Path
) -> None:
    """It was "0 gelezen, 0 afgewezen": a rejected file that showed no rejection."""
    data = VALID_XML["JW301.xml"]
    i = data.index(b"<jw301:Client>")
    path = tmp_path / "JW301_diep.xml"
    path.write_bytes(data[:i] + b"<a>" * 3000 + b"</a>" * 3000 + data[i:])
    o, found = ingest_and_check(kamer, path)
    assert (o.gelezen, o.geaccepteerd, o.afgewezen) == (1, 0, 1)
    assert [f["code"] for f in found] == ["0001"]


def test_a_table_neither_utf8_nor_cp1252_is_rejected_not_raised(
    kamer: Regiekamer, tmp_path: Path
) -> None:
    """Byte 0x81 is undefined in Windows-1252: the second reading raised out of parse_table."""
    header = ",".join(c.name for c in L.LAYOUTS["populatie"].columns)
    path = tmp_path / "populatie.csv"
    path.write_bytes(f"{header}\n0384,2025,10,100\n".encode() + b"0363,2025,\x81,5\n")
    o, found = ingest_and_check(kamer, path)
    assert o.gelezen >= 1 and (o.geaccepteerd, o.afgewezen) == (0, o.gelezen)
    assert [f["code"] for f in found] == ["RK-BESTAND-02"]


_BOMB = "\n".join(
    ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    + [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 8)]
)


def test_yaml_aliases_are_refused_before_they_expand(kamer: Regiekamer, tmp_path: Path) -> None:
    """Eight lines of nested aliases are 10^8 values; reading them took minutes."""
    from regiekamer.analyses.configfile import ConfigInvalid
    from regiekamer.analyses.prognose.scenario import ScenarioError, parse
    from regiekamer.analyses.verevening import config as verevening_config

    root = Path(__file__).resolve().parents[1]
    cfg = tmp_path / "verevening.yaml"
    cfg.write_text((root / "examples" / "verevening.yaml").read_text() + "\n" + _BOMB + "\n")
    with pytest.raises(ConfigInvalid) as exc:
        verevening_config.load(cfg)
    assert [f.code for f in exc.value.findings] == ["RK-CONF-01"]
    assert "aliassen" in exc.value.findings[0].melding

    contracts = tmp_path / "contracten.yaml"
    contracts.write_text("contracten:\n  - *a7\n" + _BOMB + "\n")
    o, found = ingest_and_check(kamer, contracts)
    assert (o.gelezen, o.afgewezen) == (1, 1)
    assert [f["code"] for f in found] == ["RK-CONTRACT-01"]

    with pytest.raises(ScenarioError) as scen:
        parse("naam: x\nduur_pct: 5\n" + _BOMB + "\n")
    assert scen.value.code == "RK-SCEN-01" and "aliassen" in str(scen.value)


@pytest.mark.parametrize("wet", ["true", "5", "{jeugd: 1}"])
def test_a_scenario_wet_that_is_no_list_is_refused_with_a_code(wet: str) -> None:
    """``wet: true`` raised TypeError ('bool' object is not iterable)."""
    from regiekamer.analyses.prognose.scenario import ScenarioError, parse

    with pytest.raises(ScenarioError) as exc:
        parse(f"naam: x\nwet: {wet}\n")
    assert exc.value.code == "RK-SCEN-02" and exc.value.code in CATALOGUE
    assert "wet:" in str(exc.value)


def test_a_declaration_with_a_date_as_amount_is_rejected_not_raised(
    kamer: Regiekamer, tmp_path: Path
) -> None:
    """int('9999-12-31') raised: the stream reports the schema error only after the record."""
    data = re.sub(rb"<ijw:Bedrag>\d+<", b"<ijw:Bedrag>9999-12-31<", VALID_XML["JW323.xml"], count=1)
    path = tmp_path / "JW323_datum.xml"
    path.write_bytes(data)
    o, found = ingest_and_check(kamer, path)
    assert (o.geaccepteerd, o.afgewezen) == (0, o.gelezen)
    assert [f["code"] for f in found] == ["0001"]
    assert "Bedrag" in found[0]["melding"]


SCENARIO_CASES = {"RK-SCEN-01": "naam: [x", "RK-SCEN-02": "naam: x\nduur_pct: 900\n"}


@pytest.mark.parametrize("code", sorted(SCENARIO_CODES))
def test_every_scenario_code_has_a_case_that_raises_it(code: str) -> None:
    from regiekamer.analyses.prognose.scenario import ScenarioError, parse

    with pytest.raises(ScenarioError) as exc:
        parse(SCENARIO_CASES[code])
    assert exc.value.code == code and str(exc.value).strip()

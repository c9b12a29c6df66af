"""Mutators for the volume fuzz tests: valid inputs damaged in many seeded ways.

Every mutator takes a ``random.Random`` and a valid input and returns a damaged copy, so a run
is reproducible from its seed alone (``REGIEKAMER_FUZZ_SEED``). Kinds are chosen to hit the
places where parsers break: truncation, flipped and inserted bytes, lying encodings, values of
the wrong type or size, duplicated or missing parts, and files that are only almost the format.
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from collections.abc import Callable

import yaml

# --------------------------------------------------------------------------- bytes


def byte_damage(rng: random.Random, data: bytes, start: int = 0) -> bytes:
    """One byte-level change at or after ``start`` (the part before stays as it is)."""
    kind = rng.choice(("truncate", "flip", "delete", "insert", "duplicate"))
    end = len(data)
    if end <= start:
        return data + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    i = rng.randrange(start, end)
    if kind == "truncate":
        return data[:i]
    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            j = rng.randrange(start, end)
            data = data[:j] + bytes([data[j] ^ rng.randint(1, 255)]) + data[j + 1 :]
        return data
    if kind == "delete":
        return data[:i] + data[i + rng.randint(1, 64) :]
    if kind == "insert":
        return data[:i] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + data[i:]
    n = rng.randint(1, 200)
    return data[: i + n] + data[i : i + n] + data[i + n :]


# Values that break parsers: empty, too long, wrong type, out of range, control characters,
# another script, formula injection, markup.
NASTY = [
    "",
    " ",
    "9" * 40,
    "99999999999999999999",
    str(2**31),
    str(2**63),
    "-1",
    "0",
    "1e9",
    "NaN",
    "inf",
    "2025-02-30",
    "31-02-2025",
    "0000-00-00",
    "9999-12-31",
    "2025-13-01",
    "1-1-1",
    "x",
    "é",
    "\u202e",
    "日本",
    "\x00",
    "\x1b[31m",
    "=1+1",
    "@SUM(A1)",
    "<b>",
    "&amp;",
    "]]>",
    '"',
    "'",
    "a\nb",
    ";",
    ",",
    "12,50",
    "€ 12",
    "0384",
    "9999",
    "123456782",
    "999999999",
    "true",
    "null",
]


# --------------------------------------------------------------------------- XML

_TEXT_NODE = re.compile(rb">([^<>\s][^<>]*)<")
_ELEMENT = re.compile(rb"<(\w+):(\w+)>[^<]*</\1:\2>")
_BLOCK = re.compile(rb"<(\w+):(Client|Prestatie|Product|Toewijzing|Beschikking)>.*?</\1:\2>", re.S)
_BSN_NODE = re.compile(rb"(:Bsn>)(\d{9})(<)")
_GEMEENTE = re.compile(rb"(:(?:Afzender|Ontvanger|Gemeente)>)(\d{4})(<)")
_IDENT = re.compile(rb"(:Identificatie>)([^<]*)(<)")

XML_KINDS = (
    "bytes",
    "value",
    "drop_element",
    "dup_element",
    "rename_element",
    "dup_block",
    "drop_block",
    "bad_bsn",
    "gemeente_9999",
    "utf16_decl",
    "latin1",
    "bom",
    "entity",
    "external_entity",
    "deep",
    "not_xml",
)


def mutate_xml(rng: random.Random, data: bytes, marker: bytes) -> tuple[bytes, list[str]]:
    """A damaged message; ``marker`` (a comment after the declaration) keeps it unique."""
    if rng.random() < 0.5:  # a fresh message id, so TR056 (9056) does not hide the damage
        data = _IDENT.sub(lambda m: m.group(1) + marker[-12:] + m.group(3), data, count=1)
    decl = data.index(b"?>") + 2
    data = data[:decl] + b"\n<!-- " + marker + b" -->" + data[decl:]
    protected = data.index(b"-->") + 3
    kinds = [rng.choice(XML_KINDS) for _ in range(rng.randint(1, 3))]
    for kind in kinds:
        if kind == "bytes":
            data = byte_damage(rng, data, protected)
        elif kind == "value":
            nodes = list(_TEXT_NODE.finditer(data, protected))
            if nodes:
                m = rng.choice(nodes)
                new = rng.choice(NASTY).encode()
                data = data[: m.start(1)] + new + data[m.end(1) :]
        elif kind in ("drop_element", "dup_element", "rename_element"):
            nodes = list(_ELEMENT.finditer(data, protected))
            if nodes:
                m = rng.choice(nodes)
                whole = m.group(0)
                if kind == "drop_element":
                    new = b""
                elif kind == "dup_element":
                    new = whole + whole
                else:
                    new = whole.replace(m.group(2), m.group(2) + b"X")
                data = data[: m.start()] + new + data[m.end() :]
        elif kind in ("dup_block", "drop_block"):
            blocks = list(_BLOCK.finditer(data, protected))
            if blocks:
                m = rng.choice(blocks)
                new = m.group(0) * (2 if kind == "dup_block" else 0)
                data = data[: m.start()] + new + data[m.end() :]
        elif kind == "bad_bsn":
            data = _BSN_NODE.sub(lambda m: m.group(1) + b"123456789" + m.group(3), data)
        elif kind == "gemeente_9999":
            data = _GEMEENTE.sub(lambda m: m.group(1) + b"9999" + m.group(3), data)
        elif kind == "utf16_decl":
            data = data.replace(b'encoding="UTF-8"', b'encoding="UTF-16"', 1)
        elif kind == "latin1":
            nodes = list(_TEXT_NODE.finditer(data, protected))
            if nodes:
                m = rng.choice(nodes)
                data = data[: m.start(1)] + "Caf\xe9 \xfc".encode("latin-1") + data[m.end(1) :]
        elif kind == "bom":
            data = b"\xef\xbb\xbf" + data
        elif kind in ("entity", "external_entity"):
            # A DOCTYPE with an entity (billion laughs in small) or a file on this machine.
            body = (
                b'<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
                if kind == "entity"
                else b'<!ENTITY c SYSTEM "file:///etc/hostname">'
            )
            root = re.search(rb"<(\w+):Bericht", data)
            nodes = list(_TEXT_NODE.finditer(data, protected))
            if root and nodes:
                m = rng.choice(nodes)
                data = data[: m.start(1)] + b"&c;" + data[m.end(1) :]
                dt = b"<!DOCTYPE " + root.group(1) + b":Bericht [" + body + b"]>"
                data = data[:protected] + dt + data[protected:]
        elif kind == "deep":
            i = rng.randrange(protected, len(data)) if len(data) > protected else protected
            data = data[:i] + b"<a>" * 5000 + b"</a>" * 5000 + data[i:]
        elif kind == "not_xml":
            data = data[:protected] + b'\n{"json": true}\n'
    return data, kinds


# --------------------------------------------------------------------------- tables

TABLE_KINDS = (
    "cell",
    "cell",
    "cell",
    "empty_cell",
    "extra_field",
    "missing_field",
    "dup_row",
    "drop_column",
    "rename_header",
    "dup_header",
    "header_case",
    "blank_lines",
    "quote",
    "cp1252",
    "bytes",
    "only_header",
    "empty_file",
)


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def mutate_rows(rng: random.Random, rows: list[list[str]]) -> tuple[list[list[str]], list[str]]:
    """Damage a table given as header + data rows (lists of cells); returns a new table."""
    rows = [list(r) for r in rows]
    kinds = [rng.choice(TABLE_KINDS[:13]) for _ in range(rng.randint(1, 4))]
    for kind in kinds:
        body = range(1, len(rows))
        if kind in ("cell", "empty_cell", "extra_field", "missing_field", "dup_row") and not body:
            continue
        r = rng.choice(body) if body else 0
        if kind == "cell" and rows[r]:
            rows[r][rng.randrange(len(rows[r]))] = rng.choice(NASTY)
        elif kind == "empty_cell" and rows[r]:
            rows[r][rng.randrange(len(rows[r]))] = ""
        elif kind == "extra_field":
            rows[r].append(rng.choice(NASTY))
        elif kind == "missing_field" and rows[r]:
            rows[r].pop(rng.randrange(len(rows[r])))
        elif kind == "dup_row":
            rows.insert(r, list(rows[r]))
        elif kind == "drop_column" and rows[0]:
            j = rng.randrange(len(rows[0]))
            rows = [row[:j] + row[j + 1 :] for row in rows]
        elif kind == "rename_header" and rows[0]:
            rows[0][rng.randrange(len(rows[0]))] = rng.choice([*NASTY, "bsn", "jaar", "wet"])
        elif kind == "dup_header" and rows[0]:
            rows[0].append(rng.choice(rows[0]))
        elif kind == "header_case" and rows[0]:
            j = rng.randrange(len(rows[0]))
            rows[0][j] = f" {rows[0][j].upper()} "
        elif kind == "blank_lines":
            rows.insert(rng.randint(1, len(rows)), [])
        elif kind == "quote" and rows[r]:
            rows[r][rng.randrange(len(rows[r]))] += '"\n"'
    return rows, kinds


def mutate_csv(rng: random.Random, text: str) -> tuple[bytes, list[str]]:
    """A damaged CSV file of the seed ``text`` (separator, line ends, encoding vary too)."""
    rows, kinds = mutate_rows(rng, read_csv(text))
    sep = rng.choice((",", ";", "\t"))
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator=rng.choice(("\n", "\r\n"))).writerows(rows)
    body = out.getvalue()
    extra = rng.choice(TABLE_KINDS[13:] + ("none",) * 6)
    kinds.append(extra)
    if extra == "cp1252":
        data = (body + "\u00e9").encode("cp1252", errors="replace")
    elif extra == "bytes":
        data = byte_damage(rng, body.encode("utf-8"))
    elif extra == "only_header":
        data = body.split("\n", 1)[0].encode("utf-8")
    elif extra == "empty_file":
        data = b""
    else:
        data = rng.choice((b"", b"\xef\xbb\xbf")) + body.encode("utf-8")
    return data, kinds


# --------------------------------------------------------------------------- XLSX

_CELL = re.compile(rb"<c r=\"([A-Z]+)(\d+)\"([^>]*)>(.*?)</c>", re.S)
XLSX_KINDS = (
    "cell_value",
    "cell_value",
    "cell_type",
    "drop_cell",
    "far_cell",
    "shared_index",
    "sheet_bytes",
    "drop_member",
    "zip_bytes",
    "dimension",
    "dimension",
    "rows",  # rewritten through openpyxl: slow, so one kind in twelve
)


def xlsx_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def zip_members(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def mutate_xlsx(
    rng: random.Random,
    members: dict[str, bytes],
    rows_to_xlsx: Callable[[list[list[str]]], bytes],
    rows: list[list[str]],
) -> tuple[bytes, list[str]]:
    """A damaged workbook: its sheet XML or zip changed, or its table damaged and rewritten."""
    kinds = [rng.choice(XLSX_KINDS) for _ in range(rng.randint(1, 2))]
    if "rows" in kinds:  # damage the table itself, through openpyxl (types, dates, numbers)
        damaged, sub = mutate_rows(rng, rows)
        members = xlsx_members(rows_to_xlsx(damaged))
        kinds += sub
    members = dict(members)
    sheet = members.get(SHEET, b"")
    for kind in kinds:
        cells = list(_CELL.finditer(sheet))
        if kind in ("cell_value", "cell_type", "drop_cell", "shared_index") and cells:
            m = rng.choice(cells)
            ref, inner = m.group(1) + m.group(2), m.group(4)
            if kind == "cell_value":
                value = rng.choice(NASTY).replace("&", "&amp;").replace("<", "&lt;")
                value = value.replace("\x00", "").replace("\x1b", "")
                new = (
                    b'<c r="' + ref + b'" t="inlineStr"><is><t>' + value.encode() + b"</t></is></c>"
                )
            elif kind == "cell_type":
                t = rng.choice((b"n", b"b", b"e", b"d", b"s", b"str", b"zz"))
                new = b'<c r="' + ref + b'" t="' + t + b'">' + inner + b"</c>"
                if rng.random() < 0.5:
                    new = (
                        b'<c r="'
                        + ref
                        + b'" t="'
                        + t
                        + b'"><v>'
                        + rng.choice(NASTY[:20]).encode()
                        + b"</v></c>"
                    )
            elif kind == "shared_index":
                new = b'<c r="' + ref + b'" t="s"><v>' + str(rng.randint(0, 99999)).encode()
                new += b"</v></c>"
            else:
                new = b""
            sheet = sheet[: m.start()] + new + sheet[m.end() :]
        elif kind == "far_cell" and cells:
            m = rng.choice(cells)
            far = rng.choice((b"XFD", b"AAA", b"ZZ"))
            new = b'<c r="' + far + m.group(2) + b'" t="inlineStr"><is><t>x</t></is></c>'
            sheet = sheet[: m.end()] + new + sheet[m.end() :]
        elif kind == "sheet_bytes":
            sheet = byte_damage(rng, sheet)
        elif kind == "dimension":
            sheet = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', sheet)
    if sheet:
        members[SHEET] = sheet
    if "drop_member" in kinds and members:
        members.pop(rng.choice(sorted(members)))
    data = zip_members(members)
    if "zip_bytes" in kinds:
        data = byte_damage(rng, data)
    return data, kinds


# --------------------------------------------------------------------------- YAML

YAML_KINDS = (
    "leaf",
    "leaf",
    "leaf",
    "drop_key",
    "unknown_key",
    "rename_key",
    "wrap_list",
    "dup_item",
    "drop_item",
    "text_line",
    "text_indent",
    "text_bytes",
    "tab",
    "alias_bomb",
    "not_mapping",
)

LEAVES: list[object] = [
    None,
    0,
    -1,
    1.5,
    10**30,
    -(10**30),
    float("inf"),
    float("nan"),
    True,
    False,
    "",
    "x",
    "9999",
    "0384",
    "2025-02-30",
    [],
    {},
    [1, 2],
    {"a": 1},
    "é" * 300,
    "jeugd",
    "wmo",
    "alle",
    "2026-13",
    ">=",
    "45A01",
]


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _paths(node: object, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*path, i))
    return out


def _get(node: object, path: tuple) -> object:
    for p in path:
        node = node[p]  # type: ignore[index]
    return node


def mutate_yaml(rng: random.Random, text: str, marker: str) -> tuple[bytes, list[str]]:
    """A damaged YAML document: its data changed (then dumped) or its text changed."""
    import copy

    data = yaml.load(text, Loader=_LOADER)  # a fresh copy to change
    kinds = [rng.choice(YAML_KINDS) for _ in range(rng.randint(1, 3))]
    structural = [k for k in kinds if not k.startswith("text") and k not in ("tab", "alias_bomb")]
    for kind in structural:
        paths = _paths(data)
        path = rng.choice(paths)
        parent_path, key = (path[:-1], path[-1]) if path else ((), None)
        parent = _get(data, parent_path) if path else None
        target = _get(data, path)
        if kind == "leaf":
            new = copy.deepcopy(rng.choice(LEAVES))
            if key is None:
                data = new
            else:
                parent[key] = new  # type: ignore[index]
        elif kind == "drop_key" and isinstance(parent, dict):
            parent.pop(key)
        elif kind == "unknown_key" and isinstance(target, dict):
            target[rng.choice(("onbekend", "plafond", "Naam", "1", "seed "))] = rng.choice(LEAVES)
        elif kind == "rename_key" and isinstance(parent, dict):
            parent[f"{key}_"] = parent.pop(key)
        elif kind == "wrap_list" and key is not None:
            parent[key] = [target]  # type: ignore[index]
        elif kind == "dup_item" and isinstance(target, list) and target:
            target.append(copy.deepcopy(rng.choice(target)))
        elif kind == "drop_item" and isinstance(target, list) and target:
            target.pop(rng.randrange(len(target)))
        elif kind == "not_mapping":
            data = rng.choice(([data], "tekst", 42, None))
    if structural:
        out = yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False)
    else:
        out = text
    out = f"# {marker}\n{out}"
    for kind in kinds:
        lines = out.split("\n")
        i = rng.randrange(1, len(lines)) if len(lines) > 1 else 0
        if kind == "text_line":
            op = rng.choice(("drop", "dup", "swap"))
            if op == "drop":
                lines.pop(i)
            elif op == "dup":
                lines.insert(i, lines[i])
            elif i + 1 < len(lines):
                lines[i], lines[i + 1] = lines[i + 1], lines[i]
            out = "\n".join(lines)
        elif kind == "text_indent":
            lines[i] = rng.choice(("  ", " ", "")) + lines[i].lstrip()[: rng.randint(0, 80)]
            out = "\n".join(lines)
        elif kind == "tab":
            lines[i] = "\t" + lines[i]
            out = "\n".join(lines)
        elif kind == "alias_bomb":
            # Nested aliases: a few lines that expand to ~10^6 nodes when walked.
            bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
            bomb += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 7)]
            out = out + "\n" + "\n".join(bomb) + "\n"
    data_bytes = out.encode("utf-8")
    if "text_bytes" in kinds:
        start = len(marker) + 3
        data_bytes = byte_damage(rng, data_bytes, start)
    return data_bytes, kinds

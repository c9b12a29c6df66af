"""The accountant's workbook: a summary sheet whose totals reconcile (with the reconciliation
as Excel formulas, so the reader can see it add up), financiele_onzekerheid per municipality,
provider and year, and the failed lines (clients only as pseudonyms). Euros on the sheets."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from regiekamer.analyses.verantwoording import Verantwoording

LINE_COLUMNS = (
    "code",
    "toets",
    "melding",
    "wet",
    "jaar",
    "gemeente",
    "aanbieder",
    "client",
    "toewijzing_nummer",
    "declaratie_nummer",
    "referentie",
    "productcode",
    "begindatum",
    "einddatum",
    "geleverd_volume",
    "product_tarief",
    "ingediend",
    "bedrag",
)
_EURO_LINE = {"product_tarief": "product_tarief_cent", "ingediend": "ingediend_cent"}


def _euro(cents: int | None) -> float | None:
    return None if cents is None else cents / 100


def write_workbook(v: Verantwoording, path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path))
    try:
        f = {
            "titel": wb.add_format({"bold": True, "font_size": 14}),
            "kop": wb.add_format({"bold": True, "bottom": 1}),
            "euro": wb.add_format({"num_format": "€ #,##0.00"}),
            "euro_b": wb.add_format({"num_format": "€ #,##0.00", "bold": True, "top": 1}),
            "b": wb.add_format({"bold": True, "top": 1}),
        }
        _summary(wb.add_worksheet("Samenvatting"), v, f)
        _uncertainty(wb.add_worksheet("Financiële onzekerheid"), v, f)
        _lines(wb.add_worksheet("Regels"), v, f)
    finally:
        wb.close()


def _summary(ws, v: Verantwoording, f: dict) -> None:
    t = v.totaal
    ws.set_column(0, 0, 34)
    ws.set_column(1, 1, 44)
    ws.set_column(2, 6, 18)
    ws.write(0, 0, f"Rechtmatigheid {v.jaar}: aansluiting van de declaraties", f["titel"])
    rows = [
        ("Gedeclareerd (netto, debet − credit)", t["gedeclareerd_cent"]),
        ("Saldo gecrediteerde regels", t["saldo_gecrediteerd_cent"]),
        ("Getoetst (debetregels, niet gecrediteerd)", t["getoetst_cent"]),
        ("Geaccepteerd", t["geaccepteerd_cent"]),
        ("Financiële onzekerheid (Σ bedragen op het spel)", t["onzeker_cent"]),
    ]
    for i, (label, cents) in enumerate(rows, start=2):
        ws.write(i, 0, label)
        ws.write_number(i, 2, cents / 100, f["euro"])
    # Excel rows 3..7 hold the five amounts above; the check is a formula the reader can follow.
    ws.write(8, 0, "Controle: geaccepteerd + onzeker + saldo − gedeclareerd", f["b"])
    ws.write_formula(8, 2, "=C6+C7+C4-C3", f["euro_b"], 0)
    ws.write(
        9,
        0,
        f"Regels getoetst: {t['regels']}, afgekeurd: {t['regels_fout']}, "
        f"gecrediteerd: {t['regels_gecrediteerd']}",
    )
    row = 11
    ws.write(row, 0, "Per toets (in deze volgorde; een regel telt bij de eerste toets)", f["kop"])
    row += 1
    for j, h in enumerate(("code", "toets", "regels", "bedrag op het spel", "risico")):
        ws.write(row, j, h, f["kop"])
    first = row + 1
    for p in v.per_toets:
        row += 1
        ws.write(row, 0, f"{p['volgorde']}. {p['code']}")
        ws.write(row, 1, p["toets"])
        ws.write_number(row, 2, p["regels"])
        ws.write_number(row, 3, p["bedrag_cent"] / 100, f["euro"])
        ws.write(row, 4, p["risico"])
    row += 1
    ws.write(row, 0, "Totaal", f["b"])
    ws.write_formula(row, 3, f"=SUM(D{first + 1}:D{row})", f["euro_b"], t["onzeker_cent"] / 100)
    for title, key, part in (
        ("Per aanbieder", "aanbieder", v.per_aanbieder),
        ("Per gemeente", "gemeente", v.per_gemeente),
    ):
        row += 2
        ws.write(row, 0, title, f["kop"])
        row += 1
        heads = (key, "naam", "getoetst", "geaccepteerd", "onzeker", "regels afgekeurd")
        for j, h in enumerate(heads):
            ws.write(row, j, h, f["kop"])
        first = row + 1
        for p in part:
            row += 1
            ws.write_string(row, 0, p[key])
            ws.write(row, 1, v.namen.get(p[key], ""))
            for j, k in enumerate(("getoetst_cent", "geaccepteerd_cent", "onzeker_cent"), 2):
                ws.write_number(row, j, p[k] / 100, f["euro"])
            ws.write_number(row, 5, p["regels_fout"])
        row += 1
        ws.write(row, 0, "Totaal", f["b"])
        for j, col in ((2, "C"), (3, "D"), (4, "E")):
            ws.write_formula(row, j, f"=SUM({col}{first + 1}:{col}{row})", f["euro_b"])


def _uncertainty(ws, v: Verantwoording, f: dict) -> None:
    heads = ("gemeente", "gemeentenaam", "aanbieder", "aanbiedernaam", "jaar", "onzeker")
    for j, h in enumerate(heads):
        ws.write(0, j, h, f["kop"])
        ws.set_column(j, j, 24 if "naam" in h else 14)
    for i, o in enumerate(v.onzekerheid, start=1):
        ws.write_string(i, 0, o["gemeente"])
        ws.write(i, 1, v.namen.get(o["gemeente"], ""))
        ws.write_string(i, 2, o["aanbieder"])
        ws.write(i, 3, v.namen.get(o["aanbieder"], ""))
        ws.write_number(i, 4, o["jaar"])
        ws.write_number(i, 5, o["financiele_onzekerheid_cent"] / 100, f["euro"])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(1, len(v.onzekerheid)), len(heads) - 1)


def _lines(ws, v: Verantwoording, f: dict) -> None:
    for j, h in enumerate(LINE_COLUMNS):
        ws.write(0, j, h, f["kop"])
        ws.set_column(j, j, 60 if h == "melding" else 14)
    euro_cols = {"product_tarief", "ingediend", "bedrag"}
    for i, b in enumerate(v.bevindingen, start=1):
        for j, h in enumerate(LINE_COLUMNS):
            value = _euro(b[_EURO_LINE[h]]) if h in _EURO_LINE else b[h]
            if value is None:
                continue
            if h in euro_cols:
                ws.write_number(i, j, value, f["euro"])
            elif isinstance(value, int | float):
                ws.write_number(i, j, value)
            else:
                ws.write_string(i, j, str(value))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(1, len(v.bevindingen)), len(LINE_COLUMNS) - 1)

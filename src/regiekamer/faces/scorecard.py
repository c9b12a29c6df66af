"""The provider scorecard for the contract talk, as A4 PDF (HTML -> WeasyPrint, as the council
report) or XLSX: per contract each agreed target beside its realisation, traffic light and
trend, a chart of the quarters against the target, spend against the ceiling, the price per
client against the region, and for taakgericht contracts the lump sum and the volumes."""

from __future__ import annotations

from pathlib import Path

import altair as alt
import xlsxwriter

from regiekamer.errors import RegiekamerError
from regiekamer.faces.charts import BLUE, GREY, WIDTH, _config, to_svg
from regiekamer.faces.cli_contract import count, number
from regiekamer.faces.cli_rechtmatigheid import euro
from regiekamer.faces.report import _ENV, html_to_pdf

LIGHT_TEXT = {
    "groen": "● groen",
    "oranje": "● oranje",
    "rood": "● rood",
    "onbekend": "○ geen gegevens",
}
WET = {"jeugd": "Jeugdwet", "wmo": "Wmo"}


def _euro(value: float | None) -> str:
    return "—" if value is None else euro(round(value * 100))


def sentences(c: dict) -> list[str]:
    """Spend, price and volumes of one contract in plain Dutch."""
    out = []
    b = c["besteding"]
    if c["taakgericht"]:
        t = c["taakgericht"]
        out.append(
            f"Taakgericht: de lumpsum is {_euro(t['lumpsum'])}. Volgens de start- en "
            f"stopberichten {count(t['clienten'])} cliënten, {count(t['gestarte_trajecten'])} "
            f"trajecten gestart en {count(t['beeindigde_trajecten'])} beëindigd."
        )
    elif b and b.get("plafond"):
        when = b["datum_plafond"]
        if b["bereikt"] and when:
            moment = f"Het plafond is bereikt op {when:%d-%m-%Y}."
        elif when:
            moment = f"Bij dit tempo is het plafond bereikt rond {when:%d-%m-%Y}."
        else:
            moment = "Bij dit tempo wordt het plafond dit jaar niet bereikt."
        out.append(
            f"Besteed tot en met {b['tot_en_met']:%d-%m-%Y}: {_euro(b['besteed'])} van het "
            f"plafond {_euro(b['plafond'])} ({number(b['besteed_pct'], ' %')}); prognose voor "
            f"het jaar {_euro(b['prognose_jaar'])}. {moment}"
        )
    elif b:
        out.append(f"Besteed: {_euro(b['besteed'])}; dit contract heeft geen plafond.")
    p = c["prijs"]
    if p["per_client"] is not None:
        diff = (
            ""
            if p["verschil_pct"] is None
            else f", {number(abs(p['verschil_pct']), ' %')} "
            f"{'boven' if p['verschil_pct'] > 0 else 'onder'} het regiogemiddelde"
        )
        out.append(
            f"Gemiddelde prijs per cliënt {_euro(p['per_client'])}; regio {_euro(p['regio'])}"
            f"{diff}."
        )
    return out


def target_chart(c: dict) -> alt.Chart | None:
    """One small panel per target: the quarters as a line, the target as a dashed rule."""
    rows = [
        {"kpi": d["titel"], "periode": p["periode"], "waarde": p["waarde"], "doel": d["doel"]}
        for d in c["doelen"]
        for p in d["perioden"]
        if p["waarde"] is not None
    ]
    if not rows:
        return None
    n = len({r["kpi"] for r in rows})
    width = max(120, (WIDTH - 40 * n) // max(n, 1))
    line = (
        alt.Chart()
        .mark_line(point=True, color=BLUE)
        .encode(x=alt.X("periode:N", title=None), y=alt.Y("waarde:Q", title=None))
    )
    rule = alt.Chart().mark_rule(color=GREY, strokeDash=[4, 3]).encode(y="mean(doel):Q")
    chart = (
        alt.layer(line, rule, data=alt.Data(values=rows))
        .properties(width=width, height=120)
        .facet(column=alt.Column("kpi:N", title=None))
        .resolve_scale(y="independent")
    )
    return _config(chart)


def context(items: list[dict], year: int) -> dict:
    first = items[0]
    contracten = []
    for c in items:
        chart = target_chart(c)
        contracten.append(
            {
                **c,
                "wet_tekst": WET.get(c["wet"], c["wet"]),
                "looptijd": f"{c['begindatum']:%d-%m-%Y} tot "
                + (f"{c['einddatum']:%d-%m-%Y}" if c["einddatum"] else "onbepaalde tijd"),
                "doelen": [
                    {
                        "titel": d["titel"],
                        "afspraak": f"{'≥' if d['richting'] == '>=' else '≤'} {number(d['doel'])}",
                        "realisatie": number(d["waarde"]),
                        "n": "" if d["n"] is None else d["n"],
                        "licht": d["licht"],
                        "licht_tekst": LIGHT_TEXT[d["licht"]],
                        "trend": d["trend"],
                    }
                    for d in c["doelen"]
                ],
                "zinnen": sentences(c),
                "svg": to_svg(chart) if chart is not None else None,
            }
        )
    return {
        "naam": first["aanbieder_naam"],
        "aanbieder": first["aanbieder"],
        "jaar": year,
        "contracten": contracten,
    }


def write_scorecard(items: list[dict], year: int, out: Path) -> None:
    """The scorecard as .pdf or .xlsx, by the file name."""
    suffix = out.suffix.lower()
    if suffix == ".pdf":
        html = _ENV.get_template("scorecard.html.j2").render(**context(items, year))
        data, _pages = html_to_pdf(html)
        out.write_bytes(data)
    elif suffix == ".xlsx":
        _xlsx(items, year, out)
    else:
        raise RegiekamerError("Een scorecard is een .pdf of een .xlsx: kies zo'n bestandsnaam.")


def _xlsx(items: list[dict], year: int, out: Path) -> None:
    wb = xlsxwriter.Workbook(str(out))
    try:
        bold = wb.add_format({"bold": True})
        head = wb.add_format({"bold": True, "bottom": 1})
        colour = {
            k: wb.add_format({"bold": True, "font_color": v})
            for k, v in (
                ("groen", "#00734d"),
                ("oranje", "#9a5b00"),
                ("rood", "#b22a00"),
                ("onbekend", "#666666"),
            )
        }
        ws = wb.add_worksheet("Scorecard")
        ws.set_column(0, 0, 38)
        ws.set_column(1, 6, 16)
        ws.write(
            0,
            0,
            f"Scorecard {items[0]['aanbieder_naam']} (AGB {items[0]['aanbieder']}) {year}",
            bold,
        )
        row = 2
        periods = wb.add_worksheet("Perioden")
        for j, h in enumerate(("contract", "kpi", "periode", "realisatie", "afspraak")):
            periods.write(0, j, h, head)
        prow = 0
        for c in items:
            ws.write(
                row,
                0,
                f"{c['contract_id']} — {WET.get(c['wet'], c['wet'])}, "
                f"{c['inkoopmodel']}, {c['uitvoeringsvariant']}",
                bold,
            )
            row += 1
            for j, h in enumerate(
                ("indicator", "richting", "afspraak", "realisatie", "n", "stoplicht", "trend")
            ):
                ws.write(row, j, h, head)
            for d in c["doelen"]:
                row += 1
                ws.write(row, 0, d["titel"])
                ws.write(row, 1, d["richting"])
                ws.write_number(row, 2, d["doel"])
                if d["waarde"] is not None:
                    ws.write_number(row, 3, d["waarde"])
                if d["n"] is not None:
                    ws.write_number(row, 4, d["n"])
                ws.write(row, 5, d["licht"], colour[d["licht"]])
                ws.write(row, 6, d["trend"])
                for p in d["perioden"]:
                    prow += 1
                    periods.write_row(
                        prow, 0, [c["contract_id"], d["kpi"], p["periode"], p["waarde"], d["doel"]]
                    )
            for z in sentences(c):
                row += 1
                ws.write(row, 0, z)
            row += 2
    finally:
        wb.close()

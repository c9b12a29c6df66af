"""The settlement statements: risk equalisation per region and year, and the incentive
settlement per provider, as PDF (HTML -> WeasyPrint) and XLSX, showing every step so that a
controller can recompute them by hand (inputs, key, shares, exact amounts, rounding, result).

Amounts are integer cents in the analyses; here they become euros (XLSX: numbers with two
decimals; PDF: Dutch text). Exact shares (fractions) are shown with six decimals, exact
amounts before rounding with four decimals of a euro.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import xlsxwriter

from regiekamer.analyses.incentive import run as incentive_run
from regiekamer.analyses.verevening import run as verevening_run
from regiekamer.analyses.verevening.models import KEY_NAMES, MODEL_NAMES, Rule
from regiekamer.faces.dutch import number
from regiekamer.faces.report import _ENV, html_to_pdf

# Dutch column headings of the step tables (keys of models.Settlement.stappen).
HEADINGS = {
    "gemeente": "gemeente",
    "gebruik_cent": "gebruik U (€)",
    "gebruik_gemiddeld_cent": "gebruik, gemiddelde 3 jaar (€)",
    "aandeel_gebruik": "aandeel gebruik",
    "sleutel": "sleutelwaarde B",
    "aandeel_sleutel": "aandeel sleutel",
    "aandeel": "aandeel",
    "clienten": "cliënten",
    "onder_drempel_cent": "onder drempel (€)",
    "boven_drempel_cent": "boven drempel (€)",
    "zonder_plafond_cent": "zonder plafond (€)",
    "profijt_cent": "profijt (€)",
    "budget_cent": "budget (€)",
    "plafond_cent": "plafond (€)",
    "grens_cent": "grens (€)",
    "begrensd": "begrensd",
    "exact_cent": "exact (€)",
    "afgerond_cent": "naar beneden (€)",
    "restcent": "restcent",
    "pool_cent": "uit de pot (€)",
    "bijdrage_cent": "bijdrage (€)",
}


def euro(cents: int | float | Fraction | None, decimals: int = 2) -> str:
    if cents is None:
        return "—"
    value = float(Fraction(cents) / 100)
    sign = "−" if round(value, decimals) < 0 else ""
    return f"{sign}€\u00a0{number(abs(value), decimals)}"


def shown(key: str, value: object) -> str:
    """A step value as the PDF shows it."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if key == "exact_cent":
        return euro(value, 4)  # type: ignore[arg-type]
    if key.endswith("_cent"):
        return euro(value)  # type: ignore[arg-type]
    if key == "restcent":
        return f"+{value}" if value else "0"
    if isinstance(value, Fraction):
        return number(float(value), 6) if key.startswith("aandeel") else number(float(value), 2)
    if isinstance(value, int):
        return number(value)
    return str(value)


def cell(key: str, value: object) -> object:
    """A step value as the XLSX holds it (numbers stay numbers)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if key.endswith("_cent"):
        return round(float(Fraction(value) / 100), 4 if key == "exact_cent" else 2)  # type: ignore[arg-type]
    if isinstance(value, Fraction):
        return float(value)
    return value


def rule_text(rule: Rule) -> str:
    parts = [MODEL_NAMES[rule.model]]
    if rule.sleutel and rule.model != "profijt":
        parts.append(f"sleutel {KEY_NAMES[rule.sleutel]}")
    if rule.alpha is not None:
        parts.append(f"α = {number(float(rule.alpha), 2)}")
    if rule.drempel_cent is not None:
        parts.append(f"drempel {euro(rule.drempel_cent)} per cliënt")
    if rule.plafond is not None:
        parts.append(f"plafond {number(float(rule.plafond) * 100, 1)} % van het budget")
    if rule.gladstrijken:
        parts.append("gebruik gemiddeld over drie jaar")
    return ", ".join(parts)


def _name(result: verevening_run.Result, g: str) -> str:
    return result.region.namen.get(g, g)


def verevening_context(result: verevening_run.Result) -> dict:
    from regiekamer.faces.charts import to_svg
    from regiekamer.faces.charts_verevening import comparison, history

    cfg = result.config
    names = {v.id: v.naam for v in cfg.varianten}
    rows = verevening_run.rows(result)
    chart_rows = [
        {
            "gemeente": r["gemeentenaam"],
            "variant": r["variant_naam"],
            "verschil": r["verschil_cent"] / 100,
            "weg": r.get("volatiliteit_weg_pct"),
        }
        for r in rows
    ]
    hist_rows = [
        {
            "jaar": r["jaar"],
            "gemeente": _name(result, r["gemeente"]),
            "variant": names[r["variant"]],
            "bijdrage": r["bijdrage_cent"] / 100,
        }
        for r in result.historie
    ]
    variants = [v.naam for v in cfg.varianten]
    segments = []
    for v in result.varianten:
        for seg in cfg.segmenten:
            s = v.settlements[seg.id]
            keys = list(s.stappen[0]) if s.stappen else []
            segments.append(
                {
                    "variant": v.variant.naam,
                    "segment": seg.naam,
                    "regel": rule_text(s.rule),
                    "kosten": euro(s.kosten),
                    "kop": [HEADINGS.get(k, k) for k in keys],
                    "rijen": [
                        [_name(result, row["gemeente"])] + [shown(k, row[k]) for k in keys[1:]]
                        for row in s.stappen
                    ],
                    "totaal": euro(sum(s.bijdrage)),
                    "toelichting": s.toelichting,
                }
            )
    inputs = []
    for seg in cfg.segmenten:
        d = result.region.segmenten[seg.id]
        inputs.append(
            {
                "segment": seg.naam,
                "rijen": [
                    [
                        _name(result, g),
                        euro(d.gebruik[i]),
                        euro(d.gebruik_3jaar[i]),
                        euro(d.budget[i]),
                    ]
                    + [
                        number(d.sleutels[k][i]) if k in d.sleutels else "—"
                        for k in KEY_NAMES
                        if k != "budget"
                    ]
                    + [number(len(d.clienten[i]))]
                    for i, g in enumerate(d.gemeenten)
                ],
                "jaren_3jaar": ", ".join(str(y) for y in d.jaren_3jaar),
            }
        )
    by_year: dict[tuple[int, str], dict[str, str]] = {}
    for r in result.historie:
        by_year.setdefault((r["jaar"], r["gemeente"]), {})[r["variant"]] = euro(r["bijdrage_cent"])
    return {
        "regio": cfg.regio or "Regio",
        "jaar": result.jaar,
        "bestand": cfg.bestand,
        "gemaakt": dt.date.today().isoformat(),
        "simulatie": {"jaren": number(result.simulatie_jaren), "seed": result.seed},
        "varianten": variants,
        "vergelijking": [
            {
                "gemeente": r["gemeentenaam"],
                "variant": r["variant_naam"],
                "bijdrage": euro(r["bijdrage_cent"]),
                "verschil": euro(r["verschil_cent"]),
                "p5": euro(r.get("p5_cent")),
                "mediaan": euro(r.get("mediaan_cent")),
                "p95": euro(r.get("p95_cent")),
                "cv": "—" if r.get("cv") is None else number(r["cv"] * 100, 1) + " %",
                "weg": "—"
                if r.get("volatiliteit_weg_pct") is None
                else number(r["volatiliteit_weg_pct"], 1) + " %",
            }
            for r in sorted(rows, key=lambda r: r["gemeente"])
        ],
        "grafiek": to_svg(comparison(chart_rows, variants)) if chart_rows else None,
        "meerjarig_grafiek": to_svg(history(hist_rows, variants)) if hist_rows else None,
        "meerjarig": [
            {
                "jaar": j,
                "gemeente": _name(result, g),
                "bedragen": [vals.get(v.id, "—") for v in cfg.varianten],
            }
            for (j, g), vals in sorted(by_year.items())
        ],
        "invoer": inputs,
        "invoer_kop": ["gemeente", "gebruik U", "gebruik 3 jaar (som)", "budget"]
        + [KEY_NAMES[k] for k in KEY_NAMES if k != "budget"]
        + ["cliënten"],
        "stappen": segments,
        "notities": result.notities,
        "waarschuwingen": [f.melding for f in cfg.waarschuwingen],
    }


def write_verevening_pdf(result: verevening_run.Result, out: Path) -> int:
    html = _ENV.get_template("verevening.html.j2").render(**verevening_context(result))
    data, pages = html_to_pdf(html)
    out.write_bytes(data)
    return pages


def _sheet(wb: xlsxwriter.Workbook, name: str, header: list[str], rows: list[list]) -> None:
    ws = wb.add_worksheet(name[:31])
    bold = wb.add_format({"bold": True})
    for j, h in enumerate(header):
        ws.write(0, j, h, bold)
        width = max([len(str(h))] + [len(str(r[j])) for r in rows[:300] if j < len(r)])
        ws.set_column(j, j, min(60, width + 2))
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            if isinstance(v, str) and v.startswith("="):
                ws.write_string(i, j, v)
            else:
                ws.write(i, j, v)
    ws.freeze_panes(1, 0)


def write_verevening_xlsx(result: verevening_run.Result, out: Path) -> None:
    cfg = result.config
    wb = xlsxwriter.Workbook(str(out))
    try:
        rows = verevening_run.rows(result)
        cols = list(rows[0]) if rows else []
        _sheet(wb, "Vergelijking", cols, [[cell(c, r.get(c)) for c in cols] for r in rows])
        inv_header = ["segment", "gemeente", "gebruik_cent", "gebruik_3jaar_cent", "budget_cent"]
        inv_header += [k for k in KEY_NAMES if k != "budget"] + ["clienten"]
        inv_rows = []
        for seg in cfg.segmenten:
            d = result.region.segmenten[seg.id]
            for i, g in enumerate(d.gemeenten):
                inv_rows.append(
                    [
                        seg.id,
                        g,
                        cell("x_cent", d.gebruik[i]),
                        cell("x_cent", d.gebruik_3jaar[i]),
                        cell("x_cent", d.budget[i]),
                    ]
                    + [
                        d.sleutels[k][i] if k in d.sleutels else None
                        for k in KEY_NAMES
                        if k != "budget"
                    ]
                    + [len(d.clienten[i])]
                )
        _sheet(wb, "Invoer", [h.replace("_cent", " (euro)") for h in inv_header], inv_rows)
        for v in result.varianten:
            lines: list[list] = []
            for seg in cfg.segmenten:
                s = v.settlements[seg.id]
                keys = list(s.stappen[0]) if s.stappen else []
                lines.append([f"Segment {seg.naam}: {rule_text(s.rule)}"])
                lines.extend([[t] for t in s.toelichting])
                lines.append([HEADINGS.get(k, k) for k in keys])
                lines.extend([[cell(k, row[k]) for k in keys] for row in s.stappen])
                lines.append(["totaal", *[""] * (len(keys) - 2), cell("x_cent", sum(s.bijdrage))])
                lines.append([])
            _sheet(wb, f"Stappen {v.variant.id}", [f"Variant {v.variant.naam}"], lines)
        hist_cols = [
            "jaar",
            "gemeente",
            "variant",
            "bijdrage_cent",
            "profijt_cent",
            "verschil_cent",
        ]
        _sheet(
            wb,
            "Meerjarig",
            [c.replace("_cent", " (euro)") for c in hist_cols],
            [[cell(c, r[c]) for c in hist_cols] for r in result.historie],
        )
    finally:
        wb.close()


def incentive_context(result: incentive_run.Result) -> dict:
    return {
        "jaar": result.jaar,
        "bestand": result.bestand,
        "gemaakt": dt.date.today().isoformat(),
        "overzicht": [
            {
                "regeling": s.regeling,
                "aanbieder": f"{s.naam} ({s.aanbieder})",
                "doel": euro(s.doelbudget_cent),
                "realisatie": euro(s.realisatie_cent),
                "verschil": euro(s.verschil_cent),
                "winst_verlies": euro(s.verrekening_cent),
                "bonus_malus": euro(s.bonus_malus_cent),
                "totaal": euro(s.totaal_cent),
            }
            for s in result.afrekeningen
        ],
        "afrekeningen": [
            {"titel": f"{s.naam} ({s.aanbieder}), regeling {s.regeling}", "stappen": s.stappen}
            for s in result.afrekeningen
        ],
    }


def write_incentive_pdf(result: incentive_run.Result, out: Path) -> int:
    html = _ENV.get_template("incentive.html.j2").render(**incentive_context(result))
    data, pages = html_to_pdf(html)
    out.write_bytes(data)
    return pages


def write_incentive_xlsx(result: incentive_run.Result, out: Path) -> None:
    wb = xlsxwriter.Workbook(str(out))
    try:
        rows = incentive_run.rows(result)
        cols = list(rows[0]) if rows else ["regeling"]
        _sheet(
            wb,
            "Afrekening",
            [c.replace("_cent", " (euro)") for c in cols],
            [[cell(c, r[c]) for c in cols] for r in rows],
        )
        kpi_cols = [
            "regeling",
            "aanbieder",
            "kpi",
            "waarde",
            "n",
            "band",
            "procent",
            "grondslag",
            "grondslag (euro)",
            "bedrag (euro)",
            "reden",
        ]
        kpi_rows = [
            [
                s.regeling,
                s.aanbieder,
                k.kpi,
                k.waarde,
                k.n,
                k.band,
                float(k.procent),
                k.grondslag,
                k.grondslag_cent / 100,
                k.bedrag_cent / 100,
                k.reden,
            ]
            for s in result.afrekeningen
            for k in s.kpi
        ]
        _sheet(wb, "KPI-afspraken", kpi_cols, kpi_rows)
        steps = [[f"{s.naam} ({s.aanbieder}), regeling {s.regeling}"] for s in result.afrekeningen]
        lines: list[list] = []
        for s, head in zip(result.afrekeningen, steps, strict=True):
            lines.append(head)
            lines.extend([[t] for t in s.stappen])
            lines.append([])
        _sheet(wb, "Stappen", ["Afrekening per aanbieder"], lines)
    finally:
        wb.close()

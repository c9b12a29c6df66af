"""The evaluation report for the quarterly steering meeting (and, per provider, for the contract
talk): per agreement the target against the realisation with its trend as a small chart, then
the signals of the period, then the improvement actions and what became of them.

The figures come from ``Regiekamer.evaluation`` (scoped to the user on the dashboard); this
module only words them and draws the charts. The same context fills the dashboard page
(web/templates/evaluatie.html.j2) and the A4 PDF (templates/evaluatie.html.j2, WeasyPrint).
"""

from __future__ import annotations

from pathlib import Path

import altair as alt

from regiekamer.analyses.acties import STATUS_NL
from regiekamer.analyses.kpi.definitions import BY_ID
from regiekamer.faces import dutch
from regiekamer.faces.charts import BLUE, GREY, _config, to_svg
from regiekamer.faces.scorecard import LIGHT_TEXT

NIVEAU_NL = {
    "regio": "regio",
    "gemeente": "gemeente",
    "aanbieder": "aanbieder",
    "contract": "contract",
}


def value(kpi: str, waarde: float | None) -> str:
    """A KPI value as a reader reads it (unit from the catalogue)."""
    # No catalogue look-up without a value (as before: a KPI no longer listed still reads "—").
    return "—" if waarde is None else dutch.in_unit(waarde, BY_ID[kpi].eenheid)


def target(a: object) -> str:
    return f"{'≥' if a.richting == '>=' else '≤'} {value(a.kpi, a.doel)}"


def scope_text(a: object) -> str:
    parts = [NIVEAU_NL[a.niveau]]
    for label, v in (
        ("gemeente", a.gemeente),
        ("aanbieder", a.aanbieder),
        ("contract", a.contract_id),
        ("wet", a.wet),
    ):
        if v:
            parts.append(f"{label} {v}")
    return ", ".join(parts)


def trend_chart(item: dict) -> str | None:
    """The quarters as a line against the target as a dashed rule, as inline SVG."""
    a = item["afspraak"]
    rows = [
        {"periode": p["periode"], "waarde": p["waarde"], "doel": a.doel}
        for p in item["perioden"]
        if p["waarde"] is not None
    ]
    if not rows:
        return None
    line = (
        alt.Chart()
        .mark_line(point=True, color=BLUE)
        .encode(x=alt.X("periode:N", title=None), y=alt.Y("waarde:Q", title=None))
    )
    rule = alt.Chart().mark_rule(color=GREY, strokeDash=[4, 3]).encode(y="mean(doel):Q")
    chart = alt.layer(line, rule, data=alt.Data(values=rows)).properties(width=220, height=90)
    return to_svg(_config(chart))


def context(evaluation: dict) -> dict:
    """The report's words and charts from ``Regiekamer.evaluation``."""
    span = evaluation["periode"]
    afspraken = []
    for item in evaluation["afspraken"]:
        a = item["afspraak"]
        in_period = [p for p in item["perioden"] if p["periode"] == span.label]
        afspraken.append(
            {
                "id": a.afspraak_id,
                "titel": BY_ID[a.kpi].titel,
                "scope": scope_text(a),
                "periode": a.periode,
                "doel": target(a),
                "realisatie": value(a.kpi, item["waarde"]),
                "kwartaal": value(a.kpi, in_period[0]["waarde"]) if in_period else "—",
                "licht": item["licht"],
                "licht_tekst": LIGHT_TEXT[item["licht"]],
                "trend": item["trend"],
                "perioden": [
                    {"periode": p["periode"], "waarde": value(a.kpi, p["waarde"])}
                    for p in item["perioden"]
                ],
                "na_aanvang": a.na_aanvang,
                "afgesproken": f"{dutch.long_date(a.afgesproken_op)} door "
                + ", ".join(a.afgesproken_door),
                "svg": trend_chart(item),
            }
        )
    acties = []
    for r in evaluation["acties"]:
        last = r["wijzigingen"][-1] if r["wijzigingen"] else None
        acties.append(
            {
                "id": r["actie_id"],
                "titel": r["titel"],
                "onderwerp": f"{r['onderwerp_soort']} {r['onderwerp']}",
                "eigenaar": r["eigenaar"],
                "deadline": r["deadline"].isoformat() if r["deadline"] else "—",
                "status": STATUS_NL[r["status"]],
                "verloop": f"{len(r['wijzigingen'])} wijziging(en); laatst "
                f"{last['tijd']:%d-%m-%Y} door {last['door']}"
                if last
                else "",
                "notities": r["notities"] or "",
            }
        )
    aanbieder = evaluation["aanbieder"]
    return {
        "periode": span.label,
        "begin": dutch.long_date(span.begin),
        "eind": dutch.long_date(span.end),
        "aanbieder": aanbieder,
        "afspraken": afspraken,
        "signalen": evaluation["signalen"],
        "acties": acties,
        "gehaald": sum(a["licht"] == "groen" for a in afspraken),
    }


def report_html(ctx: dict) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG), for the PDF."""
    from regiekamer.faces.report import _ENV

    return _ENV.get_template("evaluatie.html.j2").render(**ctx, kop=True)


def sections_html(ctx: dict) -> str:
    """The report's sections without its title, for the dashboard page (which has its own)."""
    from regiekamer.faces.report import _ENV

    return _ENV.get_template("evaluatie_inhoud.html.j2").render(**ctx, kop=False)


def pdf(ctx: dict) -> tuple[bytes, int]:
    """The report as A4 PDF bytes and its number of pages (WeasyPrint, offline)."""
    from regiekamer.faces.report import html_to_pdf

    return html_to_pdf(report_html(ctx))


def write(ctx: dict, out: Path) -> int | None:
    """Write the report to ``out``: .pdf (A4) or .html; returns the PDF's page count."""
    from regiekamer.faces.report import report_format

    pages = None
    if report_format(out) == "pdf":
        data, pages = pdf(ctx)
    else:
        data = report_html(ctx).encode("utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return pages

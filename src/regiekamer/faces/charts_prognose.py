"""The forecast chart: declared spend per month, then each scenario's expected spend with its
80 % and 95 % band, one panel per wet (Altair; rendered offline by charts.to_svg)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt

from regiekamer.faces.charts import BLACK, BLUE, GREEN, ORANGE, VERMILLION, WIDTH, _config

COLOURS = [BLUE, ORANGE, GREEN, VERMILLION]
GEDECLAREERD = "Gedeclareerd"


def band(months: Sequence[dict], history: Sequence[dict], *, width: int = WIDTH) -> alt.FacetChart:
    """Rows of ``summary.months`` (``scenario``, ``wet``, ``maand``, ``uitgaven`` and its
    ``_p2_5/_p10/_p90/_p97_5``) and of ``summary.history`` (``wet``, ``maand``, ``uitgaven``)."""
    names = list(dict.fromkeys(r["scenario"] for r in months))
    domain = [GEDECLAREERD, *names]
    colour = alt.Color(
        "reeks:N",
        title=None,
        scale=alt.Scale(domain=domain, range=[BLACK, *COLOURS[: len(names)]]),
    )
    data = [{**r, "reeks": r["scenario"]} for r in months]
    data += [{**r, "reeks": GEDECLAREERD} for r in history]
    x = alt.X(
        "maand:T",
        title=None,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%b %Y", formatType="utc", labelAngle=0, tickCount=6),
    )
    y_title = "Uitgaven per maand (euro)"
    base = alt.Chart().encode(x=x, color=colour)
    forecast = alt.datum.reeks != GEDECLAREERD
    outer = base.mark_area(opacity=0.15).encode(
        y=alt.Y("uitgaven_p2_5:Q", title=y_title, axis=alt.Axis(format="$,.0f")),
        y2="uitgaven_p97_5:Q",
    )
    inner = base.mark_area(opacity=0.3).encode(y="uitgaven_p10:Q", y2="uitgaven_p90:Q")
    line = base.mark_line(strokeWidth=2).encode(
        y="uitgaven:Q",
        tooltip=[
            alt.Tooltip("reeks:N", title="Reeks"),
            alt.Tooltip("maand:T", title="Maand", format="%B %Y", formatType="utc"),
            alt.Tooltip("uitgaven:Q", title="Uitgaven", format="$,.0f"),
            alt.Tooltip("uitgaven_p10:Q", title="80 %-band van", format="$,.0f"),
            alt.Tooltip("uitgaven_p90:Q", title="80 %-band tot", format="$,.0f"),
        ],
    )
    layered = alt.layer(
        outer.transform_filter(forecast),
        inner.transform_filter(forecast),
        line,
        data=alt.Data(values=data),
    )
    panels = len({r["wet"] for r in data}) or 1
    layered = layered.properties(width=int((width - 90 * panels) / panels), height=220)
    wetten = sorted({r["wet"] for r in data})
    return _config(
        layered.facet(column=alt.Column("wet:N", title=None, sort=wetten)).resolve_scale(
            y="independent"
        )
    )

"""The forecast chart: declared spend per month, then each scenario's expected spend with its
80 % and 95 % band, one panel per wet (Altair; rendered offline by charts.to_svg)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt

from regiekamer.faces.charts import BLACK, BLUE, GREEN, ORANGE, VERMILLION, WIDTH, _config

COLOURS = [BLUE, ORANGE, GREEN, VERMILLION]
GEDECLAREERD = "Gedeclareerd"


# What a band chart can show: (column in the rows, axis title, number format).
MEASURES = {
    "uitgaven": ("Uitgaven per maand (euro)", "$,.0f"),
    "clienten": ("Cliënten in zorg per maand", ",.0f"),
}


def band(
    months: Sequence[dict],
    history: Sequence[dict],
    *,
    width: int = WIDTH,
    measure: str = "uitgaven",
) -> alt.FacetChart:
    """Rows of ``summary.months`` (``scenario``, ``wet``, ``maand``, ``uitgaven``/``clienten``
    and its ``_p2_5/_p10/_p90/_p97_5``) and of ``summary.history`` (``wet``, ``maand``,
    ``uitgaven``; drawn only for spend, the history has no client counts)."""
    names, wetten, data = band_data(months, history, measure)
    return band_chart(names, wetten, measure, width, alt.Data(values=data))


def band_data(
    months: Sequence[dict], history: Sequence[dict], measure: str
) -> tuple[tuple[str, ...], tuple[str, ...], list[dict]]:
    """The chart's series names, its panels (wetten) and its rows (only the columns drawn)."""
    names = tuple(dict.fromkeys(r["scenario"] for r in months))
    cols = ("wet", "maand", *(measure + q for q in ("", "_p2_5", "_p10", "_p90", "_p97_5")))
    data = [{"reeks": r["scenario"], **{c: r[c] for c in cols}} for r in months]
    if measure == "uitgaven":
        data += [{"reeks": GEDECLAREERD, **r} for r in history]
    return names, tuple(sorted({r["wet"] for r in data})), data


def band_chart(
    names: Sequence[str], wetten: Sequence[str], measure: str, width: int, data: alt.Data
) -> alt.FacetChart:
    """The chart over ``data`` (inline values, or a named data set the caller fills: the web
    page builds the shape once per series and panels, as Altair takes ~0.3 s to build it)."""
    domain = [GEDECLAREERD, *names]
    colour = alt.Color(
        "reeks:N",
        title=None,
        scale=alt.Scale(domain=domain, range=[BLACK, *COLOURS[: len(names)]]),
    )
    x = alt.X(
        "maand:T",
        title=None,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%b %Y", formatType="utc", labelAngle=0, tickCount=6),
    )
    y_title, fmt = MEASURES[measure]
    m = measure
    base = alt.Chart().encode(x=x, color=colour)
    forecast = alt.datum.reeks != GEDECLAREERD
    outer = base.mark_area(opacity=0.15).encode(
        y=alt.Y(f"{m}_p2_5:Q", title=y_title, axis=alt.Axis(format=fmt)),
        y2=f"{m}_p97_5:Q",
    )
    inner = base.mark_area(opacity=0.3).encode(y=f"{m}_p10:Q", y2=f"{m}_p90:Q")
    line = base.mark_line(strokeWidth=2).encode(
        y=f"{m}:Q",
        tooltip=[
            alt.Tooltip("reeks:N", title="Reeks"),
            alt.Tooltip("maand:T", title="Maand", format="%B %Y", formatType="utc"),
            alt.Tooltip(f"{m}:Q", title=y_title, format=fmt),
            alt.Tooltip(f"{m}_p10:Q", title="80 %-band van", format=fmt),
            alt.Tooltip(f"{m}_p90:Q", title="80 %-band tot", format=fmt),
        ],
    )
    layered = alt.layer(
        outer.transform_filter(forecast),
        inner.transform_filter(forecast),
        line,
        data=data,
    )
    panels = len(wetten) or 1
    layered = layered.properties(width=int((width - 90 * panels) / panels), height=220)
    return _config(
        layered.facet(column=alt.Column("wet:N", title=None, sort=list(wetten))).resolve_scale(
            y="independent"
        )
    )

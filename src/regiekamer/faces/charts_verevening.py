"""Charts of the risk equalisation: what each variant gains or costs a municipality, and how
much of its volatility it removes (one spec for the report and, later, the dashboard)."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt

from regiekamer.faces.charts import BLACK, BLUE, GREEN, GREY, ORANGE, SKY, VERMILLION, WIDTH
from regiekamer.faces.charts import _config as configure

PALETTE = [GREY, BLUE, ORANGE, GREEN, VERMILLION, SKY, BLACK]


def _colour(variants: Sequence[str]) -> alt.Color:
    return alt.Color(
        "variant:N",
        title="Variant",
        legend=alt.Legend(labelLimit=300, columns=3),
        scale=alt.Scale(domain=list(variants), range=PALETTE[: len(variants)]),
        sort=list(variants),
    )


def comparison(rows: Sequence[dict], variants: Sequence[str], width: int = WIDTH) -> alt.Chart:
    """Per municipality and variant: what it gains or costs against user-pays (euro), and how
    much of the volatility of its contribution under user-pays it removes (% of the standard
    deviation), side by side.

    Rows: ``gemeente`` (name), ``variant`` (name), ``verschil`` (euro), ``weg`` (percent or None).
    """
    gemeenten = list(dict.fromkeys(r["gemeente"] for r in rows))
    y = alt.Y("gemeente:N", title=None, sort=gemeenten)
    offset = alt.YOffset("variant:N", sort=list(variants))
    base = alt.Chart(alt.Data(values=list(rows))).encode(
        y=y, yOffset=offset, color=_colour(variants)
    )
    half = int((width - 160) / 2)
    height = max(60, 12 * len(variants) * len(gemeenten))
    diff = base.mark_bar().encode(
        x=alt.X("verschil:Q", title="Verschil met profijt (euro)", axis=alt.Axis(format="$,.0f")),
        tooltip=[
            alt.Tooltip("gemeente:N", title="Gemeente"),
            alt.Tooltip("variant:N", title="Variant"),
            alt.Tooltip("verschil:Q", title="Verschil", format="$,.0f"),
        ],
    )
    zero = alt.Chart(alt.Data(values=[{"x": 0}])).mark_rule(color=BLACK).encode(x="x:Q")
    cv = base.mark_bar().encode(
        x=alt.X("weg:Q", title="Minder schommeling dan profijt (%)", axis=alt.Axis(format=",.0f")),
        tooltip=[
            alt.Tooltip("gemeente:N", title="Gemeente"),
            alt.Tooltip("variant:N", title="Variant"),
            alt.Tooltip("weg:Q", title="Minder schommeling (%)", format=",.1f"),
        ],
    )
    left = alt.layer(diff, zero).properties(width=half, height=height)
    right = cv.encode(y=alt.Y("gemeente:N", title=None, sort=gemeenten, axis=None)).properties(
        width=half, height=height
    )
    return configure(alt.hconcat(left, right, spacing=12))


def history(rows: Sequence[dict], variants: Sequence[str], width: int = WIDTH) -> alt.Chart:
    """Contribution per year, one panel per municipality, a line per variant.

    Rows: ``jaar`` (int), ``gemeente`` (name), ``variant`` (name), ``bijdrage`` (euro)."""
    n = len({r["gemeente"] for r in rows}) or 1
    chart = (
        alt.Chart(alt.Data(values=list(rows)))
        .mark_line(point=True)
        .encode(
            x=alt.X("jaar:O", title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("bijdrage:Q", title="Bijdrage (euro)", axis=alt.Axis(format="$,.0f")),
            color=_colour(variants),
            tooltip=[
                alt.Tooltip("variant:N", title="Variant"),
                alt.Tooltip("jaar:O", title="Jaar"),
                alt.Tooltip("bijdrage:Q", title="Bijdrage", format="$,.0f"),
            ],
        )
        .properties(width=max(120, int((width - 60 * n) / n)), height=150)
    )
    return configure(chart.facet(column=alt.Column("gemeente:N", title=None)))

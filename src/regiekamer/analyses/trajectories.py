"""The facts every KPI rests on, derived once from the store tables (DOMAIN.md §4).

- ``allocations``: each toewijzing with the request (JW315) it answers, its referrer type and the
  date its waiting time starts. No request: the access team allocated it (referrer ``01``) and the
  wait starts at the toewijzingsdatum.
- ``zorgperioden``: JW305 starts closed by their JW307 stops; a stop with reden 20 (tijdelijk
  beëindigd) followed by a new start on the same allocation continues the same zorgperiode.
- ``rejects``: whether a JW325 line was rejected (a retourcode other than 0200/8001).

Pure functions over Ibis tables: they run unchanged on DuckDB and on Spark.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

TEMPORARY_STOP = "20"
ACCEPTED_CODES = ("0200", "8001")
OWN_ACCESS_TEAM = "01"

_ALLOCATION = ("wet", "gemeente", "toewijzing_nummer")
_REQUEST = ("wet", "gemeente", "aanbieder", "client_id", "referentie_aanbieder")
_SEGMENT = ("wet", "gemeente", "aanbieder", "client_id", "toewijzing_nummer")


def first_requests(verzoek: ir.Table) -> ir.Table:
    """One row per request reference: its earliest dagtekening and that row's referrer."""
    w = ibis.window(group_by=list(_REQUEST), order_by=["dagtekening", "verwijzer_type"])
    ranked = verzoek.filter(verzoek.referentie_aanbieder.notnull()).mutate(
        _rang=ibis.row_number().over(w)
    )
    first = ranked.filter(ranked._rang == 0)
    return first.select(
        *_REQUEST,
        "productcategorie",
        aanvraagdatum=first.dagtekening,
        verwijzer=first.verwijzer_type.fill_null(OWN_ACCESS_TEAM),
    )


def allocations(toewijzing: ir.Table, requests: ir.Table) -> ir.Table:
    """Allocations with their request date (or null), referrer and the start of their wait;
    ``requests`` as ``first_requests`` gives them."""
    req = requests.drop("productcategorie")
    t = toewijzing.left_join(req, [toewijzing[k] == req[k] for k in _REQUEST])
    return t.select(
        "wet",
        "gemeente",
        "aanbieder",
        "client_id",
        "toewijzing_nummer",
        "productcategorie",
        "toewijzingsdatum",
        "ingangsdatum",
        "einddatum",
        "aanvraagdatum",
        verwijzer=req.verwijzer.fill_null(OWN_ACCESS_TEAM),
        wacht_vanaf=req.aanvraagdatum.fill_null(toewijzing.toewijzingsdatum),
    )


def segments(levering: ir.Table) -> ir.Table:
    """Each start with the end and reason of its stop (null while it runs): the pieces that
    zorgperioden are made of."""
    starts = levering.filter(levering.soort == "start")
    stops = levering.filter(levering.soort == "stop").select(
        *_SEGMENT, "begindatum", stop_eind="einddatum", reden="reden_beeindiging"
    )
    keys = (*_SEGMENT, "begindatum")
    return starts.left_join(stops, [starts[k] == stops[k] for k in keys]).select(
        *_SEGMENT, "begindatum", "productcategorie", eind=stops.stop_eind, reden=stops.reden
    )


def zorgperioden(levering: ir.Table) -> ir.Table:
    """One row per zorgperiode: first begin, end, reason of its last stop, and whether that end
    is definitive (a last stop with reden 20 is not)."""
    seg = segments(levering)
    # Most allocations start once: that segment is the zorgperiode, and one aggregate gives it
    # (with one row per group, max() is that row's value). Only allocations with several starts
    # need the ordered chain below, whose window passes are costly at scale.
    g = seg.group_by(list(_SEGMENT)).aggregate(
        _starts=seg.count(),
        productcategorie=seg.productcategorie.max(),
        begin=seg.begindatum.min(),
        eind=seg.eind.max(),
        reden=seg.reden.max(),
    )
    once = g.filter(g._starts == 1).drop("_starts")
    several = g.filter(g._starts > 1)
    several = seg.semi_join(several, [seg[k] == several[k] for k in _SEGMENT])
    zp = once.union(_chained(several))
    return zp.mutate(definitief=zp.eind.notnull() & (zp.reden.fill_null("") != TEMPORARY_STOP))


def _chained(seg: ir.Table) -> ir.Table:
    """Segments of one allocation in order; a segment after a stop with reden 20 continues the
    zorgperiode of the one before it."""
    order = ibis.window(group_by=list(_SEGMENT), order_by=["begindatum"])
    seg = seg.mutate(_nieuw=ibis.ifelse(seg.reden.lag().over(order) == TEMPORARY_STOP, 0, 1))
    running = ibis.cumulative_window(group_by=list(_SEGMENT), order_by=["begindatum"])
    seg = seg.mutate(_zp=seg._nieuw.sum().over(running))
    per_zp = ibis.window(group_by=[*_SEGMENT, "_zp"], order_by=["begindatum"])
    seg = seg.mutate(
        begin=seg.begindatum.min().over(per_zp),
        _laatste=seg.begindatum.lead().over(per_zp).isnull(),
    )
    last = seg.filter(seg._laatste)
    return last.select(*_SEGMENT, "productcategorie", "begin", "eind", "reden")


def with_wait_start(zp: ir.Table, alloc: ir.Table) -> ir.Table:
    """Zorgperioden with the date their allocation's wait began (null without allocation)."""
    a = alloc.select(*_ALLOCATION, "wacht_vanaf")
    return zp.left_join(a, [zp[k] == a[k] for k in _ALLOCATION]).select(*zp.columns, "wacht_vanaf")


def rejects(antwoord: ir.Table) -> ir.BooleanValue:
    """Whether a JW325 line was rejected: it carries a code other than 0200/8001. Read from the
    list itself, not by unnesting it: one pass, no join back."""
    return antwoord.retourcodes.filter(lambda c: ~c.isin(ACCEPTED_CODES)).length() > 0


def signed_cents(t: ir.Table) -> ir.IntegerValue:
    """A line's amount in cents, negative for a credit line (debet − credit)."""
    return ibis.ifelse(t.debet_credit == "C", -t.bedrag_cent, t.bedrag_cent)

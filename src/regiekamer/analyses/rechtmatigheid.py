"""Lawfulness (rechtmatigheid, DOMAIN.md §5): every invoice line tested against its allocation,
its zorgperiode and its contract, for the accountant.

Each debit line (prestatie) is tested by the checks in ``CHECKS``, in that order; a line that
fails is attributed to the FIRST check it fails, with that check's amount at risk, so that no
euro counts twice and the invoiced total always equals accepted + Σ at risk. The order runs from
"nothing of this line is covered" (the whole line is at risk) to "part of it is not" (only the
excess is at risk), so a line is never attributed to a partial check when it is not covered at
all. A debit line reversed by a credit line with the same ReferentieNummer is not tested: the
two cancel (``gecrediteerd``).

How it runs (national scale: 40 M lines, 7 M allocations, on 2 cores): one pass over the lines
joins each line's allocation once, with the span of that allocation's zorgperiode already on
it, and probes small side tables (later duplicates, lines in a gap between zorgperioden, credit
references, tariffs, the running-sum findings); one CASE then names the first rule the line
fails. The result is grouped straight away, each failed line a group of its own, so no table of
all assessed lines is ever materialised. Every side table that looks at lines makes its own
narrow selection of the store table (``debit``), since a shared one would be materialised.

Pure functions over Ibis tables (DuckDB here, Spark on a cluster); nothing here imports a face.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from regiekamer.analyses import trajectories as T

DELETED = "13"  # RedenWijziging 13: the allocation was deleted (TR384)
EURO_UNIT = "83"  # Eenheid 83 (euro's): the amount is the volume, TR346 does not apply
PER_DAG, PER_WEEK, PER_MAAND, TOTAAL = "1", "2", "4", "6"  # LDT_Frequentie
OPEN_END = ibis.date(9999, 12, 31)


@dataclass(frozen=True)
class Check:
    code: str  # the official retourcode (WJ001), or our own RK-code where none exists
    titel: str
    melding: str  # Dutch message; {referentie} and {toewijzing} are filled per line
    risico: str  # which part of the line is at risk


WHOLE = "de hele regel"

# The documented order: a line is attributed to the first check it fails.
CHECKS: tuple[Check, ...] = (
    Check(
        "8021",
        "Referentienummer al eerder gedeclareerd",
        "Prestatie {referentie} heeft een referentienummer dat al eerder is gedeclareerd.",
        WHOLE,
    ),
    Check(
        "9338",
        "Geen toewijzing",
        "Prestatie {referentie} hoort bij geen toewijzing van deze aanbieder voor deze cliënt "
        "(toewijzingnummer {toewijzing}).",
        WHOLE,
    ),
    Check(
        "9384",
        "Toewijzing verwijderd",
        "Prestatie {referentie} is gedeclareerd op toewijzing {toewijzing}, die is verwijderd "
        "(RedenWijziging 13).",
        WHOLE,
    ),
    Check(
        "9339",
        "Productcategorie wijkt af",
        "De productcategorie van prestatie {referentie} is niet die van toewijzing {toewijzing}.",
        WHOLE,
    ),
    Check(
        "9340",
        "Productcode wijkt af",
        "De productcode van prestatie {referentie} is niet die van toewijzing {toewijzing}.",
        WHOLE,
    ),
    Check(
        "9341",
        "Eenheid wijkt af",
        "De eenheid van prestatie {referentie} past niet bij die van toewijzing {toewijzing}.",
        WHOLE,
    ),
    Check(
        "9307",
        "Begindatum buiten de toewijzing",
        "De begindatum van prestatie {referentie} ligt niet tussen ingangs- en einddatum van "
        "toewijzing {toewijzing}.",
        WHOLE,
    ),
    Check(
        "9308",
        "Einddatum buiten de toewijzing",
        "De einddatum van prestatie {referentie} ligt niet tussen ingangs- en einddatum van "
        "toewijzing {toewijzing}.",
        WHOLE,
    ),
    Check(
        "RK-RECHT-01",
        "Geen zorgperiode",
        "Voor prestatie {referentie} is geen zorgperiode (startbericht) op toewijzing "
        "{toewijzing} die de productperiode overlapt.",
        WHOLE,
    ),
    Check(
        "9346",
        "Bedrag is niet volume × tarief",
        "Het ingediende bedrag van prestatie {referentie} is niet gelijk aan geleverd volume × "
        "producttarief.",
        "het bedrag boven volume × tarief",
    ),
    Check(
        "0611",
        "Tarief wijkt af van het contracttarief",
        "Het tarief van prestatie {referentie} komt niet overeen met het contracttarief.",
        "(ingediend − contracttarief) × volume",
    ),
    Check(
        "9321",
        "Volume boven het toegewezen volume",
        "Het volume van prestatie {referentie} overschrijdt het toegewezen volume van toewijzing "
        "{toewijzing} in de productperiode.",
        "het volume boven de toewijzing × tarief",
    ),
    Check(
        "9322",
        "Som van de volumes boven het toegewezen volume",
        "Met prestatie {referentie} overschrijdt de som van de volumes het totale toegewezen "
        "volume van toewijzing {toewijzing}.",
        "het deel van het volume boven de toewijzing × tarief",
    ),
    Check(
        "9369",
        "Budget overschreden",
        "Met prestatie {referentie} overschrijdt de som van de bedragen het budget van "
        "toewijzing {toewijzing}.",
        "het bedrag boven het budget",
    ),
)
BY_CODE = {c.code: c for c in CHECKS}
ORDER = tuple(c.code for c in CHECKS)

# A line's identity in the store: the file, the declaration and its position (regel is unique
# within a file; the national benchmark year has one file and numbers lines per declaration).
LINE = ("bestand_id", "_decl", "regel")
ALLOCATION = ("wet", "gemeente", "toewijzing_nummer")
_SEGMENT = ("wet", "gemeente", "aanbieder", "client_id", "toewijzing_nummer")
_REF = ("aanbieder", "referentie_nummer")
# The line columns the checks read; only these are scanned (the store table has more).
_CHECKED = (
    "wet",
    "gemeente",
    "aanbieder",
    "client_id",
    "declaratie_nummer",
    "referentie_nummer",
    "toewijzing_nummer",
    "productcategorie",
    "productcode",
    "begindatum",
    "einddatum",
    "geleverd_volume",
    "eenheid",
    "product_tarief_cent",
    "bedrag_cent",
    "bestand_id",
    "regel",
)
OUTPUT = (
    "wet",
    "gemeente",
    "aanbieder",
    "client_id",
    "jaar",
    "declaratie_nummer",
    "referentie_nummer",
    "toewijzing_nummer",
    "productcategorie",
    "productcode",
    "begindatum",
    "einddatum",
    "geleverd_volume",
    "product_tarief_cent",
    "bedrag_cent",
    "gecrediteerd",
    "code",
    "risico_cent",
)
# What a failed line's group in ``outcome_rows`` carries besides its keys and sums.
_GROUP = ("wet", "gemeente", "aanbieder", "jaar", "_soort")
_SUMS = ("bedrag_cent", "risico_cent")
_CARRIED = tuple(c for c in OUTPUT if c not in (*_GROUP, *_SUMS, "gecrediteerd", "code"))
CREDITED = "gecrediteerd"
Link = tuple[ir.Table, tuple[str, ...], tuple[str, ...]]  # (small table, keys, its columns)


def debit(prestatie: ir.Table, cols: tuple[str, ...], *, year: int | None = None) -> ir.Table:
    """The debit lines with only ``cols`` (plus ``_decl``: the declaration number, '' if none),
    those whose productperiode begins in ``year`` when given.

    Each pass over the lines makes its own narrow selection from the store table rather than
    sharing one table of debit lines: Ibis turns a table that several passes read into a CTE,
    and DuckDB materialises such a CTE, which at national scale is a copy of 40 M lines in
    memory. Distinct selections (no two passes ask for the same columns) are plain scans that
    read only their columns.
    """
    extra = ("begindatum",) if year is not None and "begindatum" not in cols else ()
    p = prestatie.select(*cols, *extra, "debet_credit")
    cond = p.debet_credit == "D"
    if year is not None:
        cond &= p.begindatum.year() == year
    p = p.filter(cond)
    if "declaratie_nummer" in cols:
        p = p.mutate(_decl=p.declaratie_nummer.fill_null(""))
    return p.drop("debet_credit", *extra)


def duplicates(prestatie: ir.Table) -> ir.Table:
    """LINE keys of the debit lines whose reference (per provider) an earlier line already had:
    8021. Few rows.

    Every reference must be counted, but only the lines whose reference occurs twice need the
    ordered window. Counting per reference alone (not per provider and reference) keeps the
    grouping key one short string; the exact key then ranks only those candidates.
    """
    r = debit(prestatie, ("referentie_nummer",))
    twice = r.group_by("referentie_nummer").aggregate(_n=r.count())
    twice = twice.filter(twice._n > 1).select("referentie_nummer")
    c = debit(prestatie, (*_REF, "dagtekening", "bestand_id", "declaratie_nummer", "regel"))
    c = c.semi_join(twice, "referentie_nummer")
    order = ibis.window(group_by=list(_REF), order_by=["dagtekening", "bestand_id", "regel"])
    c = c.mutate(_rang=ibis.row_number().over(order))
    return c.filter(c._rang > 0).select(*LINE)


def credited(prestatie: ir.Table) -> ir.Table:
    """(aanbieder, referentie_nummer) of every credit line: the debit lines they reverse."""
    c = prestatie.select(*_REF, "debet_credit")
    return c.filter(c.debet_credit == "C").select(*_REF).distinct()


def allocations(toewijzing: ir.Table) -> ir.Table:
    """One row per allocation: its key (``_wet``, ``_gemeente``, ``_nummer``) and the facts
    the checks compare a line with (``t_*``)."""
    return toewijzing.select(
        _wet="wet",
        _gemeente="gemeente",
        _nummer="toewijzing_nummer",
        t_aanbieder="aanbieder",
        t_client="client_id",
        t_cat="productcategorie",
        t_code="productcode",
        t_eenheid="eenheid",
        t_freq="frequentie",
        t_volume="volume",
        t_budget="budget_cent",
        t_begin="ingangsdatum",
        t_eind="einddatum",
        t_reden="reden_wijziging",
    )


def zorgperioden(levering: ir.Table) -> ir.Table:
    """The zorgperioden (trajectories.zorgperioden), an open one ending at OPEN_END.

    A far end date instead of "eind IS NULL OR ..." in the overlap test, because an OR in a
    join condition makes DuckDB give up the hash join (minutes instead of seconds)."""
    zp = T.zorgperioden(levering).select(*_SEGMENT, "begin", "eind")
    return zp.mutate(eind=zp.eind.fill_null(OPEN_END))


def zorgperiode_spans(levering: ir.Table) -> ir.Table:
    """Per segment (an allocation on one provider and client): ``zp_n``, its number of starts
    (trajectories.segments), with their first begin and last end (``zp_begin``, ``zp_eind``;
    a running one ends at OPEN_END).

    One start: that span is the zorgperiode itself, as trajectories.zorgperioden makes it, and
    a line overlaps it or not. Several: the gaps between them matter, so those segments take
    the exact path (``several_lacking``). One aggregate over the starts instead of the
    zorgperioden and an aggregate over those: at national scale both are 7 M segments."""
    seg = T.segments(levering)
    return seg.group_by(list(_SEGMENT)).aggregate(
        zp_n=seg.count(),
        zp_begin=seg.begindatum.min(),
        zp_eind=seg.eind.fill_null(OPEN_END).max(),
    )


def with_zorgperioden(alloc: ir.Table, spans: ir.Table) -> ir.Table:
    """``allocations`` with the ``zorgperiode_spans`` of the allocation's own segment (null
    when it has no start).

    A line that matches its allocation (check 9338 passed) lies on exactly that segment, so the
    one join that brings the allocation's facts also brings its zorgperiode: RK-RECHT-01 needs
    no anti-join over all lines."""
    on = [
        alloc._wet == spans.wet,
        alloc._gemeente == spans.gemeente,
        alloc._nummer == spans.toewijzing_nummer,
        alloc.t_aanbieder == spans.aanbieder,
        alloc.t_client == spans.client_id,
    ]
    j = alloc.left_join(spans, on)
    return j.select(*(alloc[c] for c in alloc.columns), spans.zp_n, spans.zp_begin, spans.zp_eind)


def allocation_link(alloc: ir.Table) -> Link:
    """``allocations`` (optionally ``with_zorgperioden``) as a ``join_small`` link: a line's
    allocation facts, null when no allocation has its number."""
    keyed = alloc.rename(wet="_wet", gemeente="_gemeente", toewijzing_nummer="_nummer")
    return keyed, ALLOCATION, tuple(alloc.columns[3:])


def no_allocation(t: ir.Table) -> ir.BooleanValue:
    """9338: no allocation with this number, or it is another provider's or client's."""
    return t.t_aanbieder.isnull() | (t.t_aanbieder != t.aanbieder) | (t.t_client != t.client_id)


def no_zorgperiode(t: ir.Table) -> ir.BooleanValue:
    """RK-RECHT-01 for a line joined with its allocation ``with_zorgperioden`` (and, as
    ``_zp_weg``, its ``several_lacking`` flag): no zorgperiode overlaps the productperiode."""
    n = t.zp_n.fill_null(0)
    single_misses = (t.zp_begin > t.einddatum) | (t.zp_eind < t.begindatum)
    return (n == 0) | ibis.ifelse(n == 1, single_misses, t._zp_weg.fill_null(False))


def lacking_zorgperiode(lines: ir.Table, zp: ir.Table) -> ir.Table:
    """The lines (their LINE keys) for which no zorgperiode on the allocation overlaps the
    productperiode (the check 9069 makes for stops, here for invoices)."""
    lk = lines.select(*LINE, *_SEGMENT, "begindatum", "einddatum")
    preds = [lk[k] == zp[k] for k in _SEGMENT] + [
        zp.begin <= lk.einddatum,
        zp.eind >= lk.begindatum,
    ]
    return lk.anti_join(zp, preds).select(*LINE)


def several_lacking(prestatie: ir.Table, spans: ir.Table, levering: ir.Table) -> ir.Table:
    """LINE keys of the lines on a segment with several starts that overlap none of its
    zorgperioden (RK-RECHT-01 where ``zorgperiode_spans`` cannot tell). Few rows: the
    zorgperioden are made, and the lines anti-joined, for those segments only."""
    several = spans.filter(spans.zp_n > 1).select(*_SEGMENT)
    zp = zorgperioden(levering.semi_join(several, list(_SEGMENT)))
    cols = (*_SEGMENT, "begindatum", "einddatum", "bestand_id", "declaratie_nummer", "regel")
    lines = debit(prestatie, cols).semi_join(several, list(_SEGMENT))
    return lacking_zorgperiode(lines, zp)


def reference_tariffs(
    contract: ir.Table, contract_tarief: ir.Table, product: ir.Table
) -> tuple[ir.Table, ir.Table]:
    """Contract tariffs per (aanbieder, gemeente, wet, productcode, jaar), and the regional
    product tariffs that hold where no contract names one. Several contracts with a tariff for
    the same product: the highest counts (the line is then at risk only above every contract)."""
    c = contract.join(contract_tarief, "contract_id")
    ct = c.group_by(
        aanbieder=c.agb_code,
        gemeente=c.gemeentecode,
        wet=c.wet,
        productcode=c.productcode,
        jaar=c.jaar,
    ).aggregate(c_tarief=c.tarief_cent.max())
    pt = product.filter(product.tarief_cent.notnull()).select(
        "wet", "productcode", "jaar", p_tarief="tarief_cent"
    )
    return ct, pt


def allowed_volume(t: ir.Table) -> ir.IntegerValue:
    """The allocated volume for a line's productperiode, pro rata: per day × days, per week
    ⌈volume × days / 7⌉, per month ⌈volume × days / days in that month⌉, and for a total within
    the allocation's validity the whole volume (their sum is tested by 9322)."""
    days = t.einddatum.delta(t.begindatum, unit="day") + 1
    month = t.begindatum.truncate("M")
    mdays = (month + ibis.interval(months=1)).delta(month, unit="day")
    v = t.t_volume
    return (
        ibis.cases(
            (t.t_freq == PER_DAG, v * days),
            (t.t_freq == PER_WEEK, (v * days + 6) // 7),
            (t.t_freq == PER_MAAND, (v * days + mdays - 1) // mdays),
            (t.t_freq == TOTAAL, v),
            else_=ibis.null("int64"),
        )
    ).cast("int64")


def join_small(t: ir.Table, *links: Link) -> ir.Table:
    """``t`` with columns of small tables (each unique on its keys, named as in ``t``) joined
    on, null where they have no row: one chain of joins, each a cheap probe of a small table.

    One chain with one projection, not a join and a projection per table: Ibis compiles a
    nest of projections much more slowly (seconds here), and the SQL is the same plan."""
    j, picked = t, []
    for n, (small, keys, cols) in enumerate(links):
        # The keys are renamed: Ibis merges equal-named key columns of a join into one, which
        # for a left join could take the (null) right side's value.
        s = small.select(*cols, **{f"_k{n}_{i}": small[k] for i, k in enumerate(keys)})
        j = j.left_join(s, [t[k] == s[f"_k{n}_{i}"] for i, k in enumerate(keys)])
        picked += [s[c] for c in cols]
    return j.select(*(t[c] for c in t.columns), *picked)


@dataclass(frozen=True)
class _Facts:
    """What the per-line checks join on: all of it small except the allocations."""

    alloc: ir.Table  # with_zorgperioden(allocations(toewijzing), spans)
    toewijzing: ir.Table
    spans: ir.Table  # zorgperiode_spans()
    flags: ir.Table  # LINE -> _dubbel (8021), _zp_weg (RK-RECHT-01 on several zorgperioden)
    credit: ir.Table  # credited()
    ct: ir.Table  # contract tariffs
    pt: ir.Table  # product tariffs


def _facts(
    prestatie: ir.Table,
    toewijzing: ir.Table,
    levering: ir.Table,
    contract: ir.Table,
    contract_tarief: ir.Table,
    product: ir.Table,
) -> _Facts:
    spans = zorgperiode_spans(levering)
    alloc = with_zorgperioden(allocations(toewijzing), spans)
    yes, no = ibis.literal(True), ibis.literal(False)
    dup = duplicates(prestatie).mutate(_dubbel=yes, _zp_weg=no)
    gap = several_lacking(prestatie, spans, levering).mutate(_dubbel=no, _zp_weg=yes)
    both = dup.union(gap)
    flags = both.group_by(list(LINE)).aggregate(
        _dubbel=both._dubbel.any(), _zp_weg=both._zp_weg.any()
    )
    ct, pt = reference_tariffs(contract, contract_tarief, product)
    return _Facts(alloc, toewijzing, spans, flags, credited(prestatie), ct, pt)


def _first_failure(lines: ir.Table, f: _Facts) -> ir.Table:
    """Lines with ``gecrediteerd``, ``code`` (the first of the checks up to 9321 that the line
    fails; null when none or credited) and ``risico_cent``: one pass of CASE over the joined
    facts, so no check's result is materialised on its own."""
    l_ = join_small(
        lines,
        allocation_link(f.alloc),
        (f.flags, LINE, ("_dubbel", "_zp_weg")),
        (f.credit.mutate(_credit=ibis.literal(True)), _REF, ("_credit",)),
        (
            f.ct.rename(_ct="c_tarief"),
            ("aanbieder", "gemeente", "wet", "productcode", "jaar"),
            ("_ct",),
        ),
        (f.pt.rename(_pt="p_tarief"), ("wet", "productcode", "jaar"), ("_pt",)),
    )
    dubbel = l_._dubbel.fill_null(False)
    l_ = l_.mutate(
        gecrediteerd=l_._credit.fill_null(False) & ~dubbel, _toegestaan=allowed_volume(l_)
    )
    vol, bedrag = l_.geleverd_volume, l_.bedrag_cent
    tarief = l_.product_tarief_cent
    ref_tarief = l_._ct.fill_null(l_._pt)
    expected = vol * tarief
    unit_differs = l_.t_eenheid.notnull() & (l_.eenheid != l_.t_eenheid)
    code_differs = l_.t_code.notnull() & l_.productcode.notnull() & (l_.productcode != l_.t_code)
    amount_differs = (l_.eenheid != EURO_UNIT) & tarief.notnull() & (bedrag != expected)
    tariff_differs = ref_tarief.notnull() & tarief.notnull() & (tarief != ref_tarief)
    over = l_._toegestaan.notnull() & (vol > l_._toegestaan)
    # (condition, code, amount at risk), in the documented order.
    rules = [
        (dubbel, "8021", bedrag),
        (no_allocation(l_), "9338", bedrag),
        (l_.t_reden.fill_null("") == DELETED, "9384", bedrag),
        (l_.t_cat.notnull() & (l_.productcategorie != l_.t_cat), "9339", bedrag),
        (code_differs, "9340", bedrag),
        (unit_differs, "9341", bedrag),
        (
            (l_.begindatum < l_.t_begin) | (l_.t_eind.notnull() & (l_.begindatum > l_.t_eind)),
            "9307",
            bedrag,
        ),
        (
            (l_.einddatum < l_.t_begin) | (l_.t_eind.notnull() & (l_.einddatum > l_.t_eind)),
            "9308",
            bedrag,
        ),
        (no_zorgperiode(l_), "RK-RECHT-01", bedrag),
        (amount_differs, "9346", ibis.greatest(bedrag - expected, 0)),
        (tariff_differs, "0611", ibis.greatest((tarief - ref_tarief) * vol, 0)),
        (over, "9321", _part(bedrag, vol - l_._toegestaan, vol)),
    ]
    # One CASE finds the number of the first rule the line fails (0: none, or credited); code
    # and amount follow from that number, so each condition is evaluated once per line.
    first = ibis.cases((l_.gecrediteerd, 0), *((c, i) for i, (c, _, _) in enumerate(rules, 1)))
    l_ = l_.mutate(_eerste=first.fill_null(0))
    nr = l_._eerste
    code = ibis.cases(*((nr == i, ibis.literal(k)) for i, (_, k, _) in enumerate(rules, 1)))
    risk = ibis.cases(*((nr == i, r) for i, (_, _, r) in enumerate(rules, 1)), else_=0)
    return l_.mutate(code=code, risico_cent=risk.cast("int64"))


def _with_jaar(lines: ir.Table) -> ir.Table:
    return lines.mutate(jaar=lines.begindatum.year().cast("int32"))


def assess(
    prestatie: ir.Table,
    toewijzing: ir.Table,
    levering: ir.Table,
    contract: ir.Table,
    contract_tarief: ir.Table,
    product: ir.Table,
    *,
    year: int | None = None,
) -> ir.Table:
    """Every debit line (of ``year``: productperiode beginning in it) with ``code`` (the first
    check it fails; null when lawful) and ``risico_cent`` (the amount at risk; 0 when lawful or
    credited): OUTPUT and LINE columns. Duplicates, running volumes and budgets look at all
    years."""
    f = _facts(prestatie, toewijzing, levering, contract, contract_tarief, product)
    lines = _first_failure(_with_jaar(debit(prestatie, _CHECKED, year=year)), f)
    lines = join_small(lines, (_running_checks(prestatie, f), LINE, ("_code", "_risk")))
    lines = lines.mutate(
        code=lines.code.fill_null(lines._code),
        risico_cent=ibis.ifelse(lines._code.notnull(), lines._risk, lines.risico_cent),
    )
    return lines.select(*OUTPUT, *LINE)


def _part(amount: ir.IntegerValue, excess: ir.IntegerValue, volume: ir.IntegerValue):
    """The share of ``amount`` that ``excess`` of ``volume`` stands for (all of it at most)."""
    share = ibis.least(excess, volume)
    return ibis.ifelse(volume > 0, amount * share // volume, amount)


def _running_checks(prestatie: ir.Table, f: _Facts) -> ir.Table:
    """9322 and 9369 (LINE keys with ``_code`` and ``_risk``; few rows): the allocation's
    running sums of volume and amount, over its lines in order (productperiode, then arrival)
    of all years that passed every check before. Only the lines of allocations with a total
    volume or a budget are tested, and only they need the ordered window."""
    # Its own (few) allocations, not a filter of the ones the main pass joins: DuckDB would
    # materialise a table of all 7 M allocations that two passes read.
    t = f.toewijzing
    alloc = with_zorgperioden(
        allocations(t.filter((t.frequentie == TOTAAL) | t.budget_cent.notnull())), f.spans
    )
    lines = _with_jaar(debit(prestatie, (*_CHECKED, "dagtekening")))
    run = _first_failure(lines, replace(f, alloc=alloc))
    run = run.filter(run.t_aanbieder.notnull() & run.code.isnull() & ~run.gecrediteerd)
    w = ibis.cumulative_window(
        group_by=list(ALLOCATION), order_by=["begindatum", "dagtekening", "bestand_id", "regel"]
    )
    run = run.mutate(_vol=run.geleverd_volume.sum().over(w), _som=run.bedrag_cent.sum().over(w))
    vol, bedrag = run.geleverd_volume, run.bedrag_cent
    total = (run.t_freq == TOTAAL) & (run._vol > run.t_volume)
    budget = run.t_budget.notnull() & (run._som > run.t_budget)
    run = run.mutate(
        _code=ibis.cases((total, "9322"), (budget, "9369"), else_=None),
        _risk=ibis.cases(
            (total, _part(bedrag, run._vol - run.t_volume, vol)),
            (budget, ibis.least(bedrag, run._som - run.t_budget)),
            else_=0,
        ).cast("int64"),
    )
    return run.filter(run._code.notnull()).select(*LINE, "_code", "_risk")


def melding(code: str, referentie: str, toewijzing: str | None) -> str:
    """The Dutch message of a finding."""
    return BY_CODE[code].melding.format(referentie=referentie, toewijzing=toewijzing or "—")


def outcome_rows(assessed: ir.Table) -> ir.Table:
    """The assessed lines grouped per wet, gemeente, aanbieder, jaar and ``_soort`` (the code;
    "" lawful; "gecrediteerd"), each failed line a group of its own that carries its OUTPUT
    values: lines, amounts and the findings in one pass over the lines, with nothing
    materialised in between (``split_outcome`` takes them apart)."""
    t = assessed
    failed = t.code.notnull()
    t = t.mutate(
        _soort=ibis.ifelse(t.gecrediteerd, CREDITED, t.code.fill_null("")),
        **{f"_f{i}": ibis.ifelse(failed, t[k], ibis.null(t[k].type())) for i, k in enumerate(LINE)},
    )
    return t.group_by([*_GROUP, *(f"_f{i}" for i in range(len(LINE)))]).aggregate(
        regels=t.count(),
        bedrag_cent=t.bedrag_cent.sum().cast("int64"),
        risico_cent=t.risico_cent.sum().cast("int64"),
        **{c: t[c].arbitrary() for c in _CARRIED},
    )


def split_outcome(rows: pa.Table) -> tuple[pa.Table, pa.Table]:
    """``outcome_rows`` as (the failed lines in OUTPUT columns, sorted; the summary rows per
    wet, gemeente, aanbieder, jaar and _soort)."""
    # DuckDB sums BIGINT as HUGEINT (Arrow decimal); cents and counts are int64.
    for c, typ in (("regels", pa.int64()), *((c, pa.int64()) for c in _SUMS), ("jaar", pa.int32())):
        rows = rows.set_column(rows.schema.get_field_index(c), c, rows[c].cast(typ))
    sums = ("regels", *_SUMS)
    summary = rows.group_by(list(_GROUP)).aggregate([(c, "sum") for c in sums])
    summary = summary.rename_columns([c.removesuffix("_sum") for c in summary.column_names])
    is_failed = pc.invert(pc.is_in(rows["_soort"], pa.array(["", CREDITED])))
    failed = rows.filter(is_failed)
    failed = failed.append_column("code", failed["_soort"]).append_column(
        "gecrediteerd", pa.array([False] * failed.num_rows, pa.bool_())
    )
    order = ["gemeente", "aanbieder", "code", "begindatum", "referentie_nummer"]
    failed = failed.select(list(OUTPUT)).sort_by([(c, "ascending") for c in order])
    return failed, summary


def credits(prestatie: ir.Table, year: int | None = None) -> ir.Table:
    """Credit lines per wet, gemeente, aanbieder and jaar (they net out the credited debits)."""
    c = prestatie.filter(prestatie.debet_credit == "C")
    c = c.mutate(jaar=c.begindatum.year().cast("int32"))
    if year is not None:
        c = c.filter(c.jaar == year)
    return c.group_by(["wet", "gemeente", "aanbieder", "jaar"]).aggregate(
        regels=c.count(), bedrag_cent=c.bedrag_cent.sum().cast("int64")
    )


SOURCES = ("prestatie", "toewijzing", "levering", "contract", "contract_tarief", "product")


@dataclass
class Outcome:
    """The checks over one year, as Arrow tables (small except ``bevindingen``, which holds
    only the lines that failed a check)."""

    jaar: int
    bevindingen: pa.Table  # OUTPUT columns of the failed lines
    samenvatting: pa.Table  # per wet, gemeente, aanbieder, jaar, _soort: regels and cents
    credit: pa.Table  # credits() rows


@functools.lru_cache(maxsize=32)
def _outcome_sql(dialect: str, year: int, schemas: tuple) -> str:
    """``outcome_rows(assess(...))`` as SQL for one engine and year. Compiling the expression
    takes Ibis about a second (many joins); the SQL only names the store tables, so it is kept."""
    tables = [ibis.table(dict(cols), name=name) for name, cols in schemas]
    return str(ibis.to_sql(outcome_rows(assess(*tables, year=year)), dialect=dialect))


def evaluate(con: ibis.BaseBackend, year: int) -> Outcome:
    """Run every check over the lines of ``year`` on an Ibis backend holding SOURCES."""
    t = {name: con.table(name) for name in SOURCES}
    schemas = tuple((n, tuple(t[n].schema().items())) for n in SOURCES)
    rows = con.to_pyarrow(con.sql(_outcome_sql(con.name, year, schemas), dialect=con.name))
    failed, summary = split_outcome(rows)
    return Outcome(year, failed, summary, con.to_pyarrow(credits(t["prestatie"], year)))

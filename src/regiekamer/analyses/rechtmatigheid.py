"""Lawfulness (rechtmatigheid, DOMAIN.md §5): every invoice line tested against its allocation,
its zorgperiode and its contract, for the accountant.

Each debit line (prestatie) is tested by the checks in ``CHECKS``, in that order; a line that
fails is attributed to the FIRST check it fails, with that check's amount at risk, so that no
euro counts twice and the invoiced total always equals accepted + Σ at risk. The order runs from
"nothing of this line is covered" (the whole line is at risk) to "part of it is not" (only the
excess is at risk), so a line is never attributed to a partial check when it is not covered at
all. A debit line reversed by a credit line with the same ReferentieNummer is not tested: the
two cancel (``gecrediteerd``).

Pure functions over Ibis tables (DuckDB here, Spark on a cluster); nothing here imports a face.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

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


def _mark(t: ir.Table, small: ir.Table, keys: tuple[str, ...], **cols: str) -> ir.Table:
    """``t`` with columns of ``small`` (few rows, unique on ``keys``) joined on, null elsewhere.

    The flagged lines of a check are few; joining them back is a cheap probe of a small table.
    """
    # The keys are renamed: Ibis merges equal-named key columns of a join into one, which for
    # a left join could take the (null) right side's value.
    # ``view()``: ``small`` often derives from ``t`` itself, and a self-join needs two names.
    small = small.view()
    s = small.select(
        **{f"_k{i}": small[k] for i, k in enumerate(keys)},
        **{new: small[old] for new, old in cols.items()},
    )
    j = t.left_join(s, [t[k] == s[f"_k{i}"] for i, k in enumerate(keys)])
    return j.select(*(t[c] for c in t.columns), *(s[c] for c in cols))


def debit_lines(prestatie: ir.Table) -> ir.Table:
    """Debit lines with their duplicate rank (0: the first with its reference) and whether a
    credit line reversed them."""
    p = prestatie.mutate(_decl=prestatie.declaratie_nummer.fill_null(""))
    debit = p.filter(p.debet_credit == "D")
    ref = ("aanbieder", "referentie_nummer")
    # Only references that occur twice need an ordered window; everything else ranks first.
    twice = debit.group_by(list(ref)).aggregate(_n=debit.count()).filter(lambda t: t._n > 1)
    dup = debit.semi_join(twice, list(ref))
    order = ibis.window(group_by=list(ref), order_by=["dagtekening", "bestand_id", "regel"])
    dup = dup.mutate(_rang=ibis.row_number().over(order))
    debit = _mark(debit, dup, LINE, _rang="_rang")
    credit = p.filter(p.debet_credit == "C").select(*ref).distinct().mutate(_c=ibis.literal(True))
    debit = _mark(debit, credit, ref, _credit="_c")
    rang = debit._rang.fill_null(0)
    return debit.mutate(_rang=rang, gecrediteerd=debit._credit.fill_null(False) & (rang == 0))


def with_allocation(lines: ir.Table, toewijzing: ir.Table) -> ir.Table:
    """Lines with their allocation's facts (``t_*``; null when no allocation has the number)."""
    t = toewijzing.select(
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
    keys = ("_wet", "_gemeente", "_nummer")
    j = lines.left_join(t, [lines[a] == t[b] for a, b in zip(ALLOCATION, keys, strict=True)])
    return j.select(*(lines[c] for c in lines.columns), *(t[c] for c in t.columns[3:]))


def lacking_zorgperiode(lines: ir.Table, levering: ir.Table) -> ir.Table:
    """The lines (their LINE keys) for which no zorgperiode on the allocation overlaps the
    productperiode (the check 9069 makes for stops, here for invoices)."""
    zp = T.zorgperioden(levering).select(*_SEGMENT, "begin", "eind")
    # An open zorgperiode runs on: a far end date instead of "eind IS NULL OR ...", because an
    # OR in the join condition makes DuckDB give up the hash join (minutes instead of seconds).
    zp = zp.mutate(eind=zp.eind.fill_null(OPEN_END))
    lk = lines.select(*LINE, *_SEGMENT, "begindatum", "einddatum")
    preds = [lk[k] == zp[k] for k in _SEGMENT] + [
        zp.begin <= lk.einddatum,
        zp.eind >= lk.begindatum,
    ]
    return lk.anti_join(zp, preds).select(*LINE)


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
    """Every debit line with ``code`` (the first check it fails; null when lawful) and
    ``risico_cent`` (the amount at risk; 0 when lawful or credited). Duplicates, running
    volumes and budgets look at all years; ``year`` then keeps the lines whose productperiode
    begins in it."""
    lines = debit_lines(prestatie)
    lines = lines.mutate(jaar=lines.begindatum.year().cast("int32"))
    lines = with_allocation(lines, toewijzing)
    ct, pt = reference_tariffs(contract, contract_tarief, product)
    lines = _mark(
        lines, ct, ("aanbieder", "gemeente", "wet", "productcode", "jaar"), _ct="c_tarief"
    )
    lines = _mark(lines, pt, ("wet", "productcode", "jaar"), _pt="p_tarief")
    tested = lines.filter(~lines.gecrediteerd)
    matched = tested.filter(
        tested.t_aanbieder.notnull()
        & (tested.t_aanbieder == tested.aanbieder)
        & (tested.t_client == tested.client_id)
    )
    no_zp = lacking_zorgperiode(matched, levering).mutate(_x=ibis.literal(True))
    lines = _mark(lines, no_zp, LINE, _geen_zp="_x")
    lines = lines.mutate(_toegestaan=allowed_volume(lines))
    l_ = lines
    vol, bedrag = l_.geleverd_volume, l_.bedrag_cent
    tarief = l_.product_tarief_cent
    ref_tarief = l_._ct.fill_null(l_._pt)
    expected = vol * tarief
    unit_differs = l_.t_eenheid.notnull() & (l_.eenheid != l_.t_eenheid)
    code_differs = l_.t_code.notnull() & l_.productcode.notnull() & (l_.productcode != l_.t_code)
    no_alloc = (
        l_.t_aanbieder.isnull() | (l_.t_aanbieder != l_.aanbieder) | (l_.t_client != l_.client_id)
    )
    amount_differs = (l_.eenheid != EURO_UNIT) & tarief.notnull() & (bedrag != expected)
    tariff_differs = ref_tarief.notnull() & tarief.notnull() & (tarief != ref_tarief)
    over = l_._toegestaan.notnull() & (vol > l_._toegestaan)
    # (condition, code, amount at risk), in the documented order.
    rules = [
        (l_._rang > 0, "8021", bedrag),
        (no_alloc, "9338", bedrag),
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
        (l_._geen_zp.fill_null(False), "RK-RECHT-01", bedrag),
        (amount_differs, "9346", ibis.greatest(bedrag - expected, 0)),
        (tariff_differs, "0611", ibis.greatest((tarief - ref_tarief) * vol, 0)),
        (over, "9321", _part(bedrag, vol - l_._toegestaan, vol)),
    ]
    crediteerd = l_.gecrediteerd
    code = ibis.cases(*((~crediteerd & c, ibis.literal(k)) for c, k, _ in rules), else_=None)
    risk = ibis.cases(*((~crediteerd & c, r) for c, _, r in rules), else_=0)
    lines = lines.mutate(code=code, risico_cent=risk.cast("int64"))
    lines = _running_checks(lines)
    if year is not None:
        lines = lines.filter(lines.jaar == year)
    return lines.select(*OUTPUT)


def _part(amount: ir.IntegerValue, excess: ir.IntegerValue, volume: ir.IntegerValue):
    """The share of ``amount`` that ``excess`` of ``volume`` stands for (all of it at most)."""
    share = ibis.least(excess, volume)
    return ibis.ifelse(volume > 0, amount * share // volume, amount)


def _running_checks(lines: ir.Table) -> ir.Table:
    """9322 and 9369: the allocation's running sums of volume and amount, over its lines in
    order (productperiode, then arrival) that passed every check before. Only allocations with a
    total volume or a budget need the ordered window."""
    needs = (lines.t_freq == TOTAAL) | lines.t_budget.notnull()
    run = lines.filter(needs & lines.code.isnull() & ~lines.gecrediteerd)
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
    flagged = run.filter(run._code.notnull())
    lines = _mark(lines, flagged, LINE, _code2="_code", _risk2="_risk")
    return lines.mutate(
        code=lines.code.fill_null(lines._code2),
        risico_cent=ibis.ifelse(lines._code2.notnull(), lines._risk2, lines.risico_cent),
    )


def melding(code: str, referentie: str, toewijzing: str | None) -> str:
    """The Dutch message of a finding."""
    return BY_CODE[code].melding.format(referentie=referentie, toewijzing=toewijzing or "—")


def summary(assessed: ir.Table) -> ir.Table:
    """Per wet, gemeente, aanbieder, jaar and code (null: lawful; "gecrediteerd"): lines and
    amounts, in cents. Accepted = bedrag − risico of the lines tested."""
    t = assessed.mutate(
        _soort=ibis.ifelse(assessed.gecrediteerd, "gecrediteerd", assessed.code.fill_null("")),
    )
    return t.group_by(["wet", "gemeente", "aanbieder", "jaar", "_soort"]).aggregate(
        regels=t.count(),
        bedrag_cent=t.bedrag_cent.sum().cast("int64"),
        risico_cent=t.risico_cent.sum().cast("int64"),
    )


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
    bevindingen: object  # pa.Table: OUTPUT columns of the failed lines
    samenvatting: object  # pa.Table: summary() rows
    credit: object  # pa.Table: credits() rows


@functools.lru_cache(maxsize=32)
def _assess_sql(dialect: str, year: int, schemas: tuple) -> str:
    """``assess`` as SQL for one engine and year. Compiling the expression takes Ibis about a
    second (many chained joins); the SQL only names the store tables, so it is kept."""
    tables = [ibis.table(dict(cols), name=name) for name, cols in schemas]
    return str(ibis.to_sql(assess(*tables, year=year), dialect=dialect))


def evaluate(con: ibis.BaseBackend, year: int) -> Outcome:
    """Run every check over the lines of ``year`` on an Ibis backend holding SOURCES."""
    t = {name: con.table(name) for name in SOURCES}
    schemas = tuple((n, tuple(t[n].schema().items())) for n in SOURCES)
    assessed = con.sql(_assess_sql(con.name, year, schemas), dialect=con.name)
    # DuckDB types some amounts as DECIMAL(38) (LEAST over products); cents are whole numbers.
    assessed = assessed.mutate(risico_cent=assessed.risico_cent.cast("int64"))
    # Computed once, read twice (the failed lines, and the totals).
    assessed = assessed.cache() if con.name == "duckdb" else assessed
    failed = assessed.filter(assessed.code.notnull())
    order = ["gemeente", "aanbieder", "code", "begindatum", "referentie_nummer"]
    return Outcome(
        year,
        con.to_pyarrow(failed.order_by(order)),
        con.to_pyarrow(summary(assessed)),
        con.to_pyarrow(credits(t["prestatie"], year)),
    )

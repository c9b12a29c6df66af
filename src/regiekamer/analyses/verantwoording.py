"""The accountant's evidence from the lawfulness checks: totals that reconcile, per check,
per provider and per municipality, ``financiele_onzekerheid`` and the failed lines.

Reconciliation (every euro accounted for once):
    netto gedeclareerd = geaccepteerd + onzeker + saldo gecrediteerd
where ``getoetst`` (the debit lines not reversed by a credit) = geaccepteerd + onzeker, and the
saldo gecrediteerd is what the credited debit lines and the credit lines leave together (0 when
each credit reverses its debit exactly). Money stays in cents here; faces show euros.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyarrow as pa

from regiekamer.analyses.rechtmatigheid import BY_CODE, CHECKS, ORDER, Outcome, melding

CREDITED = "gecrediteerd"
LAWFUL = ""


@dataclass
class Verantwoording:
    jaar: int
    totaal: dict[str, int]
    per_toets: list[dict]
    per_aanbieder: list[dict]
    per_gemeente: list[dict]
    onzekerheid: list[dict]  # financiele_onzekerheid per gemeente, aanbieder and jaar
    bevindingen: list[dict]  # one per failed line
    namen: dict[str, str] = field(default_factory=dict)  # gemeente and AGB codes -> names


def _amounts() -> dict[str, int]:
    return {"getoetst_cent": 0, "geaccepteerd_cent": 0, "onzeker_cent": 0, "regels_fout": 0}


def build(outcome: Outcome) -> Verantwoording:
    """Totals, breakdowns and findings from the checks' outcome."""
    rows = outcome.samenvatting.to_pylist()
    debit = sum(r["bedrag_cent"] for r in rows)
    credited = sum(r["bedrag_cent"] for r in rows if r["_soort"] == CREDITED)
    credit = sum(r["bedrag_cent"] or 0 for r in outcome.credit.to_pylist())
    tested = [r for r in rows if r["_soort"] != CREDITED]
    at_risk = sum(r["risico_cent"] for r in tested)
    getoetst = sum(r["bedrag_cent"] for r in tested)
    totaal = {
        "gedeclareerd_cent": debit - credit,
        "getoetst_cent": getoetst,
        "geaccepteerd_cent": getoetst - at_risk,
        "onzeker_cent": at_risk,
        "saldo_gecrediteerd_cent": credited - credit,
        "regels": sum(r["regels"] for r in tested),
        "regels_fout": sum(r["regels"] for r in tested if r["_soort"] != LAWFUL),
        "regels_gecrediteerd": sum(r["regels"] for r in rows if r["_soort"] == CREDITED),
    }
    per_check: dict[str, list[int]] = {c: [0, 0] for c in ORDER}
    per_prov: dict[str, dict[str, int]] = defaultdict(_amounts)
    per_gem: dict[str, dict[str, int]] = defaultdict(_amounts)
    onz: dict[tuple[str, str, int], int] = defaultdict(int)
    for r in tested:
        code = r["_soort"]
        for acc in (per_prov[r["aanbieder"]], per_gem[r["gemeente"]]):
            acc["getoetst_cent"] += r["bedrag_cent"]
            acc["geaccepteerd_cent"] += r["bedrag_cent"] - r["risico_cent"]
            acc["onzeker_cent"] += r["risico_cent"]
            acc["regels_fout"] += r["regels"] if code != LAWFUL else 0
        if code != LAWFUL:
            per_check[code][0] += r["regels"]
            per_check[code][1] += r["risico_cent"]
            onz[(r["gemeente"], r["aanbieder"], r["jaar"])] += r["risico_cent"]
    per_toets = [
        {
            "volgorde": i,
            "code": c.code,
            "toets": c.titel,
            "risico": c.risico,
            "regels": per_check[c.code][0],
            "bedrag_cent": per_check[c.code][1],
        }
        for i, c in enumerate(CHECKS, start=1)
    ]
    return Verantwoording(
        outcome.jaar,
        totaal,
        per_toets,
        [{"aanbieder": k, **v} for k, v in sorted(per_prov.items())],
        [{"gemeente": k, **v} for k, v in sorted(per_gem.items())],
        [
            {"gemeente": g, "aanbieder": a, "jaar": j, "financiele_onzekerheid_cent": v}
            for (g, a, j), v in sorted(onz.items())
        ],
        findings(outcome),
    )


def findings(outcome: Outcome) -> list[dict]:
    """One object per failed line: the JSON output's keys first (``bedrag`` in euros), then
    what the lines sheet adds (the client only as its pseudonym)."""
    # Column by column, not row dicts from Arrow: at national scale there are ~10^6 failed
    # lines, and Table.to_pylist() builds a dict per row that is then thrown away.
    b = outcome.bevindingen
    col = {name: _values(b[name]) for name in b.column_names}
    return [
        {
            "code": code,
            "melding": melding(code, ref, toew),
            "gemeente": gem,
            "aanbieder": agb,
            "toewijzing_nummer": toew,
            "referentie": ref,
            "bedrag": risico / 100,
            "toets": BY_CODE[code].titel,
            "wet": wet,
            "jaar": jaar,
            "client": client,
            "declaratie_nummer": decl,
            "productcode": pcode,
            "begindatum": begin,
            "einddatum": eind,
            "geleverd_volume": vol,
            "product_tarief_cent": tarief,
            "ingediend_cent": bedrag,
            "risico_cent": risico,
        }
        for (
            code,
            ref,
            toew,
            gem,
            agb,
            risico,
            wet,
            jaar,
            client,
            decl,
            pcode,
            begin,
            eind,
            vol,
            tarief,
            bedrag,
        ) in zip(
            *(
                col[c]
                for c in (
                    "code",
                    "referentie_nummer",
                    "toewijzing_nummer",
                    "gemeente",
                    "aanbieder",
                    "risico_cent",
                    "wet",
                    "jaar",
                    "client_id",
                    "declaratie_nummer",
                    "productcode",
                    "begindatum",
                    "einddatum",
                    "geleverd_volume",
                    "product_tarief_cent",
                    "bedrag_cent",
                )
            ),
            strict=True,
        )
    ]


def _values(column: pa.ChunkedArray) -> list:
    """A column as Python values. Without nulls through numpy, which makes dates and numbers
    about twice as fast as Arrow's own to_pylist (the same values and types)."""
    if column.null_count:
        return column.to_pylist()
    return column.to_numpy().tolist()


JSON_KEYS = (
    "code",
    "melding",
    "gemeente",
    "aanbieder",
    "toewijzing_nummer",
    "referentie",
    "bedrag",
)

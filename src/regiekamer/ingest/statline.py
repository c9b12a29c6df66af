"""CBS StatLine downloads: the national and regional figures municipalities compare with.

StatLine's download "Onbewerkte dataset (CSV)" gives one file per table: semicolon-separated,
every field in double quotes, a header of column keys, one row per combination of dimensions:

    "ID";"RegioS";"Perioden";"WmoClienten_1";"WmoClientenPer1000Inwoners_2"
    "0";"NL01    ";"2024JJ00";"  1234567";"     68.9"

Dimension cells are codes padded with spaces (``GM0363``, ``NL01``, ``PV27``, ``WK036301``;
periods ``2024JJ00`` year, ``2024KW02`` quarter, ``2024MM06`` month, ``2024HJ01`` half year).
Topic keys end in ``_<number>``, a number that changes when CBS redesigns the table, so topics
are matched on the key without it. Values use a decimal point; ``.`` (not available) and ``x``
(secret) become empty, ``-`` (nil) is 0. A header with ``Perioden`` is taken for a StatLine
download; a download in another form (e.g. with labels instead of keys) is refused with
RK-CBS-01, which names the columns expected. docs/integraal.md lists the tables.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from regiekamer.ingest import findings as F
from regiekamer.ingest.staging import Parsed, Stage
from regiekamer.standards.messages import gemeenten

REGION_COLUMNS = ("RegioS", "WijkenEnBuurten", "Gemeenten")

# Combinations of provisions in the CBS codes of the combined-use tables; the labels are those
# of the stapeling analysis (analyses/integraal/stapeling.py), so both can stand side by side.
COMBINATIES = {
    "T001287": "totaal",
    "A041708": "jeugd",
    "A041710": "wmo",
    "A041709": "bijstand",
    "A041712": "jeugd+wmo",
    "A041711": "jeugd+bijstand",
    "A041713": "wmo+bijstand",
    "A041714": "jeugd+wmo+bijstand",
}
JEUGDZORGVORMEN = {
    "T001203": "totaal",
    "A042502": "jeugdhulp",
    "A042503": "jeugdhulp_zonder_verblijf",
    "A027918": "jeugdhulp_met_verblijf",
    "A027919": "jeugdbescherming",
    "A027920": "jeugdreclassering",
}
WMO_VORMEN = {"T001029": "totaal", "A019510": "pgb", "A019511": "zin", "A019512": "pgb_en_zin"}


@dataclass(frozen=True)
class CbsTable:
    """A CBS table regiekamer reads: its dimension with categories, and its topics.

    ``topics``: (key without its number, our maatstaf) in the order CBS lists them; a key that
    appears twice (a count and its rate share a key in some tables) is matched by order.
    """

    tabel: str
    titel: str
    categorie: tuple[str, ...]  # dimension column names (first present wins); may be absent
    codes: dict[str, str]
    topics: tuple[tuple[str, str], ...]
    required: tuple[str, ...]  # maatstaven that must be present

    def expected(self) -> str:
        cols = ["ID", f"{self.categorie[0]} (optioneel)", "RegioS", "Perioden"]
        cols += [f"{key}_<nr>" for key, _ in self.topics]
        return ", ".join(cols)


TABLES = (
    CbsTable(
        "85094NED",
        "Trajecten jeugdzorg in natura; regio (gemeente), op peildatum",
        ("TypeJeugdzorg", "SoortJeugdzorg"),
        JEUGDZORGVORMEN,
        (("Jeugdzorgtrajecten", "trajecten"), ("JongerenMetJeugdzorg", "jongeren")),
        ("trajecten",),
    ),
    CbsTable(
        "86195NED",
        "Gecombineerd gebruik van voorzieningen Jeugdwet, Wmo en Participatiewet; huishoudens",
        ("Voorzieningen", "CombinatieVoorzieningen"),
        COMBINATIES,
        (
            ("ClientenMetVoorzieningen", "clienten"),
            ("HuishoudensMetVoorzieningen", "huishoudens"),
            ("ClientenMetVoorzieningen", "clienten_per_1000_inwoners"),
            ("HuishoudensMetVoorzieningen", "huishoudens_per_1000_huishoudens"),
        ),
        ("huishoudens",),
    ),
    CbsTable(
        "wmo_clienten",
        "Wmo-cliënten; financieringsvorm, regio",
        ("Financieringsvorm", "TypeMaatwerkvoorziening"),
        WMO_VORMEN,
        (("WmoClienten", "clienten"), ("WmoClientenPer1000Inwoners", "clienten_per_1000_inwoners")),
        ("clienten",),
    ),
)

_NUMBERED = re.compile(r"^(.*?)_\d+$")
_PERIOD = re.compile(r"^(\d{4})(JJ|KW|MM|HJ)(\d{2})$")
_MISSING = {"", ".", "x", "?"}


def _key(name: str) -> str:
    """A header cell without quotes, BOM and topic number, lower case: 'WmoClienten_5' ->
    'wmoclienten'."""
    text = name.strip().lstrip("\ufeff").strip('"').strip()
    m = _NUMBERED.match(text)
    return (m.group(1) if m else text).lower()


def is_statline(header: list[str]) -> bool:
    """A StatLine download has a Perioden column; no regiekamer table layout has one."""
    return any(_key(h) == "perioden" for h in header)


def _match(table: CbsTable, keys: list[str]) -> tuple[dict[int, str], list[str]]:
    """Column index -> maatstaf for the topics present, and the required ones missing."""
    found: dict[int, str] = {}
    used: set[int] = set()
    for topic, maatstaf in table.topics:
        for i, k in enumerate(keys):
            if k == topic.lower() and i not in used:
                found[i] = maatstaf
                used.add(i)
                break
    missing = [m for m in table.required if m not in found.values()]
    return found, missing


def _detect(header: list[str]) -> tuple[CbsTable | None, CbsTable, list[str]]:
    """The table a header is (or None), the closest table, and what it misses."""
    keys = [_key(h) for h in header]
    has_dims = "id" in keys and any(r.lower() in keys for r in REGION_COLUMNS)
    scored = []
    for t in TABLES:
        found, missing = _match(t, keys)
        if has_dims and not missing:
            return t, t, []
        scored.append((len(found), t, missing))
    _, closest, missing = max(scored, key=lambda s: s[0])
    absent = [] if has_dims else ["ID", "RegioS"]
    return None, closest, absent + missing


def parse(rows: Iterator[list[str]], header: list[str], result: Parsed, stage: Stage) -> Parsed:
    """Stage one ``cbs_cijfer`` row per topic cell; reject rows with a bad region or period."""
    table, closest, missing = _detect(header)
    if table is None:
        result.gelezen = result.afgewezen = max(1, sum(1 for _ in rows))
        result.findings.append(
            F.finding(
                "RK-CBS-01",
                bestand=result.naam,
                locatie="rij 1",
                tabel=f"{closest.tabel} ({closest.titel})",
                kolommen=closest.expected(),
                ontbrekend=", ".join(missing),
            )
        )
        return result
    result.soort = f"cbs:{table.tabel}"
    keys = [_key(h) for h in header]
    topics, _ = _match(table, keys)
    region = next(keys.index(r.lower()) for r in REGION_COLUMNS if r.lower() in keys)
    period = keys.index("perioden")
    cat = next((keys.index(c.lower()) for c in table.categorie if c.lower() in keys), None)
    known = gemeenten()
    for rownr, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        result.gelezen += 1
        where = f"rij {rownr}"
        if len(cells) != len(header):
            result.afgewezen += 1
            result.findings.append(
                F.finding(
                    "RK-TABEL-06",
                    bestand=result.naam,
                    locatie=where,
                    aantal=len(cells),
                    verwacht=len(header),
                )
            )
            continue
        errors: list[F.Finding] = []
        place = _region(cells[region].strip().upper(), known)
        if place is None:
            errors.append(_bad(result.naam, where, header[region], cells[region], "regiocode"))
        when = _period(cells[period].strip().upper())
        if when is None:
            errors.append(_bad(result.naam, where, "Perioden", cells[period], "periodecode"))
        values = {}
        for i, maatstaf in topics.items():
            value, ok = _number(cells[i])
            if not ok:
                errors.append(_bad(result.naam, where, header[i], cells[i], "getal"))
            values[maatstaf] = value
        if errors:
            result.afgewezen += 1
            result.findings.extend(errors)
            continue
        code = cells[cat].strip() if cat is not None else "T"
        categorie = table.codes.get(code, code) if cat is not None else "totaal"
        regiocode, regiosoort, gemeente = place
        periode, jaar = when
        for maatstaf, waarde in values.items():
            stage.add(
                "cbs_cijfer",
                {
                    "tabel": table.tabel,
                    "regiocode": regiocode,
                    "regiosoort": regiosoort,
                    "gemeente": gemeente,
                    "periode": periode,
                    "jaar": str(jaar),
                    "maatstaf": maatstaf,
                    "categorie": categorie,
                    "waarde": None if waarde is None else repr(waarde),
                    "bericht_id": None,
                    "regel": rownr,
                },
            )
    result.staged = stage.close()
    return result


def _bad(naam: str, where: str, veld: str, raw: str, soort: str) -> F.Finding:
    return F.finding(
        "RK-CBS-02",
        bestand=naam,
        locatie=where,
        veld=veld.strip().strip('"'),
        waarde=raw.strip()[:40],
        soort=soort,
    )


_REGION_KINDS = {"NL": "land", "PV": "provincie", "WK": "wijk", "BU": "buurt", "JZ": "jeugdregio"}


def _region(code: str, known: dict) -> tuple[str, str, str | None] | None:
    """(regiocode, soort, gemeentecode) of a CBS region code; None when unreadable."""
    if code.startswith("GM"):
        gm = code[2:]
        return (code, "gemeente", gm) if gm in known else None
    if code.startswith(("WK", "BU")) and code[2:6] in known:
        return code, _REGION_KINDS[code[:2]], code[2:6]
    if re.fullmatch(r"[A-Z]{2}\d{2,8}", code):
        return code, _REGION_KINDS.get(code[:2], "regio"), None
    return None


def _period(code: str) -> tuple[str, int] | None:
    """'2024JJ00' -> ('2024', 2024); '2024KW02' -> ('2024-K2', 2024); months and halves too."""
    m = _PERIOD.match(code)
    if not m:
        return None
    year, kind, n = int(m.group(1)), m.group(2), int(m.group(3))
    if kind == "JJ" and n == 0:
        return str(year), year
    if kind == "KW" and 1 <= n <= 4:
        return f"{year}-K{n}", year
    if kind == "MM" and 1 <= n <= 12:
        return f"{year}-{n:02d}", year
    if kind == "HJ" and 1 <= n <= 2:
        return f"{year}-H{n}", year
    return None


def _number(raw: str) -> tuple[float | None, bool]:
    """(value, readable): CBS symbols for 'not available' or 'secret' give no value."""
    text = raw.strip()
    if text in _MISSING:
        return None, True
    if text == "-":  # nihil
        return 0.0, True
    try:
        return float(text.replace(",", ".")), True
    except ValueError:
        return None, False

"""One documented column layout per table, for CSV, XLSX and Parquet input.

Column names are the store's Dutch names, which follow the message fields (``ToewijzingNummer``
-> ``toewijzing_nummer``). Headers match case-insensitively and with or without underscores, so
``ToewijzingNummer`` works too. Amounts are integer eurocents, exactly as in the messages.
A file's layout is recognised by its header: the layout whose required columns are all present
and which explains most of the header wins. docs/tabellen.md is generated from this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Column kinds and what they accept.
CODE = "code"  # a code from a list (ldt names the list in the basisschema XSD) or a fixed set
TEXT = "tekst"
DATE = "datum"  # YYYY-MM-DD (also DD-MM-YYYY, as Dutch Excel writes it)
INT = "geheel getal"
CENT = "bedrag in eurocent"
BSN = "bsn"  # checked with the elfproef, then replaced by its pseudonym: never stored
GEMEENTE = "gemeentecode"  # four digits, in the CBS list of 2026
AGB = "agb-code"  # eight digits
WET = "wet"  # jeugd | wmo
NUMBER = "getal"  # a decimal number (point or comma), e.g. a KPI target
KPI = "kpi-id"  # an id from the KPI catalogue (regiekamer kpi --list)


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False
    ldt: str | None = None  # code list in the basisschema XSD
    values: tuple[str, ...] = ()  # or a fixed set of values
    uitleg: str = ""
    bounds: tuple[int, int] | None = None  # for whole numbers that the store keeps narrower


@dataclass(frozen=True)
class Layout:
    name: str  # the table name users give; also the store table
    store_table: str
    columns: tuple[Column, ...]
    uitleg: str
    reference: bool = False  # reference tables are upserted by key, facts are appended

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def normalise_header(name: str) -> str:
    """'ToewijzingNummer', 'toewijzing_nummer' and ' Toewijzing-nummer ' all give one key."""
    return re.sub(r"[^0-9a-z]", "", name.strip().lstrip("\ufeff").lower())


C = Column
YEARS = (1900, 2200)
DIRECTIONS = (">=", "<=")  # the target is a minimum or a maximum
_FACT_COMMON = (
    C("wet", WET, True, uitleg="jeugd of wmo"),
    C("gemeente", GEMEENTE, True, uitleg="de gemeente die toewijst (CBS-code, 4 cijfers)"),
    C("aanbieder", AGB, True, uitleg="AGB-code van de aanbieder"),
)
_CLIENT = (
    C("bsn", BSN, True, uitleg="BSN; wordt na de elfproef vervangen door een pseudoniem"),
    C("geboortedatum", DATE, uitleg="alleen jaar en maand worden bewaard"),
    C("geslacht", CODE, ldt="LDT_Geslacht"),
)
_PRODUCT = (
    C("productcategorie", CODE, ldt="LDT_ProductCategorie"),
    C("productcode", TEXT),
)
_OMVANG = (
    C("volume", INT),
    C("eenheid", CODE, ldt="LDT_Eenheid"),
    C("frequentie", CODE, ldt="LDT_Frequentie"),
    C("budget_cent", CENT),
)

LAYOUTS: dict[str, Layout] = {
    lay.name: lay
    for lay in (
        Layout(
            "verzoek",
            "verzoek",
            (
                *_FACT_COMMON,
                *_CLIENT,
                C("dagtekening", DATE, True, uitleg="datum van het verzoek (JW315)"),
                C("referentie_aanbieder", TEXT, True),
                C("beschikking_nummer", TEXT),
                *_PRODUCT,
                C("beschikking_ingangsdatum", DATE),
                C("toewijzing_ingangsdatum", DATE),
                C("toewijzing_einddatum", DATE),
                *_OMVANG,
                C("verwijzer_type", CODE, ldt="LDT_TypeVerwijzer"),
                C("verwijzer_zorgverlenercode", AGB),
            ),
            "Verzoek om toewijzing (JW315/WMO315), één rij per aangevraagd product.",
        ),
        Layout(
            "toewijzing",
            "toewijzing",
            (
                *_FACT_COMMON,
                *_CLIENT,
                C("dagtekening", DATE, True, uitleg="datum van het toewijzingsbericht"),
                C("toewijzing_nummer", TEXT, True),
                C("referentie_aanbieder", TEXT),
                *_PRODUCT,
                C("toewijzingsdatum", DATE, True),
                C("ingangsdatum", DATE, True),
                C("einddatum", DATE),
                C("reden_wijziging", CODE, ldt="LDT_RedenWijziging"),
                *_OMVANG,
            ),
            "Toewijzing (JW301/WMO301), één rij per toegewezen product. Een latere rij met "
            "hetzelfde toewijzingnummer vervangt de eerdere.",
        ),
        Layout(
            "levering",
            "levering",
            (
                *_FACT_COMMON,
                *_CLIENT,
                C("dagtekening", DATE, True),
                C(
                    "soort",
                    CODE,
                    True,
                    values=("start", "stop"),
                    uitleg="start (JW305) of stop (JW307)",
                ),
                C("toewijzing_nummer", TEXT),
                *_PRODUCT,
                C("toewijzing_ingangsdatum", DATE),
                C("begindatum", DATE, True),
                C("einddatum", DATE, uitleg="verplicht bij soort stop"),
                C(
                    "reden_beeindiging",
                    CODE,
                    ldt="LDT_RedenBeeindiging",
                    uitleg="verplicht bij stop",
                ),
                C(
                    "status_aanlevering",
                    CODE,
                    True,
                    ldt="LDT_StatusAanlevering",
                    uitleg="1 nieuw, 2 gewijzigd, 3 verwijderen",
                ),
            ),
            "Start- en stopberichten (JW305/JW307, WMO305/WMO307).",
        ),
        Layout(
            "prestatie",
            "prestatie",
            (
                *_FACT_COMMON,
                C("bsn", BSN, True),
                C("dagtekening", DATE, True, uitleg="dagtekening van de declaratie"),
                C("declaratie_nummer", TEXT, True),
                C("referentie_nummer", TEXT, True),
                C("vorig_referentie_nummer", TEXT),
                C("toewijzing_nummer", TEXT),
                C("productcategorie", CODE, True, ldt="LDT_ProductCategorie"),
                C("productcode", TEXT),
                C("begindatum", DATE, True, uitleg="begin van de productperiode"),
                C("einddatum", DATE, True, uitleg="einde van de productperiode"),
                C("geleverd_volume", INT, True),
                C("eenheid", CODE, True, ldt="LDT_Eenheid"),
                C("product_tarief_cent", CENT),
                C("bedrag_cent", CENT, True, uitleg="ingediend bedrag"),
                C("debet_credit", CODE, True, ldt="LDT_DebetCredit"),
            ),
            "Declaratieregels (JW323/WMO323), één rij per prestatie.",
        ),
        Layout(
            "declaratie_antwoord",
            "declaratie_antwoord",
            (
                *_FACT_COMMON,
                C("bsn", BSN, True),
                C("dagtekening", DATE, True),
                C("declaratie_nummer", TEXT),
                C("referentie_nummer", TEXT, True),
                C("toewijzing_nummer", TEXT),
                C("productcategorie", CODE, ldt="LDT_ProductCategorie"),
                C("productcode", TEXT),
                C("begindatum", DATE),
                C("einddatum", DATE),
                C("geleverd_volume", INT),
                C("eenheid", CODE, ldt="LDT_Eenheid"),
                C("product_tarief_cent", CENT),
                C("bedrag_cent", CENT, True),
                C("debet_credit", CODE, True, ldt="LDT_DebetCredit"),
                C("retourcodes", TEXT, True, uitleg="retourcodes gescheiden door spatie of komma"),
            ),
            "Declaratie-antwoord (JW325), één rij per beoordeelde prestatie.",
        ),
        Layout(
            "gemeente",
            "gemeente",
            (
                C("gemeentecode", GEMEENTE, True),
                C("gemeentenaam", TEXT, True),
                C("provincie", TEXT),
                C("jeugdregio", TEXT),
            ),
            "Gemeenten (zoals reference/gemeenten_2026.csv).",
            reference=True,
        ),
        Layout(
            "populatie",
            "populatie",
            (
                C("gemeentecode", GEMEENTE, True),
                C("jaar", INT, True, bounds=YEARS),
                C("inwoners_0_17", INT, True),
                C("inwoners_totaal", INT, True),
            ),
            "Inwoners per gemeente en jaar (0-17 jaar en totaal), voor cijfers per 1.000.",
            reference=True,
        ),
        Layout(
            "aanbieder",
            "aanbieder",
            (C("agb_code", AGB, True), C("naam", TEXT, True)),
            "Aanbieders met hun AGB-code.",
            reference=True,
        ),
        Layout(
            "product",
            "product",
            (
                C("wet", WET, True),
                C("productcode", TEXT, True),
                C("jaar", INT, True, bounds=YEARS),
                C("productcategorie", CODE, True, ldt="LDT_ProductCategorie"),
                C("omschrijving", TEXT),
                C("eenheid", CODE, ldt="LDT_Eenheid"),
                C("tarief_cent", CENT),
            ),
            "Producten per productcategorie met hun tarief per jaar.",
            reference=True,
        ),
        Layout(
            "budget",
            "budget",
            (
                C("gemeentecode", GEMEENTE, True),
                C("wet", WET, True),
                C("jaar", INT, True, bounds=YEARS),
                C("budget_cent", CENT, True),
            ),
            "Budget per gemeente, wet en jaar.",
            reference=True,
        ),
        Layout(
            "contract",
            "contract",
            (
                C("contract_id", TEXT, True),
                C("agb_code", AGB, True),
                C("gemeentecode", GEMEENTE, True),
                C("wet", WET, True),
                C("inkoopmodel", CODE, values=("partner", "concurrentie", "open_house")),
                C(
                    "uitvoeringsvariant",
                    CODE,
                    values=("inspanningsgericht", "outputgericht", "taakgericht"),
                ),
                C("begindatum", DATE, True),
                C("einddatum", DATE),
                C("plafond_cent", CENT, uitleg="bestedingsruimte (plafond) per gemeente"),
                C("lumpsum_cent", CENT, uitleg="lumpsum per jaar (taakgericht)"),
            ),
            "Contracten tussen gemeente en aanbieder (één rij per gemeente). Ook als "
            "contracten.yaml in te lezen, met tarieven en doelen (docs/contracten.md).",
            reference=True,
        ),
        Layout(
            "contract_tarief",
            "contract_tarief",
            (
                C("contract_id", TEXT, True),
                C("productcode", TEXT, True),
                C("jaar", INT, True, bounds=YEARS),
                C("tarief_cent", CENT, True, uitleg="contracttarief per eenheid"),
            ),
            "Contracttarieven per productcode en jaar (toets 0611 van de rechtmatigheid).",
            reference=True,
        ),
        Layout(
            "contract_doel",
            "contract_doel",
            (
                C("contract_id", TEXT, True),
                C("kpi", KPI, True, uitleg="KPI-id uit de catalogus"),
                C("richting", CODE, True, values=DIRECTIONS, uitleg="ten minste of ten hoogste"),
                C("waarde", NUMBER, True, uitleg="de afgesproken waarde"),
            ),
            "Vooraf afgesproken prestatiedoelen per contract en KPI.",
            reference=True,
        ),
    )
}

# Reference tables are upserted on these keys; a later file wins.
REFERENCE_KEYS: dict[str, tuple[str, ...]] = {
    "gemeente": ("gemeentecode",),
    "populatie": ("gemeentecode", "jaar"),
    "aanbieder": ("agb_code",),
    "product": ("wet", "productcode", "jaar"),
    "budget": ("gemeentecode", "wet", "jaar"),
    "contract": ("contract_id", "gemeentecode"),
    "contract_tarief": ("contract_id", "productcode", "jaar"),
    "contract_doel": ("contract_id", "kpi"),
}


def detect(header: list[str]) -> tuple[Layout | None, Layout]:
    """The layout a header matches (or None), and the closest layout for an error message.

    Candidates have all their required columns; the one that explains most of the header wins.
    """
    keys = {normalise_header(h) for h in header}

    def names(lay: Layout) -> set[str]:
        return {normalise_header(c.name) for c in lay.columns}

    candidates = [
        lay for lay in LAYOUTS.values() if {normalise_header(n) for n in lay.required} <= keys
    ]
    if candidates:
        best = max(candidates, key=lambda lay: len(keys & names(lay)) / len(keys | names(lay)))
        return best, best
    return None, max(LAYOUTS.values(), key=lambda lay: len(keys & names(lay)))


def describe() -> str:
    """docs/tabellen.md: every layout as a Markdown table (a test keeps the file current)."""
    out = [
        "# Tabelindelingen voor CSV, XLSX en Parquet",
        "",
        "Gegenereerd met `regiekamer layouts --markdown`; niet met de hand bewerken.",
        "",
        "- Kolomnamen zijn hoofdletterongevoelig; underscores mogen weg (`ToewijzingNummer`).",
        "- Bedragen zijn hele eurocenten, zoals in de berichten. Datums: `JJJJ-MM-DD` of "
        "`DD-MM-JJJJ`.",
        "- CSV: UTF-8 (met of zonder BOM; anders Windows-1252 met een waarschuwing), "
        "scheidingsteken `,` `;` of tab. XLSX: het eerste werkblad. Rij 1 is de kopregel.",
        "- Weggevallen voorloopnullen (Excel) worden aangevuld bij gemeente-, AGB- en codes.",
        "- Het BSN wordt na de elfproef vervangen door een pseudoniem en nooit opgeslagen.",
        "",
    ]
    for lay in LAYOUTS.values():
        kind = "referentietabel (bijwerken op sleutel)" if lay.reference else "feiten (toevoegen)"
        if lay.name in KEYED_FACTS:
            kind = f"feiten (vervangen op sleutel: {', '.join(KEYED_FACTS[lay.name])})"
        out += [
            f"## `{lay.name}` — {kind}",
            "",
            lay.uitleg,
            "",
            "| kolom | soort | verplicht | toelichting |",
            "|---|---|---|---|",
        ]
        for c in lay.columns:
            soort = c.kind
            if c.kind == CODE:
                soort += f" ({c.ldt or ', '.join(c.values)})"
            out.append(f"| `{c.name}` | {soort} | {'ja' if c.required else ''} | {c.uitleg} |")
        if lay.reference:
            out.append(f"\nSleutel: {', '.join(REFERENCE_KEYS[lay.name])}.")
        out.append("")
    return "\n".join(out)


# -- Participatiewet and households (DOMAIN.md §10; docs/integraal.md) ------------------------
HUISHOUDEN = "huishoudsleutel"  # replaced by a keyed pseudonym like the BSN: never stored
WIJK = "wijkcode"  # CBS wijkcode: WK + gemeentecode + 2 cijfers (WK036301)

# Why a benefit ended. ``werk`` is the outflow to work that uitstroom_naar_werk_pct counts.
REDEN_EINDE_UITKERING = (
    "werk",
    "opleiding",
    "andere_uitkering",
    "inkomen_partner",
    "verhuizing",
    "detentie",
    "overlijden",
    "overig",
)

LAYOUTS.update(
    {
        lay.name: lay
        for lay in (
            Layout(
                "uitkering",
                "uitkering",
                (
                    C("gemeente", GEMEENTE, True, uitleg="de gemeente die de bijstand verstrekt"),
                    C("bsn", BSN, True, uitleg="BSN; wordt na de elfproef een pseudoniem"),
                    C("geboortedatum", DATE, uitleg="alleen jaar en maand worden bewaard"),
                    C(
                        "huishouden",
                        HUISHOUDEN,
                        True,
                        uitleg="sleutel van het huishouden (bv. het dossiernummer van de "
                        "leefeenheid); wordt een pseudoniem, nooit opgeslagen",
                    ),
                    C("begindatum", DATE, True, uitleg="eerste dag van de uitkering"),
                    C("einddatum", DATE, uitleg="laatste dag; leeg zolang de uitkering loopt"),
                    C(
                        "reden_beeindiging",
                        CODE,
                        values=REDEN_EINDE_UITKERING,
                        uitleg="verplicht bij een einddatum; werk = uitstroom naar werk",
                    ),
                    C("wijk", WIJK, uitleg="CBS-wijkcode van het woonadres"),
                    C("maandbedrag_cent", CENT, uitleg="netto bijstand per maand"),
                    C(
                        "reintegratie",
                        TEXT,
                        uitleg="re-integratievoorzieningen, gescheiden door komma "
                        "(bv. loonkostensubsidie, participatieplaats, jobcoach)",
                    ),
                ),
                "Bijstandsuitkeringen (Participatiewet), één rij per uitkering. Een latere rij "
                "met dezelfde gemeente, cliënt en begindatum vervangt de eerdere.",
            ),
            Layout(
                "huishouden",
                "huishouden",
                (
                    C("bsn", BSN, True, uitleg="BSN van een lid van het huishouden"),
                    C("huishouden", HUISHOUDEN, True, uitleg="sleutel van het huishouden"),
                    C("gemeente", GEMEENTE, uitleg="woongemeente in deze periode"),
                    C("wijk", WIJK, uitleg="CBS-wijkcode van het woonadres"),
                    C("ingangsdatum", DATE, uitleg="sinds wanneer (leeg: altijd)"),
                    C("einddatum", DATE, uitleg="tot en met wanneer (leeg: nog steeds)"),
                ),
                "Wie tot welk huishouden hoort (uit de BRP-koppeling van het zaaksysteem). "
                "iJw- en iWmo-berichten kennen geen huishouden: zonder deze tabel telt een "
                "jeugd- of Wmo-cliënt als een eigen huishouden. Een latere rij met dezelfde "
                "cliënt, huishouden en ingangsdatum vervangt de eerdere.",
            ),
        )
    }
)

# Fact tables that are replaced by key (a corrected export replaces, never doubles).
KEYED_FACTS: dict[str, tuple[str, ...]] = {
    "uitkering": ("gemeente", "client_id", "begindatum"),
    "huishouden": ("client_id", "huishouden_id", "ingangsdatum"),
    "cbs_cijfer": ("tabel", "regiocode", "periode", "maatstaf", "categorie"),
}

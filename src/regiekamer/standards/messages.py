"""Which messages regiekamer reads, recognised by namespace (never by file name).

For every message type: its law (wet), its XSD, the element that makes one record, the store
table the records go to, and which header party is the municipality.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from lxml import etree

DATA = resources.files("regiekamer.standards") / "data"

# The message types; retour messages (3x2, 3x6, 3x8, 316, 318, 320) acknowledge one message.
_TYPES = {
    # code: (record element, table, gemeente is afzender?)
    "301": ("ToegewezenProduct", "toewijzing", True),
    "302": ("Header", "retourbericht", None),
    "305": ("StartProduct", "levering", False),
    "306": ("Header", "retourbericht", None),
    "307": ("StopProduct", "levering", False),
    "308": ("Header", "retourbericht", None),
    "315": ("AangevraagdProduct", "verzoek", False),
    "316": ("Header", "retourbericht", None),
    "317": ("OngewijzigdProduct TeWijzigenProduct NieuwProduct", "wijzigingsverzoek", False),
    "318": ("Header", "retourbericht", None),
    "319": ("Antwoord", "verzoek_antwoord", True),
    "320": ("Header", "retourbericht", None),
    "323": ("Prestatie", "prestatie", False),
    "325": ("Prestatie", "declaratie_antwoord", True),
}


@dataclass(frozen=True)
class MessageType:
    """One iJw/iWmo message type, e.g. JW323 (jeugd) or WMO323 (wmo)."""

    soort: str  # JW323 / WMO323
    wet: str  # jeugd / wmo
    namespace: str
    basis_namespace: str
    xsd: Path
    record_tag: str  # one or more local names, space separated
    table: str
    gemeente_is_afzender: bool | None

    def qname(self, local: str) -> str:
        return f"{{{self.namespace}}}{local}"

    @property
    def record_tags(self) -> tuple[str, ...]:
        return tuple(self.record_tag.split())


def _build() -> dict[str, MessageType]:
    types = {}
    for wet, prefix, folder, std in (("jeugd", "JW", "ijw", "ijw"), ("wmo", "WMO", "iwmo", "iwmo")):
        for code, (tag, table, gem_afz) in _TYPES.items():
            xsd = Path(str(DATA / folder / f"{prefix}{code}.xsd"))
            if not xsd.exists():
                continue  # iWmo ships no retour XSDs and no WMO325
            ns = f"http://www.istandaarden.nl/{std}/3_2/{prefix.lower()}{code}/schema"
            basis = f"http://www.istandaarden.nl/{std}/3_2/basisschema/schema"
            types[ns] = MessageType(f"{prefix}{code}", wet, ns, basis, xsd, tag, table, gem_afz)
    return types


MESSAGE_TYPES: dict[str, MessageType] = _build()


def by_namespace(namespace: str) -> MessageType | None:
    return MESSAGE_TYPES.get(namespace)


def by_soort(soort: str) -> MessageType:
    """The message type named e.g. 'JW323' or 'WMO301'."""
    return next(m for m in MESSAGE_TYPES.values() if m.soort == soort)


@cache
def schema(soort: str) -> etree.XMLSchema:
    """The compiled official XSD of one message type (compiled once per process)."""
    return etree.XMLSchema(etree.parse(str(by_soort(soort).xsd)))


@cache
def gemeenten() -> dict[str, dict[str, str]]:
    """The 342 municipalities on 1 January 2026 (CBS code -> name, province, youth-care region)."""
    with (DATA / "gemeenten_2026.csv").open(encoding="utf-8") as fh:
        return {row["gemeentecode"]: row for row in csv.DictReader(fh)}

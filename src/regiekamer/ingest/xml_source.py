"""Parse one iJw/iWmo message file: read (streaming + XSD) -> validate -> minimise -> stage."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from regiekamer.ingest import findings as F
from regiekamer.ingest.minimise import client_row
from regiekamer.ingest.staging import Parsed, Stage, StagedTable
from regiekamer.privacy.pseudonym import Pseudonymiser
from regiekamer.standards.messages import MessageType, gemeenten, schema
from regiekamer.standards.reader import SAFE, Header, count_records, has_doctype, read_records

# Per store table: local name of a leaf inside the record -> store column. Leaf names are
# unique within one record type, so no paths are needed.
_OMVANG = {
    "Volume": "volume",
    "Eenheid": "eenheid",
    "Frequentie": "frequentie",
    "Budget": "budget_cent",
}
_PRODUCT = {"Categorie": "productcategorie", "Code": "productcode"}
_PRESTATIE = {
    "ReferentieNummer": "referentie_nummer",
    "VorigReferentieNummer": "vorig_referentie_nummer",
    "ToewijzingNummer": "toewijzing_nummer",
    "ProductCategorie": "productcategorie",
    "ProductCode": "productcode",
    "Begindatum": "begindatum",
    "Einddatum": "einddatum",
    "GeleverdVolume": "geleverd_volume",
    "Eenheid": "eenheid",
    "ProductTarief": "product_tarief_cent",
    "Bedrag": "bedrag_cent",
    "DebetCredit": "debet_credit",
}
FIELDS: dict[str, dict[str, str]] = {
    "toewijzing": {
        "ToewijzingNummer": "toewijzing_nummer",
        "ReferentieAanbieder": "referentie_aanbieder",
        **_PRODUCT,
        "Toewijzingsdatum": "toewijzingsdatum",
        "Ingangsdatum": "ingangsdatum",
        "Einddatum": "einddatum",
        "RedenWijziging": "reden_wijziging",
        **_OMVANG,
    },
    "levering": {
        "ToewijzingNummer": "toewijzing_nummer",
        **_PRODUCT,
        "ToewijzingIngangsdatum": "toewijzing_ingangsdatum",
        "Begindatum": "begindatum",
        "Einddatum": "einddatum",
        "RedenBeeindiging": "reden_beeindiging",
        "StatusAanlevering": "status_aanlevering",
    },
    "verzoek": {
        "ReferentieAanbieder": "referentie_aanbieder",
        "BeschikkingNummer": "beschikking_nummer",
        **_PRODUCT,
        "BeschikkingIngangsdatum": "beschikking_ingangsdatum",
        "ToewijzingIngangsdatum": "toewijzing_ingangsdatum",
        "ToewijzingEinddatum": "toewijzing_einddatum",
        **_OMVANG,
        "Type": "verwijzer_type",
        "ZorgverlenerCode": "verwijzer_zorgverlenercode",
    },
    "wijzigingsverzoek": {
        "ToewijzingNummer": "toewijzing_nummer",
        **_PRODUCT,
        "GewensteIngangsdatum": "gewenste_ingangsdatum",
        "Einddatum": "einddatum",
        **_OMVANG,
    },
    "verzoek_antwoord": {
        "ReferentieAanbieder": "referentie_aanbieder",
        "VerzoekAntwoord": "verzoek_antwoord",
        "RedenAfwijzingVerzoek": "reden_afwijzing",
        "Gemeente": "woonplaats_gemeente",
    },
    "prestatie": _PRESTATIE,
    "declaratie_antwoord": {**_PRESTATIE, "RetourCode": "retourcodes"},
    "retourbericht": {
        "IdentificatieRetour": "identificatie_retour",
        "DagtekeningRetour": "dagtekening_retour",
        "RetourCode": "retourcodes",
    },
}
# Per store table: fields of the enclosing Declaratie/Verzoek -> store column (per message).
_CONTEXT_FIELDS: dict[str, dict[str, str]] = {
    "prestatie": {"DeclaratieNummer": "declaratie_nummer"},
    "declaratie_antwoord": {"DeclaratieNummer": "declaratie_nummer"},
    "wijzigingsverzoek": {
        "ReferentieAanbieder": "referentie_aanbieder",
        "RedenVerzoek": "reden_verzoek",
    },
}
_WIJZIGING_SOORT = {
    "OngewijzigdProduct": "ongewijzigd",
    "TeWijzigenProduct": "te_wijzigen",
    "NieuwProduct": "nieuw",
}
_HAS_CLIENT = {
    "toewijzing",
    "levering",
    "verzoek",
    "wijzigingsverzoek",
    "prestatie",
    "declaratie_antwoord",
}


def parse_message(
    path: str,
    naam: str,
    sha256: str,
    mt: MessageType,
    pseudonymise: Pseudonymiser,
    stage: Stage,
    source: object | None = None,
) -> Parsed:
    """Read one message (from ``source``, a binary file object, else from ``path``).

    Every record ends staged or rejected with a finding.
    """
    result = Parsed(path=path, naam=naam, sha256=sha256, soort=mt.soort, wet=mt.wet)
    fields = FIELDS[mt.table]
    columns = list(fields.values())
    has_client = mt.table in _HAS_CLIENT
    extra = ["client_id"] if has_client else []
    if mt.table == "wijzigingsverzoek":
        extra.append("soort")
    at = {c: i for i, c in enumerate(columns)}
    # Per-record work is the hot path of a large file: decide what applies once, up front.
    is_prestatie = mt.table == "prestatie"
    is_antwoord = mt.table == "verzoek_antwoord"
    is_wijziging = mt.table == "wijzigingsverzoek"
    at_bedrag, at_dc = at.get("bedrag_cent"), at.get("debet_credit")
    at_codes = at.get("retourcodes")
    append = None
    table = None
    bericht_id = None
    client_id: str | None = None
    gemeente_ok = True
    decl_sum = 0
    context: dict[str, object] = {}
    if has_doctype(path):
        reason = "het bericht heeft een DOCTYPE (DTD); dat hoort niet in een iJw/iWmo-bericht"
        return _reject_message(result, mt, stage, reason, "bericht")
    try:
        for kind, item in read_records(source or path, mt, fields):
            if kind == "record":
                values, tag = item
                result.gelezen += 1
                if not gemeente_ok:
                    continue  # reported once for the whole message below
                if has_client and client_id is None:
                    _reject(
                        result,
                        F.finding(
                            "RK-BSN-01",
                            bestand=naam,
                            bericht_id=bericht_id,
                            locatie=f"{tag} {result.gelezen}",
                            veld="Bsn",
                        ),
                    )
                    continue
                if is_prestatie:
                    amount = _cents(values[at_bedrag])
                    decl_sum += -amount if values[at_dc] == "C" else amount
                elif is_antwoord:
                    wg = values[at["woonplaats_gemeente"]]
                    if wg is not None and wg not in gemeenten():
                        _reject(
                            result,
                            F.finding(
                                "S300",
                                bestand=naam,
                                bericht_id=bericht_id,
                                locatie=f"{tag} {result.gelezen}",
                                veld="Woonplaatsbeginsel/Gemeente",
                                waarde=wg,
                                aantal=1,
                            ),
                        )
                        continue
                elif at_codes is not None and values[at_codes] is None:
                    values[at_codes] = []
                if has_client:
                    values.append(client_id)
                if is_wijziging:
                    values.append(_WIJZIGING_SOORT[tag])
                values.append(result.gelezen)
                append(values)
            elif kind == "client":
                client = client_row(
                    pseudonymise, item.get("Bsn"), item.get("Geboortedatum"), item.get("Geslacht")
                )
                client_id = client["client_id"] if client else None
                if client:
                    stage.add("client", client)
            elif kind == "context":
                context = item
                _context_constants(mt, table, context)
            else:  # header
                header = item
                bericht_id = header.identificatie
                result.bericht = {
                    "afzender": header.afzender,
                    "ontvanger": header.ontvanger,
                    "identificatie": header.identificatie,
                    "dagtekening": header.dagtekening,
                }
                constants = _constants(mt, header)
                gem = constants.get("gemeente")
                gemeente_ok = gem is None or gem in gemeenten()
                table = stage.table(mt.table, [*columns, *extra, "regel"], constants)
                append = table.append
    except (etree.XMLSyntaxError, etree.DocumentInvalid, etree.XMLSchemaValidateError) as exc:
        # XMLSchemaValidateError: libxml2's "internal error" on a document it cannot validate
        # in a stream (an entity reference where a value belongs; found by the fuzzer).
        where, reason = _locate_error(path, mt, exc)
        return _reject_message(result, mt, stage, reason, where)
    except OSError as exc:
        return _reject_message(result, mt, stage, f"bestand onleesbaar ({exc.strerror})", "bestand")

    if not gemeente_ok:
        result.findings.append(
            F.finding(
                "S300",
                bestand=naam,
                bericht_id=bericht_id,
                locatie="Header",
                veld="Gemeente",
                waarde=table.constants["gemeente"],
                aantal=result.gelezen,
            )
        )
        result.afgewezen = result.gelezen
        stage.discard()
        return result
    if mt.table == "prestatie" and context:
        _declaratie(result, table.constants, context, decl_sum, stage)
    result.staged = stage.close()
    return result


def _constants(mt: MessageType, header: Header) -> dict[str, object]:
    """What is the same for every record of the message: its header, seen from the store."""
    if mt.gemeente_is_afzender is None:  # retour messages keep the raw parties
        return {
            "wet": mt.wet,
            "berichtsoort": mt.soort,
            "afzender": header.afzender,
            "ontvanger": header.ontvanger,
            "dagtekening": header.dagtekening,
            "bericht_id": header.identificatie,
        }
    gem, agb = (
        (header.afzender, header.ontvanger)
        if mt.gemeente_is_afzender
        else (header.ontvanger, header.afzender)
    )
    out: dict[str, object] = {
        "wet": mt.wet,
        "gemeente": gem,
        "aanbieder": agb,
        "dagtekening": header.dagtekening,
        "bericht_id": header.identificatie,
    }
    if mt.table == "levering":
        out["soort"] = "start" if mt.soort.endswith("305") else "stop"
    elif mt.table == "declaratie_antwoord":
        out["declaratie_identificatie"] = header.extra.get("DeclaratieIdentificatie/Identificatie")
    # Filled in by _context_constants once the enclosing Declaratie/Verzoek has been read.
    out.update(dict.fromkeys(_CONTEXT_FIELDS.get(mt.table, {}).values()))
    return out


def _context_constants(mt: MessageType, table: StagedTable, context: dict[str, object]) -> None:
    """Fields of the enclosing Declaratie or Verzoek, the same for all its records."""
    for field, column in _CONTEXT_FIELDS.get(mt.table, {}).items():
        table.constants[column] = context.get(field)


def _declaratie(result: Parsed, base: dict, context: dict, decl_sum: int, stage: Stage) -> None:
    """Stage the declaration header and check its total against its lines."""
    totaal = int(context.get("TotaalIngediendBedrag/TotaalBedrag") or 0)
    dc = context.get("TotaalIngediendBedrag/DebetCredit") or "D"
    signed = -totaal if dc == "C" else totaal
    if signed != decl_sum:
        result.findings.append(
            F.finding(
                "RK-DECL-01",
                bestand=result.naam,
                bericht_id=base["bericht_id"],
                locatie="Declaratie",
                veld="TotaalIngediendBedrag",
                totaal=totaal,
                dc=dc,
                som=decl_sum,
            )
        )
    stage.add(
        "declaratie",
        {
            "wet": base["wet"],
            "gemeente": base["gemeente"],
            "aanbieder": base["aanbieder"],
            "dagtekening": base["dagtekening"],
            "bericht_id": base["bericht_id"],
            "regel": 0,
            "declaratie_nummer": context.get("DeclaratieNummer"),
            "periode_begin": context.get("DeclaratiePeriode/Begindatum"),
            "periode_eind": context.get("DeclaratiePeriode/Einddatum"),
            "totaal_bedrag_cent": str(totaal),
            "debet_credit": dc,
        },
    )


def _cents(text: str | None) -> int:
    """An amount for the declaration total. The streaming schema check reports a bad value
    only after Python has seen its record, so a non-number (found by the fuzzer: a date in
    Bedrag) counts 0 here; the message is rejected when the stream reports it."""
    try:
        return int(text or 0)
    except ValueError:
        return 0


def _reject(result: Parsed, finding: F.Finding) -> None:
    result.findings.append(finding)
    result.afgewezen += 1


def _reject_message(
    result: Parsed, mt: MessageType, stage: Stage, reason: str, where: str
) -> Parsed:
    """The whole message is technically invalid: all its records are rejected (0001)."""
    stage.discard()
    result.staged = {}
    # At least one: a message broken before its first record is still one rejected record,
    # else a rejected file would show "0 gelezen, 0 afgewezen" (found by the fuzzer).
    result.gelezen = max(1, result.gelezen, count_records(result.path, mt))
    result.afgewezen = result.gelezen
    ident = (result.bericht or {}).get("identificatie")
    result.findings = [
        F.finding(
            "0001",
            bestand=result.naam,
            bericht_id=ident,
            locatie=where,
            reden=reason,
            aantal=result.gelezen,
        )
    ]
    return result


_LOCATE_MAX_BYTES = 64 * 1024 * 1024


def _locate_error(path: str, mt: MessageType, exc: Exception) -> tuple[str, str]:
    """Where a message breaks (record or client, and line) and the first error in plain words.

    Streaming validation reports schema errors without a line, so a file of moderate size is
    validated once more as a whole tree, which gives the first error with its line number.
    """
    line, msg = getattr(exc, "lineno", 0) or 0, str(exc)
    tree = None
    if Path(path).stat().st_size <= _LOCATE_MAX_BYTES:
        try:
            tree = etree.parse(path, etree.XMLParser(huge_tree=True, **SAFE))
            checker = schema(mt.soort)
            if not checker.validate(tree):
                first = checker.error_log[0]
                line, msg = first.line, first.message
        except etree.XMLSyntaxError as syntax:
            line, msg, tree = syntax.lineno, str(syntax), None
        except OSError:
            # lxml raises OSError for bytes that are not of the declared encoding when it reads
            # the whole file; the stream had reported the first error already (found by the
            # fuzzer: Latin-1 bytes under a UTF-8 declaration, after a syntax error).
            tree = None
        except etree.XMLSchemaValidateError:
            line, msg, tree = (
                0,
                "het schema kan het bericht niet controleren (DTD of entiteit?)",
                None,
            )
    msg = re.sub(r"\{http://www\.istandaarden\.nl/[^}]*\}", "", msg)
    msg = re.sub(r"\s*\(<string>, line \d+\)|\s*\(line \d+\)", "", msg).rstrip(". ")
    if re.match(r"Element '(\w+:)?Bsn'", msg):
        # The schema quotes the wrong value; for a BSN that value must not be repeated.
        msg = "Element 'Bsn': geen BSN van 9 cijfers (de waarde wordt niet getoond)"
    where = _element_at(tree, mt, line) if tree is not None and line else "bericht"
    if line:
        where += f", regel {line}"
    return where, msg[:300]


def _element_at(tree: etree._ElementTree, mt: MessageType, line: int) -> str:
    """'Prestatie 3', 'Client 2' or 'Header': the unit of the message that holds ``line``."""
    target = None
    for el in tree.iter():
        if isinstance(el.tag, str):
            if el.sourceline and el.sourceline > line:
                break
            target = el
    units = {mt.qname(t) for t in mt.record_tags} | {mt.qname("Client"), mt.qname("Header")}
    node = target
    while node is not None and node.tag not in units:
        node = node.getparent()
    if node is None:
        return "bericht"
    name = etree.QName(node).localname
    if name == "Header":
        return name
    number = next(n for n, el in enumerate(tree.iter(node.tag), start=1) if el is node)
    return f"{name} {number}"

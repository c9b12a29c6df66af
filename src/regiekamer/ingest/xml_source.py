"""Parse one iJw/iWmo message file: read (streaming + XSD) -> validate -> minimise -> stage."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from regiekamer.ingest import findings as F
from regiekamer.ingest.minimise import client_row
from regiekamer.ingest.staging import Parsed, Stage
from regiekamer.privacy.pseudonym import Pseudonymiser
from regiekamer.standards.messages import MessageType, gemeenten, schema
from regiekamer.standards.reader import count_records, read_records

# Store column -> path in the flat record, per store table.
_OMVANG = {
    "volume": "Omvang/Volume",
    "eenheid": "Omvang/Eenheid",
    "frequentie": "Omvang/Frequentie",
    "budget_cent": "Budget",
}
_PRESTATIE = {
    "declaratie_nummer": "Context/DeclaratieNummer",
    "referentie_nummer": "ProductReferentie/ReferentieNummer",
    "vorig_referentie_nummer": "ProductReferentie/VorigReferentieNummer",
    "toewijzing_nummer": "ToewijzingNummer",
    "productcategorie": "ProductCategorie",
    "productcode": "ProductCode",
    "begindatum": "ProductPeriode/Begindatum",
    "einddatum": "ProductPeriode/Einddatum",
    "geleverd_volume": "GeleverdVolume",
    "eenheid": "Eenheid",
    "product_tarief_cent": "ProductTarief",
    "bedrag_cent": "IngediendBedrag/Bedrag",
    "debet_credit": "IngediendBedrag/DebetCredit",
}
FIELDS: dict[str, dict[str, str]] = {
    "toewijzing": {
        "toewijzing_nummer": "ToewijzingNummer",
        "referentie_aanbieder": "ReferentieAanbieder",
        "productcategorie": "Product/Categorie",
        "productcode": "Product/Code",
        "toewijzingsdatum": "Toewijzingsdatum",
        "ingangsdatum": "Ingangsdatum",
        "einddatum": "Einddatum",
        "reden_wijziging": "RedenWijziging",
        **_OMVANG,
    },
    "levering": {
        "toewijzing_nummer": "ToewijzingNummer",
        "productcategorie": "Product/Categorie",
        "productcode": "Product/Code",
        "toewijzing_ingangsdatum": "ToewijzingIngangsdatum",
        "begindatum": "Begindatum",
        "einddatum": "Einddatum",
        "reden_beeindiging": "RedenBeeindiging",
        "status_aanlevering": "StatusAanlevering",
    },
    "verzoek": {
        "referentie_aanbieder": "ReferentieAanbieder",
        "beschikking_nummer": "BeschikkingNummer",
        "productcategorie": "Product/Categorie",
        "productcode": "Product/Code",
        "beschikking_ingangsdatum": "BeschikkingIngangsdatum",
        "toewijzing_ingangsdatum": "ToewijzingIngangsdatum",
        "toewijzing_einddatum": "ToewijzingEinddatum",
        **_OMVANG,
        "verwijzer_type": "Verwijzer/Type",
        "verwijzer_zorgverlenercode": "Verwijzer/ZorgverlenerCode",
    },
    "wijzigingsverzoek": {
        "referentie_aanbieder": "Context/ReferentieAanbieder",
        "reden_verzoek": "Context/RedenVerzoek",
        "toewijzing_nummer": "ToewijzingNummer",
        "productcategorie": "Product/Categorie",
        "productcode": "Product/Code",
        "gewenste_ingangsdatum": "GewensteIngangsdatum",
        "einddatum": "Einddatum",
        **_OMVANG,
    },
    "verzoek_antwoord": {
        "referentie_aanbieder": "ReferentieAanbieder",
        "verzoek_antwoord": "VerzoekAntwoord",
        "reden_afwijzing": "RedenAfwijzingVerzoek",
        "woonplaats_gemeente": "Woonplaatsbeginsel/Gemeente",
    },
    "prestatie": _PRESTATIE,
    "declaratie_antwoord": {**_PRESTATIE, "retourcodes": "RetourCodes/RetourCode"},
    "retourbericht": {
        "identificatie_retour": "IdentificatieRetour",
        "dagtekening_retour": "DagtekeningRetour",
        "retourcodes": "RetourCodes/RetourCode",
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
    path: str, naam: str, sha256: str, mt: MessageType, pseudonymise: Pseudonymiser, stage: Stage
) -> Parsed:
    """Read one message; every record ends staged or rejected with a finding."""
    result = Parsed(path=path, naam=naam, sha256=sha256, soort=mt.soort, wet=mt.wet)
    table, fields = mt.table, FIELDS[mt.table]
    base: dict[str, object] = {}
    gemeente_ok = True
    decl_sum = 0
    context: dict[str, object] | None = None
    try:
        for kind, item in read_records(path, mt):
            if kind == "header":
                header = item
                result.bericht = {
                    "afzender": header.afzender,
                    "ontvanger": header.ontvanger,
                    "identificatie": header.identificatie,
                    "dagtekening": header.dagtekening,
                }
                gem, agb = _parties(mt, header.afzender, header.ontvanger)
                base = {
                    "wet": mt.wet,
                    "gemeente": gem,
                    "aanbieder": agb,
                    "dagtekening": header.dagtekening,
                    "bericht_id": header.identificatie,
                }
                if mt.table == "retourbericht":
                    base = {
                        "wet": mt.wet,
                        "berichtsoort": mt.soort,
                        "afzender": header.afzender,
                        "ontvanger": header.ontvanger,
                        "dagtekening": header.dagtekening,
                        "bericht_id": header.identificatie,
                    }
                elif mt.table == "declaratie_antwoord":
                    base["declaratie_identificatie"] = header.extra.get(
                        "DeclaratieIdentificatie/Identificatie"
                    )
                gemeente_ok = gem is None or gem in gemeenten()
                continue
            if kind == "context":
                context = item
                continue
            rec = item
            result.gelezen += 1
            where = (
                f"{mt.record_tags[0] if len(mt.record_tags) == 1 else rec['_soort']} "
                f"{result.gelezen}"
            )
            if not gemeente_ok:
                continue  # reported once for the whole message below
            row = dict(base)
            row["regel"] = result.gelezen
            for col, p in fields.items():
                row[col] = rec.get(p)
            if "retourcodes" in fields:
                row["retourcodes"] = row["retourcodes"] or []
            if table == "levering":
                row["soort"] = "start" if mt.soort.endswith("305") else "stop"
            elif table == "wijzigingsverzoek":
                row["soort"] = _WIJZIGING_SOORT[rec["_soort"]]
            elif table == "verzoek_antwoord":
                wg = row.get("woonplaats_gemeente")
                if wg is not None and wg not in gemeenten():
                    _reject(
                        result,
                        F.finding(
                            "S300",
                            bestand=naam,
                            bericht_id=base["bericht_id"],
                            locatie=where,
                            veld="Woonplaatsbeginsel/Gemeente",
                            waarde=wg,
                            aantal=1,
                        ),
                    )
                    continue
            if table in _HAS_CLIENT:
                client = client_row(
                    pseudonymise,
                    rec.get("Client/Bsn"),
                    rec.get("Client/Geboortedatum"),
                    rec.get("Client/Geslacht"),
                )
                if client is None:
                    _reject(
                        result,
                        F.finding(
                            "RK-BSN-01",
                            bestand=naam,
                            bericht_id=base["bericht_id"],
                            locatie=where,
                            veld="Bsn",
                        ),
                    )
                    continue
                row["client_id"] = client["client_id"]
                stage.add("client", client)
            if table == "prestatie":
                amount = int(row["bedrag_cent"] or 0)
                decl_sum += -amount if row["debet_credit"] == "C" else amount
            stage.add(table, row)
    except (etree.XMLSyntaxError, etree.DocumentInvalid) as exc:
        where, reason = _locate_error(path, mt, exc)
        return _reject_message(result, mt, stage, reason, where)
    except OSError as exc:
        return _reject_message(result, mt, stage, f"bestand onleesbaar ({exc.strerror})", "bestand")

    if not gemeente_ok:
        gem = base["gemeente"]
        result.findings.append(
            F.finding(
                "S300",
                bestand=naam,
                bericht_id=base["bericht_id"],
                locatie="Header",
                veld="Gemeente",
                waarde=gem,
                aantal=result.gelezen,
            )
        )
        result.afgewezen = result.gelezen
        stage.discard()
        return result
    if table == "prestatie" and context is not None:
        _declaratie(result, base, context, decl_sum, stage)
    result.staged = stage.close()
    return result


def _parties(mt: MessageType, afzender: str, ontvanger: str) -> tuple[str | None, str | None]:
    """(gemeente, aanbieder) from the header; the direction depends on the message type."""
    if mt.gemeente_is_afzender is None:
        return None, None
    return (afzender, ontvanger) if mt.gemeente_is_afzender else (ontvanger, afzender)


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


def _reject(result: Parsed, finding: F.Finding) -> None:
    result.findings.append(finding)
    result.afgewezen += 1


def _reject_message(
    result: Parsed, mt: MessageType, stage: Stage, reason: str, where: str
) -> Parsed:
    """The whole message is technically invalid: all its records are rejected (0001)."""
    stage.discard()
    result.staged = {}
    result.gelezen = max(result.gelezen, count_records(result.path, mt))
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
    """Where a message breaks: record and line, and the first error in plain words.

    Streaming validation reports schema errors without a line, so a file of moderate size is
    validated once more as a whole tree, which gives the first error with its line number.
    """
    line, msg = getattr(exc, "lineno", 0) or 0, str(exc)
    tree = None
    if Path(path).stat().st_size <= _LOCATE_MAX_BYTES:
        try:
            tree = etree.parse(path, etree.XMLParser(huge_tree=True))
            checker = schema(mt.soort)
            if not checker.validate(tree):
                first = checker.error_log[0]
                line, msg = first.line, first.message
        except etree.XMLSyntaxError as syntax:
            line, msg, tree = syntax.lineno, str(syntax), None
    msg = re.sub(r"\{http://www\.istandaarden\.nl/[^}]*\}", "", msg)
    msg = re.sub(r"\s*\(<string>, line \d+\)|\s*\(line \d+\)", "", msg).rstrip(". ")
    where = "bericht"
    if tree is not None and line:
        where = "Header"
        tags = {mt.qname(t) for t in mt.record_tags if t != "Header"}
        n = 0
        for el in tree.iter(*tags) if tags else ():
            if el.sourceline > line:
                break
            n += 1
            where = f"{etree.QName(el).localname} {n}"
    if line:
        where += f", regel {line}"
    return where, msg[:300]

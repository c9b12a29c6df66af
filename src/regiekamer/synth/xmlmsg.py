"""iJw/iWmo 3.2 messages as string templates (fast; every value is a code, number or date).

Element order follows the official XSDs. Message elements use the message namespace as the
default namespace, basisschema elements the prefix ``b``. Names are a fixed placeholder: they
are dropped at ingest and must not look like real people.
"""

from __future__ import annotations

from dataclasses import dataclass

BERICHTCODE = {
    "JW301": "436",
    "JW305": "438",
    "JW307": "440",
    "JW315": "446",
    "JW323": "490",
    "JW325": "491",
    "WMO301": "414",
    "WMO305": "418",
    "WMO307": "420",
    "WMO315": "444",
    "WMO323": "484",
}
XSDVERSIE = (
    "<XsdVersie><b:BasisschemaXsdVersie>1.0.0</b:BasisschemaXsdVersie>"
    "<b:BerichtXsdVersie>1.0.0</b:BerichtXsdVersie></XsdVersie>"
)


def namespaces(soort: str) -> tuple[str, str]:
    """(message namespace, basisschema namespace) of e.g. JW301 or WMO323."""
    std = "ijw" if soort.startswith("JW") else "iwmo"
    return (
        f"http://www.istandaarden.nl/{std}/3_2/{soort.lower()}/schema",
        f"http://www.istandaarden.nl/{std}/3_2/basisschema/schema",
    )


def open_bericht(soort: str, afzender: str, ontvanger: str, ident: str, dagt: str) -> str:
    """XML declaration, root start tag and the common header fields (Header left open)."""
    ns, basis = namespaces(soort)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Bericht xmlns="{ns}" xmlns:b="{basis}">\n'
        f"<Header><BerichtCode>{BERICHTCODE[soort]}</BerichtCode><BerichtVersie>3</BerichtVersie>"
        f"<BerichtSubversie>2</BerichtSubversie><Afzender>{afzender}</Afzender>"
        f"<Ontvanger>{ontvanger}</Ontvanger><BerichtIdentificatie><b:Identificatie>{ident}"
        f"</b:Identificatie><b:Dagtekening>{dagt}</b:Dagtekening></BerichtIdentificatie>"
        f"{XSDVERSIE}"
    )


@dataclass
class ClientData:
    bsn: str
    geboortedatum: str
    geslacht: str


def _client(c: ClientData, volledig: bool) -> str:
    naam = "<Naam><b:Geslachtsnaam><b:Achternaam>Synthetisch</b:Achternaam></b:Geslachtsnaam>"
    naam += "<b:Voorletters>X</b:Voorletters>"
    if volledig:
        naam += "<b:NaamGebruik>1</b:NaamGebruik>"
    return (
        f"<Client>\n<Bsn>{c.bsn}</Bsn><Geboortedatum><b:Datum>{c.geboortedatum}</b:Datum>"
        f"</Geboortedatum><Geslacht>{c.geslacht}</Geslacht>{naam}</Naam>\n"
    )


def _product(cat: str, code: str) -> str:
    return f"<Product><b:Categorie>{cat}</b:Categorie><b:Code>{code}</b:Code></Product>"


def _omvang(volume: int, eenheid: str, freq: str) -> str:
    return (
        f"<Omvang><b:Volume>{volume}</b:Volume><b:Eenheid>{eenheid}</b:Eenheid>"
        f"<b:Frequentie>{freq}</b:Frequentie></Omvang>"
    )


def toewijzing(head: str, c: ClientData, t: dict) -> str:
    """JW301/WMO301 with one ToegewezenProduct."""
    einde = f"<Einddatum>{t['einddatum']}</Einddatum>" if t.get("einddatum") else ""
    budget = f"<Budget>{t['budget']}</Budget>" if t.get("budget") is not None else ""
    ref = (
        f"<ReferentieAanbieder>{t['referentie']}</ReferentieAanbieder>"
        if t.get("referentie")
        else ""
    )
    return (
        f"{head}</Header>\n{_client(c, True)}<Contactgegevens><Contact><Soort>01</Soort></Contact>"
        f"</Contactgegevens>\n<ToegewezenProducten><ToegewezenProduct>"
        f"<ToewijzingNummer>{t['nummer']}</ToewijzingNummer>{ref}{_product(t['cat'], t['code'])}"
        f"<Toewijzingsdatum>{t['toewijzingsdatum']}</Toewijzingsdatum>"
        f"<Toewijzingstijd>{t['tijd']}</Toewijzingstijd><Ingangsdatum>{t['ingangsdatum']}"
        f"</Ingangsdatum>{einde}{_omvang(t['volume'], t['eenheid'], t['frequentie'])}{budget}"
        f"</ToegewezenProduct></ToegewezenProducten>\n</Client>\n</Bericht>\n"
    )


def verzoek(head: str, c: ClientData, v: dict, jeugd: bool) -> str:
    """JW315/WMO315 with one AangevraagdProduct."""
    gezag = "<GezagsdragerBekend>1</GezagsdragerBekend>" if jeugd else ""
    einde = (
        f"<ToewijzingEinddatum>{v['einddatum']}</ToewijzingEinddatum>" if v.get("einddatum") else ""
    )
    zvl = (
        f"<b:ZorgverlenerCode>{v['zorgverlener']}</b:ZorgverlenerCode>"
        if v.get("zorgverlener")
        else ""
    )
    return (
        f"{head}</Header>\n{_client(c, False)}{gezag}<AangevraagdeProducten><AangevraagdProduct>"
        f"<ReferentieAanbieder>{v['referentie']}</ReferentieAanbieder>"
        f"{_product(v['cat'], v['code'])}<ToewijzingIngangsdatum>{v['ingangsdatum']}"
        f"</ToewijzingIngangsdatum>{einde}{_omvang(v['volume'], v['eenheid'], v['frequentie'])}"
        f"<Verwijzer><b:Type>{v['verwijzer']}</b:Type>{zvl}</Verwijzer>"
        f"</AangevraagdProduct></AangevraagdeProducten>\n</Client>\n</Bericht>\n"
    )


def startstop(head: str, c: ClientData, s: dict, stop: bool) -> str:
    """JW305/JW307 (WMO305/307) with one Start- or StopProduct."""
    tag = "StopProduct" if stop else "StartProduct"
    tail = (
        f"<RedenBeeindiging>{s['reden']}</RedenBeeindiging><Einddatum>{s['einddatum']}</Einddatum>"
        if stop
        else ""
    )
    return (
        f"{head}</Header>\n{_client(c, False)}<{tag}en><{tag}>"
        f"<ToewijzingNummer>{s['nummer']}</ToewijzingNummer>{_product(s['cat'], s['code'])}"
        f"<ToewijzingIngangsdatum>{s['toewijzing_ingangsdatum']}</ToewijzingIngangsdatum>"
        f"<Begindatum>{s['begindatum']}</Begindatum>{tail}"
        f"<StatusAanlevering>{s['status']}</StatusAanlevering></{tag}></{tag}en>\n</Client>\n"
        f"</Bericht>\n"
    )


def prestatie(p: dict, retour: str | None = None) -> str:
    """One Prestatie (JW323/JW325); with ``retour`` the JW325 RetourCodes are added."""
    vorig = (
        f"<b:VorigReferentieNummer>{p['vorig']}</b:VorigReferentieNummer>" if p.get("vorig") else ""
    )
    rc = f"<RetourCodes><RetourCode>{retour}</RetourCode></RetourCodes>" if retour else ""
    return (
        f"<Prestatie><ProductReferentie><b:ReferentieNummer>{p['ref']}</b:ReferentieNummer>{vorig}"
        f"</ProductReferentie><ToewijzingNummer>{p['nummer']}</ToewijzingNummer>"
        f"<ProductCategorie>{p['cat']}</ProductCategorie><ProductCode>{p['code']}</ProductCode>"
        f"<ProductPeriode><b:Begindatum>{p['begin']}</b:Begindatum><b:Einddatum>{p['eind']}"
        f"</b:Einddatum></ProductPeriode><GeleverdVolume>{p['volume']}</GeleverdVolume>"
        f"<Eenheid>{p['eenheid']}</Eenheid><ProductTarief>{p['tarief']}</ProductTarief>"
        f"<IngediendBedrag><b:Bedrag>{p['bedrag']}</b:Bedrag><b:DebetCredit>{p['dc']}"
        f"</b:DebetCredit></IngediendBedrag>{rc}</Prestatie>\n"
    )


def _total(lines: list[dict]) -> tuple[int, str]:
    net = sum(p["bedrag"] if p["dc"] == "D" else -p["bedrag"] for p in lines)
    return abs(net), ("D" if net >= 0 else "C")


def declaratie(head: str, nummer: str, begin: str, eind: str, dagt: str, clients: dict) -> str:
    """JW323/WMO323: ``clients`` maps BSN -> its Prestatie dicts."""
    total, dc = _total([p for ps in clients.values() for p in ps])
    body = "".join(
        f"<Client><Bsn>{bsn}</Bsn><Prestaties>\n{''.join(prestatie(p) for p in ps)}"
        f"</Prestaties></Client>\n"
        for bsn, ps in clients.items()
    )
    return (
        f"{head}</Header>\n<Declaratie><DeclaratieNummer>{nummer}</DeclaratieNummer>"
        f"<DeclaratiePeriode><b:Begindatum>{begin}</b:Begindatum><b:Einddatum>{eind}"
        f"</b:Einddatum></DeclaratiePeriode><DeclaratieDagtekening>{dagt}</DeclaratieDagtekening>"
        f"<TotaalIngediendBedrag><b:TotaalBedrag>{total}</b:TotaalBedrag><b:DebetCredit>{dc}"
        f"</b:DebetCredit></TotaalIngediendBedrag>\n<Clienten>\n{body}</Clienten></Declaratie>\n"
        f"</Bericht>\n"
    )


def antwoord(
    head: str, decl_ident: str, decl_dagt: str, nummer: str, clients: dict, codes: dict
) -> str:
    """JW325 answering one JW323; ``codes`` maps ReferentieNummer -> its RetourCode."""
    all_lines = [p for ps in clients.values() for p in ps]
    total, dc = _total(all_lines)
    granted, gdc = _total([p for p in all_lines if codes.get(p["ref"], "0200") == "0200"])
    body = "".join(
        f"<Client><Bsn>{bsn}</Bsn><Prestaties>\n"
        f"{''.join(prestatie(p, codes.get(p['ref'], '0200')) for p in ps)}</Prestaties>"
        f"<RetourCodes><RetourCode>0200</RetourCode></RetourCodes></Client>\n"
        for bsn, ps in clients.items()
    )
    decl_code = "8001" if granted == total and gdc == dc else "0200"
    return (
        f"{head}<DeclaratieIdentificatie><b:Identificatie>{decl_ident}</b:Identificatie>"
        f"<b:Dagtekening>{decl_dagt}</b:Dagtekening></DeclaratieIdentificatie>"
        f"<XsdVersieDeclaratie><b:BasisschemaXsdVersie>1.0.0</b:BasisschemaXsdVersie>"
        f"<b:BerichtXsdVersie>1.0.0</b:BerichtXsdVersie></XsdVersieDeclaratie>"
        f"<RetourCodes><RetourCode>0200</RetourCode></RetourCodes></Header>\n"
        f"<DeclaratieAntwoord><DeclaratieNummer>{nummer}</DeclaratieNummer>"
        f"<TotaalIngediendBedrag><b:TotaalBedrag>{total}</b:TotaalBedrag><b:DebetCredit>{dc}"
        f"</b:DebetCredit></TotaalIngediendBedrag><TotaalToegekendBedrag><b:TotaalBedrag>"
        f"{granted}</b:TotaalBedrag><b:DebetCredit>{gdc}</b:DebetCredit></TotaalToegekendBedrag>\n"
        f"<Clienten>\n{body}</Clienten><RetourCodes><RetourCode>{decl_code}</RetourCode>"
        f"</RetourCodes></DeclaratieAntwoord>\n</Bericht>\n"
    )

"""Streaming readers for iJw/iWmo messages: lxml ``iterparse`` with the official XSD.

A reader yields the header once and then one flat record per record element (a
ToegewezenProduct, a Prestatie, ...), each a dict of leaf paths relative to the record
(``Product/Code``, ``ProductPeriode/Begindatum``) plus the client context it belongs to
(``Client/Bsn`` ...). Elements are cleared as soon as they are read, so memory stays flat
for a 1 GB file. Validation against the XSD runs in the same pass; an invalid document raises
:class:`etree.XMLSyntaxError` (or DocumentInvalid) at the point where it breaks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from lxml import etree

from regiekamer.standards.messages import MessageType, by_namespace, schema

_LOCAL: dict[str, str] = {}


def local(tag: str) -> str:
    """'{ns}Bsn' -> 'Bsn' (cached: the same few dozen tags repeat millions of times)."""
    name = _LOCAL.get(tag)
    if name is None:
        name = _LOCAL[tag] = tag.rpartition("}")[2]
    return name


@dataclass
class Header:
    afzender: str
    ontvanger: str
    identificatie: str
    dagtekening: str
    extra: dict[str, object]


def sniff(path: str) -> tuple[MessageType | None, str | None, str | None]:
    """Message type, Identificatie and Dagtekening from the start of a file, cheaply.

    Used to order the files of one ingest by Dagtekening before any is read in full.
    Returns (None, None, None) for anything that is not a recognised message.
    """
    try:
        mt = None
        ident = dagt = None
        for event, el in etree.iterparse(path, events=("start", "end"), huge_tree=True):
            if event == "start" and mt is None:
                mt = by_namespace(el.tag.partition("}")[0][1:])
                if mt is None:
                    return None, None, None
            elif event == "end":
                name = local(el.tag)
                if name == "Identificatie" and ident is None:
                    ident = el.text
                elif name == "Dagtekening" and dagt is None:
                    dagt = el.text
                elif name == "Header":
                    break
        return mt, ident, dagt
    except (etree.XMLSyntaxError, OSError):
        return None, None, None


def flatten(el: etree._Element, prefix: str = "", out: dict | None = None) -> dict:
    """Leaf text by relative path; every RetourCode leaf is collected in a list."""
    if out is None:
        out = {}
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # comments, processing instructions
        name = prefix + local(tag)
        if len(child):
            flatten(child, name + "/", out)
        elif name.endswith("RetourCode"):
            out.setdefault(name, []).append(child.text)
        else:
            out[name] = child.text
    return out


def read_records(
    source: str | IO[bytes], mt: MessageType, *, validate: bool = True
) -> Iterator[tuple[str, object]]:
    """Yield ('header', Header), then ('record', dict) for every record element, in order.

    Client context (Bsn, Geboortedatum, Geslacht) is attached to each record as ``Client/...``;
    the leading fields of the enclosing Declaratie or Verzoek as ``Context/...``. A record of
    a JW317 also carries ``_soort``: which product list it came from.
    """
    q = mt.qname
    record_tags = {q(t) for t in mt.record_tags}
    header_tag, client_tag = q("Header"), q("Client")
    context_tags = {q("Declaratie"), q("DeclaratieAntwoord"), q("Verzoek")}
    parse = etree.iterparse(
        source,
        events=("start", "end"),
        tag=[header_tag, client_tag, *record_tags, *context_tags],
        schema=schema(mt.soort) if validate else None,
        huge_tree=True,
        remove_comments=True,
    )
    client: dict[str, str | None] = {}
    context: dict[str, object] = {}
    client_el = context_el = None
    for event, el in parse:
        tag = el.tag
        if event == "start":
            if tag == client_tag:
                client, client_el = {}, el
            elif tag in context_tags:
                context, context_el = {}, el
            continue
        if tag == header_tag:
            flat = flatten(el)
            yield (
                "header",
                Header(
                    afzender=flat.get("Afzender") or "",
                    ontvanger=flat.get("Ontvanger") or "",
                    identificatie=flat.get("BerichtIdentificatie/Identificatie") or "",
                    dagtekening=flat.get("BerichtIdentificatie/Dagtekening") or "",
                    extra=flat,
                ),
            )
            if "Header" in mt.record_tags:
                yield "record", flat
            _release(el)
        elif tag in record_tags:
            if client_el is not None and not client:
                client = _client_context(client_el, mt.namespace)
            if context_el is not None and not context:
                context = _leading_leaves(context_el)
            rec = flatten(el)
            rec["_soort"] = local(tag)
            for k, v in client.items():
                rec["Client/" + k] = v
            for k, v in context.items():
                rec["Context/" + k] = v
            yield "record", rec
            _release(el)
        elif tag == client_tag:
            client_el = None
            _release(el)
        elif tag in context_tags:
            if not context:
                context = _leading_leaves(el)
            yield "context", context
            context_el = None


def _leading_leaves(el: etree._Element) -> dict[str, object]:
    """The fields of a Declaratie/Verzoek that come before its clients or products."""
    out: dict[str, object] = {}
    for child in el:
        if not isinstance(child.tag, str):
            continue
        name = local(child.tag)
        if name in ("Clienten", "OngewijzigdeProducten", "TeWijzigenProducten", "NieuweProducten"):
            break
        if len(child):
            flatten(child, name + "/", out)
        else:
            out[name] = child.text
    return out


def _client_context(client_el: etree._Element, ns: str) -> dict[str, str | None]:
    """The client fields that precede the records inside a Client element."""
    out: dict[str, str | None] = {}
    for child in client_el:
        name = local(child.tag) if isinstance(child.tag, str) else ""
        if name == "Bsn":
            out["Bsn"] = child.text
        elif name == "Geboortedatum":
            out["Geboortedatum"] = child.findtext(f"{{{_basis(ns)}}}Datum")
            out["DatumGebruik"] = child.findtext(f"{{{_basis(ns)}}}DatumGebruik")
        elif name == "Geslacht":
            out["Geslacht"] = child.text
    return out


def _basis(ns: str) -> str:
    std = "ijw" if "/ijw/" in ns else "iwmo"
    return f"http://www.istandaarden.nl/{std}/3_2/basisschema/schema"


def _release(el: etree._Element) -> None:
    """Free what has been read: the element and its already-processed preceding siblings."""
    el.clear()
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def count_records(path: str, mt: MessageType) -> int:
    """Count record elements without validation (recover mode), for a rejected message."""
    if "Header" in mt.record_tags:
        return 1
    n = 0
    try:
        for _event, el in etree.iterparse(
            path,
            events=("end",),
            tag=[mt.qname(t) for t in mt.record_tags],
            recover=True,
            huge_tree=True,
        ):
            n += 1
            _release(el)
    except etree.XMLSyntaxError:
        pass
    return n

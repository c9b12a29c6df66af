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

# A message never needs a DTD: entities are not expanded and nothing is fetched. Expanding an
# internal entity while validating against the schema in a streaming parse crashed the process
# (a segfault in libxml2 2.14, found by the fuzzer), and an external one would read local files.
SAFE = {"resolve_entities": False, "no_network": True, "load_dtd": False}

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
        for event, el in etree.iterparse(path, events=("start", "end"), huge_tree=True, **SAFE):
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


def has_doctype(path: str) -> bool:
    """Whether the message declares a DOCTYPE (read up to its first element only).

    Messages have none. Not expanding entities (SAFE) is not enough: an unexpanded entity
    leaves its element empty, which the schema then accepted (found by the fuzzer: an empty
    ReferentieNummer reached the store's NOT NULL check and failed the whole ingest).
    """
    try:
        for _event, el in etree.iterparse(path, events=("start",), **SAFE):
            return el.getroottree().docinfo.internalDTD is not None
    except (etree.XMLSyntaxError, OSError):
        return False  # the full read reports what is wrong
    return False


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
    source: str | IO[bytes], mt: MessageType, fields: dict[str, str]
) -> Iterator[tuple[str, object]]:
    """Stream a message: its header, its clients and contexts, and one row per record.

    ``fields`` maps the local name of a leaf inside a record to its position in the row
    (the leaf names of one record type are unique, so no paths are needed; RetourCode
    leaves collect into a list). Yields, in document order:
    ('header', Header); ('client', {Bsn, Geboortedatum, Geslacht}) before the first record of
    each client; ('context', {...}) with the leading fields of a Declaratie or Verzoek before
    its first record; ('record', (values, record tag)) for every record.
    """
    q = mt.qname
    names = list(fields)
    index = {
        f"{{{ns}}}{name}": i
        for ns in (mt.namespace, mt.basis_namespace)
        for i, name in enumerate(names)
    }
    list_at = names.index("RetourCode") if "RetourCode" in names else -1
    width = len(names)
    record_tags = {q(t) for t in mt.record_tags}
    header_tag, client_tag = q("Header"), q("Client")
    context_tags = {q("Declaratie"), q("DeclaratieAntwoord"), q("Verzoek")}
    # Only 'end' events, and only for the elements we act on: the fewer events reach Python,
    # the faster the pass (each record's leaves are then read in one C-level iteration).
    parse = etree.iterparse(
        source,
        events=("end",),
        tag=[header_tag, client_tag, *record_tags],
        schema=schema(mt.soort),
        huge_tree=True,
        remove_comments=True,
        **SAFE,
    )
    client_el = context_el = last_holder = None

    position = index.get

    def row(el: etree._Element) -> list:
        values: list = [None] * width
        for e in el.iter():
            i = position(e.tag)
            if i is not None:
                if i == list_at:
                    values[i] = (values[i] or []) + [e.text]
                else:
                    values[i] = e.text
        return values

    for _event, el in parse:
        tag = el.tag
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
            if tag in record_tags:
                yield "record", (row(el), "Header")
            _release(el)
        elif tag in record_tags:
            # The client and the enclosing Declaratie/Verzoek precede their records, so their
            # leading fields are complete when the first record ends. A record's grandparent
            # (the Client, or a JW317 Verzoek) changes only when a new client starts.
            holder = el.getparent().getparent()
            if holder is not last_holder:
                last_holder = holder
                for anc in el.iterancestors(client_tag, *context_tags):
                    if anc.tag == client_tag:
                        if anc is not client_el:
                            client_el = anc
                            yield "client", _client_context(anc, mt.basis_namespace)
                    elif anc is not context_el:
                        context_el = anc
                        yield "context", _leading_leaves(anc)
            yield "record", (row(el), local(tag))
            el.clear()  # its siblings go when the whole client is released
        else:  # a Client is done
            _release(el)


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


def _client_context(client_el: etree._Element, basis: str) -> dict[str, str | None]:
    """The client fields that precede the records inside a Client element."""
    out: dict[str, str | None] = {}
    for child in client_el:
        name = local(child.tag) if isinstance(child.tag, str) else ""
        if name == "Bsn":
            out["Bsn"] = child.text
        elif name == "Geboortedatum":
            out["Geboortedatum"] = child.findtext(f"{{{basis}}}Datum")
        elif name == "Geslacht":
            out["Geslacht"] = child.text
    return out


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
            **SAFE,
        ):
            n += 1
            _release(el)
    except etree.XMLSyntaxError:
        pass
    return n

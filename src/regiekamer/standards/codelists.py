"""Code lists, read from the official basisschema XSDs so that tables and messages share them."""

from __future__ import annotations

from functools import cache

from lxml import etree

from regiekamer.standards.messages import DATA

_XS = "{http://www.w3.org/2001/XMLSchema}"


@cache
def codelist(wet: str, ldt: str) -> frozenset[str]:
    """The allowed codes of simple type ``ldt`` (e.g. LDT_ProductCategorie) for one law.

    An empty set means the type has no enumeration (any value of the right shape is allowed).
    """
    folder = "ijw" if wet == "jeugd" else "iwmo"
    tree = etree.parse(str(DATA / folder / "basisschema.xsd"))
    node = tree.find(f"{_XS}simpleType[@name='{ldt}']")
    if node is None:
        raise KeyError(ldt)
    return frozenset(e.get("value") for e in node.iter(f"{_XS}enumeration"))

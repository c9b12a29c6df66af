"""The filters the report pages share: year, municipality, provider and output format as query
parameters with their checks, and the query string that carries them on to a page's downloads.

One definition, so that every page accepts (and refuses) the same values.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

Jaar = Annotated[int, Query(ge=2000, le=2100)]
Gemeente = Annotated[str, Query(pattern="^([0-9]{4})?$")]
Aanbieder = Annotated[str, Query(pattern="^([0-9]{8})?$")]
Formaat = Annotated[str, Query(pattern="^(html|csv|xlsx)$")]


def query(jaar: int, gemeente: str, aanbieder: str) -> str:
    """The filters as a query string, for the page's download links."""
    return f"jaar={jaar}&gemeente={gemeente}&aanbieder={aanbieder}"


def years(jaar: int) -> list[int]:
    """The years the year filter offers around the chosen one."""
    return list(range(jaar - 3, jaar + 2))

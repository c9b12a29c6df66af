"""Row rules of the Participatiewet and household tables (layouts ``uitkering``, ``huishouden``)
that compare two fields of one row; the column kinds themselves are checked in table_source."""

from __future__ import annotations

from regiekamer.ingest import findings as F

# Per layout: (begin field, end field) of the period a row covers.
_PERIOD = {"uitkering": ("begindatum", "einddatum"), "huishouden": ("ingangsdatum", "einddatum")}


def row_checks(
    layout: str, values: dict[str, str | None], naam: str, where: str, errors: list[F.Finding]
) -> list[F.Finding]:
    """Findings for a row whose fields are each valid but do not fit together."""
    if layout not in _PERIOD:
        return []
    found: list[F.Finding] = []
    wrong = {e.veld for e in errors}
    begin_field, end_field = _PERIOD[layout]
    begin, end = values.get(begin_field), values.get(end_field)
    if begin and end and end < begin:  # ISO dates compare as text
        found.append(
            F.finding(
                "RK-UITK-01",
                bestand=naam,
                locatie=where,
                veld=end_field,
                einde=end,
                begin=begin,
            )
        )
    ended_without_reason = end and not values.get("reden_beeindiging")
    if layout == "uitkering" and ended_without_reason and "reden_beeindiging" not in wrong:
        found.append(
            F.finding("RK-TABEL-02", bestand=naam, locatie=where, veld="reden_beeindiging")
        )
    return found

"""The council report's page "naast het land": the municipality beside its youth-care region
and the Netherlands in the CBS StatLine figures the store holds (analyses/integraal/benchmarks).

No CBS data in the store: no page. Counts are whole numbers, rates one decimal.
"""

from __future__ import annotations

from regiekamer.analyses.integraal.benchmarks import is_rate
from regiekamer.facade import Regiekamer
from regiekamer.faces.dutch import number

MAATSTAVEN = {
    "trajecten": "Jeugdzorgtrajecten",
    "jongeren": "Jongeren met jeugdzorg",
    "clienten": "Cliënten",
    "huishoudens": "Huishoudens",
    "clienten_per_1000_inwoners": "Cliënten per 1.000 inwoners",
    "huishoudens_per_1000_huishoudens": "Huishoudens per 1.000 huishoudens",
}
CATEGORIEEN = {
    "totaal": "",
    "jeugd": "alleen jeugd",
    "wmo": "alleen Wmo",
    "bijstand": "alleen Participatiewet",
    "jeugd+wmo": "jeugd en Wmo",
    "jeugd+bijstand": "jeugd en Participatiewet",
    "wmo+bijstand": "Wmo en Participatiewet",
    "jeugd+wmo+bijstand": "jeugd, Wmo en Participatiewet",
    "jeugdhulp_met_verblijf": "jeugdhulp met verblijf",
    "jeugdhulp_zonder_verblijf": "jeugdhulp zonder verblijf",
}


def _fmt(maatstaf: str, x: float | None) -> str:
    if x is None:
        return "—"
    return number(x, 1) if is_rate(maatstaf) else number(x)


def _own_households(rk: Regiekamer, gemeente: str, year: int) -> dict[str, str]:
    """The store's own stapeling for the municipality (disclosure control on: the report
    leaves the analyst's scope), as text per combination, to stand beside CBS 86195NED."""
    own = {}
    for r in rk.stapeling(year=year, public=True):
        if r["gemeente"] == gemeente:
            shown = "onderdrukt" if r["onderdrukt"] else number(r["huishoudens"])
            own["totaal" if r["combinatie"] == "totaal" else r["combinatie"]] = shown
    return own


def section(rk: Regiekamer, gemeente: str, year: int) -> dict | None:
    """Rows (label, gemeente, regio, land, eigen) per CBS table, or None without CBS figures.

    ``eigen``: for the households of 86195NED, the store's own count for ``year``."""
    rows = rk.benchmarks(gemeente, year)
    if not rows:
        return None
    own = _own_households(rk, gemeente, year) if any(r["tabel"] == "86195NED" for r in rows) else {}
    tabellen: dict[str, dict] = {}
    for r in rows:
        t = tabellen.setdefault(
            r["tabel"],
            {"tabel": r["tabel"], "titel": r["titel"], "periode": r["periode"], "rijen": []},
        )
        label = MAATSTAVEN.get(r["maatstaf"], r["maatstaf"])
        cat = CATEGORIEEN.get(r["categorie"], r["categorie"].replace("_", " "))
        t["rijen"].append(
            {
                "label": f"{label}, {cat}" if cat else label,
                "gemeente": _fmt(r["maatstaf"], r["gemeente_waarde"]),
                "regio": _fmt(r["maatstaf"], r["regio_waarde"]),
                "land": _fmt(r["maatstaf"], r["land_waarde"]),
                "eigen": own.get(r["categorie"], "—")
                if (r["tabel"], r["maatstaf"]) == ("86195NED", "huishoudens")
                else None,
            }
        )
    for t in tabellen.values():
        t["eigen"] = any(rij["eigen"] is not None for rij in t["rijen"])
    first = rows[0]
    return {
        "jeugdregio": first["jeugdregio"] or "onbekend",
        "jaar": year,
        "tabellen": list(tabellen.values()),
    }

"""One rule, one code, one test: every code in the catalogue is raised by a case here."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from regiekamer.facade import Regiekamer
from regiekamer.ingest.findings import AFSPRAKEN_CODES, CATALOGUE, CONFIG_CODES, SCENARIO_CODES
from regiekamer.ingest.layouts import LAYOUTS
from test_integraal_ingest import INTEGRAAL_CASES

BASIS = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"


def _sample(samples: Path, name: str, out: Path, edit: Callable[[etree._Element], None]) -> Path:
    tree = etree.parse(str(samples / name))
    edit(tree.getroot())
    tree.write(str(out), xml_declaration=True, encoding="UTF-8")
    return out


def _set(root: etree._Element, local: str, value: str, nth: int = 0) -> None:
    [el for el in root.iter() if etree.QName(el).localname == local][nth].text = value


def _csv(out: Path, header: list[str], *rows: list[str]) -> Path:
    out.write_text("\n".join(",".join(r) for r in (header, *rows)) + "\n", encoding="utf-8")
    return out


def _toewijzing_row(**changes: str) -> tuple[list[str], list[str]]:
    header = [c.name for c in LAYOUTS["toewijzing"].columns]
    row = dict.fromkeys(header, "")
    row.update(
        wet="jeugd",
        gemeente="0384",
        aanbieder="42420001",
        bsn="999900006",
        dagtekening="2025-01-06",
        toewijzing_nummer="T1",
        productcategorie="45",
        toewijzingsdatum="2025-01-06",
        ingangsdatum="2025-01-13",
    )
    row.update(changes)
    return header, [row[h] for h in header]


def case(code: str, samples: Path, tmp: Path) -> list[Path]:
    """Input that must raise ``code``; extra files come first where a rule needs history."""
    if code == "0001":
        return [samples / "ijw/JW315.xml"]
    if code == "9056":
        first = _sample(samples, "ijw/JW305.xml", tmp / "a.xml", lambda r: None)
        second = _sample(
            samples, "ijw/JW305.xml", tmp / "b.xml", lambda r: _set(r, "Begindatum", "2026-04-04")
        )
        return [first, second]
    if code == "S300":
        return [
            _sample(samples, "ijw/JW301.xml", tmp / "g.xml", lambda r: _set(r, "Afzender", "9999"))
        ]
    if code in ("9063", "9074", "RK-STATUS-01"):
        status = {"9063": "3", "9074": "1", "RK-STATUS-01": "2"}[code]
        first = _sample(samples, "ijw/JW305.xml", tmp / "s1.xml", lambda r: None)
        again = _sample(
            samples,
            "ijw/JW305.xml",
            tmp / "s2.xml",
            lambda r: (
                _set(r, "Identificatie", "77"),
                _set(r, "Dagtekening", "2026-04-20"),
                _set(r, "StatusAanlevering", status),
                _set(r, "Begindatum", "2026-05-01" if status != "1" else "2026-04-03"),
            ),
        )
        return [again] if status != "1" else [first, again]
    if code == "RK-BSN-01":
        return [
            _sample(samples, "ijw/JW301.xml", tmp / "b.xml", lambda r: _set(r, "Bsn", "999900007"))
        ]
    if code == "RK-BESTAND-01":
        (tmp / "notities.json").write_text('{"geen": "bericht"}')
        return [tmp / "notities.json"]
    if code == "RK-BESTAND-02":
        (tmp / "kapot.xlsx").write_bytes(b"PK\x03\x04 geen echte werkmap")
        return [tmp / "kapot.xlsx"]
    if code == "RK-TABEL-01":
        return [_csv(tmp / "x.csv", ["kolom_a", "kolom_b"], ["1", "2"])]
    if code == "RK-TABEL-02":
        return [_csv(tmp / "t.csv", *_toewijzing_row(toewijzing_nummer=""))]
    if code == "RK-TABEL-03":
        return [_csv(tmp / "t.csv", *_toewijzing_row(ingangsdatum="2025-02-30"))]
    if code == "RK-TABEL-04":
        return [_csv(tmp / "t.csv", *_toewijzing_row(productcategorie="99"))]
    if code == "RK-TABEL-05":
        header, row = _toewijzing_row(productcode="Ö1")
        path = tmp / "t.csv"
        path.write_bytes((",".join(header) + "\n" + ",".join(row) + "\n").encode("cp1252"))
        return [path]
    if code == "RK-TABEL-06":
        header, row = _toewijzing_row()
        return [_csv(tmp / "t.csv", header, [*row, "extra"])]
    if code == "RK-DECL-01":
        return [
            _sample(samples, "ijw/JW323.xml", tmp / "d.xml", lambda r: _set(r, "TotaalBedrag", "1"))
        ]
    if code == "RK-TOEW-01":
        newer = _sample(
            samples,
            "ijw/JW301.xml",
            tmp / "n.xml",
            lambda r: (_set(r, "Identificatie", "2"), _set(r, "Dagtekening", "2026-05-01")),
        )
        return [newer]  # the older sample follows in a second ingest (see the test)
    if code in INTEGRAAL_CASES:  # Participatiewet and CBS: tests/test_integraal_ingest.py
        return [INTEGRAAL_CASES[code](tmp)]
    if code.startswith("RK-CONTRACT-"):
        from test_contracten import contract_case

        return contract_case(code, tmp)
    raise AssertionError(f"geen testgeval voor {code}")


# Configuration codes: tests/test_verevening.py; agreement codes: tests/test_afspraken.py;
# scenario codes: tests/test_fuzz.py.
@pytest.mark.parametrize(
    "code", sorted(set(CATALOGUE) - CONFIG_CODES - AFSPRAKEN_CODES - SCENARIO_CODES)
)
def test_every_rule_has_a_case_that_raises_its_code(
    code: str, kamer: Regiekamer, samples: Path, tmp_path: Path
) -> None:
    files = case(code, samples, tmp_path)
    report = kamer.ingest(files)
    if code == "RK-TOEW-01":
        report = kamer.ingest([samples / "ijw/JW301.xml"])
    t = report.totals
    assert t["gelezen"] == t["geaccepteerd"] + t["afgewezen"]
    found = [f for f in kamer.findings() if f["code"] == code]
    assert found, f"{code} niet gevonden; wel: {[f['code'] for f in kamer.findings()]}"
    rule = CATALOGUE[code]
    assert all(f["ernst"] == rule.ernst and f["melding"] and f["locatie"] for f in found)
    if rule.ernst == "fout":
        assert t["afgewezen"] > 0

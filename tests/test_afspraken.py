"""Performance agreements, signals and improvement actions (docs/afspraken.md).

* every signal rule at its boundary: golden KPI rows (as data) that just fire and just do not,
  and on a real store (budget and agreement boundaries set by hand in the store);
* the register: versions on change, nothing on a re-import, a failed import leaves the store as
  it was, the export imports back unchanged, "afgesproken na aanvang" is marked;
* every RK-AFSPR code raised by a case, with its place in the file;
* ownership: an edit by a role that does not own the agreement is refused, a foreign agreement
  or action is "not found"; an action's every change is kept.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from regiekamer.analyses import afspraken as A
from regiekamer.analyses import signalen as S
from regiekamer.analyses.configfile import ConfigInvalid
from regiekamer.errors import RegiekamerError
from regiekamer.facade import Regiekamer
from regiekamer.ingest import yaml_aliases
from regiekamer.ingest.findings import AFSPRAKEN_CODES, CATALOGUE
from regiekamer.privacy.accounts import Role, User

NORM = 98


def _rows(kpi: str, cell: dict, series: dict[str, float | None]) -> list[dict]:
    return [{"kpi": kpi, "periode": p, "waarde": v, **cell} for p, v in series.items()]


def _values(text: str) -> dict[str, float | None]:
    """'2025-K1=98.5 2025-K2=-' -> {'2025-K1': 98.5, '2025-K2': None} (- is no value)."""
    pairs = (item.split("=") for item in text.split())
    return {p: None if v == "-" else float(v) for p, v in pairs}


GEM = {"wet": "jeugd", "gemeente": "0375", "aanbieder": None}
AANB = {"wet": "jeugd", "gemeente": None, "aanbieder": "12345678"}
RULE_KPI = {"RK-SIG-01": "prognose_jaar", "RK-SIG-02": "wachttijd_dagen_mediaan",
            "RK-SIG-03": "wachtenden"}  # fmt: skip
BUDGET = {("0375", "jeugd", 2025): 1000.0}

# Golden cases as data: rule, KPI values per period, the periods where it must fire. Around
# each boundary: RK-SIG-01 a forecast of budget + 1 cent fires, exactly the budget does not;
# RK-SIG-02 98.5 days twice fires, 98 (the norm) once does not; RK-SIG-03 three rises fire, a
# flat month or only two rises do not; a missing period or value breaks a run.
GOLDEN = [
    ("RK-SIG-01", "2025=1000.01", ["2025"]),
    ("RK-SIG-01", "2025=1000", []),
    ("RK-SIG-02", "2025-K1=98.5 2025-K2=99", ["2025-K2"]),
    ("RK-SIG-02", "2025-K1=98 2025-K2=120", []),
    ("RK-SIG-02", "2024-K4=99 2025-K1=99 2025-K2=99", ["2025-K1", "2025-K2"]),
    ("RK-SIG-02", "2025-K1=99 2025-K3=99", []),
    ("RK-SIG-02", "2025-K1=99 2025-K2=-", []),
    ("RK-SIG-03", "2025-01=3 2025-02=4 2025-03=5 2025-04=6", ["2025-04"]),
    ("RK-SIG-03", "2025-01=3 2025-02=4 2025-03=4 2025-04=6", []),
    ("RK-SIG-03", "2025-02=4 2025-03=5 2025-04=6", []),
    ("RK-SIG-03", "2024-10=0 2024-11=1 2024-12=2 2025-01=3 2025-02=4 2025-03=3",
     ["2025-01", "2025-02"]),
    ("RK-SIG-03", "2025-01=3 2025-02=4 2025-04=5 2025-05=6", []),
]  # fmt: skip


@pytest.mark.parametrize(("code", "values", "want"), GOLDEN)
def test_signal_rules_fire_exactly_beyond_their_boundary(code: str, values: str, want) -> None:
    rows = _rows(RULE_KPI[code], AANB if code == "RK-SIG-02" else GEM, _values(values))
    if code == "RK-SIG-01":
        got = S.budget_overrun(rows, BUDGET)
        assert S.budget_overrun(rows, {}) == []  # no budget: no signal
    elif code == "RK-SIG-02":
        got = S.waiting_above_norm(rows, NORM)
    else:
        got = S.waiting_list_growing(rows)
    assert [s.periode for s in got] == want
    for s in got:
        assert s.code == code and s.zin.endswith(".") and s.waarden
        assert (s.wet, s.gemeente, s.aanbieder) == tuple(rows[0][d] for d in S.CELL)


def _agreement(**kw: object) -> A.Afspraak:
    base = {"afspraak_id": "a1", "periode": "2025", "per": "quarter", "niveau": "aanbieder",
            "kpi": "uitval_pct", "richting": "<=", "doel": 10.0, "afgesproken_door": ("regio",),
            "afgesproken_op": dt.date(2024, 12, 1), "wet": "jeugd",
            "aanbieder": "12345678"}  # fmt: skip
    return A.Afspraak(**(base | kw))


@pytest.mark.parametrize(
    ("richting", "values", "licht"),
    [
        ("<=", {"2025-K1": 10.0, "2025-K2": 9.0}, None),  # exactly the target: met
        ("<=", {"2025-K1": 10.5, "2025-K2": 9.0}, "oranje"),  # the worst quarter counts
        ("<=", {"2025-K1": 12.0}, "rood"),
        (">=", {"2025-K1": 10.0}, None),
        (">=", {"2025-K1": 9.99}, "oranje"),
    ],
)
def test_an_agreement_missed_fires_by_its_worst_part(richting, values, licht) -> None:
    a = _agreement(richting=richting)
    rows = _rows("uitval_pct", AANB, values)
    assessed = A.assess(a, rows)
    got = S.agreement_missed(a, assessed)
    assert [s.waarden["licht"] for s in got] == ([licht] if licht else [])
    if got:
        worst = (max if richting == "<=" else min)(values.values())
        assert got[0].waarden["waarde"] == worst and got[0].afspraak_id == "a1"
        assert "niet gehaald" in got[0].zin


def test_signals_on_a_store_fire_at_the_budget_and_agreement_boundaries(
    region_kamer: Regiekamer,
) -> None:
    rk = region_kamer
    row = next(r for r in rk.kpi(year=2025, by=["wet", "gemeente"], kpis=["prognose_jaar"]).rows
               if r["waarde"])  # fmt: skip
    prognose, gemeente, wet = row["waarde"], row["gemeente"], row["wet"]
    realised = next(
        r for r in rk.kpi(year=2025, by=["wet", "gemeente"], kpis=["uitgaven"]).rows
        if (r["gemeente"], r["wet"]) == (gemeente, wet)
    )["waarde"]  # fmt: skip
    con = rk._connect()
    try:
        con.execute("DELETE FROM budget")
        # Exactly the forecast (rounded up to the cent): not above 100 %, no signal.
        con.execute("INSERT INTO budget VALUES (?, ?, 2025, ?, NULL)",
                    [gemeente, wet, math.ceil(prognose * 100)])  # fmt: skip
    finally:
        con.close()
    path = rk.store.parent / "afspraken.yaml"
    path.write_text(
        "afspraken:\n"
        f"  - {{id: op-de-grens, periode: 2025, niveau: gemeente, gemeente: '{gemeente}', "
        f"wet: {wet}, kpi: uitgaven, richting: '<=', doel: {realised!r}, "
        "afgesproken_door: [gemeente], afgesproken_op: 2024-12-01}\n",
        encoding="utf-8",
    )
    rk.import_afspraken(path)
    fired = {(s.code, s.gemeente, s.wet) for s in rk.compute_signals()}
    assert ("RK-SIG-01", gemeente, wet) not in fired
    assert ("RK-SIG-04", gemeente, wet) not in fired
    con = rk._connect()
    try:  # one cent less budget: above 100 %
        con.execute("UPDATE budget SET budget_cent = ?", [math.floor(prognose * 100) - 1])
    finally:
        con.close()
    path.write_text(path.read_text(encoding="utf-8").replace(repr(realised), repr(realised - 0.01)))
    rk.import_afspraken(path)
    got = rk.compute_signals()
    budget = [s for s in got if (s.code, s.gemeente, s.wet) == ("RK-SIG-01", gemeente, wet)]
    assert len(budget) == 1 and budget[0].waarden["prognose_jaar"] == prognose
    assert budget[0].waarden["pct"] > 100
    missed = [s for s in got if s.code == "RK-SIG-04"]
    assert [s.afspraak_id for s in missed] == ["op-de-grens"]
    assert missed[0].waarden["waarde"] == realised
    # Stored, and the same signal id again on the next computation (actions stay attached).
    again = {s.signaal_id for s in rk.compute_signals()}
    assert {s.signaal_id for s in got} == again
    stored = rk.signals_for(None)
    assert {s["signaal_id"] for s in stored} == again


# --- the register -----------------------------------------------------------------------------
YAML = """afspraken:
  - id: wacht-0375
    periode: 2025
    niveau: gemeente
    gemeente: '0375'
    wet: jeugd
    kpi: wachttijd_binnen_norm_pct
    richting: '>='
    doel: 90
    afgesproken_door: [gemeente, accountant]
    afgesproken_op: 2024-11-15
  - id: laat-0375
    periode: 2025-Q3
    niveau: gemeente
    gemeente: '0375'
    kpi: uitgaven
    richting: '<='
    doel: 100000
    afgesproken_door: [gemeente]
    afgesproken_op: 2025-08-01
  - id: regio-uitval
    periode: 2025
    per: quarter
    niveau: regio
    kpi: uitval_pct
    richting: '<='
    doel: 5
    afgesproken_door: [regio]
    afgesproken_op: 2024-12-20
"""


def _write(tmp_path: Path, text: str, name: str = "afspraken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_agreements_keep_their_history_and_a_reimport_changes_nothing(
    kamer: Regiekamer, tmp_path: Path
) -> None:
    first = kamer.import_afspraken(_write(tmp_path, YAML))
    assert (first["nieuw"], first["gewijzigd"], first["ongewijzigd"]) == (3, 0, 0)
    assert [f.code for f in first["waarschuwingen"]] == ["RK-AFSPR-07"]
    late = {a.afspraak_id: a.na_aanvang for a in kamer.afspraken()}
    assert late == {"wacht-0375": False, "laat-0375": True, "regio-uitval": False}
    again = kamer.import_afspraken(_write(tmp_path, YAML))
    assert (again["nieuw"], again["gewijzigd"], again["ongewijzigd"]) == (0, 0, 3)
    changed = kamer.import_afspraken(_write(tmp_path, YAML.replace("doel: 90", "doel: 92")))
    assert changed["gewijzigd"] == 1
    current, versions = kamer.afspraak(None, "wacht-0375")
    assert [(v.versie, v.doel) for v in versions] == [(2, 92.0), (1, 90.0)]
    # An edit from the dashboard by the owner is the next version; the others stay.
    owner = User("anna", Role("gemeente", "0375"))
    values = current.export() | {"doel": "93.5", "afgesproken_op": "2024-11-15"}
    kamer.save_afspraak(owner, values, "wacht-0375")
    _, versions = kamer.afspraak(owner, "wacht-0375")
    assert [(v.versie, v.doel, v.auteur) for v in versions] == [
        (3, 93.5, "anna"), (2, 92.0, "cli"), (1, 90.0, "cli")]  # fmt: skip
    # The export imports back without a change.
    exported = _write(tmp_path, kamer.export_afspraken(), "export.yaml")
    assert kamer.import_afspraken(exported)["ongewijzigd"] == 3


@pytest.mark.parametrize(
    "scope",
    [
        {"niveau": "regio"},
        {"niveau": "gemeente", "gemeente": "0375", "wet": "wmo"},
        {"niveau": "aanbieder", "aanbieder": "12345678", "gemeente": "0375"},
        {"niveau": "contract", "contract": "C-1"},
    ],
)
def test_every_level_of_agreement_exports_to_what_imports_back(scope: dict) -> None:
    from regiekamer.analyses.configfile import Lines

    known = A.Known(frozenset({"0375"}), frozenset({"12345678"}),
                    {"C-1": ("12345678", "jeugd", ("0375", "0363"))})  # fmt: skip
    values = {"id": "x", "periode": "2025-Q2", "per": "month", "kpi": "clienten",
              "richting": ">=", "doel": 3, "afgesproken_door": ["regio"],
              "afgesproken_op": dt.date(2025, 3, 1)} | scope  # fmt: skip
    a, _ = A.from_form(values, known)
    if scope["niveau"] == "contract":
        assert (a.aanbieder, a.wet, a.gemeenten) == ("12345678", "jeugd", ("0375", "0363"))
    items = A.FileIn.model_validate({"afspraken": [a.export()]}).afspraken
    again, found = A.check(items, known, Lines("export.yaml", None))
    assert found == [] and [b.content() for b in again] == [a.content()]


def test_the_example_file_imports_with_only_its_late_agreement_marked(kamer: Regiekamer) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "afspraken.yaml"
    done = kamer.import_afspraken(example)
    assert done["nieuw"] == 3 and [f.code for f in done["waarschuwingen"]] == ["RK-AFSPR-07"]
    assert [a.afspraak_id for a in kamer.afspraken() if a.na_aanvang] == ["gemeente-0375-uitval-q3"]


def test_a_failed_import_leaves_the_register_as_it_was(kamer: Regiekamer, tmp_path: Path) -> None:
    kamer.import_afspraken(_write(tmp_path, YAML))
    before = kamer.export_afspraken()
    bad = YAML.replace("doel: 90", "doel: 91").replace("kpi: uitgaven", "kpi: geluk")
    with pytest.raises(ConfigInvalid) as info:
        kamer.import_afspraken(_write(tmp_path, bad))
    assert [(f.code, f.veld) for f in info.value.findings] == [("RK-AFSPR-01", "afspraken[1].kpi")]
    assert kamer.export_afspraken() == before


BASE = {"id": "eerste", "periode": 2025, "niveau": "gemeente", "gemeente": "0375",
        "kpi": "uitgaven", "richting": "<=", "doel": 1, "afgesproken_door": ["gemeente"],
        "afgesproken_op": dt.date(2024, 12, 1)}  # fmt: skip
# What makes the second agreement of the file raise each code.
CASES = {
    "RK-AFSPR-01": {"kpi": "geluk"},
    "RK-AFSPR-02": {"niveau": "aanbieder"},  # an aanbieder agreement without an aanbieder
    "RK-AFSPR-03": {"gemeente": "9999"},
    "RK-AFSPR-04": {"kpi": "budgetuitputting_pct", "per": "quarter"},  # only per year
    "RK-AFSPR-05": {"periode": "2025-Q5"},
    "RK-AFSPR-06": {"id": "eerste"},
    "RK-AFSPR-07": {"afgesproken_op": dt.date(2025, 2, 1)},
}


@pytest.mark.parametrize("code", sorted(AFSPRAKEN_CODES))
def test_every_agreement_rule_has_a_case_that_raises_its_code(
    code: str, kamer: Regiekamer, tmp_path: Path
) -> None:
    # The two agreements share BASE's list: PyYAML's own dump would write it as an alias, which
    # our loaders refuse; regiekamer's dump writes it out twice.
    second = BASE | {"id": "tweede"} | CASES[code]
    path = _write(tmp_path, yaml_aliases.dump({"afspraken": [BASE, second]}))
    assert yaml_aliases.first_alias_line(path.read_text(encoding="utf-8")) is None
    try:
        found = kamer.import_afspraken(path)["waarschuwingen"]
    except ConfigInvalid as exc:
        found = exc.findings
    hits = [f for f in found if f.code == code]
    assert hits, (code, [(f.code, f.melding) for f in found])
    assert all(f.ernst == CATALOGUE[code].ernst and f.locatie.startswith("regel ") for f in hits)
    assert all(f.veld.startswith("afspraken[1]") and f.bestand == path.name for f in hits)
    assert all(f.melding and "{" not in f.melding for f in hits)


# --- ownership --------------------------------------------------------------------------------
def test_an_edit_by_a_role_that_does_not_own_the_agreement_is_refused(
    kamer: Regiekamer, tmp_path: Path
) -> None:
    kamer.import_afspraken(_write(tmp_path, YAML))
    current, _ = kamer.afspraak(None, "wacht-0375")
    values = current.export() | {"doel": 50}
    refused = {
        "gemeente:0363": A.NotFound,  # another municipality: as if it did not exist
        "aanbieder:12345678": A.NotFound,
        "regio": A.NotOwner,  # the region sees it but the municipality owns it
        "accountant": A.NotOwner,
        "beheerder": A.NotOwner,
    }
    for rol, error in refused.items():
        role = Role(*rol.split(":")) if ":" in rol else Role(rol)
        with pytest.raises(error):
            kamer.save_afspraak(User("x", role), values, "wacht-0375")
    # A municipality cannot create an agreement for another, nor one of the region's level.
    own = User("anna", Role("gemeente", "0375"))
    with pytest.raises(A.NotOwner):
        kamer.save_afspraak(own, values | {"id": "nieuw", "gemeente": "0363"})
    with pytest.raises(A.NotOwner):
        kamer.save_afspraak(own, values | {"id": "nieuw2", "niveau": "regio", "gemeente": None})
    with pytest.raises(RegiekamerError, match="bestaat al"):  # no overwrite through "new"
        kamer.save_afspraak(own, values | {"id": "wacht-0375"})
    _, versions = kamer.afspraak(None, "wacht-0375")
    assert [v.doel for v in versions] == [90.0]  # nothing refused was stored
    # The region owns the region's agreement; the municipality only reads it.
    regio_item, _ = kamer.afspraak(own, "regio-uitval")
    with pytest.raises(A.NotOwner):
        kamer.save_afspraak(own, regio_item.export(), "regio-uitval")
    kamer.save_afspraak(User("rik", Role("regio")), regio_item.export() | {"doel": 4},
                        "regio-uitval")  # fmt: skip
    assert kamer.afspraak(own, "regio-uitval")[0].doel == 4.0


def test_an_action_is_shared_and_keeps_every_change(kamer: Regiekamer, tmp_path: Path) -> None:
    kamer.import_afspraken(_write(tmp_path, YAML))
    gemeente = User("anna", Role("gemeente", "0375"))
    aanbieder = User("bob", Role("aanbieder", "12345678"))
    other = User("carla", Role("aanbieder", "87654321"))
    actie_id = kamer.add_action(gemeente, {
        "onderwerp_soort": "afspraak", "onderwerp": "wacht-0375", "titel": "Wachtlijst aanpakken",
        "eigenaar": "Anna", "deadline": "2025-12-01", "aanbieder": "12345678"})  # fmt: skip
    assert kamer.action_for(aanbieder, actie_id)["gemeente"] == "0375"
    with pytest.raises(A.NotFound):
        kamer.action_for(other, actie_id)
    with pytest.raises(A.NotFound):
        kamer.update_action(other, actie_id, {"status": "afgerond"})
    with pytest.raises(A.NotOwner):
        kamer.update_action(User("acc", Role("accountant")), actie_id, {"status": "afgerond"})
    kamer.update_action(aanbieder, actie_id, {"status": "in_behandeling", "notitie": "Gestart"})
    done = kamer.update_action(aanbieder, actie_id, {"status": "afgerond", "notitie": "Klaar"})
    assert done["status"] == "afgerond" and done["notities"] == "Gestart\nKlaar"
    assert [(w["status"], w["door"], w["notitie"]) for w in done["wijzigingen"]] == [
        ("open", "anna", None), ("in_behandeling", "bob", "Gestart"),
        ("afgerond", "bob", "Klaar")]  # fmt: skip
    with pytest.raises(RegiekamerError, match="niets gewijzigd"):
        kamer.update_action(aanbieder, actie_id, {"status": "afgerond"})
    with pytest.raises(A.NotFound):  # a subject outside the scope is not found
        kamer.add_action(other, {"onderwerp_soort": "afspraak", "onderwerp": "wacht-0375",
                                 "titel": "x", "eigenaar": "y"})  # fmt: skip


def test_the_evaluation_command_writes_a_pdf(kamer: Regiekamer, tmp_path: Path) -> None:
    kamer.import_afspraken(_write(tmp_path, YAML))
    out = tmp_path / "evaluatie.pdf"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIEKAMER_")}
    env["REGIEKAMER_KEY"] = "test-key"
    done = subprocess.run(
        [sys.executable, "-m", "regiekamer", "evaluation", "--store", str(kamer.store),
         "--period", "2025-Q3", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:5] == b"%PDF-" and "2025-K3" in done.stderr
    html = tmp_path / "evaluatie.html"
    from regiekamer.faces import evaluatie

    evaluatie.write(evaluatie.context(kamer.evaluation(None, "2025-Q3")), html)
    text = html.read_text(encoding="utf-8")
    assert "laat-0375" in text and "afgesproken na aanvang" in text and "regio-uitval" in text

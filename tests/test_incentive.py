"""The joint incentive system: the worked example of docs/verevening.md as golden test, the
rounding and caps, config findings, and the command on a generated region (KPI values from the
KPI engine through the facade)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from docs_golden import golden
from regiekamer.analyses.configfile import ConfigInvalid
from regiekamer.analyses.incentive import config as iconfig
from regiekamer.analyses.incentive.models import cents, settle
from regiekamer.facade import Regiekamer
from regiekamer.faces.cli import app

KPI = "beeindigd_volgens_plan_pct"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def arrangement(spec: dict) -> iconfig.Arrangement:
    return iconfig._build(iconfig.ArrangementIn.model_validate(spec))


def test_worked_example() -> None:
    g = golden("incentive")
    a = arrangement(g["regeling"])
    assert len(g["aanbieders"]) == 4
    for p in g["aanbieders"]:
        cell = {"waarde": p["kpi"]["waarde"], "n": p["kpi"]["n"]}
        s = settle(a, p["agb"], p["agb"], p["realisatie"] * 100, 0, {KPI: cell})
        assert s.verrekening_cent == p["verrekening"] * 100, p
        assert s.bonus_malus_cent == p["bonus_malus"] * 100, p
        assert s.totaal_cent == p["totaal"] * 100, p
        assert s.stappen[-1].startswith(f"{len(a.afspraken) + 5}. Totaal")


def test_steps_say_why() -> None:
    a = arrangement(golden("incentive")["regeling"])
    cell = {"waarde": 90.0, "n": 8}
    s = settle(a, "4", "Vier", 100_000_00, 0, {"beeindigd_volgens_plan_pct": cell})
    assert "te weinig cliënten (8 < 10)" in s.kpi[0].reden
    s = settle(a, "2", "Twee", 86_000_00, 0, {})
    assert "begrensd op € 5.000,00" in s.stappen[3]
    assert s.kpi[0].reden == "geen KPI-waarde voor deze aanbieder in dit jaar"


def test_target_from_last_year_with_indexation() -> None:
    a = arrangement(
        {"id": "x", "wet": "jeugd", "doelbudget_uit": "vorig_jaar", "indexatie_pct": 3,
         "winst": {"aandeel_pct": 50}}
    )  # fmt: skip
    s = settle(a, "1", "Een", 1_000_00, 1_000_00, {})
    assert s.doelbudget_cent == 1_030_00 and s.verrekening_cent == 15_00


@settings(deadline=None)  # exact decimals: slow on a busy machine, never wrong
@given(
    st.integers(0, 10**10),
    st.integers(0, 10**10),
    st.integers(0, 100),
    st.one_of(st.none(), st.integers(0, 20)),
    st.one_of(st.none(), st.integers(0, 10**6)),
)
def test_gain_pain_never_exceeds_share_or_cap(
    target: int, realised: int, share: int, cap_pct: int | None, cap_euro: int | None
) -> None:
    spec = {"aandeel_pct": share, "plafond_pct": cap_pct, "plafond_euro": cap_euro}
    a = arrangement(
        {"id": "x", "wet": "jeugd", "doelbudget": {"1": Decimal(target) / 100},
         "winst": spec, "verlies": spec}
    )  # fmt: skip
    s = settle(a, "1", "Een", realised, 0, {})
    v = target - realised
    assert abs(s.verrekening_cent) <= cents(Decimal(abs(v)) * share / 100)
    if cap_pct is not None:
        assert abs(s.verrekening_cent) <= cents(Decimal(target) * cap_pct / 100)
    if cap_euro is not None:
        assert abs(s.verrekening_cent) <= cap_euro * 100
    assert (s.verrekening_cent >= 0) == (v >= 0) or s.verrekening_cent == 0


def test_rounding_is_half_away_from_zero() -> None:
    assert cents(Decimal("2.5")) == 3 and cents(Decimal("-2.5")) == -3
    assert cents(Decimal("2.49")) == 2


BAD = """\
regelingen:
  - id: a
    wet: jeugd
    winst: {aandeel_pct: 150}
    kpi_afspraken:
      - kpi: geluk_pct
        banden:
          - {procent: 2}
  - id: a
    wet: jeugd
    doelbudget_uit: vorig_jaar
"""


def test_config_findings_point_to_the_line(tmp_path: Path) -> None:
    path = tmp_path / "incentive.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(ConfigInvalid) as exc:
        iconfig.load(path)
    found = {(f.code, f.veld): f.locatie for f in exc.value.findings}
    assert found[("RK-CONF-04", "regelingen[0].winst.aandeel_pct")] == "regel 4"
    path.write_text(BAD.replace("150", "50"), encoding="utf-8")
    with pytest.raises(ConfigInvalid) as exc:
        iconfig.load(path)
    found = {(f.code, f.veld): f.locatie for f in exc.value.findings}
    assert found[("RK-INC-03", "regelingen[0]")] == "regel 2"
    assert found[("RK-INC-01", "regelingen[0].kpi_afspraken[0].kpi")] == "regel 6"
    assert found[("RK-INC-02", "regelingen[0].kpi_afspraken[0].banden[0]")] == "regel 8"
    assert found[("RK-CONF-05", "regelingen[1].id")] == "regel 9"


def test_example_config_is_valid() -> None:
    cfg = iconfig.load(EXAMPLES / "incentive.yaml")
    assert cfg.regelingen[0].afspraken[0].kpi == "beeindigd_volgens_plan_pct"


@pytest.mark.slow
def test_cli_on_a_generated_region(region_kamer: Regiekamer, tmp_path: Path) -> None:
    """The example config on a generated region: KPI values as the KPI engine gives them."""
    store = str(region_kamer.store)
    cfg = str(EXAMPLES / "incentive.yaml")
    res = CliRunner().invoke(
        app, ["incentive", "--store", store, "--config", cfg, "--year", "2025", "--format", "json"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    rows = data["afrekening"]
    assert rows and all(
        r["totaal_cent"] == r["winst_verlies_cent"] + r["bonus_malus_cent"] for r in rows
    )
    kpi = region_kamer.kpi(year=2025, by=["wet", "aanbieder"], kpis=["beeindigd_volgens_plan_pct"])
    values = {r["aanbieder"]: r for r in kpi.rows if r["wet"] == "jeugd"}
    result = region_kamer.incentive(EXAMPLES / "incentive.yaml", 2025)
    for s in result.afrekeningen:
        if s.regeling == "jeugd-ambulant" and s.aanbieder in values:
            assert s.kpi[0].waarde == values[s.aanbieder]["waarde"]
    out = tmp_path / "incentive.xlsx"
    res = CliRunner().invoke(
        app, ["incentive", "--store", store, "--config", cfg, "--year", "2025", "--format",
              "xlsx", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0 and out.stat().st_size > 0

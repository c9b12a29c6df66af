"""Forecasts and scenarios (issue 7, DOMAIN.md §9) on synthetic histories with known rates.

- a region with stable rates: the backtest's annual spend per municipality within 5 % MAPE, and
  the 80 % interval holding the outcome in 70-90 % of municipality-years;
- a region where GP referrals halve mid-year: the scenario that says so beats the baseline;
- every knob at zero is the baseline, exactly; each knob moves the cost the way it should;
- scenarios are checked, saved by name, listed, reloaded and compared; the CLI draws the band.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import numpy as np
import pytest
from typer.testing import CliRunner

from regiekamer.analyses.prognose import backtest, history, model, simulate
from regiekamer.analyses.prognose.scenario import Scenario, ScenarioError, parse
from regiekamer.analyses.prognose.simulate import Span
from regiekamer.facade import Regiekamer
from regiekamer.faces.cli import app
from regiekamer.settings import Settings
from regiekamer.store.connection import connect
from regiekamer.synth.prognose import Breuk, generate_known_rates

ALL_ZERO = """
naam: nul
vanaf: 2026-01
instroom_pct: {huisarts: 0, alle: 0, rechter: 0}
duur_pct: 0
verblijf_naar_ambulant_pct: 0
tarief_pct_per_jaar: 0
bevolking_pct_per_jaar: 0
"""


def _store(path: Path, **kw) -> Path:
    rk = Regiekamer(Settings(store=path, key="test-key", workers=1))
    rk.init()
    con = connect(path)
    try:
        generate_known_rates(con, **kw)
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 municipalities, 2 data years (2024-2025) after one warm-up year."""
    base = tmp_path_factory.mktemp("prognose")
    return _store(base / "klein.duckdb", gemeenten=8, years=2, warmup=1, inwoners=(4_000, 9_000))


@pytest.fixture(scope="module")
def fitted(small_store: Path) -> model.Model:
    con = connect(small_store, read_only=True)
    try:
        backend = ibis.duckdb.from_connection(con)
        return model.fit(history.read(backend, history.default_origin(backend)))
    finally:
        con.close()


def _run(m: model.Model, sc: Scenario | None = None, **kw) -> simulate.Forecast:
    return simulate.run(m, sc, months=kw.pop("months", 24), sims=kw.pop("sims", 200), **kw)


# --- the model on a store ---------------------------------------------------------------------


def test_model_recovers_the_known_rates(fitted: model.Model) -> None:
    assert fitted.origin == 2025 * 12 + 11  # December 2025: the last complete invoice month
    by = {(g.wet, g.categorie): g for g in fitted.groups}
    ambulant = by[("jeugd", "45")]
    # Generated: 45 starts per 1,000 youth a year, 45A's share 0.45 of 1.0 => ~1.69 a month per
    # 1,000 at a seasonal factor of 1; the fitted rate is for January (factor 1.05).
    starts_per_1000_per_year = ambulant.rate * np.exp(ambulant.season).sum()
    assert np.median(starts_per_1000_per_year) == pytest.approx(45 * 0.45, rel=0.15)
    # Median duration 180 days => about half still in care after 6 months of age.
    survival = np.cumprod(1 - ambulant.hazard)
    assert 0.3 < survival[5] < 0.7
    # Tariffs rise 3 % a year: the price trend per month is about log(1.03) / 12.
    assert fitted.price_trend["jeugd"][0] == pytest.approx(np.log(1.03) / 12, abs=0.0015)


def test_every_knob_at_zero_is_the_baseline_exactly(fitted: model.Model) -> None:
    zero = parse(ALL_ZERO)
    assert zero.is_baseline
    base, same = _run(fitted), _run(fitted, zero)
    assert np.array_equal(base.spend, same.spend)
    assert np.array_equal(base.clients, same.clients)
    assert np.array_equal(base.monthly_spend, same.monthly_spend)
    # ... while one knob that is not zero does change the outcome.
    other = _run(fitted, parse("instroom_pct: {huisarts: -1}"))
    assert not np.array_equal(base.spend, other.spend)


@pytest.mark.parametrize(
    ("knob", "direction"),
    [
        ("instroom_pct: {huisarts: -30}", -1),
        ("instroom_pct: {alle: 10}", 1),
        ("duur_pct: -20", -1),
        ("duur_pct: 20", 1),
        ("duur_max_maanden: 6", -1),
        ("verblijf_naar_ambulant_pct: 50", -1),  # residential care costs more a month
        ("tarief_pct_per_jaar: 3", 1),
        ("bevolking_pct_per_jaar: 5", 1),
    ],
)
def test_each_knob_moves_the_cost_its_way(fitted: model.Model, knob: str, direction: int) -> None:
    base = _run(fitted).spend.sum(axis=(1, 2, 3)).mean()
    changed = _run(fitted, parse(knob)).spend.sum(axis=(1, 2, 3)).mean()
    assert np.sign(changed - base) == direction, (knob, base, changed)


def test_knobs_for_one_wet_leave_the_other_alone(fitted: model.Model) -> None:
    base = _run(fitted)
    jeugd_only = _run(fitted, parse("wet: jeugd\nduur_pct: -25\ntarief_pct_per_jaar: 4"))
    assert np.array_equal(base.spend[:, :, 1], jeugd_only.spend[:, :, 1])  # wmo unchanged
    assert jeugd_only.spend[:, :, 0].sum() < base.spend[:, :, 0].sum()


def test_intervals_are_ordered_and_cells_cover_the_horizon(fitted: model.Model) -> None:
    f = _run(fitted, months=36, sims=100, detail=True)
    assert [s.label for s in f.spans] == ["2026", "2027", "2028"]
    cells = {(r["wet"], r["gemeente"], r["productcategorie"]) for r in f.cells}
    assert len(f.cells) == 36 * len(cells)
    for r in f.cells:
        assert r["uitgaven_p2_5"] <= r["uitgaven_p10"] <= r["uitgaven_p90"] <= r["uitgaven_p97_5"]
        assert r["uitgaven_p10"] <= r["uitgaven"] * 1.5


def test_current_year_adds_what_was_declared(small_store: Path) -> None:
    from regiekamer.analyses.prognose import summary

    con = connect(small_store, read_only=True)
    try:
        b = ibis.duckdb.from_connection(con)
        h = history.read(b, 2025 * 12 + 5)  # known up to June 2025
        declared = con.execute(
            "SELECT sum(bedrag_cent) / 100 FROM prestatie WHERE begindatum BETWEEN "
            "'2025-01-01' AND '2025-06-30'"
        ).fetchone()[0]
    finally:
        con.close()
    f = _run(model.fit(h), months=6, sims=50)
    rows = [r for r in summary.years(f, "basis") if r["wet"] == "totaal"]
    rest = rows[0]["uitgaven"]
    summary.add_realised(rows, h, 2025, None)
    assert rows[0]["gerealiseerd"] == pytest.approx(float(declared))
    assert rows[0]["uitgaven"] == pytest.approx(rest + float(declared))


def test_the_point_forecast_lies_in_the_simulated_band(fitted: model.Model) -> None:
    """expected_spend (what prognose_jaar adds) is the simulation without its noise: per wet
    and year inside the 80 % band, and close to the simulations' mean."""
    from regiekamer.analyses.prognose import expected

    rest = expected.expected_spend(fitted, 24)
    assert rest.num_rows == sum(len(g.gemeente) for g in fitted.groups) * 24
    assert min(rest["cent"].to_pylist()) >= 0
    f = _run(fitted, months=24, sims=300)
    cent = rest["cent"].to_numpy()
    year = np.array([m.year for m in rest["maand"].to_pylist()])
    wets = np.array(rest["wet"].to_pylist())
    for j, span in enumerate(f.spans):
        for w, wet in enumerate(simulate.WETTEN):
            point = cent[(year == int(span.label)) & (wets == wet)].sum()
            sims = f.spend[:, :, w, j].sum(axis=1)
            lo, hi = np.quantile(sims, [0.1, 0.9])
            assert lo <= point <= hi, (span.label, wet, point, lo, hi)
            assert point == pytest.approx(sims.mean(), rel=0.06), (span.label, wet)


def test_prognose_jaar_is_declared_plus_the_point_forecast(small_store: Path, tmp_path) -> None:
    """The KPI for a year after the peilmaand is the model's point forecast summed over the
    year's months; for the last declared year it is what was declared."""
    import shutil

    from regiekamer.analyses.prognose import expected

    store = tmp_path / "k.duckdb"
    shutil.copy(small_store, store)
    rk = Regiekamer(Settings(store=store, key="test-key", workers=1))
    got = rk.kpi(year=2026, by=["wet"], kpis=["prognose_jaar"]).rows
    rest = expected.expected_spend(rk._prognose_fit()[1], 12)
    cent, wets = rest["cent"].to_numpy(), np.array(rest["wet"].to_pylist())
    assert {r["wet"] for r in got} == {"jeugd", "wmo"}
    for row in got:
        want = cent[wets == row["wet"]].sum()
        assert row["waarde"] == pytest.approx(want / 100, rel=1e-9), row
    closed = rk.kpi(year=2025, by=["wet"], kpis=["prognose_jaar", "uitgaven"]).rows
    by = {(r["kpi"], r["wet"]): r["waarde"] for r in closed}
    for wet in ("jeugd", "wmo"):
        assert by[("prognose_jaar", wet)] == pytest.approx(by[("uitgaven", wet)])


# --- accuracy: the backtest on stable rates, and a structural break ---------------------------


@pytest.mark.slow
def test_backtest_on_stable_rates_is_accurate_and_calibrated(tmp_path: Path) -> None:
    store = _store(
        tmp_path / "stabiel.duckdb", gemeenten=20, years=3, warmup=2, inwoners=(40_000, 80_000)
    )
    rk = Regiekamer(Settings(store=store, key="test-key", workers=1))
    result = rk.prognose_backtest(origins=2, sims=400)
    s = result.summary
    assert s["n"] == 40  # 20 municipalities x 2 years
    assert s["mape_pct"] <= 5.0, s
    assert 70.0 <= s["dekking_80_pct"] <= 90.0, s
    assert s["dekking_95_pct"] >= 85.0, s


@pytest.mark.slow
def test_scenario_encoding_a_break_beats_the_baseline(tmp_path: Path) -> None:
    # From July 2024 a new agreement with the GPs halves their referrals. The forecast learns
    # from the history up to June 2024 and looks 18 months ahead.
    store = _store(
        tmp_path / "breuk.duckdb", gemeenten=12, years=3, warmup=2, inwoners=(20_000, 40_000),
        breuk=Breuk("2024-07", verwijzer="02", factor=0.5),
    )  # fmt: skip
    con = connect(store, read_only=True)
    try:
        b = ibis.duckdb.from_connection(con)
        origin = 2024 * 12 + 5  # June 2024
        fitted = model.fit(history.read(b, origin))
        window = [Span("2024-07..2025-12", origin + 1, origin + 18)]
        kw = {"months": 18, "sims": 200, "spans": window}
        base = _run(fitted, **kw)
        agreed = _run(fitted, parse("vanaf: 2024-07\ninstroom_pct: {huisarts: -50}"), **kw)
        real = backtest.realised(b, origin + 1, origin + 18)
        later = history.read(b, origin + 18)
    finally:
        con.close()
    truth = sum(real.values())
    err_base = abs(base.spend.sum(axis=(1, 2)).mean() - truth)
    err_agreed = abs(agreed.spend.sum(axis=(1, 2)).mean() - truth)
    assert err_agreed < err_base, (truth, err_base, err_agreed)
    # Clients: zorgperioden in care during the window.
    in_care = (later.zp_begin <= origin + 18) & (later.zp_end >= origin + 1)
    c_truth = int(in_care.sum())
    c_base = abs(base.clients.sum(axis=(1, 2)).mean() - c_truth)
    c_agreed = abs(agreed.clients.sum(axis=(1, 2)).mean() - c_truth)
    assert c_agreed < c_base, (c_truth, c_base, c_agreed)


# --- scenarios: checked, saved, listed, reloaded, compared ------------------------------------


def test_scenario_yaml_is_checked_in_dutch() -> None:
    sc = parse("naam: preventie\ninstroom_pct: {huisarts: -20, '05': -5}\nduur_max_maanden: 24")
    assert sc.instroom_pct == {"02": -20.0, "05": -5.0}
    assert parse(sc.to_yaml()) == sc
    for bad, words in [
        ("duur_pct: veel", "verwacht een getal"),
        ("instroom_pct: {bakker: -10}", "onbekende verwijzer"),
        ("knop_x: 1", "Onbekende knop"),
        ("vanaf: 2026-13", "verwacht een maand"),
        ("duur_max_maanden: 0", "heel aantal maanden"),
        ("wet: zorgverzekeringswet", "kies jeugd en/of wmo"),
        ("[1, 2", "geen geldige YAML"),
    ]:
        with pytest.raises(ScenarioError, match=words):
            parse(bad)


@pytest.mark.slow
def test_scenarios_are_saved_listed_reloaded_and_compared(small_store: Path, tmp_path) -> None:
    import shutil

    store = tmp_path / "s.duckdb"
    shutil.copy(small_store, store)
    rk = Regiekamer(Settings(store=store, key="test-key", workers=1))
    saved = rk.save_scenario("naam: korter\nomschrijving: kortere trajecten\nduur_pct: -15")
    rk.save_scenario("naam: duurder\ntarief_pct_per_jaar: 5")
    assert [s["naam"] for s in rk.list_scenarios()] == ["duurder", "korter"]
    assert rk.scenario("korter") == saved
    result = rk.prognose(year=2026, scenarios=["korter", "duurder"], sims=100)
    assert result.scenarios == ["basis", "korter", "duurder"]
    assert {r["jaar"] for r in result.jaren} == {"2026"}
    diff = {(r["scenario"], r["wet"]): r for r in result.verschillen}
    assert diff[("korter", "totaal")]["uitgaven_verschil"] < 0
    assert diff[("duurder", "totaal")]["uitgaven_verschil"] > 0
    assert rk.delete_scenario("duurder") and not rk.delete_scenario("duurder")
    with pytest.raises(ScenarioError, match="Geen opgeslagen scenario"):
        rk.scenario("duurder")


@pytest.mark.slow
def test_cli_year_scenario_and_chart(small_store: Path, tmp_path: Path) -> None:
    import shutil

    store = tmp_path / "s.duckdb"
    shutil.copy(small_store, store)
    yaml_file = tmp_path / "preventie.yaml"
    yaml_file.write_text("naam: preventie\ninstroom_pct: {huisarts: -20}\n", encoding="utf-8")
    chart = tmp_path / "prognose.svg"
    runner = CliRunner()
    args = ["prognose", "--store", str(store), "--year", "2026", "--sims", "100"]
    res = runner.invoke(app, [*args, "--scenario", str(yaml_file), "--save", "--chart", str(chart)])
    assert res.exit_code == 0, res.output
    assert "Verschil met basis" in res.output and "preventie" in res.output
    assert chart.read_text(encoding="utf-8").startswith("<svg")
    res = runner.invoke(app, ["prognose", "--store", str(store), "--list", "--format", "json"])
    assert '"naam": "preventie"' in res.output
    res = runner.invoke(app, [*args, "--scenario", "preventie", "--format", "json"])
    assert res.exit_code == 0 and '"uitgaven_verschil"' in res.output
    res = runner.invoke(app, [*args[:3], "--year", "2024"])
    assert res.exit_code != 0

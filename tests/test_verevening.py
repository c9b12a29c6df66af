"""Risk equalisation: the worked example of docs/verevening.md as golden test (directly and via a
store), properties of every model (hypothesis), the simulation, the config findings and the CLI."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import duckdb
import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from docs_golden import golden
from regiekamer.analyses.configfile import ConfigInvalid
from regiekamer.analyses.verevening import config as vconfig
from regiekamer.analyses.verevening import simulate
from regiekamer.analyses.verevening.models import (
    Rule,
    SegmentData,
    settle,
    water_fill,
)
from regiekamer.analyses.verevening.rounding import largest_remainder
from regiekamer.facade import Regiekamer
from regiekamer.faces.cli import app
from regiekamer.ingest.findings import CONFIG_CODES

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def cents(euro: float) -> int:
    return round(euro * 100)


def rule(spec: dict) -> Rule:
    return vconfig._rule(vconfig.RuleIn.model_validate(spec))


def example_data() -> tuple[dict, SegmentData]:
    g = golden("verevening")
    gems = tuple(g["gemeenten"])
    clients = tuple(tuple(cents(x) for x in g["kosten_per_client"][m]) for m in gems)
    usage = tuple(sum(c) for c in clients)
    earlier = [sum(cents(g["gebruik_eerdere_jaren"][y][m]) for y in (2023, 2024)) for m in gems]
    budget = tuple(cents(g["budget"][m]) for m in gems)
    data = SegmentData(
        gemeenten=gems,
        gebruik=usage,
        sleutels={"budget": budget, "jeugd": tuple(g["jeugd"][m] for m in gems)},
        budget=budget,
        clienten=clients,
        gebruik_3jaar=tuple(u + e for u, e in zip(usage, earlier, strict=True)),
        jaren_3jaar=(2023, 2024, 2025),
    )
    return g, data


def test_worked_example_every_model() -> None:
    g, data = example_data()
    assert len(g["modellen"]) == 7
    for m in g["modellen"]:
        got = settle(data, rule(m["regel"]))
        want = tuple(cents(m["bijdrage"][x]) for x in g["gemeenten"])
        assert got.bijdrage == want, m["regel"]
        assert sum(got.bijdrage) == data.kosten


def test_worked_example_rounding_steps_are_shown() -> None:
    _, data = example_data()
    s = settle(data, Rule("solidariteit", sleutel="jeugd"))
    by = {r["gemeente"]: r for r in s.stappen}
    assert by["B"]["afgerond_cent"] == 3_333_333 and by["B"]["restcent"] == 0
    assert by["C"]["afgerond_cent"] == 1_666_666 and by["C"]["restcent"] == 1
    assert by["C"]["exact_cent"] == Fraction(10_000_000, 6)
    assert any("grootste rest" in t for t in s.toelichting)
    p = settle(data, Rule("plafond", sleutel="budget", plafond=Fraction(5, 100)))
    assert [r["begrensd"] for r in p.stappen] == [False, True, True]
    assert sum("Ronde" in t for t in p.toelichting) == 3


def _store_with_example(kamer: Regiekamer, g: dict) -> None:
    """The worked example as prestaties, budgets and population in a real store."""
    con = duckdb.connect(str(kamer.store))
    rows = []
    n = 0

    def add(gem: str, client: str, year: int, euro: float) -> None:
        nonlocal n
        n += 1
        rows.append(
            ("jeugd", gem, "75000001", client, f"{year}-02-01", None, f"R{n}", None, None, "45",
             "45A01", f"{year}-01-01", f"{year}-01-31", 1, "04", None, cents(euro), "D", 1, None, n)
        )  # fmt: skip

    for gem, costs in g["kosten_per_client"].items():
        for i, euro in enumerate(costs):
            add(gem, f"{gem}{i}", g["jaar"], euro)
    for year, per in g["gebruik_eerdere_jaren"].items():
        for gem, euro in per.items():
            add(gem, f"{gem}-{year}", year, euro)
    con.executemany(f"INSERT INTO prestatie VALUES ({', '.join('?' * 21)})", rows)
    for gem in g["gemeenten"]:
        con.execute(
            "INSERT INTO budget VALUES (?, 'jeugd', ?, ?, 1)",
            [gem, g["jaar"], cents(g["budget"][gem])],
        )
        con.execute(
            "INSERT INTO populatie VALUES (?, ?, ?, ?, 1)",
            [gem, g["jaar"], g["jeugd"][gem], 10_000],
        )
    con.close()


def _example_config(tmp_path: Path, g: dict, years: int = 200) -> Path:
    cfg = {
        "regio": "Voorbeeld",
        "simulatie": {"jaren": years, "seed": 7},
        "segmenten": [{"id": "jeugd", "wet": "jeugd"}],
        "varianten": [{"id": f"m{i}", "regel": m["regel"]} for i, m in enumerate(g["modellen"])],
    }
    path = tmp_path / "verevening.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    return path


def test_worked_example_from_the_store(kamer: Regiekamer, tmp_path: Path) -> None:
    g = golden("verevening")
    _store_with_example(kamer, g)
    result = kamer.verevening(_example_config(tmp_path, g), 2025, years=0)
    assert result.region.gemeenten == ("A", "B", "C")
    for m, v in zip(g["modellen"], result.varianten, strict=True):
        assert v.bijdrage == tuple(cents(m["bijdrage"][x]) for x in g["gemeenten"]), m["regel"]
        assert v.profijt == (6_000_000, 3_000_000, 1_000_000)
    # The multi-year view: 2023 and 2024 have usage but no budget or population.
    assert {r["jaar"] for r in result.historie} == {2025}
    assert [n[:5] for n in result.notities] == ["2023:", "2024:"]
    assert all("budget van gemeente A" in n for n in result.notities)


# --- properties -------------------------------------------------------------------------------

money = st.integers(min_value=0, max_value=5_000_000_00)
positive = st.integers(min_value=1, max_value=1_000_000)


@st.composite
def segments(draw: st.DrawFn) -> SegmentData:
    n = draw(st.integers(min_value=1, max_value=7))
    clients = tuple(
        tuple(draw(st.lists(st.integers(0, 400_000_00), min_size=0, max_size=6))) for _ in range(n)
    )
    usage = tuple(sum(c) for c in clients)
    budget = tuple(draw(positive) * 100 for _ in range(n))
    earlier = tuple(draw(money) for _ in range(n))
    return SegmentData(
        gemeenten=tuple(f"{i:04d}" for i in range(n)),
        gebruik=usage,
        sleutels={"budget": budget, "jeugd": tuple(draw(positive) for _ in range(n))},
        budget=budget,
        clienten=clients,
        gebruik_3jaar=tuple(u + e for u, e in zip(usage, earlier, strict=True)),
        jaren_3jaar=(2024, 2025),
    )


alphas = st.fractions(min_value=0, max_value=1, max_denominator=1000)
rules = st.one_of(
    st.just(Rule("profijt")),
    st.just(Rule("profijt", gladstrijken=True)),
    st.builds(Rule, st.just("solidariteit"), st.sampled_from(["budget", "jeugd"])),
    st.builds(
        Rule, st.just("tussenvorm"), st.sampled_from(["budget", "jeugd"]), alphas,
        gladstrijken=st.booleans(),
    ),
    st.builds(
        Rule, st.just("drempel"), st.sampled_from(["budget", "jeugd"]),
        drempel_cent=st.integers(0, 100_000_00),
    ),
    st.builds(
        Rule, st.just("plafond"), st.sampled_from(["budget", "jeugd"]), alphas,
        plafond=st.fractions(min_value=0, max_value=Fraction(1, 5), max_denominator=1000),
    ),
)  # fmt: skip


@settings(deadline=None)  # exact fractions: slow on a busy machine, never wrong
@given(segments(), rules)
def test_contributions_add_up_to_the_cost_to_the_cent(data: SegmentData, r: Rule) -> None:
    s = settle(data, r)
    assert sum(s.bijdrage) == data.kosten
    assert all(isinstance(b, int) for b in s.bijdrage)


@settings(deadline=None)  # exact fractions: slow on a busy machine, never wrong
@given(st.lists(st.fractions(min_value=0, max_value=10**9, max_denominator=997), min_size=1))
def test_largest_remainder_is_within_one_cent_and_exact_in_total(parts: list[Fraction]) -> None:
    total = math.ceil(sum(parts))
    parts = [*parts[:-1], parts[-1] + (total - sum(parts))]  # make the total whole
    r = largest_remainder(parts)
    assert sum(r.cents) == total
    assert all(abs(c - q) < 1 for c, q in zip(r.cents, parts, strict=True))


@settings(deadline=None)  # exact fractions: slow on a busy machine, never wrong
@given(segments(), st.sampled_from(["budget", "jeugd"]), st.booleans())
def test_alpha_zero_is_profijt_and_alpha_one_is_solidariteit(
    data: SegmentData, key: str, smooth: bool
) -> None:
    zero = settle(data, Rule("tussenvorm", key, Fraction(0), gladstrijken=smooth))
    one = settle(data, Rule("tussenvorm", key, Fraction(1), gladstrijken=smooth))
    assert zero.bijdrage == settle(data, Rule("profijt", gladstrijken=smooth)).bijdrage
    assert one.bijdrage == settle(data, Rule("solidariteit", key)).bijdrage


@settings(deadline=None)  # exact fractions: slow on a busy machine, never wrong
@given(
    segments(),
    st.sampled_from(["budget", "jeugd"]),
    st.fractions(min_value=0, max_value=Fraction(1, 10), max_denominator=1000),
)
def test_a_cap_is_never_exceeded_and_what_it_frees_is_redistributed(
    data: SegmentData, key: str, p: Fraction
) -> None:
    capped = settle(data, Rule("plafond", key, plafond=p))
    free = settle(data, Rule("solidariteit", key))
    limits = [u + math.floor(p * b) for u, b in zip(data.gebruik, data.budget, strict=True)]
    assert all(c <= lim for c, lim in zip(capped.bijdrage, limits, strict=True))
    assert sum(capped.bijdrage) == data.kosten  # nothing the caps freed is lost
    hit = [c == lim for c, lim in zip(capped.bijdrage, limits, strict=True)]
    for c, f, h in zip(capped.bijdrage, free.bijdrage, hit, strict=True):
        if not h:  # the others take over what the caps freed: nobody below the cap pays less
            assert c >= f - 1
    if all(f <= lim for f, lim in zip(free.bijdrage, limits, strict=True)):
        assert capped.bijdrage == free.bijdrage  # no cap binds: plain solidarity


@settings(deadline=None)  # exact fractions: slow on a busy machine, never wrong
@given(segments(), rules)
def test_a_municipality_without_usage_pays_nothing_under_profijt(
    data: SegmentData, r: Rule
) -> None:
    empty = SegmentData(
        gemeenten=(*data.gemeenten, "9999"),
        gebruik=(*data.gebruik, 0),
        sleutels={k: (*v, 1) for k, v in data.sleutels.items()},
        budget=(*data.budget, 100),
        clienten=(*data.clienten, ()),
        gebruik_3jaar=(*data.gebruik, 0),
        jaren_3jaar=(2025,),
    )
    assert settle(empty, Rule("profijt")).bijdrage[-1] == 0
    assert settle(empty, Rule("profijt", gladstrijken=True)).bijdrage[-1] == 0


def test_water_fill_redistributes_in_rounds() -> None:
    parts, rounds = water_fill(100, [Fraction(1), Fraction(1), Fraction(2)], [30, 40, 40])
    # 25/25/50 first; the third is capped at 40, the freed 10 goes 1:1 to the other two.
    assert parts == [30, 30, 40]
    assert len(rounds) == 2


# --- simulation -------------------------------------------------------------------------------


def _clients(seed: int = 3) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.lognormal(9, 1.3, (n, 2)) for n in (5, 40, 200)]


def test_simulation_repeats_with_its_seed_and_not_with_another() -> None:
    # More years than one span of draws; block size and threads change nothing.
    years = simulate.RNG_YEARS + 76
    a = simulate.resample(_clients(), years, 11, {0: [20_000]})
    b = simulate.resample(_clients(), years, 11, {0: [20_000]}, block=37, workers=2)
    c = simulate.resample(_clients(), years, 12, {0: [20_000]})
    for s in range(2):
        np.testing.assert_array_equal(a.gebruik[s], b.gebruik[s])
    np.testing.assert_array_equal(a.onder[(0, 20_000)], b.onder[(0, 20_000)])
    assert not np.array_equal(a.gebruik[0], c.gebruik[0])


def test_simulated_draws_are_resampled_clients() -> None:
    clients = [np.array([[100.0], [300.0]]), np.array([[7.0]])]
    d = simulate.resample(clients, 500, 1)
    # Two draws from {100, 300}: 200, 400 or 600; one draw from {7}: always 7.
    assert set(np.unique(d.gebruik[0][:, 0])) == {200.0, 400.0, 600.0}
    assert set(np.unique(d.gebruik[0][:, 1])) == {7.0}


@given(segments(), rules)
@settings(max_examples=60, deadline=None)
def test_vectorised_models_agree_with_the_exact_ones(data: SegmentData, r: Rule) -> None:
    """The simulation's models, fed this year's actual usage, give the exact settlement (to a
    cent of rounding)."""
    usage = np.asarray([data.gebruik], dtype=float)
    below = {}
    if r.model == "drempel":
        t = r.drempel_cent or 0
        below[(0, t)] = np.asarray([[sum(min(x, t) for x in c) for c in data.clienten]], float)
    got = simulate.contributions(simulate.Draws([usage], below), 0, data, r)[0]
    want = settle(data, r).bijdrage
    assert np.allclose(got, want, atol=1.01), (got, want)


def test_risk_statistics() -> None:
    totals = np.tile(np.arange(1, 101, dtype=float)[:, None], (1, 2))
    r = simulate.risk(totals)
    assert r.mediaan[0] == pytest.approx(50.5)
    assert r.p5[0] == pytest.approx(5.95)
    assert r.cv[0] == pytest.approx(np.std(np.arange(1, 101), ddof=1) / 50.5)


# --- config -----------------------------------------------------------------------------------

BAD = """\
regio: Test
gemeenten: [0375]
segmenten:
  - id: a
    wet: jeugd
  - id: a
    wet: wmo
varianten:
  - id: v1
    regel: {model: solidair, sleutel: budget}
  - id: v2
    regels:
      a: {model: tussenvorm, sleutel: inwoners_totaal}
      b: {model: profijt, alpha: 0.3}
  - id: v3
    regel: {model: drempel, sleutel: budget, drempel: 1000, gladstrijken: true, kleur: rood}
"""


def _codes(path: Path) -> dict[tuple[str, str], str]:
    with pytest.raises(ConfigInvalid) as exc:
        vconfig.load(path)
    return {(f.code, f.veld or ""): f.locatie for f in exc.value.findings}


def test_config_findings_point_to_the_line(tmp_path: Path) -> None:
    path = tmp_path / "verevening.yaml"
    path.write_text(BAD, encoding="utf-8")
    found = _codes(path)
    # Shape errors come first: the unquoted code and the unknown field.
    assert found[("RK-CONF-04", "gemeenten[0]")] == "regel 2"
    assert found[("RK-CONF-02", "varianten[2].regel.kleur")] == "regel 16"
    path.write_text(BAD.replace("[0375]", "['0375']").replace(", kleur: rood", ""), "utf-8")
    found = _codes(path)
    assert found[("RK-CONF-05", "segmenten[1].id")] == "regel 6"
    assert found[("RK-VV-01", "varianten[0].regel.model")] == "regel 10"
    assert found[("RK-VV-02", "varianten[1].regels.a.sleutel")] == "regel 13"
    assert found[("RK-VV-05", "varianten[1].regels.a.alpha")] == "regel 13"
    assert found[("RK-VV-03", "varianten[1].regels.b")] == "regel 14"
    assert found[("RK-VV-06", "varianten[1].regels.b.alpha")] == "regel 14"
    assert found[("RK-VV-07", "varianten[2].regel.gladstrijken")] == "regel 16"


def test_config_syntax_and_missing_fields(tmp_path: Path) -> None:
    path = tmp_path / "v.yaml"
    path.write_text("segmenten: [\n  {id: a\n", encoding="utf-8")
    assert any(code == "RK-CONF-01" for code, _ in _codes(path))
    path.write_text("segmenten:\n  - {id: a}\n", encoding="utf-8")
    found = _codes(path)
    assert ("RK-CONF-03", "varianten") in found
    with pytest.raises(ConfigInvalid) as exc:
        vconfig.load(path)
    assert "ontbreekt" in exc.value.findings[0].melding


def test_example_config_is_valid() -> None:
    cfg = vconfig.load(EXAMPLES / "verevening.yaml")
    assert len(cfg.varianten) >= 4 and not cfg.waarschuwingen


# --- the command on the store -----------------------------------------------------------------


def test_cli_table_and_json_on_the_worked_example(kamer: Regiekamer, tmp_path: Path) -> None:
    g = golden("verevening")
    _store_with_example(kamer, g)
    cfg = _example_config(tmp_path, g, years=100)
    runner = CliRunner()
    base = ["verevening", "--store", str(kamer.store), "--config", str(cfg), "--year", "2025"]
    res = runner.invoke(app, base)
    assert res.exit_code == 0, res.output
    assert "Meerjarenbeeld" in res.output and "16.667" in res.output
    res = runner.invoke(app, [*base, "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    rows = [r for r in data["vergelijking"] if r["variant"] == "m3"]
    assert [r["bijdrage_cent"] for r in rows] == [5_000_000, 3_333_333, 1_666_667]
    assert all(r["p5_cent"] <= r["mediaan_cent"] <= r["p95_cent"] for r in rows)
    again = json.loads(runner.invoke(app, [*base, "--format", "json"]).stdout)
    assert again["vergelijking"] == data["vergelijking"]  # same seed, same risk
    steps = next(b for b in data["berekening"] if b["variant"] == "m3")["stappen"]
    assert steps[2]["exact_cent"]["breuk"] == "5000000/3"


def test_cli_xlsx_statement_shows_every_step(kamer: Regiekamer, tmp_path: Path) -> None:
    import openpyxl

    g = golden("verevening")
    _store_with_example(kamer, g)
    cfg = _example_config(tmp_path, g, years=50)
    out = tmp_path / "afrekening.xlsx"
    res = CliRunner().invoke(
        app,
        ["verevening", "--store", str(kamer.store), "--config", str(cfg), "--year", "2025",
         "--format", "xlsx", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(out)
    assert {"Vergelijking", "Invoer", "Meerjarig", "Stappen m5"} <= set(wb.sheetnames)
    values = [c for row in wb["Stappen m3"].iter_rows(values_only=True) for c in row]
    assert 16666.67 in values and "restcent" in values


def test_cli_reports_config_findings_and_exits_2(tmp_path: Path) -> None:
    from regiekamer.faces.cli import main

    path = tmp_path / "bad.yaml"
    path.write_text(BAD, encoding="utf-8")
    import sys

    argv = sys.argv
    # The file is checked before the store is opened: no store is needed to see its findings.
    store = tmp_path / "none.duckdb"
    sys.argv = ["regiekamer", "verevening", "--store", str(store), "--config", str(path),
                "--year", "2025"]  # fmt: skip
    try:
        with pytest.raises(SystemExit) as exc:
            main()
    finally:
        sys.argv = argv
    assert exc.value.code == 2


def test_missing_budget_is_a_clear_error(kamer: Regiekamer, tmp_path: Path) -> None:
    from regiekamer.analyses.verevening.models import VereveningError

    g = golden("verevening")
    _store_with_example(kamer, g)
    with pytest.raises(VereveningError, match="budget van gemeente A voor 2024"):
        kamer.verevening(_example_config(tmp_path, g), 2024, years=0)


@pytest.mark.slow
def test_pdf_statements(kamer: Regiekamer, tmp_path: Path) -> None:
    """The settlement statements as PDF: verevening (worked example) and incentive."""
    g = golden("verevening")
    _store_with_example(kamer, g)
    cfg = _example_config(tmp_path, g, years=50)
    out = tmp_path / "verevening.pdf"
    runner = CliRunner()
    store = str(kamer.store)
    res = runner.invoke(
        app,
        ["verevening", "--store", store, "--config", str(cfg), "--year", "2025",
         "--format", "pdf", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:5] == b"%PDF-" and "pagina's" in res.output
    from regiekamer.faces import verevening_report as R

    html = R._ENV.get_template("verevening.html.j2").render(
        **R.verevening_context(kamer.verevening(cfg, 2025, years=50))
    )
    assert "€\u00a016.666,67" in html and "Ronde 2" in html and "<svg" in html
    inc = tmp_path / "incentive.yaml"
    inc.write_text(
        "regelingen:\n  - id: a\n    wet: jeugd\n    doelbudget: {'75000001': 50000}\n"
        "    winst: {aandeel_pct: 50}\n    verlies: {aandeel_pct: 50, plafond_euro: 1000}\n",
        encoding="utf-8",
    )
    out = tmp_path / "incentive.pdf"
    res = runner.invoke(
        app,
        ["incentive", "--store", store, "--config", str(inc), "--year", "2025",
         "--format", "pdf", "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert out.read_bytes()[:5] == b"%PDF-"


@pytest.mark.slow
def test_example_config_on_a_generated_region(region_kamer: Regiekamer) -> None:
    """examples/verevening.yaml works on a generated region: every variant shares exactly the
    region's cost, user-pays differs by nothing, and the risk is reported."""
    res = CliRunner().invoke(
        app,
        ["verevening", "--store", str(region_kamer.store), "--config",
         str(EXAMPLES / "verevening.yaml"), "--year", "2025", "--format", "json",
         "--simulations", "200"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    rows = data["vergelijking"]
    total = {}
    for r in rows:
        total.setdefault(r["variant"], 0)
        total[r["variant"]] += r["bijdrage_cent"]
        assert r["p5_cent"] <= r["mediaan_cent"] <= r["p95_cent"]
    assert len(set(total.values())) == 1  # every variant shares the same cost
    assert all(r["verschil_cent"] == 0 for r in rows if r["variant"] == "profijt")
    assert {r["jaar"] for r in data["meerjarig"]} == {2024, 2025}


# One rule, one code, one test: every configuration code has a file here that raises it.
CONFIG_CASES = {
    "RK-CONF-01": ("v", "segmenten: [\n  {id: a\n"),
    "RK-CONF-02": ("v", BAD),
    "RK-CONF-03": ("v", "segmenten:\n  - {id: a}\n"),
    "RK-CONF-04": ("v", BAD),
    "RK-CONF-05": ("v", BAD.replace("[0375]", "['0375']").replace(", kleur: rood", "")),
    **{
        f"RK-VV-0{i}": ("v", BAD.replace("[0375]", "['0375']").replace(", kleur: rood", ""))
        for i in range(1, 8)
    },
    "RK-VV-04": (
        "v",
        "segmenten: [{id: a}, {id: b}]\nvarianten:\n  - {id: v, regels: {a: {model: profijt}}}\n",
    ),
    "RK-INC-01": ("i", "regelingen:\n  - {id: a, wet: jeugd, doelbudget_uit: vorig_jaar, "
                       "kpi_afspraken: [{kpi: geluk, banden: [{vanaf: 1, procent: 1}]}]}\n"),
    "RK-INC-02": ("i", "regelingen:\n  - {id: a, wet: jeugd, doelbudget_uit: vorig_jaar, "
                       "kpi_afspraken: [{kpi: uitval_pct, banden: [{procent: 1}]}]}\n"),
    "RK-INC-03": ("i", "regelingen:\n  - {id: a, wet: jeugd}\n"),
}  # fmt: skip


@pytest.mark.parametrize("code", sorted(CONFIG_CODES))
def test_every_config_rule_has_a_case_that_raises_its_code(code: str, tmp_path: Path) -> None:
    from regiekamer.analyses.incentive import config as iconfig
    from regiekamer.ingest.findings import CATALOGUE

    kind, text = CONFIG_CASES[code]
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    loader = vconfig.load if kind == "v" else iconfig.load
    try:
        loader(path)
        found = []
    except ConfigInvalid as exc:
        found = [f for f in exc.findings if f.code == code]
    if CATALOGUE[code].ernst == "waarschuwing" and not found:
        found = [f for f in loader(path).waarschuwingen if f.code == code]
    assert found, code
    assert all(f.melding and f.locatie.startswith("regel ") and f.bestand for f in found)
    assert all(f.ernst == CATALOGUE[code].ernst for f in found)

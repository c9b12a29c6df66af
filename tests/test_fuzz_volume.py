"""Fuzzing at volume: ten thousand damaged inputs per format, none of which breaks ingest.

Seeds are the valid inputs we have: the sample messages (tests/data/berichten, the same as
/work/shared/istandaarden), the messages and reference tables of the synthetic region, the CBS
downloads in tests/data/cbs, the contracts YAML of test_contracten and examples/*.yaml. Each
mutant goes through the real parse and validate path (``pipeline.parse_file``, the same function
an ingest runs in its workers; ``verevening.config.load``, ``incentive.config.load`` and
``prognose.scenario.parse`` for the configuration files), in-process; a sample of every format
is then ingested for real into a DuckDB store, where the loader's own checks run too.

For every input:
* no exception escapes, and the catch-all of ``parse_file`` / ``parse_table`` (a bug, reported
  as RK-BESTAND-02 "interne fout" or with an unexpected exception type) never fires;
* gelezen = geaccepteerd + afgewezen, every rejected record has a finding of severity ``fout``
  at its own location, and the staged rows of a table are exactly its accepted records;
* every finding has a catalogue code, a Dutch message from that code's template and a location.

``REGIEKAMER_FUZZ_N`` (default 10 000) and ``REGIEKAMER_FUZZ_SEED`` run more or other inputs;
the counts per format are printed and written to ``fuzz-samenvatting.json`` in pytest's basetemp.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import io
import json
import multiprocessing
import os
import random
import re
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

import fuzzing as Z
from regiekamer.analyses.configfile import ConfigInvalid
from regiekamer.analyses.incentive import config as incentive_config
from regiekamer.analyses.prognose import scenario as scenario_mod
from regiekamer.analyses.verevening import config as verevening_config
from regiekamer.facade import Regiekamer
from regiekamer.ingest import pipeline
from regiekamer.ingest.findings import CATALOGUE, FOUT, Finding
from regiekamer.ingest.staging import drop_staged, read_staged
from regiekamer.privacy.pseudonym import Pseudonymiser
from regiekamer.settings import Settings
from test_contracten import YAML as CONTRACTS_YAML
from test_fuzz import TEMPLATES

N = int(os.environ.get("REGIEKAMER_FUZZ_N", "10000"))
# YAML configurations are one format of four kinds (contracts, verevening, incentive, scenario):
# a quarter of N each, N in all.
YAML_N = N // 4
LANES = 2  # worker processes: the machine has two cores
SEED = int(os.environ.get("REGIEKAMER_FUZZ_SEED", "20261201"))
STORED = 120  # mutants per format that are also ingested into a real store
ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "data" / "berichten"
KEY = b"test-key"
# Exceptions of a workbook that is no workbook (zip or its XML broken): the file is rejected
# as unreadable (RK-BESTAND-02), which is the right answer, not a bug.
CORRUPT_XLSX = re.compile(
    r"^(BadZipFile|KeyError|InvalidFileException|ParseError|XMLSyntaxError|EOFError|"
    r"zlib\.error|error|LargeZipFile|NotImplementedError|ValueError|TypeError|IndexError|"
    r"OSError): "
)


# --------------------------------------------------------------------------- tally


@dataclass
class Tally:
    """What one format's run saw: inputs, files accepted/rejected, records, codes."""

    inputs: int = 0
    bestanden_geaccepteerd: int = 0
    bestanden_afgewezen: int = 0
    gelezen: int = 0
    geaccepteerd: int = 0
    afgewezen: int = 0
    codes: collections.Counter = field(default_factory=collections.Counter)
    kinds: collections.Counter = field(default_factory=collections.Counter)
    problems: list[str] = field(default_factory=list)
    in_store: int = 0

    def add(self, gelezen: int, afgewezen: int, findings: list[Finding], kinds: list[str]):
        self.inputs += 1
        self.gelezen += gelezen
        self.afgewezen += afgewezen
        self.geaccepteerd += gelezen - afgewezen
        if afgewezen:
            self.bestanden_afgewezen += 1
        else:
            self.bestanden_geaccepteerd += 1
        self.codes.update(f.code for f in findings)
        self.kinds.update(kinds)

    def merge(self, other: Tally) -> None:
        for name in ("inputs", "bestanden_geaccepteerd", "bestanden_afgewezen", "gelezen"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.geaccepteerd += other.geaccepteerd
        self.afgewezen += other.afgewezen
        self.codes.update(other.codes)
        self.kinds.update(other.kinds)
        self.problems += other.problems

    def summary(self) -> dict:
        return {
            "invoer": self.inputs,
            "gelezen": self.gelezen,
            "geaccepteerd": self.geaccepteerd,
            "afgewezen": self.afgewezen,
            "bestanden_zonder_afwijzing": self.bestanden_geaccepteerd,
            "bestanden_met_afwijzing": self.bestanden_afgewezen,
            "in_opslag_ingelezen": self.in_store,
            "onverwerkte_fouten": len(self.problems),
            "codes": dict(sorted(self.codes.items())),
        }


SUMMARY: dict[str, dict] = {}


@pytest.fixture(scope="module", autouse=True)
def _report(tmp_path_factory: pytest.TempPathFactory, figures: list[str]) -> Iterator[None]:
    yield
    if not SUMMARY:
        return
    out = tmp_path_factory.getbasetemp() / "fuzz-samenvatting.json"
    out.write_text(json.dumps({"seed": SEED, "n": N, "formaten": SUMMARY}, indent=1))
    for fmt, s in SUMMARY.items():
        figures.append(
            f"fuzz {fmt}: {s['invoer']} invoer, {s['gelezen']} records = "
            f"{s['geaccepteerd']} geaccepteerd + {s['afgewezen']} afgewezen, "
            f"{s['onverwerkte_fouten']} onverwerkte fouten, {s['in_opslag_ingelezen']} "
            f"in de opslag ingelezen, {len(s['codes'])} verschillende codes"
        )
    yaml_total = sum(s["invoer"] for fmt, s in SUMMARY.items() if fmt.startswith("yaml-"))
    figures.append(f"fuzz yaml (alle soorten samen): {yaml_total} invoer")
    figures.append(f"fuzz: seed {SEED}, details in {out}")


# --------------------------------------------------------------------------- checks


def finding_problems(findings: list[Finding], naam: str) -> list[str]:
    out = []
    for f in findings:
        if f.code not in CATALOGUE:
            out.append(f"code buiten de catalogus: {f}")
        elif f.ernst != CATALOGUE[f.code].ernst or not TEMPLATES[f.code].fullmatch(f.melding):
            out.append(f"melding past niet bij {f.code}: {f}")
        if not f.melding.strip() or not f.locatie or f.bestand != naam:
            out.append(f"bevinding zonder melding/plaats/bestand: {f}")
    return out


def parsed_problems(p, naam: str, table_suffix: bool) -> list[str]:
    """The invariants of one parsed file (see the module docstring)."""
    out = finding_problems(p.findings, naam)
    if not 0 <= p.afgewezen <= p.gelezen:
        out.append(f"telling klopt niet: gelezen {p.gelezen}, afgewezen {p.afgewezen}")
    fouten = [f for f in p.findings if f.ernst == FOUT]
    for f in p.findings:
        if f.code != "RK-BESTAND-02":
            continue
        # parse_file's catch-all says "interne fout"; parse_table's names the exception, which
        # is expected only for a workbook that is no longer a workbook.
        reden = f.melding.split(": ", 1)[-1]
        raised = re.match(r"[\w.]+: ", reden) is not None  # "<exception type>: <message>"
        if "interne fout" in f.melding or (raised and not table_suffix):
            out.append(f"onverwerkte fout: {f.melding}")
        elif raised and not (naam.endswith(".xlsx") and CORRUPT_XLSX.match(reden)):
            out.append(f"onverwachte uitzondering: {f.melding}")
    if p.afgewezen and not fouten:
        out.append("afgewezen records zonder fout-bevinding")
    whole = any(f.locatie == "bestand" or f.code in ("0001", "9056") for f in fouten)
    if whole:
        if p.afgewezen != p.gelezen:
            out.append("bestand afgekeurd maar niet alle records afgewezen")
    elif p.soort.startswith("tabel:") and p.soort != "tabel:contracten":
        # Rows: every rejected row is named by a fout finding at its own row, and the staged
        # rows of the layout's table are exactly the accepted ones.
        rows = {f.locatie for f in fouten if f.locatie.startswith("rij ")}
        if len(rows) != p.afgewezen:
            out.append(f"{p.afgewezen} rijen afgewezen, fout-bevindingen op {len(rows)} rijen")
        staged = {t: sum(b.num_rows for b in read_staged(s)) for t, s in p.staged.items()}
        main = [n for t, n in staged.items() if t != "client"]
        if p.gelezen - p.afgewezen and main != [p.gelezen - p.afgewezen]:
            out.append(f"{p.gelezen - p.afgewezen} geaccepteerd, klaargezet: {staged}")
    return out


class Parser:
    """Runs the real per-file parse of an ingest on one scratch path, again and again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.stage = folder / "stage"
        self.stage.mkdir(parents=True, exist_ok=True)
        self.pseudonymise = Pseudonymiser(KEY)
        self.i = 0

    def __call__(self, naam: str, data: bytes):
        path = self.folder / naam
        path.write_bytes(data)
        sha = hashlib.sha256(data).hexdigest()
        job = pipeline._job(path, sha)  # the ordering step of an ingest sniffs the header
        self.i += 1
        p = pipeline.parse_file(
            str(path), naam, sha, job.soort, self.pseudonymise, self.stage, self.i
        )
        return p

    def done(self, p) -> None:
        for s in p.staged.values():
            drop_staged(s)


def _lane(
    make: Callable[[int, int], Iterator[tuple[str, bytes, list[str]]]],
    lane: int,
    tmp: Path,
    table_suffix: bool,
    n: int,
) -> Tally:
    """One worker's share of a format (every LANES-th mutant): parse and check each one; keep
    every (n // STORED)-th for the store run."""
    tally, parse = Tally(), Parser(tmp / "parse" / str(lane))
    keep = tmp / "opslag"
    every = max(1, n // STORED)
    for i, (naam, data, kinds) in make(lane, LANES):
        try:
            p = parse(naam, data)
        except Exception as exc:
            bad = tmp / f"onverwerkt_{i}_{naam}"
            bad.write_bytes(data)
            tally.problems.append(f"{naam} {kinds}: {type(exc).__name__}: {exc} ({bad})")
            continue
        problems = parsed_problems(p, naam, table_suffix)
        if problems:
            bad = tmp / f"probleem_{i}_{naam}"
            bad.write_bytes(data)
            tally.problems.append(f"{naam} {kinds}: {problems[:3]} ({bad})")
        tally.add(p.gelezen, p.afgewezen, p.findings, kinds)
        parse.done(p)
        if i % every == 0:
            (keep / f"m{i:06d}_{naam}").write_bytes(data)
    return tally


def run_format(
    make: Callable[[int, int], Iterator[tuple[str, bytes, list[str]]]],
    tmp: Path,
    table_suffix: bool,
    n: int = N,
) -> tuple[Tally, Path]:
    """All mutants of a format, in LANES worker processes (parsing is what an ingest also runs
    in worker processes); their tallies added up."""
    keep = tmp / "opslag"
    keep.mkdir()
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(LANES, mp_context=ctx) as pool:
        parts = list(
            pool.map(
                _lane,
                [make] * LANES,
                range(LANES),
                [tmp] * LANES,
                [table_suffix] * LANES,
                [n] * LANES,
            )
        )
    tally = Tally()
    for part in parts:
        tally.merge(part)
    # The same bytes twice would be "al ingelezen" in the store run: keep one of each.
    seen: set[bytes] = set()
    for f in sorted(keep.iterdir()):
        digest = hashlib.sha256(f.read_bytes()).digest()
        if digest in seen:
            f.unlink()
        seen.add(digest)
    return tally, keep


def store_problems(tmp: Path, folder: Path, tally: Tally) -> list[str]:
    """Ingest the kept mutants for real (one ingest, one transaction) and check the store."""
    kamer = Regiekamer(Settings(store=tmp / "s.duckdb", key="test-key", workers=1))
    kamer.init()
    report = kamer.ingest([folder])  # must not raise
    out = []
    for o in report.files:
        if o.status != "ingelezen" or o.gelezen != o.geaccepteerd + o.afgewezen:
            out.append(f"opslag: {o}")
    con = duckdb.connect(str(kamer.store), read_only=True)
    try:
        rows = con.execute(
            "SELECT bestand_id, naam, gelezen, geaccepteerd, afgewezen FROM bestand"
        ).fetchall()
        found = con.execute(
            "SELECT bestand_id, code, ernst, melding, bestand, locatie, veld FROM bevinding"
        ).fetchall()
    finally:
        con.close()
    by_file = collections.defaultdict(list)
    for bid, code, ernst, melding, bestand, locatie, veld in found:
        by_file[bid].append(Finding(code, ernst, melding, bestand, None, locatie, veld))
    for bid, naam, gelezen, geaccepteerd, afgewezen in rows:
        if gelezen != geaccepteerd + afgewezen:
            out.append(f"opslag {naam}: {gelezen} != {geaccepteerd} + {afgewezen}")
        if afgewezen and not any(f.ernst == FOUT for f in by_file[bid]):
            out.append(f"opslag {naam}: afgewezen zonder fout-bevinding")
        out += [f"opslag {naam}: {p}" for p in finding_problems(by_file[bid], naam)]
    tally.in_store = len(rows)
    if len(rows) != len(list(folder.iterdir())):
        out.append(f"opslag: {len(rows)} bestanden van {len(list(folder.iterdir()))}")
    # The mutants were input; a damaged one may no longer look like input (its Bsn element or
    # bsn column renamed) and the leak scan after the suite would take its BSNs for a leak.
    # The store stays: it is output, and scanned.
    shutil.rmtree(folder)
    shutil.rmtree(tmp / "parse")
    return out


def assert_clean(fmt: str, tally: Tally, extra: list[str], n: int = N) -> None:
    """Record the format's figures, then require: no problem, every input seen, both outcomes."""
    tally.problems += extra
    SUMMARY[fmt] = tally.summary()
    problems = tally.problems
    assert not problems, f"{len(problems)} problemen, de eerste: " + "\n".join(problems[:10])
    assert tally.inputs >= n
    assert tally.gelezen == tally.geaccepteerd + tally.afgewezen
    assert tally.afgewezen and tally.geaccepteerd, "the fuzzer must reach both outcomes"


# --------------------------------------------------------------------------- seeds


def _region_files(region_store: Path) -> Path:
    return region_store.parent / "regio"


def xml_seeds(region_store: Path) -> list[tuple[str, bytes]]:
    invalid = {"JW315.xml", "JW318.xml"}
    seeds = [(p.name, p.read_bytes()) for p in sorted(SAMPLES.rglob("*.xml"))]
    seeds = [(n, d) for n, d in seeds if n not in invalid]
    region = sorted((_region_files(region_store) / "berichten").rglob("*.xml"))
    rng = random.Random(SEED)
    seeds += [(p.name, p.read_bytes()) for p in rng.sample(region, min(40, len(region)))]
    return seeds


def table_seeds(region_store: Path) -> list[tuple[str, str]]:
    """Seed tables as text, at most 30 rows each (the damage is per row; more is slower)."""
    files = sorted((_region_files(region_store) / "referentie").glob("*.csv"))
    files += sorted((ROOT / "tests" / "data" / "cbs").glob("*.csv"))
    out = []
    for p in files:
        lines = p.read_text(encoding="utf-8-sig").splitlines()
        out.append((p.stem, "\n".join(lines[:31]) + "\n"))
    return out


# --------------------------------------------------------------------------- tests


def _rng(fmt: str, lane: int) -> random.Random:
    return random.Random(f"{SEED}-{fmt}-{lane}")  # a str seed is hashed the same everywhere


def xml_mutants(region_store: Path, lane: int, lanes: int) -> Iterator[tuple]:
    seeds, rng = xml_seeds(region_store), _rng("xml", lane)
    for i in range(lane, N, lanes):
        naam, data = rng.choice(seeds)
        damaged, kinds = Z.mutate_xml(rng, data, b"FZ%010d" % i)
        yield i, (f"fz{i:06d}_{naam}", damaged, kinds)


def csv_mutants(region_store: Path, lane: int, lanes: int) -> Iterator[tuple]:
    seeds, rng = table_seeds(region_store), _rng("csv", lane)
    for i in range(lane, N, lanes):
        naam, text = rng.choice(seeds)
        damaged, kinds = Z.mutate_csv(rng, text)
        yield i, (f"fz{i:06d}_{naam}.csv", damaged, kinds)


def xlsx_mutants(region_store: Path, lane: int, lanes: int) -> Iterator[tuple]:
    seeds = [(n, Z.read_csv(t)[:12]) for n, t in table_seeds(region_store)]
    books = {n: Z.xlsx_members(rows_to_xlsx(rows)) for n, rows in seeds}
    rng = _rng("xlsx", lane)
    for i in range(lane, N, lanes):
        naam, rows = rng.choice(seeds)
        damaged, kinds = Z.mutate_xlsx(rng, books[naam], rows_to_xlsx, rows)
        yield i, (f"fz{i:06d}_{naam}.xlsx", damaged, kinds)


def contract_mutants(lane: int, lanes: int) -> Iterator[tuple]:
    rng = _rng("contracten", lane)
    for i in range(lane, YAML_N, lanes):
        damaged, kinds = Z.mutate_yaml(rng, CONTRACTS_YAML, f"fuzz {i}")
        yield i, (f"fz{i:06d}_contracten.yaml", damaged, kinds)


@pytest.mark.slow
def test_ten_thousand_damaged_messages(region_store: Path, tmp_path: Path) -> None:
    tally, folder = run_format(functools.partial(xml_mutants, region_store), tmp_path, False)
    assert_clean("xml", tally, store_problems(tmp_path, folder, tally))


@pytest.mark.slow
def test_ten_thousand_damaged_csv_tables(region_store: Path, tmp_path: Path) -> None:
    tally, folder = run_format(functools.partial(csv_mutants, region_store), tmp_path, True)
    assert_clean("csv", tally, store_problems(tmp_path, folder, tally))


def rows_to_xlsx(rows: list[list[str]]) -> bytes:
    """A workbook of the rows; numbers and dates typed as Excel would (a user's export)."""
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        cells: list[object] = []
        for c in row:
            if re.fullmatch(r"-?\d{1,15}", c) and not c.startswith("0"):
                cells.append(int(c))
            elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", c):
                try:
                    cells.append(dt.date.fromisoformat(c))
                except ValueError:
                    cells.append(c)
            else:
                cells.append("".join(ch for ch in c if ch >= " " or ch in "\t\n"))
        ws.append(cells)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.slow
def test_ten_thousand_damaged_workbooks(region_store: Path, tmp_path: Path) -> None:
    tally, folder = run_format(functools.partial(xlsx_mutants, region_store), tmp_path, True)
    assert_clean("xlsx", tally, store_problems(tmp_path, folder, tally))


@pytest.mark.slow
def test_damaged_contract_files(tmp_path: Path) -> None:
    tally, folder = run_format(contract_mutants, tmp_path, False, YAML_N)
    assert_clean("yaml-contracten", tally, store_problems(tmp_path, folder, tally), YAML_N)


CONFIGS: dict[str, tuple[str, Callable[[Path], object]]] = {
    "verevening": ((ROOT / "examples" / "verevening.yaml").read_text(), verevening_config.load),
    "incentive": ((ROOT / "examples" / "incentive.yaml").read_text(), incentive_config.load),
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(CONFIGS))
def test_damaged_config_files(kind: str, tmp_path: Path) -> None:
    """verevening.yaml / incentive.yaml: the file is used or refused with coded findings."""
    text, load = CONFIGS[kind]
    rng = random.Random(SEED + 5 + len(kind))
    tally = Tally()
    path = tmp_path / f"{kind}.yaml"
    load(path.write_text(text) and path)  # the seed itself is valid
    for i in range(YAML_N):
        data, kinds = Z.mutate_yaml(rng, text, f"fuzz {i}")
        path.write_bytes(data)
        try:
            load(path)
            findings: list[Finding] = []
            rejected = 0
        except ConfigInvalid as exc:
            findings, rejected = exc.findings, 1
            if not any(f.ernst == FOUT for f in findings):
                tally.problems.append(f"{i} {kinds}: geweigerd zonder fout-bevinding")
        except Exception as exc:
            (tmp_path / f"onverwerkt_{i}.yaml").write_bytes(data)
            tally.problems.append(f"{i} {kinds}: {type(exc).__name__}: {exc}")
            continue
        tally.problems += [f"{i} {kinds}: {p}" for p in finding_problems(findings, path.name)]
        tally.add(1, rejected, findings, kinds)
    assert_clean(f"yaml-{kind}", tally, [], YAML_N)


def scenario_seed() -> str:
    doc = scenario_mod.__doc__ or ""
    return doc.split("```yaml\n", 1)[1].split("```", 1)[0]


@pytest.mark.slow
def test_damaged_scenarios() -> None:
    """A forecast scenario is used or refused with a catalogued code and a Dutch message."""
    text = scenario_seed()
    scenario_mod.parse(text)  # the seed itself is valid
    rng = random.Random(SEED + 7)
    tally = Tally()
    for i in range(YAML_N):
        data, kinds = Z.mutate_yaml(rng, text, f"fuzz {i}")
        try:
            scenario_mod.parse(data.decode("utf-8", errors="replace"))
            findings: list[Finding] = []
            rejected = 0
        except scenario_mod.ScenarioError as exc:
            rejected = 1
            findings = []
            if exc.code not in CATALOGUE or CATALOGUE[exc.code].ernst != FOUT:
                tally.problems.append(f"{i} {kinds}: code {exc.code!r} niet in de catalogus")
            if not str(exc).strip():
                tally.problems.append(f"{i} {kinds}: weigering zonder melding")
            tally.codes[exc.code] += 1
        except Exception as exc:
            tally.problems.append(f"{i} {kinds}: {type(exc).__name__}: {exc}")
            continue
        tally.add(1, rejected, findings, kinds)
    assert_clean("yaml-scenario", tally, [], YAML_N)

"""The main job: `regiekamer demo` runs end to end and leaves a store that balances."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest


@pytest.mark.slow
def test_demo_builds_a_store_with_the_planted_findings(tmp_path: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "regiekamer",
            "demo",
            "--dir",
            str(tmp_path / "d"),
            "--clients",
            "150",
            "--seed",
            "3",
            "--no-serve",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "Wat staat er in de store" in run.stdout
    assert "Prestatie-indicatoren" in run.stdout and "wachttijd_dagen_mediaan" in run.stdout
    assert (tmp_path / "d" / "rapport.pdf").read_bytes()[:5] == b"%PDF-"
    assert "Demogebruikers" in run.stdout and "regiekamer serve --store" in run.stdout
    store = tmp_path / "d" / "regiekamer.duckdb"
    con = duckdb.connect(str(store), read_only=True)
    try:
        gelezen, geaccepteerd, afgewezen = con.execute(
            "SELECT sum(gelezen), sum(geaccepteerd), sum(afgewezen) FROM bestand"
        ).fetchone()
        codes = {r[0] for r in con.execute("SELECT DISTINCT code FROM bevinding").fetchall()}
        prestaties = con.execute("SELECT count(*) FROM prestatie").fetchone()[0]
    finally:
        con.close()
    assert gelezen == geaccepteerd + afgewezen and prestaties > 0
    planted = json.loads((tmp_path / "d" / "regio" / "fouten.json").read_text())
    expected = {
        f["verwacht_code"]
        for f in planted
        if f["verwacht_code"] in {"0001", "RK-BSN-01", "S300", "9063", "9056"}
    }
    assert expected == codes  # every planted message fault is found, and nothing else

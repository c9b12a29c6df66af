"""Privacy by construction: no BSN, name, address or key ever reaches the store or a finding.

The store file and its write-ahead log are scanned byte by byte (while the connection is open,
after it is closed without a checkpoint, and after a checkpoint) for every BSN of the input, as
ASCII digits and as 4- and 8-byte little-endian integers; findings (API and CLI) for every BSN,
valid or not. The pseudonym is stable per key and differs between keys.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import struct
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from stdnum.nl import bsn as stdnum_bsn

from regiekamer.facade import Regiekamer
from regiekamer.ingest import pipeline
from regiekamer.settings import Settings
from regiekamer.store.connection import connect

KEY = "test-key"
INVALID_SAMPLES = {"JW315.xml", "JW318.xml"}
# Personal data in the samples that must never be copied: names, streets, e-mail, phone.
PERSONAL = [
    rb"Wit(?!tem)",  # a surname; not the municipality Gulpen-Wittem
    rb"Van Woustraat",
    rb"Mauritsstraat",
    rb"Kerklaan",
    rb"abc@def\.com",
    rb"def@abc\.com",
    rb"0201234567",
    rb"Galen",
]
GOOD_NEW = ["999900031", "999900043", "012345672"]  # pass the elfproef, only in the tables
BAD = ["999900007", "271828182"]  # fail the elfproef
assert all(stdnum_bsn.is_valid(b) for b in GOOD_NEW)
assert not any(stdnum_bsn.is_valid(b) for b in BAD)


def _bsn_patterns(bsns: set[str]) -> dict[bytes, str]:
    out = {}
    for b in bsns:
        out[b.encode()] = f"{b} (ascii)"
        out[struct.pack("<I", int(b))] = f"{b} (int32 le)"
        out[struct.pack("<Q", int(b))] = f"{b} (int64 le)"
    return out


def scan(paths: list[Path], bsns: set[str]) -> list[str]:
    """Every BSN and every piece of personal data found in the raw bytes of ``paths``."""
    hits = []
    patterns = _bsn_patterns(bsns)
    for p in paths:
        if not p.exists():
            continue
        data = p.read_bytes()
        for needle, what in patterns.items():
            at = data.find(needle)
            if at >= 0:
                hits.append(f"{p.name}@{at}: BSN {what}: {data[max(0, at - 16) : at + 24]!r}")
        for pattern in PERSONAL:
            m = re.search(pattern, data)
            if m:
                hits.append(f"{p.name}@{m.start()}: {pattern!r}")
    return hits


def store_files(store: Path) -> list[Path]:
    return [store, store.with_name(store.name + ".wal")]


@pytest.fixture
def inputs(tmp_path: Path, samples: Path) -> tuple[list[Path], set[str]]:
    """All valid samples, a levering and a toewijzing table with BSNs, one message with a bad
    BSN; and every BSN that occurs in them."""
    folder = tmp_path / "in"
    shutil.copytree(samples, folder, ignore=shutil.ignore_patterns(*INVALID_SAMPLES))
    bad_message = (samples / "ijw" / "JW301.xml").read_bytes()
    bad_message = bad_message.replace(b">999900006<", f">{BAD[0]}<".encode())
    bad_message = bad_message.replace(b">123456789012<", b">PRIV00000001<")
    (folder / "JW301_slechte_bsn.xml").write_bytes(bad_message)
    (folder / "levering.csv").write_text(
        "wet,gemeente,aanbieder,bsn,geboortedatum,geslacht,dagtekening,soort,begindatum,"
        "status_aanlevering\n"
        f"jeugd,0384,42420001,{GOOD_NEW[0]},2012-05-17,2,2026-04-01,start,2026-04-01,1\n"
        f"jeugd,0384,42420001,{GOOD_NEW[2][1:]},2013-01-02,1,2026-04-01,start,2026-04-02,1\n"
        f"jeugd,0384,42420001,{BAD[1]},2012-05-17,2,2026-04-01,start,2026-04-01,1\n"
        f"wmo,0363,65656055,999900006,1950-03-03,1,2026-04-01,start,2026-04-03,1\n",
        encoding="utf-8",
    )
    (folder / "toewijzing.csv").write_text(
        "wet;gemeente;aanbieder;bsn;dagtekening;toewijzing_nummer;toewijzingsdatum;ingangsdatum\n"
        f"jeugd;0384;42420001;{GOOD_NEW[1]};2026-04-01;T-1;2026-04-01;2026-04-01\n"
        f"jeugd;0384;42420001;{BAD[0]};2026-04-01;T-2;2026-04-01;2026-04-01\n"
        f"jeugd;0384;42420001;{BAD[1]};2026-04-01;T-3;2026-04-01;2026-04-01\n",
        encoding="utf-8",
    )
    bsns = {*GOOD_NEW, *BAD, GOOD_NEW[2][1:]}
    for p in folder.rglob("*.xml"):
        bsns |= set(re.findall(r"Bsn>(\d+)<", p.read_text(encoding="utf-8")))
    assert {"999900006", "999900018"} <= bsns
    return [folder], bsns


def _cli_findings(store: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIEKAMER_")}
    env["REGIEKAMER_KEY"] = KEY
    done = subprocess.run(
        [sys.executable, "-m", "regiekamer", "findings", "--store", str(store), "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_no_bsn_or_personal_data_in_store_wal_or_findings(
    kamer: Regiekamer, inputs: tuple[list[Path], set[str]]
) -> None:
    paths, bsns = inputs
    # Ingest with checkpoints held back, so everything written sits in the WAL first.
    con = connect(kamer.store)
    con.execute("SET checkpoint_threshold = '10GB'")
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    report = pipeline.run(con, paths, KEY.encode(), workers=1)
    assert report.totals["geaccepteerd"] > 30
    assert report.totals["afgewezen"] >= 5  # the bad BSNs
    wal = kamer.store.with_name(kamer.store.name + ".wal")
    assert wal.exists() and wal.stat().st_size > 0
    assert scan(store_files(kamer.store), bsns) == []  # connection open
    con.close()
    assert scan(store_files(kamer.store), bsns) == []  # closed, WAL not checkpointed

    con = duckdb.connect(str(kamer.store))
    con.execute("CHECKPOINT")
    con.close()
    assert scan(store_files(kamer.store), bsns) == []  # checkpointed into the store

    # The same logically: no text cell anywhere holds a BSN or personal data.
    con = duckdb.connect(str(kamer.store), read_only=True)
    try:
        cols = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main' AND data_type IN ('VARCHAR', 'VARCHAR[]')"
        ).fetchall()
        text = "\n".join(
            str(v)
            for t, c in cols
            for (v,) in con.execute(f'SELECT DISTINCT "{c}" FROM {t}').fetchall()
        )
    finally:
        con.close()
    assert [b for b in bsns if b in text] == []
    assert [p for p in PERSONAL if re.search(p.decode(), text)] == []

    # Findings: the bad BSNs were rejected (RK-BSN-01), and neither they nor good ones show.
    found = kamer.findings()
    assert sum(f["code"] == "RK-BSN-01" for f in found) >= 5
    as_text = json.dumps(found, ensure_ascii=False)
    assert [b for b in bsns if b in as_text] == []
    cli = _cli_findings(kamer.store)
    assert "RK-BSN-01" in cli
    assert [b for b in bsns if b in cli] == []


def test_the_facade_ingest_leaves_no_bsn_in_the_store(
    kamer: Regiekamer, inputs: tuple[list[Path], set[str]]
) -> None:
    paths, bsns = inputs
    kamer.ingest(paths)
    assert scan(store_files(kamer.store), bsns) == []


@pytest.mark.parametrize(
    "value",
    [
        "99990000",  # eight digits: a BSN that lost its leading zero
        "12345672",  # 012345672 passes the elfproef
        "9999000061",  # ten digits
        "99990000X",
        "999900007",  # nine digits, fails the elfproef
        "999900006",  # a valid one
    ],
)
def test_a_malformed_bsn_in_a_message_is_never_echoed(
    kamer: Regiekamer, tmp_path: Path, samples: Path, value: str
) -> None:
    """Whether the XSD or the elfproef rejects it, the value of a Bsn is not in a finding."""
    data = (samples / "ijw" / "JW305.xml").read_text(encoding="utf-8")
    path = tmp_path / "JW305.xml"
    path.write_text(data.replace(">999900006<", f">{value}<"), encoding="utf-8")
    report = kamer.ingest([path])
    if value != "999900006":
        assert report.files[0].afgewezen > 0
    text = json.dumps(kamer.findings(), ensure_ascii=False) + _cli_findings(kamer.store)
    digits = re.sub(r"\D", "", value)
    assert value not in text and digits not in text, text


def test_key_file_is_private_and_outside_the_store(
    tmp_path: Path, samples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("REGIEKAMER_KEY", "REGIEKAMER_KEY_FILE", "REGIEKAMER_STORE"):
        monkeypatch.delenv(name, raising=False)
    store = tmp_path / "s.duckdb"
    kamer = Regiekamer(Settings(store=store, workers=1))
    res = kamer.init()
    assert res.created_key and res.key_file is not None
    key_file = res.key_file
    assert key_file.exists() and key_file != store
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 32

    kamer.ingest([samples])
    for p in store_files(store):
        if p.exists():
            raw = p.read_bytes()
            assert key.encode() not in raw
            assert bytes.fromhex(key) not in raw
    # The key works: the pseudonyms are those of this key, not of another.
    other = Regiekamer(Settings(store=tmp_path / "o.duckdb", key="another", workers=1))
    other.init()
    other.ingest([samples])
    assert _client_ids(store).isdisjoint(_client_ids(other.store))

    # A key file others can read is refused.
    key_file.chmod(0o644)
    with pytest.raises(Exception, match="0600"):
        kamer.ingest([samples])


def test_no_column_for_direct_identifiers(kamer: Regiekamer, samples: Path) -> None:
    kamer.ingest([samples])
    con = duckdb.connect(str(kamer.store), read_only=True)
    try:
        cols = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'main'"
        ).fetchall()
    finally:
        con.close()
    identifiers = re.compile(
        r"bsn|adres|telefoon|email|e_mail|achternaam|voornaam|voorletters|straat|postcode|"
        r"huisnummer|geboortedatum"
    )
    assert [(t, c) for t, c in cols if identifiers.search(c)] == []
    # 'naam' is allowed only for a file name, an organisation name, the login name of a
    # staff account (and its sessions and tokens) and a saved forecast scenario's name, never
    # beside a client.
    client_tables = {t for t, c in cols if c == "client_id"}
    assert [(t, c) for t, c in cols if c == "naam" and t in client_tables] == []
    allowed = {"bestand", "aanbieder", "gebruiker", "sessie", "api_token", "prognose_scenario"}
    assert {t for t, c in cols if c == "naam"} <= allowed


def _client_ids(store: Path) -> set[str]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT client_id FROM client").fetchall()}
    finally:
        con.close()


def _toewijzing_clients(store: Path) -> set[str]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT client_id FROM toewijzing").fetchall()}
    finally:
        con.close()


def test_pseudonyms_are_stable_per_key_and_differ_between_keys(
    tmp_path: Path, samples: Path
) -> None:
    jw301 = samples / "ijw" / "JW301.xml"  # one client: BSN 999900006
    ids = {}
    for name, key in (("a1", "sleutel-a"), ("a2", "sleutel-a"), ("b", "sleutel-b")):
        k = Regiekamer(Settings(store=tmp_path / f"{name}.duckdb", key=key, workers=1))
        k.init()
        k.ingest([jw301])
        ids[name] = _toewijzing_clients(k.store)
        assert len(ids[name]) == 1
        assert re.fullmatch(r"[0-9a-f]{32}", next(iter(ids[name])))
    assert ids["a1"] == ids["a2"]
    assert ids["a1"] != ids["b"]

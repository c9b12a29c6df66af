"""Backup, restore and check (beheer/, docs/beheer.md): the restore drill.

A backup is made by a separate `regiekamer backup` process while a real uvicorn server holds the
store open and answers requests (DuckDB lets no other process open the file: the command asks
the server over its channel). It is restored into a fresh directory, and `regiekamer check`
passes with the checksums of the manifest; a changed table, a missing row, a damaged backup file
and a planted BSN are each caught and named.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import httpx
import pytest

from live import TIMEOUT, serve
from regiekamer.beheer import backup, channel
from regiekamer.facade import Regiekamer
from regiekamer.faces.web.app import create_app
from regiekamer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
KEY = "test-key"
PASSWORD = "een-lang-wachtwoord-2025"


def cli(*args: str, key: str | None = KEY) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGIEKAMER_")}
    env |= {"PYTHONPATH": str(ROOT / "src"), "COLUMNS": "200"}
    if key is not None:
        env["REGIEKAMER_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "regiekamer", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def _facts(store: Path) -> dict[str, dict]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return {t: backup.table_facts(con, t) for t in backup.tables(con)}
    finally:
        con.close()


@pytest.fixture(scope="module")
def served_backup(
    region_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict, list[int]]:
    """A backup made by another process while the server runs and answers requests: the
    backup folder, its manifest and the status codes the server answered meanwhile. Made once;
    the tests only read it."""
    tmp_path = tmp_path_factory.mktemp("drill")
    store = tmp_path / "live" / "regio.duckdb"
    store.parent.mkdir()
    shutil.copy(region_store, store)
    rk = Regiekamer(Settings(store=store, key=KEY, workers=1))
    rk.add_user("regio", "regio", PASSWORD)
    token = rk.new_token("regio")
    app = create_app(rk.settings)
    out = tmp_path / "backup"
    statuses: list[int] = []
    during: list[int] = []
    done = threading.Event()
    with serve(app) as url:
        client = httpx.Client(
            timeout=TIMEOUT, base_url=url, headers={"Authorization": f"Bearer {token}"}
        )

        def keep_asking() -> None:
            # Every answer also writes an access-log row: the server writes during the backup.
            while not done.is_set():
                statuses.append(client.get("/api/v1/bevindingen").status_code)

        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            before = len(statuses)
            made = cli("backup", "--out", str(out), "--store", str(store))
            during.append(len(statuses) - before)
            # `check` reaches the served store the same way.
            live = cli("check", "--store", str(store))
        finally:
            done.set()
            asker.join(TIMEOUT)
            client.close()
        assert made.returncode == 0, made.stderr + made.stdout
        assert "klaar in" in made.stdout
        print(made.stdout)
        assert live.returncode == 0, live.stdout + live.stderr
        assert re.search(r"in orde\s+toegangslog: hashketen heel", live.stdout)
    assert during[0] > 0, "de server beantwoordde geen verzoeken tijdens de backup"
    return out, backup.read_manifest(out), statuses


def test_restore_drill_backup_while_serving_restore_check(
    served_backup: tuple[Path, dict, list[int]], tmp_path: Path, figures: list[str]
) -> None:
    out, manifest, statuses = served_backup
    assert statuses and set(statuses) == {200}
    # The snapshot is one moment: its access log is a whole chain of that moment.
    assert manifest["schemaversie"] >= 6 and manifest["regiekamer"]
    assert "sessie" not in manifest["tabellen"]
    log_rows = manifest["tabellen"]["toegangslog"]["rijen"]
    assert log_rows >= 3  # user, token, and requests answered before the snapshot
    # The key is not in the backup, in no file.
    for path in out.iterdir():
        assert KEY.encode() not in path.read_bytes(), path
    assert oct(out.stat().st_mode & 0o777) == "0o700"

    target = tmp_path / "fresh" / "regio.duckdb"
    restored = cli("restore", str(out), "--store", str(target))
    assert restored.returncode == 0, restored.stderr + restored.stdout
    took = re.search(r"klaar in ([\d,]+ s)", restored.stdout)
    assert took, restored.stdout
    figures.append(
        f"herstel: backup terwijl de server draaide, herstel in {took.group(1)} "
        f"({len(manifest['tabellen'])} tabellen), daarna check met manifest"
    )

    checked = cli("check", "--store", str(target), "--manifest", str(out), "--format", "json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    rules = {r["regel"]: r for r in json.loads(checked.stdout)}
    assert set(rules) == {
        "schemaversie",
        "rijen en controlegetallen",
        "toegangslog",
        "geen BSN",
        "sleutel van de backup",
    }
    assert {r["status"] for r in rules.values()} == {"in orde"}
    assert f"({log_rows} regels)" in rules["toegangslog"]["toelichting"]
    # The checksums of the restored tables are those of the manifest, table by table.
    facts = _facts(target)
    for table, expected in manifest["tabellen"].items():
        assert facts[table]["rijen"] == expected["rijen"], table
        assert facts[table]["controlegetal"] == expected["controlegetal"], table
    assert facts["sessie"]["rijen"] == 0

    # Restoring again over the store is refused without --force, and done with it.
    again = cli("restore", str(out), "--store", str(target))
    assert again.returncode == 2 and "bestaat al" in again.stderr
    forced = cli("restore", str(out), "--store", str(target), "--force")
    assert forced.returncode == 0, forced.stderr
    # With another key the check says the key is not the backup's.
    other = cli("check", "--store", str(target), "--manifest", str(out), key="een-andere")
    assert other.returncode == 1 and "een andere sleutel" in other.stdout


def test_check_names_a_tampered_table(
    served_backup: tuple[Path, dict, list[int]], tmp_path: Path
) -> None:
    out, _, _ = served_backup
    target = tmp_path / "fresh" / "regio.duckdb"
    assert cli("restore", str(out), "--store", str(target)).returncode == 0
    con = duckdb.connect(str(target))
    con.execute(
        "UPDATE prestatie SET bedrag_cent = bedrag_cent + 1 WHERE referentie_nummer = "
        "(SELECT min(referentie_nummer) FROM prestatie)"
    )
    con.execute("DELETE FROM verzoek WHERE regel = (SELECT min(regel) FROM verzoek)")
    con.close()
    checked = cli("check", "--store", str(target), "--manifest", str(out))
    assert checked.returncode == 1, checked.stdout
    line = next(ln for ln in checked.stdout.splitlines() if "rijen en controlegetallen" in ln)
    assert line.startswith("fout")
    assert "prestatie (inhoud gewijzigd)" in line
    assert re.search(r"verzoek \(\d+ rijen, manifest \d+\)", line)
    assert "toewijzing" not in line  # untouched tables are not named


def test_a_broken_access_log_fails_the_check(
    served_backup: tuple[Path, dict, list[int]], tmp_path: Path
) -> None:
    out, _, _ = served_backup
    target = tmp_path / "fresh" / "regio.duckdb"
    assert cli("restore", str(out), "--store", str(target)).returncode == 0
    con = duckdb.connect(str(target))
    con.execute("UPDATE toegangslog SET wie = 'iemand anders' WHERE volgnummer = 2")
    con.close()
    checked = cli("check", "--store", str(target))
    assert checked.returncode == 1
    assert re.search(r"fout\s+toegangslog: hashketen gebroken bij regel 2", checked.stdout)


def test_a_damaged_backup_is_not_restored(
    served_backup: tuple[Path, dict, list[int]], tmp_path: Path
) -> None:
    out, _, _ = served_backup
    damaged = tmp_path / "damaged"
    shutil.copytree(out, damaged)
    path = damaged / "levering.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    target = tmp_path / "fresh" / "regio.duckdb"
    done = cli("restore", str(damaged), "--store", str(target))
    assert done.returncode == 2 and "levering" in done.stderr and "beschadigd" in done.stderr
    assert not target.exists() and not list(target.parent.glob("*.herstel*"))
    (damaged / "manifest.json").unlink()
    done = cli("restore", str(damaged), "--store", str(target))
    assert done.returncode == 2 and "geen (volledige) backup" in done.stderr


def test_check_finds_a_plain_bsn_with_and_without_the_key(
    region_kamer: Regiekamer, region_store: Path
) -> None:
    store = region_kamer.store
    assert cli("check", "--store", str(store)).returncode == 0
    # A BSN of a client of this store, from the region's own messages.
    messages = region_store.parent / "regio" / "berichten"
    text = next(messages.rglob("*.xml")).read_text(encoding="utf-8")
    bsn = re.search(r"<(?:\w+:)?Bsn>(\d{9})<", text).group(1)
    con = duckdb.connect(str(store))
    con.execute(
        "UPDATE aanbieder SET naam = ? WHERE agb_code = (SELECT min(agb_code) FROM aanbieder)",
        [f"Zorg voor {bsn}"],
    )
    con.close()
    with_key = cli("check", "--store", str(store))
    assert with_key.returncode == 1
    assert re.search(
        r"fout\s+geen BSN: BSN van een cliënt in aanbieder\.naam \(1\)", with_key.stdout
    )
    assert bsn not in with_key.stdout + with_key.stderr  # named, never shown
    without = cli("check", "--store", str(store), key=None)
    assert without.returncode == 1 and "aanbieder.naam" in without.stdout
    # The planted BSN must not outlive the test: the leak scan after the suite would find it.
    store.unlink()
    Path(f"{store}.wal").unlink(missing_ok=True)


def test_backup_without_a_server_and_refusals(region_kamer: Regiekamer, tmp_path: Path) -> None:
    # The socket of a server that was killed is left behind; nobody answers on it.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(channel.socket_path(region_kamer.store)))
    stale.close()
    out = tmp_path / "b"
    made = cli("backup", "--out", str(out), "--store", str(region_kamer.store))
    assert made.returncode == 0, made.stderr
    assert _facts(region_kamer.store)["verzoek"] == {
        k: v for k, v in backup.read_manifest(out)["tabellen"]["verzoek"].items() if k != "sha256"
    }
    # A folder that is not empty is not written into.
    again = cli("backup", "--out", str(out), "--store", str(region_kamer.store))
    assert again.returncode == 2 and "niet leeg" in again.stderr


def test_a_store_deep_in_the_tree_gets_a_short_private_socket(tmp_path: Path) -> None:
    """A Unix socket path has at most 108 bytes; CI's temporary folders are deeper than that."""
    deep = tmp_path / ("x" * 60) / ("y" * 60) / "regiekamer.duckdb"
    path = channel.socket_path(deep)
    assert len(os.fsencode(path)) <= 100
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert channel.socket_path(deep) == path  # the server and the command line agree
    assert channel.socket_path(Path("/srv/s.duckdb")) == Path("/srv/s.duckdb.beheer.sock")

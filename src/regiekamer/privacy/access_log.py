"""The access log (NEN 7513 style): who did what, when, on whose behalf, with what result.

Append-only and tamper-evident: rows are numbered 1, 2, 3, … and each row's ``hash`` is
sha256 over the previous row's hash and the canonical JSON of its own fields (``vorige_hash``
of row 1 is 64 zeros). Changing, removing or reordering any row breaks the chain from that row
on, and `verify` names the first broken row. (Removing the *last* rows leaves a shorter chain
that is still whole; compare the count or last hash with a copy kept elsewhere to catch that.)

`record` writes in the caller's transaction, so an access and its log row commit together;
if the row cannot be written it raises `AccessLogError`, and the access must fail with it.
`Journal.append` is for reads served to many users at once (the web app): a group commit, so
20 concurrent requests cost one transaction instead of 20 queued ones (measured: one row per
transaction capped the server at ~37 requests/s), and each caller still returns only once its
own row is committed. Texts pass through `redact`, so a BSN never lands in the log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from regiekamer.errors import AccessLogError
from regiekamer.privacy.redact import redact

GENESIS = "0" * 64


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def entry_hash(
    vorige_hash: str,
    volgnummer: int,
    tijd: dt.datetime,
    wie: str,
    namens: str | None,
    wat: str,
    resultaat: str,
) -> str:
    """sha256 over the previous hash and the canonical JSON (sorted keys, no spaces) of a row."""
    fields = {
        "volgnummer": volgnummer,
        "tijd": tijd.isoformat(timespec="microseconds"),
        "wie": wie,
        "namens": namens,
        "wat": wat,
        "resultaat": resultaat,
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((vorige_hash + canonical).encode("utf-8")).hexdigest()


def record(
    con: duckdb.DuckDBPyConnection,
    wie: str,
    namens: str | None,
    wat: str,
    resultaat: str,
    *,
    tijd: dt.datetime | None = None,
) -> int:
    """Append one row to the chain; returns its volgnummer."""
    wie, wat, resultaat = redact(wie), redact(wat), redact(resultaat)
    namens = redact(namens) if namens is not None else None
    tijd = tijd or _utcnow()
    try:
        volgnummer, vorige = _head(con)
        volgnummer += 1
        digest = entry_hash(vorige, volgnummer, tijd, wie, namens, wat, resultaat)
        con.execute(
            "INSERT INTO toegangslog VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [volgnummer, tijd, wie, namens, wat, resultaat, vorige, digest],
        )
    except duckdb.Error as exc:
        raise AccessLogError(
            "Het toegangslog kan niet worden bijgeschreven; de handeling is daarom geweigerd."
        ) from exc
    return volgnummer


def _head(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    """The last row's volgnummer and hash (0 and the genesis hash for an empty log)."""
    last = con.execute(
        "SELECT volgnummer, hash FROM toegangslog ORDER BY volgnummer DESC LIMIT 1"
    ).fetchone()
    return (last[0], last[1]) if last else (0, GENESIS)


@dataclass
class _Entry:
    fields: tuple[str, str | None, str, str, dt.datetime]  # wie, namens, wat, resultaat, tijd
    result: int | AccessLogError | None = None  # volgnummer once committed, or the failure


@dataclass
class Journal:
    """The writer of one store's log in this process: one writer at a time, rows grouped.

    A caller that finds no write in progress takes every pending row (its own included) and
    commits them in one transaction; callers arriving meanwhile wait and are written by the
    next of them. The chain head is kept in memory after a commit; when another writer got
    there first (another process, or `record` in a caller's transaction) the insert meets the
    primary key and the batch is written once more on the head read from the store.
    """

    _cond: threading.Condition = field(default_factory=threading.Condition)
    _pending: list[_Entry] = field(default_factory=list)
    _writing: bool = False
    _head: tuple[int, str] | None = None
    # Held while a batch is written, and by `exclusive` for `record` in a caller's transaction.
    _write_lock: threading.Lock = field(default_factory=threading.Lock)

    def append(
        self,
        connect: Callable[[], duckdb.DuckDBPyConnection],
        wie: str,
        namens: str | None,
        wat: str,
        resultaat: str,
    ) -> int:
        """Append one row and return its volgnummer once it is committed."""
        entry = _Entry((redact(wie), None if namens is None else redact(namens), redact(wat),
                        redact(resultaat), _utcnow()))  # fmt: skip
        with self._cond:
            self._pending.append(entry)
            while entry.result is None:
                if self._writing:
                    self._cond.wait()
                    continue
                self._writing = True
                batch, self._pending = self._pending, []
                self._cond.release()
                try:
                    self._write(connect, batch)
                finally:
                    self._cond.acquire()
                    self._writing = False
                    self._cond.notify_all()
        if isinstance(entry.result, AccessLogError):
            raise entry.result
        return entry.result

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """No batch is written meanwhile (for `record` in a caller's own transaction)."""
        with self._write_lock:
            try:
                yield
            finally:
                self._head = None  # that transaction may have moved the head

    def _write(self, connect: Callable[[], duckdb.DuckDBPyConnection], batch: list[_Entry]) -> None:
        with self._write_lock:
            try:
                con = connect()
                try:
                    for attempt in (1, 2):
                        try:
                            self._insert(con, batch)
                            return
                        except duckdb.ConstraintException:
                            self._head = None  # someone else wrote: read the head, try again
                            if attempt == 2:
                                raise
                finally:
                    con.close()
            except duckdb.Error as exc:
                self._head = None
                failure = AccessLogError(
                    "Het toegangslog kan niet worden bijgeschreven; de handeling is daarom "
                    "geweigerd."
                )
                failure.__cause__ = exc
                for e in batch:
                    e.result = failure

    def _insert(self, con: duckdb.DuckDBPyConnection, batch: list[_Entry]) -> None:
        con.execute("BEGIN TRANSACTION")
        try:
            volgnummer, vorige = self._head or _head(con)
            rows = []
            for e in batch:
                wie, namens, wat, resultaat, tijd = e.fields
                volgnummer += 1
                digest = entry_hash(vorige, volgnummer, tijd, wie, namens, wat, resultaat)
                rows.append([volgnummer, tijd, wie, namens, wat, resultaat, vorige, digest])
                vorige = digest
            con.executemany("INSERT INTO toegangslog VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            con.execute("COMMIT")
        except BaseException:
            with suppress(duckdb.Error):  # a COMMIT that failed has rolled back already
                con.execute("ROLLBACK")
            raise
        self._head = (volgnummer, vorige)
        for e, row in zip(batch, rows, strict=True):
            e.result = row[0]


_JOURNALS: dict[Path, Journal] = {}
_JOURNALS_LOCK = threading.Lock()


def journal(store: Path) -> Journal:
    """The one journal of ``store`` in this process (every facade over it shares it)."""
    with _JOURNALS_LOCK:
        return _JOURNALS.setdefault(store.resolve(), Journal())


def verify(con: duckdb.DuckDBPyConnection) -> int | None:
    """The volgnummer of the first row whose link is broken, or None when the chain is whole.

    A row is broken when its number does not follow the previous one, its ``vorige_hash`` is
    not the previous row's hash, or its ``hash`` does not match its fields.
    """
    cur = con.execute(
        "SELECT volgnummer, tijd, wie, namens, wat, resultaat, vorige_hash, hash "
        "FROM toegangslog ORDER BY volgnummer"
    )
    expected_nr, previous = 1, GENESIS
    while batch := cur.fetchmany(10_000):
        for volgnummer, tijd, wie, namens, wat, resultaat, vorige, digest in batch:
            if (
                volgnummer != expected_nr
                or vorige != previous
                or digest != entry_hash(vorige, volgnummer, tijd, wie, namens, wat, resultaat)
            ):
                return volgnummer
            expected_nr, previous = volgnummer + 1, digest
    return None


def count(con: duckdb.DuckDBPyConnection) -> int:
    """The number of rows in the log."""
    return con.execute("SELECT count(*) FROM toegangslog").fetchone()[0]

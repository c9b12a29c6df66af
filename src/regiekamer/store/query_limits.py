"""Query limits of the server: no dashboard or API query runs longer, or answers with more rows,
than configured (settings ``query_seconds`` and ``query_max_rows``).

Time: every connection the served store hands out (store/connection.py: one per facade step) is
watched from the moment it is handed out; when it is still open at its deadline, a watchdog
thread calls DuckDB's ``interrupt()`` on it, and the running query stops with
``duckdb.InterruptException`` (turned into the error RK-LIMIET-TIJD by `timeout_error`).
Interrupting a connection that is idle or closed does nothing, so the watchdog needs no hook on
close. Only the server is watched: a command-line ingest or backup may take as long as it takes.

Rows: `take` reads at most limit + 1 rows of a scoped answer (facade ``_scoped``), so an
answer that is too large is refused (RK-LIMIET-RIJEN) before it is rendered or sent.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from typing import TypeVar

import duckdb

from regiekamer.errors import QueryLimitError

T = TypeVar("T")

TIME_CODE = "RK-LIMIET-TIJD"
ROWS_CODE = "RK-LIMIET-RIJEN"


def timeout_error(seconds: float) -> QueryLimitError:
    # 503: the server could not answer within its own limit; a narrower question may succeed.
    dutch = f"{seconds:g}".replace(".", ",")
    return QueryLimitError(
        TIME_CODE,
        503,
        f"De vraag duurde langer dan {dutch} seconden en is afgebroken. Vraag minder "
        "tegelijk (een kortere periode, minder indelingen) of vraag de beheerder de grens "
        "(REGIEKAMER_QUERY_SECONDS) te verhogen.",
    )


def rows_error(limit: int) -> QueryLimitError:
    return QueryLimitError(
        ROWS_CODE,
        400,
        f"Het antwoord zou meer dan {limit} rijen bevatten en wordt daarom niet gegeven. Vraag "
        "minder tegelijk (een kortere periode, minder indelingen, een filter) of vraag de "
        "beheerder de grens (REGIEKAMER_QUERY_MAX_ROWS) te verhogen.",
    )


def take(rows: Iterable[T], limit: int) -> list[T]:
    """At most ``limit`` rows; reading one more than that raises RK-LIMIET-RIJEN."""
    taken = list(itertools.islice(rows, limit + 1))
    if len(taken) > limit:
        raise rows_error(limit)
    return taken


def fetch(cursor: duckdb.DuckDBPyConnection, batch: int = 10_000) -> Iterator[tuple]:
    """The rows of ``cursor``'s result, fetched in batches (so `take` stops fetching early)."""
    try:
        while rows := cursor.fetchmany(batch):
            yield from rows
    except duckdb.InvalidInputException as exc:
        # Interrupted between two batches, DuckDB reports the result it closed, not the
        # interrupt (seen in CI: a 500 instead of RK-LIMIET-TIJD).
        if "unsuccessful or closed pending query" not in str(exc):
            raise
        raise duckdb.InterruptException(str(exc)) from exc


class Watchdog:
    """Interrupts each watched connection that is still open at its deadline."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, weakref.ref]] = []
        self._wake = threading.Condition()
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, con: duckdb.DuckDBPyConnection, seconds: float) -> None:
        with self._wake:
            heapq.heappush(
                self._heap, (time.monotonic() + seconds, next(self._ids), weakref.ref(con))
            )
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="query-limits", daemon=True)
                self._thread.start()
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._heap:
                    self._wake.wait()
                deadline, _, ref = self._heap[0]
                delay = deadline - time.monotonic()
                if delay > 0:
                    self._wake.wait(delay)
                    continue
                heapq.heappop(self._heap)
            con = ref()
            if con is not None:
                # A closed connection raises: its query finished in time.
                with contextlib.suppress(duckdb.ConnectionException):
                    con.interrupt()


WATCHDOG = Watchdog()

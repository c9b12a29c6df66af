"""The Ibis backends an analysis runs on: the DuckDB store itself, or Spark.

An analysis is a pure function over Ibis tables, so the same KPI definition runs on the store
(DuckDB, the default) and on Spark (local mode on this machine, or a cluster via Spark Connect).
Spark cannot read a DuckDB file, so the Spark backend copies the tables an analysis needs from the
store into temporary views of the same name (DuckDB -> Arrow -> Spark); the analysis then calls
``con.table(name)`` on either backend alike.

Settings read here (all optional): ``spark_remote`` (a Spark Connect URL, ``sc://host:15002``),
``spark_master`` (default ``local[2]``) and ``spark_driver_memory`` (default ``2g``).
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import tempfile
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import duckdb
import ibis

from regiekamer.errors import ConfigError, StoreError
from regiekamer.store.connection import connect

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from regiekamer.settings import Settings

ENGINES = ("duckdb", "spark")

# One local SparkSession per process, shared by every open_backend call (each call works in its own
# child session from newSession(): own temporary views and SQL settings, shared SparkContext).
# Why shared: the first session in a process starts the JVM (13-19 s on this machine under load,
# plus ~5 s of warm-up on the first table copied); later ones are cheap (0.2 s), but stopping the
# shared context to honour one caller would break any other caller still using it (server
# threads, nested calls). So the context lives until the process ends and is stopped at exit.
_local: SparkSession | None = None
_local_lock = threading.Lock()


@contextlib.contextmanager
def open_backend(
    settings: Settings, engine: str, tables: Sequence[str]
) -> Iterator[ibis.BaseBackend]:
    """An Ibis backend on which ``con.table(name)`` reads each of ``tables`` from the store.

    ``duckdb`` reads the store file directly (read-only; ``tables`` needs no copying). ``spark``
    copies ``tables`` into Spark temporary views first and drops them again on exit.
    """
    if engine == "duckdb":
        con = connect(settings.store, read_only=True)
        con.execute("SET memory_limit = ?", [settings.kpi_memory_limit])
        # KPI cells are sorted explicitly; keeping insertion order would only cost memory when
        # intermediate results are written to temporary tables.
        con.execute("SET preserve_insertion_order = false")
        backend = ibis.duckdb.from_connection(con)
        try:
            yield backend
        finally:
            _release_caches(backend)
            con.close()
    elif engine == "spark":
        with _spark_session(settings) as session:
            views = _copy_tables(settings, session, tables)
            backend = ibis.pyspark.connect(session)
            try:
                yield backend
            finally:
                _release_caches(backend)
                for name in views:
                    session.catalog.dropTempView(name)
    else:
        raise ConfigError(f"Onbekende rekenmachine {engine!r}; kies uit: {', '.join(ENGINES)}.")


def _release_caches(backend: ibis.BaseBackend) -> None:
    """Drop what ``expr.cache()`` made while the backend is still open.

    Ibis drops a cached table only when its expression is garbage-collected, which may be after
    exit: on DuckDB that fails on the closed connection (an error at interpreter exit), on Spark
    the cached data would stay in the shared context's memory. This uses Ibis internals
    (``_cache_name_to_entry``); tests/test_ibis_smoke.py shows when they change.
    """
    for name in list(getattr(backend, "_cache_name_to_entry", {})):
        backend._finalize_cached_table(name)


@contextlib.contextmanager
def _spark_session(settings: Settings) -> Iterator[SparkSession]:
    """A Spark session of its own: a child of the shared local one, or a new Connect session."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError(
            "Rekenen met Spark vraagt PySpark: installeer regiekamer[spark]."
        ) from exc
    remote = getattr(settings, "spark_remote", None)
    if not remote:
        yield _local_session(settings).newSession()
        return
    # A cluster owns its own warehouse, memory and partitioning; only the time zone is ours.
    try:
        session = (
            SparkSession.builder.remote(remote).config("spark.sql.session.timeZone", "UTC").create()
        )
    except ImportError as exc:
        raise ConfigError(
            "Spark Connect vraagt extra pakketten: installeer 'pyspark[connect]' "
            f"in dezelfde versie als PySpark ({exc})."
        ) from exc
    except Exception as exc:
        raise ConfigError(f"Spark Connect op {remote} is niet bereikbaar ({exc}).") from exc
    try:
        yield session
    finally:
        session.stop()  # ends this Connect session only, not the cluster


def _local_session(settings: Settings) -> SparkSession:
    """The process's local SparkSession, started on first use (see the note on _local)."""
    global _local
    from pyspark.sql import SparkSession

    with _local_lock:
        if _local is not None and _local.sparkContext._jsc is not None:
            return _local
        master = getattr(settings, "spark_master", None) or "local[2]"
        # A fresh warehouse per process: with a fixed one, a rerun that creates a table fails
        # with LOCATION_ALREADY_EXISTS. Driver memory only counts when this starts the JVM.
        warehouse = tempfile.mkdtemp(prefix="regiekamer-spark-")
        builder = (
            SparkSession.builder.master(master)
            .appName("regiekamer")
            .config("spark.sql.warehouse.dir", warehouse)
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", getattr(settings, "spark_driver_memory", None) or "2g")
        )
        if master.startswith("local"):
            builder = builder.config("spark.sql.shuffle.partitions", "4")
        try:
            _local = builder.getOrCreate()
        except Exception as exc:  # most often: no Java on the PATH
            raise ConfigError(f"Spark start niet (is Java 17 geïnstalleerd?): {exc}") from exc
        _local.sparkContext.setLogLevel("ERROR")
        atexit.register(_stop_local, _local, warehouse)
        return _local


def _stop_local(session: SparkSession, warehouse: str) -> None:
    session.stop()
    shutil.rmtree(warehouse, ignore_errors=True)


def _copy_tables(settings: Settings, session: SparkSession, tables: Sequence[str]) -> list[str]:
    """Copy store tables into temporary views of the same name; returns the views made.

    Arrow keeps DATE as date and VARCHAR[] as array<string>. An empty table is replaced by
    ``schema.empty_table()``: DuckDB hands it over with no chunks at all, on which PySpark 4.0
    fails for list columns ("cannot construct ChunkedArray from empty vector").
    """
    views: list[str] = []
    con = connect(settings.store, read_only=True)
    try:
        for name in dict.fromkeys(tables):
            try:
                data = con.table(name).to_arrow_table()
            except duckdb.CatalogException as exc:
                raise StoreError(f"De store heeft geen tabel {name!r}.") from exc
            if data.num_rows == 0:
                data = data.schema.empty_table()
            session.createDataFrame(data).createOrReplaceTempView(name)
            views.append(name)
    except BaseException:
        for name in views:
            session.catalog.dropTempView(name)
        raise
    finally:
        con.close()
    return views

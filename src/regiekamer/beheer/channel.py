"""The operations channel: how `backup`, `check` and `selftest` reach a store that a running
server holds open.

DuckDB locks the store file for the one process that opens it read-write, and refuses every
other process, even read-only (store/connection.py: the server keeps one read-write instance
open). So while ``regiekamer serve`` runs, another process cannot read the store at all.
Instead the server listens on a Unix socket beside the store (``<store>.beheer.sock``, mode
0600: only the account that runs the server, which may read the store file anyway, can use it)
and runs the operation itself, on its own instance, inside one transaction. A path beside the
store that is too long for a Unix socket (108 bytes) is replaced by a short one in a folder of
the account's own (mode 0700) in the temp directory, named by a hash of the store's path. The
command line sends one JSON line {"opdracht": ..., "args": {...}} and reads one JSON line back:
{"antwoord": ...} or {"fout": "..."}. No network port: the API has no backup route.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import socket
import stat
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from regiekamer.errors import StoreError

Handler = Callable[[str, dict], object]

_listening: dict[Path, socket.socket] = {}
_lock = threading.Lock()


def socket_path(store: Path) -> Path:
    beside = store.resolve().with_name(store.name + ".beheer.sock")
    if len(os.fsencode(beside)) <= 100:
        return beside
    folder = Path(tempfile.gettempdir()) / f"regiekamer-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.lstat()
    if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) != 0o700 or folder.is_symlink():
        return beside  # not ours alone: no channel rather than one others could reach
    digest = hashlib.sha256(os.fsencode(store.resolve())).hexdigest()[:24]
    return folder / f"{digest}.sock"


def open_channel(store: Path, handle: Handler) -> Path | None:
    """Listen beside ``store`` in a daemon thread; ``handle(opdracht, args)`` answers.
    Returns the socket path, or None when it cannot be made (the server runs without it)."""
    path = socket_path(store)
    with _lock:
        if path in _listening:
            return path
        if len(str(path)) > 100:  # AF_UNIX paths are limited to 108 bytes
            return None
        if path.exists() and not listening(store):
            path.unlink()  # left behind by a server that was killed
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # created 0600, never briefly open to others
        try:
            sock.bind(str(path))
        except OSError:
            sock.close()
            return None
        finally:
            os.umask(old)
        sock.listen(4)
        _listening[path] = sock
        atexit.register(path.unlink, missing_ok=True)  # a socket left behind is harmless too
    threading.Thread(target=_serve, args=(sock, handle), name="beheer", daemon=True).start()
    return path


def listening(store: Path) -> bool:
    """True when a server answers on the channel of ``store``."""
    path = socket_path(store)
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def _serve(sock: socket.socket, handle: Handler) -> None:
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        threading.Thread(target=_answer, args=(conn, handle), daemon=True).start()


def _answer(conn: socket.socket, handle: Handler) -> None:
    # OSError: the caller went away (`listening` only probes: it connects and closes).
    with contextlib.suppress(OSError), conn, conn.makefile("rwb") as stream:
        line = stream.readline()
        if not line:
            return
        try:
            request = json.loads(line)
            reply = {"antwoord": handle(str(request["opdracht"]), dict(request.get("args") or {}))}
        except Exception as exc:  # every failure goes back to the caller as its message
            reply = {"fout": str(exc) or type(exc).__name__}
        stream.write(json.dumps(reply, default=str).encode() + b"\n")
        stream.flush()


def ask(store: Path, opdracht: str, args: dict) -> object | None:
    """The server's answer, or None when no server listens for ``store``."""
    path = socket_path(store)
    if not path.exists():
        return None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        try:
            sock.connect(str(path))
        except OSError:
            return None  # a stale socket: no server
        with sock.makefile("rwb") as stream:
            stream.write(json.dumps({"opdracht": opdracht, "args": args}).encode() + b"\n")
            stream.flush()
            line = stream.readline()
    if not line:
        raise StoreError("De server brak de verbinding af zonder antwoord.")
    reply = json.loads(line)
    if "fout" in reply:
        raise StoreError(f"De server meldt: {reply['fout']}")
    return reply["antwoord"]

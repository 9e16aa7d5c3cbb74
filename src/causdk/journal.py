"""The journal of a bulk revoke: what was sent and what came of it, kept on disk so that a job
that dies halfway (a crash, a lost SSH session, ``kill -9``) resumes without revoking anything
twice and without losing the record of what was done.

An append-only JSON Lines file, one line per step, each written and fsync'd before the step it
records goes on: ``pending`` (with the Alibaba ClientToken) before a revoke is sent, ``revoked``
or ``failed`` (with the request id) once it is answered. It holds ids, tokens and request ids,
never a secret. One run at a time: the file is locked while a run holds it.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from causdk._log import logger
from causdk.errors import ConfigurationError

__all__ = ["Journal"]


class Journal:
    """One bulk job's journal, open and locked. ``state(ca_id)`` is the CA's last record."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self._file = self.path.open("a+", encoding="utf-8")
        except OSError as error:
            raise ConfigurationError(f"journal {self.path} cannot be opened: {error}") from None
        if not _lock(self._file):
            self._file.close()
            raise ConfigurationError(
                f"journal {self.path} is in use by another run; wait for it to end."
            )
        self._lock = threading.Lock()
        self._states: dict[str, dict[str, Any]] = {}
        self._file.seek(0)
        for number, line in enumerate(self._file, start=1):
            self._load(line, number)
        self._file.seek(0, os.SEEK_END)

    def _load(self, line: str, number: int) -> None:
        try:
            record = json.loads(line)
            self._states[str(record["ca_id"])] = record
        except (ValueError, KeyError, TypeError):  # a line cut short by a crash mid-write
            logger.warning("journal %s line %d is unreadable; ignored", self.path, number)

    def state(self, ca_id: str) -> dict[str, Any] | None:
        """The CA's last record in this journal, if any."""
        return self._states.get(ca_id)

    def append(self, record: dict[str, Any]) -> None:
        """Write one record and make it durable before returning."""
        stamped = {**record, "at": datetime.now(timezone.utc).isoformat(timespec="milliseconds")}
        line = json.dumps(stamped, sort_keys=True) + "\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()
            os.fsync(self._file.fileno())
            self._states[str(record["ca_id"])] = stamped

    def close(self) -> None:
        """Release the lock and close the file."""
        self._file.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Journal({str(self.path)!r}, {len(self._states)} CAs)"


def _lock(file: Any) -> bool:
    """An exclusive lock on the open file, without waiting; released when it is closed."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory lock here; one run at a time is up to you
        return True
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True

"""The emulator's state: CAs, credentials, faults and the request log, behind one lock."""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

Cloud = Literal["alibaba", "huawei"]
Kind = Literal["root", "subordinate"]
"""The public ``CAKind`` values, so that ``ca.kind == CAKind.ROOT`` works on emulated CAs."""

DAY_MS = 86_400_000


@dataclass
class EmulatedCA:
    """One CA as the emulator keeps it; ``status`` is the cloud's own word."""

    cloud: Cloud
    id: str
    kind: Kind
    status: str
    common_name: str
    parent_id: str | None = None
    revocation_reason: str | None = None
    not_before_ms: int = field(default_factory=lambda: int(time.time() * 1000) - DAY_MS)
    not_after_ms: int = field(default_factory=lambda: int(time.time() * 1000) + 3650 * DAY_MS)
    serial_number: str = field(default_factory=lambda: uuid.uuid4().hex[:20])


@dataclass(frozen=True)
class StateChange:
    cloud: Cloud
    ca_id: str
    before: str
    after: str
    reason: str | None


@dataclass(frozen=True)
class LoggedRequest:
    """One request the emulator answered (or dropped)."""

    cloud: Cloud
    action: str
    status: int  # 0 when the connection was dropped without an answer
    ca_id: str | None = None
    client_token: str | None = None
    account: str | None = None
    code: str | None = None
    """The error code answered, if any (e.g. ``Throttling.User``, ``PCA.10010004``)."""
    at: float = field(default_factory=time.monotonic)
    """When the emulator handled it, on ``time.monotonic()`` (one clock for every process on
    the machine, so a client in another process can compare)."""


@dataclass
class Fault:
    """Something to do instead of (or after) answering normally."""

    kind: Literal["status", "drop", "html", "throttle"]
    count: int
    status: int = 503
    after: bool = False  # apply the request's effect first, then fail (an ambiguous failure)
    cloud: Cloud | None = None


class EmulatorState:
    """Thread-safe state shared by the two clouds' handlers and the test that reads it."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.cas: dict[tuple[Cloud, str], EmulatedCA] = {}
        self.changes: list[StateChange] = []
        self.log: deque[LoggedRequest] = deque(maxlen=200_000)
        self.faults: deque[Fault] = deque()
        self.latency = 0.0

    def add(self, ca: EmulatedCA) -> EmulatedCA:
        with self.lock:
            self.cas[(ca.cloud, ca.id)] = ca
        return ca

    def find(self, cloud: Cloud, ca_id: str) -> EmulatedCA | None:
        with self.lock:
            return self.cas.get((cloud, ca_id))

    def of(self, cloud: Cloud) -> list[EmulatedCA]:
        with self.lock:
            return [ca for (c, _), ca in self.cas.items() if c == cloud]

    def change(self, ca: EmulatedCA, status: str, reason: str | None = None) -> None:
        with self.lock:
            self.changes.append(StateChange(ca.cloud, ca.id, ca.status, status, reason))
            ca.status = status
            ca.revocation_reason = reason

    def record(self, entry: LoggedRequest) -> None:
        self.log.append(entry)  # deque.append is atomic

    def take_fault(self, cloud: Cloud) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.cloud in (None, cloud):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

"""Reading an answer's body with a cap, whatever the server sends: no HTTP library here.

A runner feeds the raw bytes as they arrive; the reader decodes gzip and deflate itself, a
bounded piece at a time, so that neither a 4 GB body, an endless chunked one nor a gzip bomb
can take more than ``cap`` bytes of memory. What it cannot read whole becomes ``problem``, which
the core turns into an :class:`~causdk.errors.UnexpectedResponseError`.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

DEFAULT_CAP = 1024 * 1024

# Content codings we ask for (none: causdk sends no Accept-Encoding) and still read if sent.
_GZIP = ("gzip", "x-gzip")
_DEFLATE = ("deflate",)


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB" if size >= 1024 * 1024 else f"{size} bytes"


class BodyReader:
    """Collects at most ``cap`` decoded (and at most ``cap`` raw) bytes of one body."""

    __slots__ = ("_cap", "_chunks", "_decoder", "_raw", "_size", "problem")

    def __init__(self, headers: Mapping[str, str], cap: int) -> None:
        self._cap = cap
        self._chunks: list[bytes] = []
        self._raw = 0
        self._size = 0
        self._decoder: zlib._Decompress | None = None
        self.problem: str | None = None
        """Why the body could not be read whole; None while all is well."""
        coding = headers.get("content-encoding", "").strip().lower()
        if coding in _GZIP:
            self._decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif coding in _DEFLATE:
            self._decoder = zlib.decompressobj(zlib.MAX_WBITS)
        elif coding not in ("", "identity"):
            self.problem = f"the answer's content-encoding {coding[:40]!r} is not supported"
        declared = headers.get("content-length", "").strip()
        if declared.isdigit() and int(declared) > cap:
            self.problem = f"the answer declares {int(declared)} bytes, over the {_mib(cap)} cap"

    def feed(self, chunk: bytes) -> bool:
        """Take the next raw bytes; False once reading should stop (see ``problem``)."""
        if self.problem is not None:
            return False
        self._raw += len(chunk)
        if self._raw > self._cap:
            return self._fail(f"the answer is over the {_mib(self._cap)} cap")
        if self._decoder is None:
            return self._keep(chunk)
        try:
            room = self._cap - self._size
            out = self._decoder.decompress(chunk, room + 1)
        except zlib.error:
            return self._fail("the answer's compressed body is corrupt")
        if self._decoder.unconsumed_tail:
            return self._fail(f"the answer decompresses to over the {_mib(self._cap)} cap")
        return self._keep(out)

    def finish(self) -> bytes:
        """The body read so far (empty when there is a ``problem``)."""
        if self.problem is None and self._decoder is not None:
            try:
                self._keep(self._decoder.flush())
            except zlib.error:
                self._fail("the answer's compressed body is corrupt")
            else:
                if not self._decoder.eof:
                    self._fail("the answer's compressed body ends early")
        return b"" if self.problem is not None else b"".join(self._chunks)

    def _keep(self, data: bytes) -> bool:
        self._size += len(data)
        if self._size > self._cap:
            return self._fail(f"the answer is over the {_mib(self._cap)} cap")
        if data:
            self._chunks.append(data)
        return True

    def _fail(self, problem: str) -> bool:
        self.problem = problem
        self._chunks.clear()
        return False

"""A hostile HTTP server of our own, over real sockets on 127.0.0.1.

The emulator answers the way we expect; this one lies, stalls and floods on purpose. Each
connection is served by a *behaviour*: a function given the socket and the request it sent,
that writes whatever it likes. Every wait inside watches the server's stop event, so stopping
the server ends every connection at once.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

Behaviour = Callable[["Conn", "Request"], bool]
"""Answers one request on a connection; True to keep the connection for another request."""


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Conn:
    sock: socket.socket
    stop: threading.Event

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def answer(
        self,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        reason: str = "X",
    ) -> None:
        head = {"Content-Length": str(len(body)), **(headers or {})}
        lines = "".join(f"{k}: {v}\r\n" for k, v in head.items())
        self.send(f"HTTP/1.1 {status} {reason}\r\n{lines}\r\n".encode() + body)

    def wait(self, seconds: float) -> bool:
        """Sleep, unless the server stops first (then False)."""
        return not self.stop.wait(seconds)


@dataclass
class HostileServer:
    behaviour: Behaviour
    tls: ssl.SSLContext | None = None
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> HostileServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        for sock in self._sockets:  # wakes every connection blocked in recv
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self._sockets.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, sock: socket.socket) -> None:
        with suppress(OSError, ssl.SSLError), sock:
            sock.settimeout(10)
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_side=True)
            conn = Conn(sock, self._stop)
            buffer = b""
            while not self._stop.is_set():
                request, buffer = _read_request(sock, buffer)
                if request is None:
                    return
                self.requests.append(request)
                if not self.behaviour(conn, request):
                    return


def _read_request(sock: socket.socket, buffer: bytes) -> tuple[Request | None, bytes]:
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None, b""
        rest += chunk
    return Request(method, path, headers, rest[:length]), rest[length:]


@contextmanager
def hostile(behaviour: Behaviour, *, tls: ssl.SSLContext | None = None) -> Iterator[HostileServer]:
    server = HostileServer(behaviour, tls=tls).start()
    try:
        yield server
    finally:
        server.stop()


# -- behaviours ---------------------------------------------------------------------------------


def never_answers(conn: Conn, request: Request) -> bool:
    conn.wait(60)
    return False


def trickles_headers(conn: Conn, request: Request) -> bool:
    """Headers one byte a second: no single read ever waits long enough to time out."""
    for byte in b"HTTP/1.1 204 No Content\r\nX-Padding: " + b"a" * 200:
        conn.send(bytes([byte]))
        if not conn.wait(0.5):
            return False
    return False


def trickles_body(conn: Conn, request: Request) -> bool:
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n")
    for _ in range(500):
        conn.send(b" ")
        if not conn.wait(0.5):
            return False
    return False


def huge_declared_body(conn: Conn, request: Request) -> bool:
    """Declares 4 GB and streams zeros for as long as the client reads."""
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    conn.send(f"Content-Length: {4 * 1024**3}\r\n\r\n".encode())
    return _stream_zeros(conn)


def endless_chunked(conn: Conn, request: Request) -> bool:
    conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
    conn.send(b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b"0" * 0x10000 + b"\r\n"
    with suppress(OSError):
        while not conn.stop.is_set():
            conn.send(chunk)
    return False


def _stream_zeros(conn: Conn) -> bool:
    block = b"\0" * 65536
    with suppress(OSError):
        while not conn.stop.is_set():
            conn.send(block)
    return False


def _bomb(size: int) -> bytes:
    """Gzip of ``size`` zero bytes, made a megabyte at a time (it never holds ``size`` bytes)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1024 * 1024)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    return b"".join([*parts, packer.flush()])


_BOMB = _bomb(128 * 1024 * 1024)  # ~130 KB on the wire, 128 MiB inside


def gzip_bomb(conn: Conn, request: Request) -> bool:
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    conn.answer(200, _BOMB, headers)
    return True


def captive_portal(conn: Conn, request: Request) -> bool:
    page = b"<html><body><h1>Welcome!</h1>Please accept the terms to get online.</body></html>"
    conn.answer(200, page, {"Content-Type": "text/html"})
    return True


def invalid_json(conn: Conn, request: Request) -> bool:
    conn.answer(200, b'{"RequestId": "x", "Certificate": {', {"Content-Type": "application/json"})
    return True


def deep_json(conn: Conn, request: Request) -> bool:
    conn.answer(200, b"[" * 100_000 + b"]" * 100_000, {"Content-Type": "application/json"})
    return True


def error_json_200(conn: Conn, request: Request) -> bool:
    """A 200 whose JSON is an error, in both providers' shapes at once."""
    body = {"RequestId": "REQ-200-ERR", "Code": "Forbidden.RAM", "Message": "no",
            "error_code": "PCA.00010003", "error_msg": "no"}  # fmt: skip
    conn.answer(200, json.dumps(body).encode(), {"Content-Type": "application/json"})
    return True


def alibaba_200_without_request_id(conn: Conn, request: Request) -> bool:
    conn.answer(200, b"{}", {"Content-Type": "application/json"})
    return True


def redirects(conn: Conn, request: Request) -> bool:
    conn.answer(302, b"", {"Location": "http://127.0.0.1:9/elsewhere"})
    return True


def answers(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Behaviour:
    def behaviour(conn: Conn, request: Request) -> bool:
        conn.answer(status, body, headers)
        return True

    return behaviour


def json_answer(payload: object, status: int = 200) -> Behaviour:
    return answers(status, json.dumps(payload).encode(), {"Content-Type": "application/json"})


@contextmanager
def slow_tls_front(target_port: int, delay: float, tls: ssl.SSLContext) -> Iterator[int]:
    """A TLS front for 127.0.0.1:``target_port`` (plain HTTP), on 127.0.0.1:<returned port>.
    Each new connection's TLS handshake takes ``delay`` seconds longer, as a real network's
    TCP and TLS set-up does: the client can send its request only once it is done."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)

    def pipe(src: socket.socket, dst: socket.socket) -> None:
        with suppress(OSError):
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        with suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def serve(raw: socket.socket) -> None:
        with suppress(OSError, ssl.SSLError):
            if stop.wait(delay):
                return
            client = tls.wrap_socket(raw, server_side=True)
            upstream = socket.create_connection(("127.0.0.1", target_port))
            back = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
            back.start()
            pipe(client, upstream)
            back.join(timeout=30)
            upstream.close()
        raw.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=serve, args=(raw,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        listener.close()
        thread.join(timeout=5)

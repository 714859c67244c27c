"""A tiny HTTP proxy of the tests' own (loopback only): CONNECT tunnels and plain
forwarding, optionally demanding Basic credentials (407) or refusing everything (403),
and with cut_bodies=True answering every request with a body by a reset.

    with TinyProxy(mode="auth", credentials=("it", "secret")) as proxy:
        url = proxy.url            # http://127.0.0.1:PORT
        proxy.requests             # request lines seen, e.g. "CONNECT 127.0.0.1:8700 HTTP/1.1"

It is enough for what GovDesk does through a proxy; not a general proxy.
"""

from __future__ import annotations

import base64
import contextlib
import select
import socket
import socketserver
import struct
import threading
from typing import Any

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        while True:  # keep-alive for plain forwarding
            head = self._read_head()
            if head is None:
                return
            request_line, headers = head
            self.server.owner.requests.append(request_line)
            method, target, _ = (request_line.split(" ", 2) + ["", ""])[:3]
            refusal = self.server.owner.refusal(headers)
            if self.server.owner.cut_bodies and int(headers.get("content-length") or 0):
                # A request with a body gets a reset, its body unread: the client never
                # sees an answer (what a reset does to tinyproxy's 407, in any mode here).
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                return
            if refusal is not None:
                self._reply(refusal, 'Proxy-Authenticate: Basic realm="county"\r\n'
                            if refusal.startswith("407") else "")
                if method == "CONNECT":
                    return
                self._discard_body(headers)
                continue
            if method == "CONNECT":
                self._tunnel(target)
                return
            if not self._forward(method, target, headers):
                return

    def _read_head(self) -> tuple[str, dict[str, str]] | None:
        try:
            line = self.rfile.readline(65536)
        except OSError:
            return None
        if not line:
            return None
        request_line = line.decode("latin-1").rstrip("\r\n")
        headers: dict[str, str] = {}
        raw: list[str] = []
        while True:
            h = self.rfile.readline(65536)
            if not h or h in (b"\r\n", b"\n"):
                break
            text = h.decode("latin-1").rstrip("\r\n")
            raw.append(text)
            name, _, value = text.partition(":")
            headers[name.strip().lower()] = value.strip()
        headers["__raw__"] = "\r\n".join(raw)
        return request_line, headers

    def _reply(self, status: str, extra: str = "") -> None:
        body = status.encode()
        self.wfile.write(f"HTTP/1.1 {status}\r\n{extra}Content-Type: text/plain\r\n"
                         f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        self.wfile.flush()

    def _discard_body(self, headers: dict[str, str]) -> None:
        n = int(headers.get("content-length") or 0)
        if n:
            self.rfile.read(n)

    def _connect(self, hostport: str) -> socket.socket | None:
        host, _, port = hostport.rpartition(":")
        host = host.strip("[]")
        if host not in _LOOPBACK:  # never leave this machine
            self._reply("403 Forbidden")
            return None
        try:
            return socket.create_connection((host, int(port)), timeout=10)
        except OSError:
            self._reply("502 Bad Gateway")
            return None

    def _tunnel(self, target: str) -> None:
        upstream = self._connect(target)
        if upstream is None:
            return
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()
        self._pipe(self.connection, upstream)

    def _forward(self, method: str, target: str, headers: dict[str, str]) -> bool:
        from urllib.parse import urlsplit

        parts = urlsplit(target)
        upstream = self._connect(f"{parts.hostname}:{parts.port or 80}")
        if upstream is None:
            return True
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [f"{method} {path} HTTP/1.1"]
        lines += [h for h in headers["__raw__"].split("\r\n")
                  if h and not h.lower().startswith(("proxy-", "connection:"))]
        lines.append("Connection: close")
        upstream.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        n = int(headers.get("content-length") or 0)
        if n:
            upstream.sendall(self.rfile.read(n))
        # Relay the answer until the platform closes (Connection: close), then close too.
        with contextlib.suppress(OSError):
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                self.wfile.write(chunk)
        upstream.close()
        return False

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        socks = [a, b]
        try:
            while True:
                ready, _, _ = select.select(socks, [], [], 30)
                if not ready:
                    return
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)
        except OSError:
            return
        finally:
            b.close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: TinyProxy


class TinyProxy:
    def __init__(self, *, mode: str = "open", credentials: tuple[str, str] | None = None,
                 cut_bodies: bool = False) -> None:
        if mode not in ("open", "auth", "forbid"):
            raise ValueError(mode)
        self.mode = mode
        self.cut_bodies = cut_bodies  # a request with a body: reset, unanswered
        self.credentials = credentials
        self.requests: list[str] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def refusal(self, headers: dict[str, str]) -> str | None:
        if self.mode == "forbid":
            return "403 Forbidden"
        if self.mode == "auth":
            user, password = self.credentials or ("", "")
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            if headers.get("proxy-authorization") != f"Basic {token}":
                return "407 Proxy Authentication Required"
        return None

    def __enter__(self) -> TinyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

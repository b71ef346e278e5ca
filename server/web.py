"""What ``linli serve`` runs on its one port: the Linli service (:mod:`server.connect_app`: Connect, gRPC-Web and
gRPC), the phone booth's files under ``/booth/``, and CORS for the booth's other origins, on hypercorn (HTTP/1.1,
HTTP/2 over cleartext for grpcio, and HTTPS with HTTP/2 by ALPN when given a certificate).

Pure ASGI, no framework: :class:`Cors` wraps everything, :class:`Booth` serves a folder of built files.
"""

from __future__ import annotations

import asyncio
import hashlib
import signal
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

__all__ = ["BOOTH_DIR", "Booth", "Cors", "Listening", "create_web_app", "serve", "serve_async"]

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BOOTH_DIR = Path(__file__).with_name("booth")  # the built booth, shipped in the package (booth/build.mjs writes it)
BOOTH_PREFIX = "/booth/"

# The headers a browser client of Connect / gRPC-Web sends and must read (connect-web's documented lists).
ALLOW_HEADERS = "content-type, connect-protocol-version, connect-timeout-ms, x-grpc-web, x-user-agent, grpc-timeout"
EXPOSE_HEADERS = "grpc-status, grpc-message, grpc-status-details-bin"
ALLOW_METHODS = "GET, POST"


async def _respond(
    send: Send, status: int, body: bytes = b"", headers: Iterable[tuple[str, str]] = (), *, head: bool = False
) -> None:
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    if body and not any(k == b"content-type" for k, _ in raw):
        raw.append((b"content-type", b"text/plain; charset=utf-8"))
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": b"" if head else body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


# -- CORS ----------------------------------------------------------------------------------------------------------
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _same_origin(origin: str, host: str | None) -> bool:
    """Whether ``origin`` names the host the request was sent to (the booth served from this server). The scheme is
    not compared: behind a TLS-terminating proxy the server sees http for an https page."""
    if not host:
        return False
    parts = urlsplit(origin)
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc:
        return False
    netloc, host = parts.netloc.lower(), host.lower()
    default = _DEFAULT_PORTS[parts.scheme]
    return host in (netloc, f"{netloc}:{default}") or netloc == f"{host}:{default}"


class Cors:
    """Cross-origin requests from the allowed ``origins`` only (and from this server's own pages). A preflight
    (OPTIONS with Access-Control-Request-Method) is answered here — connectrpc answers OPTIONS 405 — and any
    request from another origin is refused 403 before it reaches the service. Requests without an Origin header
    (grpcio, curl, the CLI) pass untouched."""

    def __init__(self, app: ASGIApp, origins: Collection[str]) -> None:
        self.app = app
        self.origins = frozenset(o.rstrip("/") for o in origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = _header(scope, b"origin") if scope["type"] == "http" else None
        if origin is None:
            await self.app(scope, receive, send)
            return
        if origin not in self.origins and not _same_origin(origin, _header(scope, b"host")):
            message = f"origin {origin} may not call this server (allow it with linli serve --cors-origin)"
            await _respond(send, 403, message.encode("utf-8", "replace"), [("vary", "origin")])
            return
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method") is not None:
            await _respond(
                send,
                204,
                headers=[
                    ("access-control-allow-origin", origin),
                    ("access-control-allow-methods", ALLOW_METHODS),
                    ("access-control-allow-headers", ALLOW_HEADERS),
                    ("access-control-max-age", "7200"),
                    ("vary", "origin"),
                ],
            )
            return
        extra = [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-expose-headers", EXPOSE_HEADERS.encode()),
            (b"vary", b"origin"),
        ]

        async def send_with_cors(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_cors)


# -- the booth's files -----------------------------------------------------------------------------------------------
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".wasm": "application/wasm",
    ".txt": "text/plain; charset=utf-8",
}
SERVICE_WORKERS = frozenset({"sw.js", "service-worker.js"})


@dataclass(frozen=True, slots=True)
class _File:
    body: bytes
    etag: str
    stamp: tuple[int, int]  # (mtime_ns, size) it was read at


class Booth:
    """GET and HEAD of ``/booth/`` (index.html) and ``/booth/<path>`` from ``root``.

    Paths are checked before the file system sees them: no empty, ``.`` or ``..`` segment, no hidden file, no
    backslash or NUL, and the resolved file must lie inside ``root`` (no symlink out of it). Every file is sent
    with ``Cache-Control: no-cache`` and an ETag: the booth is the voter's cryptography, so a phone revalidates it on
    every load (a 304 when unchanged) and never runs a stale copy after an upgrade. The service worker may control
    ``/booth/`` only."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[Path, _File] = {}

    def _resolve(self, relative: str) -> Path | None:
        segments = relative.split("/")
        if any(not s or s.startswith(".") or "\\" in s or "\x00" in s for s in segments):
            return None
        root = self.root.resolve()
        path = root.joinpath(*segments).resolve()
        return path if path.is_relative_to(root) and path.is_file() else None

    def _read(self, path: Path) -> _File:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        cached = self._cache.get(path)
        if cached is None or cached.stamp != stamp:
            body = path.read_bytes()
            cached = _File(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"', stamp)
            self._cache[path] = cached
        return cached

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"]
        if method not in ("GET", "HEAD"):
            await _respond(send, 405, b"the booth's files are read with GET\n", [("allow", "GET, HEAD")])
            return
        head = method == "HEAD"
        if path in ("/", "/booth"):
            await _respond(send, 308 if path == "/booth" else 302, headers=[("location", BOOTH_PREFIX)], head=head)
            return
        relative = path.removeprefix(BOOTH_PREFIX) or "index.html"
        if not (self.root / "index.html").is_file():
            message = f"the booth is not installed on this server: {self.root} has no index.html (booth/build.mjs)\n"
            await _respond(send, 404, message.encode(), head=head)
            return
        found = self._resolve(relative)
        if found is None:
            await _respond(send, 404, f"not found: {path} is not a file of the booth\n".encode(), head=head)
            return
        file = self._read(found)
        headers = [
            ("content-type", CONTENT_TYPES.get(found.suffix.lower(), "application/octet-stream")),
            ("cache-control", "no-cache"),
            ("etag", file.etag),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
        ]
        if found.name in SERVICE_WORKERS:
            headers.append(("service-worker-allowed", BOOTH_PREFIX))
        if _header(scope, b"if-none-match") == file.etag:
            await _respond(send, 304, headers=[h for h in headers if h[0] != "content-type"], head=True)
            return
        await _respond(send, 200, file.body, headers, head=head)


def create_web_app(service_app: ASGIApp, *, booth_dir: Path = BOOTH_DIR, cors_origins: Collection[str] = ()) -> ASGIApp:
    """The one app of ``linli serve``: ``/``, ``/booth`` and ``/booth/*`` are the booth, everything else the
    service (its paths are ``/linli.v1.Linli/<Method>``); CORS around both."""
    booth = Booth(booth_dir)

    async def route(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope["path"] in ("/", "/booth") or scope["path"].startswith(BOOTH_PREFIX)):
            await booth(scope, receive, send)
        else:
            await service_app(scope, receive, send)

    return Cors(route, cors_origins)


# -- serving ------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Listening:
    port: int
    tls: bool


def serve(
    app: ASGIApp,
    listen: str,
    *,
    certfile: str | None = None,
    keyfile: str | None = None,
    ready: Callable[[Listening], None] = lambda _: None,
    graceful_timeout: float = 5.0,
) -> None:
    """Serve ``app`` on ``listen`` (host:port; port 0 = a free one) until SIGINT or SIGTERM, then stop gracefully:
    no new connections, in-flight requests get ``graceful_timeout`` seconds. ``ready`` is called once the port
    accepts connections (they queue until the first is served) and the signal handlers are in place."""

    async def until_signalled() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):  # hypercorn installs none when given a shutdown trigger
            loop.add_signal_handler(sig, stop.set)
        await serve_async(
            app,
            listen,
            certfile=certfile,
            keyfile=keyfile,
            ready=ready,
            until=stop.wait,
            graceful_timeout=graceful_timeout,
        )

    asyncio.run(until_signalled())


async def serve_async(
    app: ASGIApp,
    listen: str,
    *,
    until: Callable[[], Awaitable[object]],
    certfile: str | None = None,
    keyfile: str | None = None,
    ready: Callable[[Listening], None] = lambda _: None,
    graceful_timeout: float = 5.0,
) -> None:
    """:func:`serve` in the running loop, until ``until()`` returns (tests run it in a thread of their own)."""
    import logging

    from hypercorn.asyncio.run import worker_serve
    from hypercorn.config import Config
    from hypercorn.utils import wrap_app

    config = Config()
    config.bind = [listen]
    config.certfile, config.keyfile = certfile, keyfile
    config.graceful_timeout = graceful_timeout
    config.errorlog = logging.getLogger("linli.server.http")
    config.accesslog = None  # the service logs one line per request (server.service)
    config.include_server_header = False
    # hypercorn ends an HTTP/2 connection after keep_alive_max_requests (default 1000) and fails the call in flight
    # with UNAVAILABLE: a trustee polling the ceremony board 10 times a second met it after 100 s, a witness or a
    # booth left open would too. Connections stay bounded by keep_alive_timeout and the clients' own lifetimes.
    config.keep_alive_max_requests = 1 << 30
    sockets = config.create_sockets()
    bound = [*sockets.secure_sockets, *sockets.insecure_sockets]
    for sock in bound:
        sock.listen(config.backlog)
    ready(Listening(port=bound[0].getsockname()[1], tls=bool(sockets.secure_sockets)))
    wrapped = wrap_app(cast("Any", app), config.wsgi_max_body_size, "asgi")  # hypercorn's own ASGI types
    await worker_serve(wrapped, config, sockets=sockets, shutdown_trigger=until)

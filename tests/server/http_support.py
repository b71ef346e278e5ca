"""The HTTP transport in a test: ``linli serve``'s app (server.web + server.connect_app) on hypercorn in a thread of
its own, over a given ElectionService, and small Connect / gRPC-Web clients on http.client (what a browser sends)."""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import ssl
import struct
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.connect_app import create_app
from server.service import ElectionService, LinliRpc
from server.web import BOOTH_DIR, Listening, create_web_app, serve_async

SERVICE = "/linli.v1.Linli/"


@dataclass
class HttpServer:
    port: int
    tls: ssl.SSLContext | None = None  # the client context that trusts the test certificate

    def connection(self) -> http.client.HTTPConnection:
        if self.tls is not None:
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30, context=self.tls)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = self.connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def connect_json(self, rpc: str, message: dict[str, Any] | bytes, **headers: str) -> tuple[int, Any]:
        """A Connect unary call with the JSON codec: (HTTP status, decoded body)."""
        body = message if isinstance(message, bytes) else json.dumps(message).encode()
        status, _, data = self.request("POST", SERVICE + rpc, body, {"content-type": "application/json", **headers})
        return status, json.loads(data) if data else None

    def connect_proto(self, rpc: str, payload: bytes) -> tuple[int, bytes]:
        status, _, data = self.request("POST", SERVICE + rpc, payload, {"content-type": "application/proto"})
        return status, data

    def grpc_web(self, rpc: str, payload: bytes) -> tuple[bytes | None, dict[str, str]]:
        """A gRPC-Web unary call (binary frames): (the response message or None, the trailers)."""
        frame = b"\x00" + struct.pack(">I", len(payload)) + payload
        headers = {"content-type": "application/grpc-web+proto", "x-grpc-web": "1"}
        status, resp_headers, data = self.request("POST", SERVICE + rpc, frame, headers)
        assert status == 200, (status, data)
        message, trailers = None, {}
        while data:
            flags, length = data[0], struct.unpack(">I", data[1:5])[0]
            body, data = data[5 : 5 + length], data[5 + length :]
            if flags & 0x80:
                for line in body.decode().split("\r\n"):
                    if line:
                        key, _, value = line.partition(":")
                        trailers[key.strip().lower()] = value.strip()
            else:
                message = body
        for key in ("grpc-status", "grpc-message"):  # a trailers-only response puts them in the headers
            if key in resp_headers:
                trailers.setdefault(key, resp_headers[key])
        return message, trailers


@contextmanager
def http_server(
    service: ElectionService,
    *,
    booth_dir: Path = BOOTH_DIR,
    cors_origins: tuple[str, ...] = (),
    tls: tuple[Path, Path] | None = None,
    client_tls: ssl.SSLContext | None = None,
) -> Iterator[HttpServer]:
    pool = ThreadPoolExecutor(8, thread_name_prefix="linli-rpc-test")
    app = create_web_app(create_app(LinliRpc(service), pool), booth_dir=booth_dir, cors_origins=cors_origins)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    started = threading.Event()
    bound: list[Listening] = []
    errors: list[BaseException] = []

    def ready(at: Listening) -> None:
        bound.append(at)
        started.set()

    def run() -> None:
        try:
            loop.run_until_complete(
                serve_async(
                    app,
                    "127.0.0.1:0",
                    until=stop.wait,
                    certfile=str(tls[0]) if tls else None,
                    keyfile=str(tls[1]) if tls else None,
                    ready=ready,
                    graceful_timeout=1.0,
                )
            )
        except BaseException as e:
            errors.append(e)
            started.set()
        finally:
            loop.close()

    thread = threading.Thread(target=run, name="hypercorn-test", daemon=True)
    thread.start()
    assert started.wait(30), "hypercorn did not start"
    if errors:
        raise errors[0]
    try:
        yield HttpServer(bound[0].port, client_tls)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        pool.shutdown(wait=True)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()

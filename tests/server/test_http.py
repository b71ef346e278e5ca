"""``linli serve``'s one port (issue 10): the same service over Connect (JSON and binary), gRPC-Web and native gRPC
(the stock grpcio client over HTTP/2 cleartext and over TLS with ALPN), CORS for the booth's other origins, and the
booth's static files. The answers are the grpcio server's, byte for byte; the errors carry the same codes."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from client.api import LinliClient
from tests.factories import MODULUS_BITS
from tests.server.conftest import REFERENCE, Live
from tests.server.http_support import HttpServer, b64, http_server
from voting.encoding import canonical
from wire import linli_pb2 as pb
from wire import linli_pb2_grpc as pb_grpc


@pytest.fixture
def http(live: Live) -> Iterator[HttpServer]:
    with http_server(live.service, cors_origins=("https://booth.example",)) as server:
        yield server


# -- the same answers on every protocol ------------------------------------------------------------------------------
def test_connect_json_binary_grpc_web_and_grpc_give_the_grpcio_servers_answers(live: Live, http: HttpServer) -> None:
    ref = pb.ElectionRef(election_id=REFERENCE)
    expected = live.stub.GetElection(ref).SerializeToString()

    status, data = http.connect_proto("GetElection", ref.SerializeToString())
    assert status == 200 and data == expected

    status, obj = http.connect_json("GetElection", {"electionId": REFERENCE})
    assert status == 200 and obj["electionId"] == REFERENCE and obj["phase"] == "open"
    assert int(obj["treeSize"]) == live.service.ledger.size(REFERENCE)  # int64 travels as a JSON string

    message, trailers = http.grpc_web("GetElection", ref.SerializeToString())
    assert trailers["grpc-status"] == "0" and message == expected

    with grpc.insecure_channel(f"127.0.0.1:{http.port}") as channel:  # HTTP/2 with trailers, on the same port
        assert pb_grpc.LinliStub(channel).GetElection(ref, timeout=30).SerializeToString() == expected
        snap = LinliClient(channel, timeout=30, min_modulus_bits=MODULUS_BITS).election(REFERENCE)  # §P12, over HTTP
        direct = LinliClient(live.channel, timeout=30, min_modulus_bits=MODULUS_BITS).election(REFERENCE)
        assert snap.fingerprint == direct.fingerprint


def test_entries_page_over_connect_json(live: Live, http: HttpServer) -> None:
    status, obj = http.connect_json("GetEntries", {"electionId": REFERENCE, "start": "1", "limit": "2"})
    assert status == 200 and len(obj["entries"]) == 2
    assert [b64(e) for e in live.log()[1:3]] == obj["entries"]


@pytest.mark.parametrize(
    ("rpc", "message", "http_status", "code"),
    [
        ("GetElection", {"electionId": "no-such-election"}, 404, "not_found"),
        ("GetElection", {"electionId": "Reference\n"}, 400, "invalid_argument"),
        ("GetEntries", {"electionId": REFERENCE, "start": "4294967297"}, 400, "out_of_range"),
        ("GetEntries", {"electionId": REFERENCE, "start": "9223372036854775808"}, 400, "invalid_argument"),
        ("GetInclusionProof", {"electionId": REFERENCE, "leafIndex": "1000"}, 400, "out_of_range"),
        ("CastBallot", {"electionId": REFERENCE, "ballot": b64(b"[" * 100_000)}, 400, "invalid_argument"),
    ],
)
def test_errors_over_connect_json_and_grpc_web_have_the_grpc_codes(
    http: HttpServer, rpc: str, message: dict[str, str], http_status: int, code: str
) -> None:
    status, obj = http.connect_json(rpc, message)
    assert (status, obj["code"]) == (http_status, code), obj
    assert len(obj["message"]) <= 1000
    from google.protobuf import json_format

    request = json_format.ParseDict(message, getattr(pb, rpc_types()[rpc])())
    _, trailers = http.grpc_web(rpc, request.SerializeToString())
    assert trailers["grpc-status"] == str(grpc.StatusCode[code.upper()].value[0])


def rpc_types() -> dict[str, str]:
    service = pb.DESCRIPTOR.services_by_name["Linli"]
    return {m.name: m.input_type.name for m in service.methods}


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[" * 300_000,  # a nesting bomb: refused by the pre-scan before protobuf's JSON parser recurses
        b'{"electionId": 1.5}',
        b'{"electionId": "reference", "electionId": "other"}',  # a duplicate key
        b'{"electionId": "\\ud800"}',  # a lone surrogate
        b"\xff\xfe",
    ],
)
def test_undecodable_connect_json_is_invalid_argument_not_internal(http: HttpServer, body: bytes) -> None:
    status, obj = http.connect_json("GetElection", body)
    assert (status, obj["code"]) == (400, "invalid_argument"), obj
    assert http.connect_json("GetServerInfo", {})[0] == 200  # still serving


def test_undecodable_grpc_web_frame_is_invalid_argument(http: HttpServer) -> None:
    _, trailers = http.grpc_web("GetElection", b"\xff\xff\xff")
    assert trailers["grpc-status"] == str(grpc.StatusCode.INVALID_ARGUMENT.value[0])


def test_a_ballot_cast_over_connect_json_gets_a_verified_receipt(live: Live, http: HttpServer) -> None:
    ballot = canonical(live.election.ballot_entry(2, 1).body)
    status, obj = http.connect_json("CastBallot", {"electionId": REFERENCE, "ballot": b64(ballot)})
    assert status == 200, obj
    assert int(obj["leafIndex"]) == live.service.ledger.size(REFERENCE) - 1
    again = live.client.cast_ballot(REFERENCE, ballot)  # §P11.4: the retry over grpcio gets the same entry
    assert again.leaf_index == int(obj["leafIndex"])


def test_concurrent_ballots_over_connect_meet_in_one_batch(live: Live, http: HttpServer) -> None:
    """The service runs in worker threads, not on the event loop: concurrent requests reach the batcher together."""
    live.service.verifier.max_wait = 1.0  # type: ignore[attr-defined]
    before = live.service.verifier.batches  # type: ignore[attr-defined]
    ballots = [canonical(live.election.ballot_entry(v, (v + 1) % 3).body) for v in range(3)]
    results: list[int] = []

    def cast(ballot: bytes) -> None:
        results.append(http.connect_json("CastBallot", {"electionId": REFERENCE, "ballot": b64(ballot)})[0])

    threads = [threading.Thread(target=cast, args=(b,)) for b in ballots]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [200, 200, 200]
    assert live.service.verifier.batches - before < 3  # type: ignore[attr-defined]


# -- CORS ------------------------------------------------------------------------------------------------------
def test_cors_preflight_of_an_allowed_origin_is_answered(http: HttpServer) -> None:
    status, headers, _ = http.request(
        "OPTIONS",
        "/linli.v1.Linli/GetElection",
        headers={
            "origin": "https://booth.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,connect-protocol-version",
        },
    )
    assert status == 204
    assert headers["access-control-allow-origin"] == "https://booth.example"
    assert "POST" in headers["access-control-allow-methods"]
    allowed = {h.strip() for h in headers["access-control-allow-headers"].split(",")}
    assert {"content-type", "connect-protocol-version", "connect-timeout-ms", "x-grpc-web", "grpc-timeout"} <= allowed


def test_cors_response_exposes_the_grpc_status_headers(http: HttpServer) -> None:
    status, headers, _ = http.request(
        "POST",
        "/linli.v1.Linli/GetServerInfo",
        b"{}",
        {"content-type": "application/json", "origin": "https://booth.example"},
    )
    assert status == 200
    assert headers["access-control-allow-origin"] == "https://booth.example"
    assert "grpc-status" in headers["access-control-expose-headers"]
    assert "grpc-message" in headers["access-control-expose-headers"]


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "null", "https://booth.example.evil", "http://booth.example"]
)
def test_cors_other_origins_are_refused(http: HttpServer, origin: str) -> None:
    for method, body, extra in [
        ("OPTIONS", None, {"access-control-request-method": "POST"}),
        ("POST", b"{}", {"content-type": "application/json"}),
    ]:
        status, headers, data = http.request(method, "/linli.v1.Linli/GetServerInfo", body, {"origin": origin, **extra})
        assert status == 403 and "access-control-allow-origin" not in headers
        assert b"--cors-origin" in data


def test_the_servers_own_pages_need_no_cors_origin(http: HttpServer) -> None:
    status, _, _ = http.request(
        "POST",
        "/linli.v1.Linli/GetServerInfo",
        b"{}",
        {"content-type": "application/json", "origin": f"http://127.0.0.1:{http.port}"},
    )
    assert status == 200


# -- TLS ---------------------------------------------------------------------------------------------------------
def _self_signed(folder: Path) -> tuple[Path, Path, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (folder / "cert.pem").write_bytes(pem)
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder / "cert.pem", folder / "key.pem", pem


def test_tls_serves_grpc_connect_and_h2_by_alpn(live: Live, tmp_path: Path) -> None:
    cert, key, pem = _self_signed(tmp_path)
    context = ssl.create_default_context(cadata=pem.decode())
    with http_server(live.service, tls=(cert, key), client_tls=context) as https:
        credentials = grpc.ssl_channel_credentials(root_certificates=pem)
        with grpc.secure_channel(f"127.0.0.1:{https.port}", credentials) as channel:
            info = pb_grpc.LinliStub(channel).GetServerInfo(pb.ServerInfoRequest(), timeout=30)
            assert info.verifier_key == live.client.server_info().verifier_key
        assert https.connect_json("GetElection", {"electionId": REFERENCE})[0] == 200  # HTTPS, HTTP/1.1
        context.set_alpn_protocols(["h2", "http/1.1"])
        with (
            socket.create_connection(("127.0.0.1", https.port), timeout=30) as raw,
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
        ):
            assert tls.selected_alpn_protocol() == "h2"
        with (  # cleartext gRPC to the TLS port is not served
            pytest.raises(grpc.RpcError) as e,
            grpc.insecure_channel(f"127.0.0.1:{https.port}") as channel,
        ):
            pb_grpc.LinliStub(channel).GetServerInfo(pb.ServerInfoRequest(), timeout=5)
        assert e.value.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


# -- the booth's files -------------------------------------------------------------------------------------------
@pytest.fixture
def booth(live: Live, tmp_path: Path) -> Iterator[HttpServer]:
    root = tmp_path / "booth"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>投票</title>", encoding="utf-8")
    (root / "app.js").write_text("console.log(1)")
    (root / "sw.js").write_text("self.addEventListener('fetch', () => {})")
    (root / "manifest.webmanifest").write_text('{"name": "Linli"}')
    (root / "assets" / "style.css").write_text("body{}")
    (root / ".env").write_text("hidden")
    (tmp_path / "secret.txt").write_text("outside the booth")
    (root / "escape.txt").symlink_to(tmp_path / "secret.txt")
    with http_server(live.service, booth_dir=root) as server:
        yield server


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/booth/", "text/html; charset=utf-8"),
        ("/booth/index.html", "text/html; charset=utf-8"),
        ("/booth/app.js", "text/javascript; charset=utf-8"),
        ("/booth/manifest.webmanifest", "application/manifest+json"),
        ("/booth/assets/style.css", "text/css; charset=utf-8"),
    ],
)
def test_booth_files_are_served_with_their_content_types(booth: HttpServer, path: str, content_type: str) -> None:
    status, headers, body = booth.request("GET", path)
    assert status == 200 and headers["content-type"] == content_type and body
    assert headers["cache-control"] == "no-cache" and headers["x-content-type-options"] == "nosniff"
    status, headers, body = booth.request("HEAD", path)
    assert status == 200 and body == b"" and int(headers["content-length"]) > 0


def test_booth_revalidation_and_service_worker_scope(booth: HttpServer) -> None:
    _, headers, body = booth.request("GET", "/booth/index.html")
    assert "投票".encode() in body
    status, _, body = booth.request("GET", "/booth/index.html", headers={"if-none-match": headers["etag"]})
    assert status == 304 and body == b""
    _, headers, _ = booth.request("GET", "/booth/sw.js")
    assert headers["service-worker-allowed"] == "/booth/"


def test_booth_redirects(booth: HttpServer) -> None:
    assert booth.request("GET", "/booth")[:2][0] == 308 and booth.request("GET", "/booth")[1]["location"] == "/booth/"
    assert booth.request("GET", "/")[0] == 302 and booth.request("GET", "/")[1]["location"] == "/booth/"


@pytest.mark.parametrize(
    "path",
    [
        "/booth/../secret.txt",
        "/booth/%2e%2e/secret.txt",
        "/booth/..%2fsecret.txt",
        "/booth/assets/../../secret.txt",
        "/booth/assets/%2e%2e/%2e%2e/secret.txt",
        "/booth/..\\secret.txt",
        "/booth/escape.txt",  # a symlink out of the booth
        "/booth/.env",
        "/booth//etc/passwd",
        "/booth/%00",
        "/booth/assets/",
        "/booth/missing.js",
    ],
)
def test_booth_traversal_and_missing_files_are_404(booth: HttpServer, path: str) -> None:
    status, _, body = booth.request("GET", path)
    assert status == 404 and b"outside" not in body and b"hidden" not in body
    assert b"not found" in body or b"not a file" in body


def test_booth_is_read_only(booth: HttpServer) -> None:
    status, headers, _ = booth.request("POST", "/booth/index.html", b"x")
    assert status == 405 and headers["allow"] == "GET, HEAD"


def test_a_server_without_the_built_booth_says_so(live: Live, tmp_path: Path) -> None:
    with http_server(live.service, booth_dir=tmp_path / "absent") as server:
        status, _, body = server.request("GET", "/booth/")
        assert status == 404 and b"not installed" in body
        assert server.connect_json("GetServerInfo", {})[0] == 200  # the service is there all the same


def test_unknown_paths_are_404_not_a_crash(http: HttpServer) -> None:
    assert http.request("POST", "/linli.v1.Linli/NoSuchMethod", b"{}", {"content-type": "application/json"})[0] == 404
    assert http.request("GET", "/favicon.ico")[0] == 404
    started = time.monotonic()
    assert http.connect_json("GetServerInfo", {})[0] == 200
    assert time.monotonic() - started < 5

"""The CLI's side of the phone booth (issue 10): the registrar issues to a request a phone posted to the relay
(§P13) in both modes, the administrator prints the booth's link and QR code, and ``linli serve`` with TLS. The CLI
talks to ``linli serve``'s HTTP app (hypercorn) with its stock grpcio client."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from client.api import LinliClient
from client.keystore import save_json, save_signing_key
from crypto import bbs
from crypto.ed25519 import SigningKey
from crypto.note import NoteSigner
from tests import factories
from tests.client.cli_support import run
from tests.factories import MODULUS_BITS, make_election
from tests.server.conftest import start_service, submit
from tests.server.http_support import http_server
from tests.server.test_http import _self_signed
from voting.credentials import finish_credential, request_credential
from voting.election import EligibilityMode, fingerprint
from voting.relay import RelayIssuance, RelayRequest, request_check
from voting.state import ElectionState
from wire import linli_pb2 as pb
from wire import linli_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--min-modulus-bits", "1024"]


@dataclass
class Phone:
    """A server with one signing and one anonymous election, keyed, each with one roll entry still to issue."""

    server: list[str]
    client: LinliClient
    signing: factories.TestElection
    anonymous: factories.TestElection
    registrar_key: Path  # the signing election's registrar
    anonymous_registrar_key: Path
    bbs_key: Path


@pytest.fixture
def phone(tmp_path: Path, safe_primes_1024: tuple[int, int]) -> Iterator[Phone]:
    service, grpc_server, _ = start_service(f"sqlite:///{tmp_path / 'phone.db'}", NoteSigner.generate("phone"))
    grpc_server.stop(None)  # only the HTTP app serves here
    signing = make_election(safe_primes_1024, voters=3, election_id="phone-sign", open_=False)
    anonymous = make_election(
        safe_primes_1024, voters=2, election_id="phone-anon", open_=False, eligibility=EligibilityMode.ANONYMOUS
    )
    for e in (signing, anonymous):
        for entry in e.entries[:-1]:  # every set-up entry but the last issuance
            submit(service, entry)
    save_signing_key(tmp_path / "sign-registrar.json", signing.registrar, "registrar")
    save_signing_key(tmp_path / "anon-registrar.json", anonymous.registrar, "registrar")
    assert anonymous.bbs_sk is not None
    sk = anonymous.bbs_sk
    save_json(
        tmp_path / "bbs.json", {"public_key": bbs.sk_to_pk(sk).hex(), "secret": sk.hex(), "type": "linli-bbs-key"}
    )
    with http_server(service) as http:
        channel = grpc.insecure_channel(f"127.0.0.1:{http.port}")
        yield Phone(
            ["--server", f"127.0.0.1:{http.port}", *SMALL],
            LinliClient(channel, timeout=30, min_modulus_bits=MODULUS_BITS),
            signing,
            anonymous,
            tmp_path / "sign-registrar.json",
            tmp_path / "anon-registrar.json",
            tmp_path / "bbs.json",
        )
        channel.close()
    service.close()


def _issued(phone: Phone, election_id: str) -> ElectionState:
    return phone.client.election(election_id).state


def test_registrar_issues_to_a_phones_signing_request(phone: Phone, capsys: pytest.CaptureFixture[str]) -> None:
    key = SigningKey.generate()  # made on the phone; only the public key leaves it
    request = RelayRequest("phone-sign", EligibilityMode.SIGNING, public_key=key.public_key).to_bytes()
    code = phone.client.post_credential_request("phone-sign", request)
    issue = ["registrar", "issue", *phone.server, "--election", "phone-sign", "--key", str(phone.registrar_key)]
    # A check that is not the phone's: the server swapped the request, or the registrar misread it. Nothing issued.
    code_, _, err = run(capsys, *issue, "--roll-id", "unit-2", "--request-code", code, "--request-check", "AAAAA-AAAAA")
    assert code_ == 1 and "not the request the phone made" in err
    assert key.public_key not in _issued(phone, "phone-sign").credentials
    check = request_check(request)
    code_, out, err = run(
        capsys, *issue, "--roll-id", "unit-2", "--request-code", code.lower(), "--request-check", check.lower()
    )
    assert code_ == 0, err
    assert "credential issued for unit-2" in out and code in out
    assert _issued(phone, "phone-sign").credentials[key.public_key] == "unit-2"
    issuance = RelayIssuance.from_bytes(phone.client.issuance("phone-sign", code))
    issuance.verify(phone.signing.registrar.public_key)
    assert issuance.issued is None


def test_registrar_blind_signs_a_phones_anonymous_request(phone: Phone, capsys: pytest.CaptureFixture[str]) -> None:
    e = phone.anonymous
    device = request_credential("phone-anon", e.state.election_hash)
    request = RelayRequest("phone-anon", EligibilityMode.ANONYMOUS, commitment=device.commitment).to_bytes()
    code = phone.client.post_credential_request("phone-anon", request)
    args = ["registrar", "issue-anonymous", *phone.server, "--election", "phone-anon", "--roll-id", "unit-1"]
    args += ["--key", str(phone.anonymous_registrar_key), "--bbs-key", str(phone.bbs_key)]
    code_, out, err = run(capsys, *args, "--request-code", code)
    assert code_ == 0, err
    assert f"check {request_check(request)}" in out and code in out
    issuance = RelayIssuance.from_bytes(phone.client.issuance("phone-anon", code))
    issuance.verify(e.registrar.public_key)
    assert issuance.issued is not None
    credential = finish_credential(device, e.state.require_definition().credential_key, issuance.issued)
    credential.check()
    assert "unit-1" in _issued(phone, "phone-anon").issued


def test_relay_flags_are_checked(phone: Phone, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["registrar", "issue", *phone.server, "--election", "phone-sign", "--key", str(phone.registrar_key)]
    with pytest.raises(SystemExit) as e:
        run(capsys, *base, "--roll-id", "unit-2", "--credential", "00" * 32, "--request-code", "00000-00000")
    assert e.value.code == 2
    code, _, err = run(capsys, *base, "--roll-id", "unit-2", "--request-code", "not-a-code")
    assert code == 2 and "Crockford" in err
    code, _, err = run(capsys, *base, "--roll-id", "unit-2", "--request-code", "00000-00000")
    assert code == 1 and "NOT_FOUND" in err
    anon = ["registrar", "issue-anonymous", *phone.server, "--election", "phone-anon", "--roll-id", "unit-1"]
    anon += ["--key", str(phone.registrar_key), "--bbs-key", str(phone.bbs_key), "--request", "x.json"]
    code, _, err = run(capsys, *anon)
    assert code == 2 and "--out" in err


def test_booth_link_prints_the_verified_fingerprint_and_a_qr_code(
    phone: Phone, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fp = fingerprint(phone.signing.state.election_hash)
    address = phone.server[1]
    svg = tmp_path / "board.svg"
    code, out, err = run(capsys, "admin", "booth-link", *phone.server, "--election", "phone-sign", "--svg", str(svg))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"http://{address}/booth/#e=phone-sign&fp={fp}"
    assert len(lines) > 20 and "█" in out  # the QR code, in the terminal
    assert svg.read_text().lstrip().startswith(("<?xml", "<svg")) and "not HTTPS" in err
    code, out, err = run(
        capsys,
        "admin",
        "booth-link",
        *phone.server,
        "--election",
        "phone-sign",
        "--base",
        "https://vote.example.org/",
        "--expect",
        fp.lower(),
    )
    assert code == 0 and out.splitlines()[0] == f"https://vote.example.org/booth/#e=phone-sign&fp={fp}"
    assert "not HTTPS" not in err
    wrong = fingerprint(bytes(32))
    code, _, err = run(capsys, "admin", "booth-link", *phone.server, "--election", "phone-sign", "--expect", wrong)
    assert code == 1 and "not the election on the notice board" in err


def test_serve_over_tls_answers_grpc_and_stops_on_sigterm(tmp_path: Path) -> None:
    cert, key, pem = _self_signed(tmp_path)
    cmd = [sys.executable, "-m", "client.cli", "serve", "--listen", "127.0.0.1:0", "--min-modulus-bits", "2048"]
    cmd += ["--db", f"sqlite:///{tmp_path / 's.db'}", "--key", str(tmp_path / "server.key.json")]
    cmd += ["--tls-cert", str(cert), "--tls-key", str(key), "--cors-origin", "https://booth.example"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("linli serving on port"), line + (proc.stderr.read() if proc.stderr else "")
        port = int(line.split()[4].rstrip(";"))
        credentials = grpc.ssl_channel_credentials(root_certificates=pem)
        with grpc.secure_channel(f"127.0.0.1:{port}", credentials) as channel:
            info = pb_grpc.LinliStub(channel).GetServerInfo(pb.ServerInfoRequest(), timeout=30)
        assert info.verifier_key in line
        # The CLI reaches it by URL: TLS with the roots grpcio is given (here the test certificate's).
        env = {**os.environ, "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH": str(cert)}
        status = [sys.executable, "-m", "client.cli", "status", "--server", f"https://127.0.0.1:{port}"]
        done = subprocess.run([*status, "--election", "no-such-one"], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 1 and "has no election" in done.stderr, done.stderr  # an answer: not 3 (unreachable)
        proc.send_signal(signal.SIGTERM)  # a graceful stop, exit 0 (docs: hypercorn needs a shutdown trigger)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_serve_needs_both_tls_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cert, _, _ = _self_signed(tmp_path)
    code, _, err = run(capsys, "serve", "--tls-cert", str(cert), "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert code == 2 and "--tls-key" in err

"""The phone's side of the credential relay (booth/src/app/relay.ts) against voting/relay.py: the same request bytes
and check value, the same codes as typed, and the registrar's signed issuance accepted exactly when Python's
RelayIssuance.verify accepts it (tests/booth/node.py runs the TypeScript)."""

from __future__ import annotations

import json
from typing import Any

from crypto.ed25519 import SigningKey
from tests.booth.node import requires_node, run_ts
from voting.credentials import IssuedCredential
from voting.election import EligibilityMode
from voting.errors import InvalidEncoding
from voting.relay import RelayIssuance, RelayRequest, parse_code, request_check

pytestmark = requires_node

HASH = bytes(range(32))
CODE = "7K2QM-X9D4A"


def run(**payload: Any) -> Any:
    base: dict[str, Any] = {"requests": [], "checks": [], "codes": [], "issuances": []}
    return run_ts("test/drivers/relay.ts", {**base, **payload})


def test_requests_are_python_bytes_and_checks() -> None:
    key = SigningKey.generate().public_key
    commitment = bytes(range(200))
    cases = [
        RelayRequest("gate-2026", EligibilityMode.SIGNING, public_key=key),
        RelayRequest("gate-2026", EligibilityMode.ANONYMOUS, commitment=commitment),
    ]
    out = run(
        requests=[
            {"election": "gate-2026", "mode": "signing", "public": key.hex()},
            {"election": "gate-2026", "mode": "anonymous", "public": commitment.hex()},
        ],
        checks=[b"{}".hex(), b"{} ".hex()],
    )
    for request, got in zip(cases, out["requests"], strict=True):
        assert bytes.fromhex(got["bytes"]) == request.to_bytes()
        assert got["check"] == request_check(request.to_bytes())
    assert out["checks"] == ["C7VHG-ZNZ6J", request_check(b"{} ")]  # voting/relay.py's fixed vector


def test_codes_as_typed() -> None:
    typed = ["7k2qm-x9d4a", "7K2QM X9D4A", "7K2QMX9D4A", "7K2QM-X9D4O", "7K2QM-X9D4I", "7K2QM-X9D4", "7K2QM-X9D4U", ""]
    out = run(codes=typed)["codes"]
    for text, got in zip(typed, out, strict=True):
        try:
            want = parse_code(text)
        except InvalidEncoding:
            assert "error" in got, text
        else:
            assert got == {"ok": want}, text


def issuance(registrar: SigningKey, blind: IssuedCredential | None, **changes: Any) -> dict[str, Any]:
    """The registrar's signed answer; ``changes``: fields replaced after signing (a server altering it)."""
    answer = RelayIssuance("gate-2026", HASH, CODE, blind).signed(registrar)
    data = answer.to_bytes()
    if changes:
        obj = json.loads(data)
        obj.update(changes)
        data = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
    return {"data": data.hex(), "election": "gate-2026", "election_hash": HASH.hex(), "code": CODE, "registrar_key": ""}


def test_issuances_accepted_and_refused_as_python() -> None:
    registrar, other = SigningKey.generate(), SigningKey.generate()
    issued = IssuedCredential(bytes(80), 12345, 0)
    good_signing = issuance(registrar, None)
    good_anonymous = issuance(registrar, issued)
    cases = [
        ("signing", good_signing, registrar, True),
        ("anonymous", good_anonymous, registrar, True),
        ("another registrar", issuance(other, None), registrar, False),
        ("another election", {**good_signing, "election": "gate-2027"}, registrar, False),
        ("another instance", {**good_signing, "election_hash": bytes(32).hex()}, registrar, False),
        ("another code", {**good_signing, "code": "7K2QM-X9D4B"}, registrar, False),
        ("altered issuance", issuance(registrar, issued, issued={**issued.to_json(), "weight": 1}), registrar, False),
        ("signature dropped", issuance(registrar, issued, signature="00" * 64), registrar, False),
    ]
    for _, case, key, _ in cases:
        case["registrar_key"] = key.public_key.hex()
    out = run(issuances=[c for _, c, _, _ in cases])["issuances"]
    for (name, case, key, ok), got in zip(cases, out, strict=True):
        python_ok = True
        try:
            parsed = RelayIssuance.from_bytes(bytes.fromhex(case["data"]))
            parsed.verify(key.public_key)
            python_ok = (
                parsed.election_id == case["election"]
                and parsed.election_hash.hex() == case["election_hash"]
                and parsed.code == case["code"]
            )
        except Exception:
            python_ok = False
        assert python_ok == ok, name
        assert ("ok" in got) == ok, (name, got)
        if ok:
            want = None if parsed.issued is None else parsed.issued.to_json()
            assert got["ok"] == want, name

"""The relay's messages (docs/protocol.md §P13, voting/relay.py): codes, the request check, requests and signed
issuances — round trips, and every check refusing."""

from __future__ import annotations

import dataclasses

import pytest

from crypto.ed25519 import SigningKey
from voting.credentials import IssuedCredential, request_credential
from voting.election import EligibilityMode
from voting.encoding import canonical
from voting.errors import InvalidEncoding, InvalidStatement
from voting.relay import MAX_ISSUANCE_BYTES, RelayIssuance, RelayRequest, parse_code, request_check

HASH = bytes(range(32))


@pytest.mark.parametrize(
    ("typed", "canonical_code"),
    [
        ("7K2QM-X9D4A", "7K2QM-X9D4A"),
        ("7k2qmx9d4a", "7K2QM-X9D4A"),
        (" 7K2QM X9D4A ", "7K2QM-X9D4A"),
        ("OIL00-ABCDE", "01100-ABCDE"),
    ],
)
def test_codes_are_read_as_people_type_them(typed: str, canonical_code: str) -> None:
    assert parse_code(typed) == canonical_code


@pytest.mark.parametrize("bad", ["", "7K2QM-X9D4", "7K2QM-X9D4AA", "7K2QM-X9D4U", "7K2QM_X9D4A", "７K2QM-X9D4A"])
def test_codes_outside_the_alphabet_or_length_are_refused(bad: str) -> None:
    with pytest.raises(InvalidEncoding):
        parse_code(bad)


def test_request_check_is_fixed_and_depends_on_every_byte() -> None:
    # A vector for other implementations (the booth): SHA-256("linli/relay-request/v1\0" || b"{}"), first 50 bits.
    assert request_check(b"{}") == "C7VHG-ZNZ6J"
    assert parse_code(request_check(b"{}")) == request_check(b"{}")
    assert request_check(b"{} ") != request_check(b"{}")


def test_requests_round_trip_in_both_modes() -> None:
    signing = RelayRequest("e-1", EligibilityMode.SIGNING, public_key=bytes(32))
    assert RelayRequest.from_bytes(signing.to_bytes()) == signing
    commitment = request_credential("e-1", HASH).commitment
    anonymous = RelayRequest("e-1", EligibilityMode.ANONYMOUS, commitment=commitment)
    assert RelayRequest.from_bytes(anonymous.to_bytes()) == anonymous


def test_a_commitment_with_a_broken_proof_is_refused() -> None:
    commitment = bytearray(request_credential("e-1", HASH).commitment)
    commitment[100] ^= 1
    with pytest.raises(InvalidEncoding, match="proof"):
        RelayRequest.from_bytes(RelayRequest("e-1", EligibilityMode.ANONYMOUS, commitment=bytes(commitment)).to_bytes())


def _issuance(issued: IssuedCredential | None = None) -> tuple[RelayIssuance, SigningKey]:
    key = SigningKey.generate()
    return RelayIssuance("e-1", HASH, "7K2QM-X9D4A", issued).signed(key), key


def test_issuances_round_trip_and_verify() -> None:
    for issued in (None, IssuedCredential(b"\x01" * 80, 5, 1234)):
        issuance, key = _issuance(issued)
        parsed = RelayIssuance.from_bytes(issuance.to_bytes())
        assert parsed == issuance
        parsed.verify(key.public_key)


@pytest.mark.parametrize(
    "change",
    [
        {"code": "7K2QM-X9D4B"},
        {"election_id": "e-2"},
        {"election_hash": bytes(32)},
        {"issued": IssuedCredential(b"\x01" * 80, 5, 0)},
    ],
)
def test_a_changed_issuance_no_longer_verifies(change: dict[str, object]) -> None:
    issuance, key = _issuance()
    with pytest.raises(InvalidStatement):
        dataclasses.replace(issuance, **change).verify(key.public_key)  # type: ignore[arg-type]
    with pytest.raises(InvalidStatement):
        issuance.verify(SigningKey.generate().public_key)


def test_malformed_issuances_are_refused() -> None:
    issuance, _ = _issuance()
    obj = {
        "code": issuance.code,
        "election": "e-1",
        "election_hash": HASH.hex(),
        "issued": None,
        "signature": issuance.signature.hex(),
    }
    for bad in (
        {**obj, "code": "7k2qm-x9d4a"},  # a code not in its canonical form
        {**obj, "extra": 1},
        {**obj, "signature": "00"},
        {**obj, "issued": {"signature": "00"}},
        {k: v for k, v in obj.items() if k != "issued"},
    ):
        with pytest.raises(InvalidEncoding):
            RelayIssuance.from_bytes(canonical(bad))
    with pytest.raises(InvalidEncoding, match="bytes"):
        RelayIssuance.from_bytes(b" " * (MAX_ISSUANCE_BYTES + 1))

"""crypto.pairwise: sealed trustee-to-trustee messages and signed X25519 announcements (§P15.9)."""

from __future__ import annotations

from typing import Any

import pytest

from crypto import pairwise
from crypto.ed25519 import SigningKey
from crypto.errors import DecodingError, InvalidCiphertext, InvalidKey, InvalidSignature

CONTEXT: dict[str, Any] = {"election_id": "e-2026", "attempt": 1, "round_name": "setup", "sender": 1, "recipient": 2}


@pytest.fixture(scope="module")
def keys() -> tuple[pairwise.PairwiseKey, pairwise.PairwiseKey]:
    return pairwise.PairwiseKey.generate(), pairwise.PairwiseKey.generate()


def _sealed(keys: tuple[pairwise.PairwiseKey, pairwise.PairwiseKey], plaintext: bytes = b"share") -> bytes:
    a, b = keys
    return pairwise.seal(a, b.public_key, plaintext=plaintext, **CONTEXT)


def test_round_trip(keys: tuple[pairwise.PairwiseKey, pairwise.PairwiseKey]) -> None:
    a, b = keys
    sealed = _sealed(keys, b"x" * 1000)
    assert len(sealed) == 1000 + pairwise.OVERHEAD
    assert pairwise.open_message(b, a.public_key, sealed=sealed, **CONTEXT) == b"x" * 1000


def test_fresh_nonce_each_time(keys: tuple[pairwise.PairwiseKey, pairwise.PairwiseKey]) -> None:
    assert _sealed(keys) != _sealed(keys)


def test_tampered_ciphertext(keys: tuple[pairwise.PairwiseKey, pairwise.PairwiseKey]) -> None:
    a, b = keys
    sealed = bytearray(_sealed(keys))
    for position in (0, pairwise.NONCE_SIZE, len(sealed) - 1):
        altered = bytearray(sealed)
        altered[position] ^= 1
        with pytest.raises(InvalidCiphertext, match="trustee 1 to 2"):
            pairwise.open_message(b, a.public_key, sealed=bytes(altered), **CONTEXT)
    with pytest.raises(InvalidCiphertext, match="shorter"):
        pairwise.open_message(b, a.public_key, sealed=bytes(sealed[:10]), **CONTEXT)


@pytest.mark.parametrize(
    "change",
    [{"election_id": "other"}, {"attempt": 2}, {"round_name": "sieve-1"}, {"sender": 3}, {"recipient": 3}],
)
def test_wrong_associated_data(keys: tuple[pairwise.PairwiseKey, pairwise.PairwiseKey], change: dict[str, Any]) -> None:
    a, b = keys
    context = {**CONTEXT, **change}
    with pytest.raises(InvalidCiphertext):
        pairwise.open_message(b, a.public_key, sealed=_sealed(keys), **context)


def test_wrong_key(keys: tuple[pairwise.PairwiseKey, pairwise.PairwiseKey]) -> None:
    a, b = keys
    intruder = pairwise.PairwiseKey.generate()
    with pytest.raises(InvalidCiphertext):
        pairwise.open_message(intruder, a.public_key, sealed=_sealed(keys), **CONTEXT)
    with pytest.raises(InvalidCiphertext):
        pairwise.open_message(b, intruder.public_key, sealed=_sealed(keys), **CONTEXT)


def test_low_order_point_refused(keys: tuple[pairwise.PairwiseKey, pairwise.PairwiseKey]) -> None:
    with pytest.raises(InvalidKey):
        pairwise.seal(keys[0], bytes(32), plaintext=b"", **CONTEXT)


def test_bad_inputs(keys: tuple[pairwise.PairwiseKey, pairwise.PairwiseKey]) -> None:
    a, b = keys
    with pytest.raises(DecodingError):
        pairwise.PairwiseKey(b"short")
    with pytest.raises(DecodingError):
        pairwise.seal(a, b.public_key[:31], plaintext=b"", **CONTEXT)
    with pytest.raises(DecodingError, match="itself"):
        pairwise.seal(a, b.public_key, plaintext=b"", **{**CONTEXT, "recipient": 1})
    with pytest.raises(DecodingError):
        pairwise.associated_data("e", 1, "r", 0, 1)
    assert a.secret.hex() not in repr(a)


def test_announcement(keys: tuple[pairwise.PairwiseKey, pairwise.PairwiseKey]) -> None:
    signer = SigningKey.generate()
    x = keys[0].public_key
    signature = signer.sign(pairwise.announcement_message("e", 1, 2, x))
    pairwise.verify_announcement(signer.public_key, "e", 1, 2, x, signature)
    for args in (("f", 1, 2, x), ("e", 2, 2, x), ("e", 1, 3, x), ("e", 1, 2, keys[1].public_key)):
        with pytest.raises(InvalidSignature):
            pairwise.verify_announcement(signer.public_key, *args, signature)
    with pytest.raises(InvalidSignature):
        pairwise.verify_announcement(SigningKey.generate().public_key, "e", 1, 2, x, signature)

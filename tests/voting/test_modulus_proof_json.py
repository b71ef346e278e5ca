"""The ``modulus_proof`` body of ``key.published`` (docs/record.md): round trip, fixed widths, bounded lists."""

from __future__ import annotations

import copy

import pytest

from crypto import threshold
from voting.encoding import canonical, parse
from voting.errors import InvalidEncoding
from voting.state import modulus_proof_from_json, modulus_proof_to_json

BITS = 1024
CTX = b"election-hash"


@pytest.fixture(scope="module")
def proof(safe_primes_1024: tuple[int, int]) -> threshold.ModulusProof:
    return threshold.prove_modulus(*safe_primes_1024, CTX)


def test_round_trip_through_canonical_bytes(proof: threshold.ModulusProof, safe_primes_1024: tuple[int, int]) -> None:
    body = modulus_proof_to_json(proof, BITS)
    again = modulus_proof_from_json(parse(canonical(body)), BITS)
    assert again == proof
    threshold.verify_modulus(safe_primes_1024[0] * safe_primes_1024[1], again, CTX, min_bits=BITS)


def test_negative_responses_round_trip(proof: threshold.ModulusProof) -> None:
    """Π^fac's integers are signed: two's complement at a fixed width."""
    import dataclasses

    fac = dataclasses.replace(proof.fac, z1=-abs(proof.fac.z1) or -1, v=-abs(proof.fac.v) or -1)
    signed = dataclasses.replace(proof, fac=fac)
    assert modulus_proof_from_json(modulus_proof_to_json(signed, BITS), BITS) == signed


@pytest.mark.parametrize(("path", "count"), [(("sigmas",), 8), (("blum", "x"), 128)])
def test_oversize_or_short_lists_rejected_before_parsing(
    proof: threshold.ModulusProof, path: tuple[str, ...], count: int
) -> None:
    body = modulus_proof_to_json(proof, BITS)
    for length in (count + 1, count - 1, 10**6):
        bad = copy.deepcopy(body)
        target = bad
        for key in path[:-1]:
            target = target[key]
        # values that would not even parse: the length check must come first
        target[path[-1]] = ["not hex"] * length
        with pytest.raises(InvalidEncoding, match=f"expected {count} values"):
            modulus_proof_from_json(bad, BITS)


@pytest.mark.parametrize(
    "path", [("sigmas", 0), ("blum", "w"), ("blum", "a"), ("blum", "x", 3), ("fac", "P"), ("fac", "z1"), ("fac", "v")]
)
def test_wrong_width_rejected(proof: threshold.ModulusProof, path: tuple[str | int, ...]) -> None:
    body = modulus_proof_to_json(proof, BITS)
    for change in (lambda s: s + "00", lambda s: s[2:], lambda s: "g" + s[1:]):
        bad = copy.deepcopy(body)
        target = bad
        for key in path[:-1]:
            target = target[key]  # type: ignore[index]
        target[path[-1]] = change(target[path[-1]])  # type: ignore[index]
        with pytest.raises(InvalidEncoding):
            modulus_proof_from_json(bad, BITS)


def test_unknown_or_missing_fields_rejected(proof: threshold.ModulusProof) -> None:
    body = modulus_proof_to_json(proof, BITS)
    for part in (None, "blum", "fac"):
        extra = copy.deepcopy(body)
        (extra if part is None else extra[part])["extra"] = "00"
        with pytest.raises(InvalidEncoding):
            modulus_proof_from_json(extra, BITS)
    for part, key in ((None, "fac"), ("blum", "w"), ("fac", "sigma")):
        missing = copy.deepcopy(body)
        del (missing if part is None else missing[part])[key]
        with pytest.raises(InvalidEncoding):
            modulus_proof_from_json(missing, BITS)

"""booth/src/crypto/modulus.ts verifies the modulus proof as crypto/modulus.py does (docs/protocol.md §P3.4,
docs/decisions/0006): honest proofs pass; each attack modulus of tests/crypto/test_modulus_proof.py (the cheating
dealer's best proof, from the prover's own algorithm) and every mutated field is refused by the same check, with the
same message; the JSON of key.published parses to the same values and is refused alike."""

from __future__ import annotations

import copy
import dataclasses
import math
import secrets
import time
from typing import Any

import gmpy2
import pytest

from crypto import modulus
from crypto.errors import InvalidKey, InvalidProof
from crypto.modulus import BLUM_ROUNDS, RSA_2048, ModulusProof, _prove_unchecked, prove_modulus, verify_modulus
from tests.booth.node import requires_node, run_ts
from voting.errors import InvalidEncoding
from voting.modulus_json import modulus_proof_from_json, modulus_proof_to_json

pytestmark = requires_node

DRIVER = "test/drivers/context.ts"
CTX = b"election-hash-0123456789abcdef01"


def _h(v: int) -> str:
    return ("-" if v < 0 else "") + format(abs(v), "x")


def raw(p: ModulusProof) -> dict[str, Any]:
    f = p.fac
    return {
        "sigmas": [_h(s) for s in p.sigmas],
        "blum": {"w": _h(p.blum.w), "x": [_h(x) for x in p.blum.x], "a": list(p.blum.a), "b": list(p.blum.b)},
        "fac": {k: _h(getattr(f, k)) for k in ("P", "Q", "A", "B", "T", "sigma", "z1", "z2", "w1", "w2", "v")},
    }


def _prime(bits: int, residue: int, mod: int = 8) -> int:
    while True:
        x = secrets.randbits(bits) | (1 << (bits - 1))
        x += (residue - x) % mod
        if x.bit_length() == bits and gmpy2.is_prime(x, 40):
            return x


def python(n: int, proof: ModulusProof, context: bytes = CTX, min_bits: int = 0) -> dict[str, Any]:
    try:
        verify_modulus(n, proof, context, min_bits=min_bits)
    except InvalidKey as e:
        return {"error": "ModulusError", "kind": "key", "message": str(e)}
    except InvalidProof as e:
        return {"error": "ModulusError", "kind": "proof", "message": str(e)}
    return {"ok": None}


def case(n: int, proof: ModulusProof, context: bytes = CTX, min_bits: int = 0) -> dict[str, Any]:
    return {"op": "modulus", "n": format(n, "x"), "context": context.hex(), "min_bits": min_bits, "proof": raw(proof)}


@pytest.fixture(scope="module")
def honest(safe_primes_1024: tuple[int, int]) -> tuple[int, ModulusProof]:
    p, q = safe_primes_1024
    return p * q, prove_modulus(p, q, CTX)


def _attacks(honest: tuple[int, ModulusProof]) -> list[tuple[int, ModulusProof, bytes, int]]:
    n, proof = honest
    out: list[tuple[int, ModulusProof, bytes, int]] = [(n, proof, CTX, 1024), (n, proof, CTX, 1025)]
    q = _prime(1008, 5)
    out.append((65537 * q, _prove_unchecked((65537, q), CTX), CTX, 0))  # small factor ≡ 1 mod 4
    q3 = _prime(1008, 3, 4)
    for fac_p in (65539, q3, 1):  # a Blum modulus with a small factor: only Π^fac stops it
        out.append((65539 * q3, _prove_unchecked((65539, q3), CTX, fac_p=fac_p), CTX, 0))
    primes = tuple(_prime(1024 // 3, r) for r in (3, 3, 5))
    out.append((math.prod(primes), _prove_unchecked(primes, CTX), CTX, 0))  # three primes: the Blum part
    p, r = _prime(340, 3), _prime(340, 5)
    out.append((p * p * r, _prove_unchecked((p, p, r), CTX), CTX, 0))  # p²·q: the GRSB part
    prime = _prime(512, 1, 4)
    out.append((prime, _prove_unchecked((prime,), CTX), CTX, 0))  # a prime modulus
    a, b = _prime(256, 5), _prime(256, 5)
    out.append((a * b, _prove_unchecked((a, b), CTX), CTX, 0))  # factors ≡ 1 mod 4: the Blum part
    c = _prime(256, 3, 4)
    out.append((a * c, _prove_unchecked((a, c), CTX), CTX, 0))  # n ≡ 3 mod 4
    for bad in (2 * n, 3 * n, 65521 * n, n * n):  # malformed n
        out.append((bad, proof, CTX, 0))
    out.append((n, proof, b"another election", 0))  # transplanted to another context
    return out


_FAC = ("P", "Q", "A", "B", "T", "sigma", "z1", "z2", "w1", "w2", "v")


def _mutations(n: int, proof: ModulusProof) -> list[ModulusProof]:
    out = []
    b = modulus._bounds(n)
    for i in (0, 7):
        for f in (lambda v: v + 1, lambda v: v + n, lambda v: 0):
            out.append(
                dataclasses.replace(proof, sigmas=(*proof.sigmas[:i], f(proof.sigmas[i]), *proof.sigmas[i + 1 :]))
            )
    for field in ("x", "a", "b"):
        for i in (0, BLUM_ROUNDS - 1):
            values = list(getattr(proof.blum, field))
            values[i] = 1 - values[i] if field != "x" else values[i] + 1
            out.append(dataclasses.replace(proof, blum=dataclasses.replace(proof.blum, **{field: tuple(values)})))
    out.append(dataclasses.replace(proof, blum=dataclasses.replace(proof.blum, a=(2, *proof.blum.a[1:]))))
    out.append(dataclasses.replace(proof, blum=dataclasses.replace(proof.blum, x=proof.blum.x[:-1])))
    out.append(dataclasses.replace(proof, sigmas=proof.sigmas[:-1]))
    square = pow(secrets.randbelow(n), 2, n)
    out.append(dataclasses.replace(proof, blum=dataclasses.replace(proof.blum, w=square)))  # Jacobi +1
    out.append(dataclasses.replace(proof, blum=dataclasses.replace(proof.blum, w=proof.blum.w + 1)))
    for name in _FAC:
        for value in (getattr(proof.fac, name) + 1, -getattr(proof.fac, name)):
            out.append(dataclasses.replace(proof, fac=dataclasses.replace(proof.fac, **{name: value})))
    for name in "PQABT":
        for value in (0, RSA_2048, -1):
            out.append(dataclasses.replace(proof, fac=dataclasses.replace(proof.fac, **{name: value})))
    for name, bound in (("z1", b.z), ("z2", b.z), ("sigma", b.sigma), ("w1", b.w), ("w2", b.w), ("v", b.v)):
        for value in (bound + 1, -bound - 1, bound):
            out.append(dataclasses.replace(proof, fac=dataclasses.replace(proof.fac, **{name: value})))
    return out


def test_attack_moduli_are_refused_by_the_same_check(honest: tuple[int, ModulusProof]) -> None:
    attacks = _attacks(honest)
    results = run_ts(DRIVER, {"cases": [case(*a) for a in attacks]})["results"]
    verdicts = [python(*a) for a in attacks]
    assert verdicts[0] == {"ok": None}
    assert sum("error" in v for v in verdicts) == len(attacks) - 1
    for a, py, ts in zip(attacks, verdicts, results, strict=True):
        assert ts == py, (a[0].bit_length(), py, ts)


def test_every_mutated_field_is_refused_by_the_same_check(honest: tuple[int, ModulusProof]) -> None:
    n, proof = honest
    mutated = _mutations(n, proof)
    results = run_ts(DRIVER, {"cases": [case(n, m) for m in mutated]})["results"]
    for m, ts in zip(mutated, results, strict=True):
        py = python(n, m)
        assert "error" in py
        assert ts == py, (py, ts)


def test_key_published_json_parses_alike(honest: tuple[int, ModulusProof]) -> None:
    _, proof = honest
    good = modulus_proof_to_json(proof, 1024)
    assert isinstance(good, dict)

    def edited(path: list[Any], value: Any) -> dict[str, Any]:
        obj = copy.deepcopy(good)
        target = obj
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return obj

    sigma0 = good["sigmas"][0]
    variants = [
        good,
        edited(["sigmas"], good["sigmas"][:-1]),
        edited(["sigmas", 0], sigma0[:-2]),
        edited(["sigmas", 0], sigma0.upper()),
        edited(["sigmas", 0], 5),
        edited(["blum", "x"], good["blum"]["x"] + [good["blum"]["x"][0]]),
        edited(["blum", "a"], "00" * 17),
        edited(["blum", "extra"], "00"),
        edited(["fac", "z1"], KeyError),
        edited(["fac", "z1"], "ff" * 113),  # −1 in two's complement
        edited(["fac", "v"], good["fac"]["v"] + "00"),
        edited(["fac"], []),
        edited(["extra"], 1),
    ]
    results = run_ts(DRIVER, {"cases": [{"op": "modulus_json", "json": v, "bits": 1024} for v in variants]})["results"]
    for v, ts in zip(variants, results, strict=True):
        try:
            parsed = modulus_proof_from_json(v, 1024)
        except InvalidEncoding:
            assert ts.get("error") == "EncodingError", ts
        else:
            assert ts.get("ok") == raw(parsed), ts


@pytest.mark.slow
def test_full_size_proof_verifies_in_the_booth_and_its_time() -> None:
    """One 3072-bit modulus (two 1536-bit primes ≡ 3 mod 4): the booth verifies the dealer's proof, and a mutated one
    is refused; the driver's time is printed (in Node on this machine: about half a second)."""

    def prime34(bits: int) -> int:
        while True:
            p = int(gmpy2.next_prime(secrets.randbits(bits) | (3 << (bits - 2))))
            if p % 4 == 3 and p.bit_length() == bits:
                return p

    p, q = prime34(1536), prime34(1536)
    proof = prove_modulus(p, q, CTX)
    bad = dataclasses.replace(proof, fac=dataclasses.replace(proof.fac, v=proof.fac.v + 1))
    start = time.perf_counter()
    results = run_ts(DRIVER, {"cases": [case(p * q, proof, min_bits=3072), case(p * q, bad, min_bits=3072)]})["results"]
    print(f"booth: two 3072-bit modulus proof verifications in Node, {time.perf_counter() - start:.2f} s with start-up")
    assert results[0] == {"ok": None}
    assert results[1] == python(p * q, bad, min_bits=3072)

"""BBS signatures: ``crypto.bbs`` next to a plain-py_ecc implementation of the same draft (Linli's venv).

    python -m benchmarks.bbs_bench [--reps N] [--batches 100 1000] [--messages 10] [--disclosed 0 5]

``benchmarks/run.py`` runs it once per run and puts a table in ``results/latest.md``. Both sides implement
draft-irtf-cfrg-bbs-signatures-10 with the BLS12-381-SHA-256 ciphersuite (api_id
``BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_H2G_HM2S_``):

* **Linli**: ``crypto.bbs`` ``sign``, ``proof_gen``, ``proof_verify`` and ``proof_verify_batch`` (G1 arithmetic on
  the gmpy2 fast path ``crypto.g1``; a pairing product with one multi-Miller loop and one final exponentiation; a
  batch folds every proof's pairing equation into one with random 128-bit weights).
* **Baseline** (this file, :class:`PlainBBS`): what a straightforward implementation on py_ecc would be:
  ``py_ecc.optimized_bls12_381`` ``multiply`` / ``add`` for every point operation (one scalar multiplication per
  term, no multi-scalar multiplication), py_ecc's ``decompress_G1`` / ``decompress_G2`` plus a subgroup check by
  multiplying by r for every decoded point (the draft requires it), and ``pairing()`` twice per proof, each with
  py_ecc's own final exponentiation. It has no batch verification: a naive verifier checks proofs one at a time,
  so its per-proof cost in a batch is its single-proof cost. Like ``crypto.bbs`` it computes the message
  generators once per message count (the draft allows caching them), so hashing to the curve is not timed on
  either side.

Honesty checks before timing: the baseline's ``sign`` must return the same bytes as ``crypto.bbs.sign`` for the
same key, header and messages (signing is deterministic in the draft); each side's proofs must verify under the
other's ``proof_verify``; each side's verifier must reject a proof with a tampered disclosed message; every timed
verification must accept. The two sides alternate repetition by repetition, so load hits both.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib.metadata
import json
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from py_ecc.bls.hash import expand_message_xmd
from py_ecc.bls.hash_to_curve import hash_to_G1
from py_ecc.bls.point_compression import compress_G1, decompress_G1, decompress_G2
from py_ecc.bls.typing import G1Compressed, G2Compressed
from py_ecc.fields import optimized_bls12_381_FQ12 as FQ12
from py_ecc.optimized_bls12_381.optimized_curve import G2, add, curve_order, is_inf, multiply, neg
from py_ecc.optimized_bls12_381.optimized_pairing import pairing

from crypto import bbs
from crypto.errors import CryptoError

R = int(curve_order)
API_ID = b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_H2G_HM2S_"  # §6.2.2 ciphersuite_id || "H2G_HM2S_"
P1_HEX = "a8ce256102840821a3e94ea9025e4662b205762f9776b3a766c872b948f1fd225e7c59698588e70d11406d161b4e28c9"  # §7.2.2
HEADER = b"linli benchmark header"
PH = b"linli benchmark presentation header"

Point = Any  # py_ecc projective point


# --- the baseline: draft-10 on plain py_ecc ---------------------------------------------------------------------


def _i2osp(value: int, length: int) -> bytes:
    return value.to_bytes(length, "big")


def _g1_bytes(p: Point) -> bytes:
    return int(compress_G1(p)).to_bytes(48, "big")


class PlainBBS:
    """draft-irtf-cfrg-bbs-signatures-10 Sign / ProofGen / ProofVerify, written directly on py_ecc."""

    def __init__(self) -> None:
        self._generators: dict[int, list[Point]] = {}
        self.p1 = self._g1_from_bytes(bytes.fromhex(P1_HEX))

    # §4.2.2 hash_to_scalar
    @staticmethod
    def hash_to_scalar(msg: bytes, dst: bytes) -> int:
        return int.from_bytes(expand_message_xmd(msg, dst, 48, hashlib.sha256), "big") % R  # type: ignore[arg-type]

    # §4.1.1 create_generators (computed once per count, as the draft allows)
    def create_generators(self, count: int) -> list[Point]:
        if count not in self._generators:
            seed_dst, gen_dst = API_ID + b"SIG_GENERATOR_SEED_", API_ID + b"SIG_GENERATOR_DST_"
            v = expand_message_xmd(API_ID + b"MESSAGE_GENERATOR_SEED", seed_dst, 48, hashlib.sha256)  # type: ignore[arg-type]
            points = []
            for i in range(1, count + 1):
                v = expand_message_xmd(v + _i2osp(i, 8), seed_dst, 48, hashlib.sha256)  # type: ignore[arg-type]
                points.append(hash_to_G1(v, gen_dst, hashlib.sha256))  # type: ignore[arg-type]
            self._generators[count] = points
        return self._generators[count]

    # §4.1.2 messages_to_scalars
    def messages_to_scalars(self, messages: Sequence[bytes]) -> list[int]:
        return [self.hash_to_scalar(m, API_ID + b"MAP_MSG_TO_SCALAR_AS_HASH_") for m in messages]

    # §4.2.3 calculate_domain
    def domain(self, pk: bytes, generators: Sequence[Point], header: bytes) -> int:
        dom_octs = _i2osp(len(generators) - 1, 8) + b"".join(_g1_bytes(g) for g in generators) + API_ID
        return self.hash_to_scalar(pk + dom_octs + _i2osp(len(header), 8) + header, API_ID + b"H2S_")

    # octets_to_point_E1 + subgroup check (§4.2.4.5 steps 3-9)
    @staticmethod
    def _g1_from_bytes(data: bytes) -> Point:
        p = decompress_G1(G1Compressed(int.from_bytes(data, "big")))
        if is_inf(p) or not is_inf(multiply(p, R)):
            raise ValueError("bad G1 point")
        return p

    # §4.2.4.6 octets_to_pubkey
    @staticmethod
    def _pubkey(pk: bytes) -> Point:
        w = decompress_G2(G2Compressed((int.from_bytes(pk[:48], "big"), int.from_bytes(pk[48:], "big"))))
        if is_inf(w) or not is_inf(multiply(w, R)):
            raise ValueError("bad public key")
        return w

    def _msm(self, points: Sequence[Point], scalars: Sequence[int]) -> Point:
        acc = multiply(points[0], scalars[0] % R)
        for p, s in zip(points[1:], scalars[1:], strict=True):
            acc = add(acc, multiply(p, s % R))
        return acc

    def sign(self, sk: bytes, pk: bytes, header: bytes, messages: Sequence[bytes]) -> bytes:
        """§3.4.1 Sign + §3.6.1 CoreSign."""
        msgs = self.messages_to_scalars(messages)
        gens = self.create_generators(len(messages) + 1)
        x = int.from_bytes(sk, "big")
        domain = self.domain(pk, gens, header)
        e_octs = _i2osp(x, 32) + b"".join(_i2osp(m, 32) for m in msgs) + _i2osp(domain, 32)
        e = self.hash_to_scalar(e_octs, API_ID + b"H2S_")
        b = self._msm([self.p1, *gens], [1, domain, *msgs])
        a = multiply(b, pow(x + e, -1, R))
        return _g1_bytes(a) + _i2osp(e, 32)

    def proof_gen(
        self, pk: bytes, signature: bytes, header: bytes, ph: bytes, messages: Sequence[bytes], disclosed: Sequence[int]
    ) -> bytes:
        """§3.4.3 ProofGen + §3.6.3 CoreProofGen (§3.7.1 ProofInit, §3.7.4 challenge, §3.7.2 ProofFinalize)."""
        a, e = self._g1_from_bytes(signature[:48]), int.from_bytes(signature[48:], "big")
        msgs = self.messages_to_scalars(messages)
        gens = self.create_generators(len(messages) + 1)
        q1, h = gens[0], gens[1:]
        undisclosed = [j for j in range(len(msgs)) if j not in set(disclosed)]
        r1, r2, e_t, r1_t, r3_t, *m_t = [secrets.randbelow(R - 1) + 1 for _ in range(5 + len(undisclosed))]
        domain = self.domain(pk, gens, header)
        b = self._msm([self.p1, q1, *h], [1, domain, *msgs])
        d = multiply(b, r2)
        abar = multiply(a, r1 * r2 % R)
        bbar = add(multiply(d, r1), neg(multiply(abar, e)))
        t1 = add(multiply(abar, e_t), multiply(d, r1_t))
        t2 = self._msm([d, *(h[j] for j in undisclosed)], [r3_t, *m_t])
        c = self._challenge(abar, bbar, d, t1, t2, domain, [(i, msgs[i]) for i in disclosed], ph)
        r3 = pow(r2, -1, R)
        scalars = [(e_t + e * c) % R, (r1_t - r1 * c) % R, (r3_t - r3 * c) % R]
        scalars += [(mt + msgs[j] * c) % R for mt, j in zip(m_t, undisclosed, strict=True)] + [c]
        return _g1_bytes(abar) + _g1_bytes(bbar) + _g1_bytes(d) + b"".join(_i2osp(s, 32) for s in scalars)

    def _challenge(
        self,
        abar: Point,
        bbar: Point,
        d: Point,
        t1: Point,
        t2: Point,
        domain: int,
        disclosed: Sequence[tuple[int, int]],
        ph: bytes,
    ) -> int:
        """§3.7.4 ProofChallengeCalculate."""
        c_octs = _i2osp(len(disclosed), 8) + b"".join(_i2osp(i, 8) + _i2osp(m, 32) for i, m in disclosed)
        c_octs += b"".join(_g1_bytes(p) for p in (abar, bbar, d, t1, t2)) + _i2osp(domain, 32)
        return self.hash_to_scalar(c_octs + _i2osp(len(ph), 8) + ph, API_ID + b"H2S_")

    def proof_verify(
        self,
        pk: bytes,
        proof: bytes,
        header: bytes,
        ph: bytes,
        disclosed_messages: Sequence[bytes],
        disclosed: Sequence[int],
    ) -> bool:
        """§3.4.4 ProofVerify + §3.6.4 CoreProofVerify (§3.7.3 ProofVerifyInit, §3.7.4), two pairings."""
        abar, bbar, d = (self._g1_from_bytes(proof[48 * i : 48 * (i + 1)]) for i in range(3))
        scalars = [int.from_bytes(proof[i : i + 32], "big") for i in range(144, len(proof), 32)]
        if any(not 0 < s < R for s in scalars):
            return False
        e_hat, r1_hat, r3_hat, *m_hat, c = scalars
        w = self._pubkey(pk)
        big_l = len(m_hat) + len(disclosed)
        gens = self.create_generators(big_l + 1)
        q1, h = gens[0], gens[1:]
        undisclosed = [j for j in range(big_l) if j not in set(disclosed)]
        msgs = self.messages_to_scalars(disclosed_messages)
        domain = self.domain(pk, gens, header)
        t1 = self._msm([bbar, abar, d], [c, e_hat, r1_hat])
        bv = self._msm([self.p1, q1, *(h[i] for i in disclosed)], [1, domain, *msgs])
        t2 = self._msm([bv, d, *(h[j] for j in undisclosed)], [c, r3_hat, *m_hat])
        if c != self._challenge(abar, bbar, d, t1, t2, domain, list(zip(disclosed, msgs, strict=True)), ph):
            return False
        # step 6: e(Abar, W) * e(Bbar, -BP2) == 1, with py_ecc's pairing() (each has its own final exponentiation)
        return bool(pairing(w, abar) * pairing(neg(G2), bbar) == FQ12.one())


# --- timing -------------------------------------------------------------------------------------------------------


def _timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    c0, t0 = time.process_time(), time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, time.process_time() - c0, result


def _summary(times: list[float], cpu: list[float], **extra: Any) -> dict[str, Any]:
    return {
        "median": statistics.median(times),
        "times": times,
        "cpu_median": statistics.median(cpu),
        "cpu": cpu,
        **extra,
    }


def side_by_side(linli: Callable[[int], Any], plain: Callable[[int], Any], reps: int) -> dict[str, Any]:
    """Alternate the two sides ``reps`` times; every result must be truthy or None (a verification that passed)."""
    out: dict[str, tuple[list[float], list[float]]] = {"linli": ([], []), "py_ecc": ([], [])}
    for i in range(reps):
        for name, fn in (("linli", linli), ("py_ecc", plain)):
            wall, cpu, result = _timed(functools.partial(fn, i))
            if result is False:
                raise RuntimeError(f"{name}: a verification that must pass failed")
            out[name][0].append(wall)
            out[name][1].append(cpu)
    return {name: _summary(*tc) for name, tc in out.items()}


def _must_reject(fn: Callable[[], Any]) -> None:
    try:
        ok = fn()
    except (CryptoError, ValueError):
        return
    if ok is not False:
        raise RuntimeError("a verifier accepted a tampered proof")


def _bench_disclosed(
    plain: PlainBBS,
    sk: bytes,
    pk: bytes,
    msg_sets: list[list[bytes]],
    sigs: list[bytes],
    idx: list[int],
    batches: Sequence[int],
    reps: int,
) -> dict[str, Any]:
    """ProofGen, ProofVerify and batched verification with the messages at ``idx`` disclosed."""
    holders = len(msg_sets)

    def shown(h: int) -> list[bytes]:
        return [msg_sets[h][i] for i in idx]

    def gen(i: int) -> bytes:
        return bbs.proof_gen(pk, sigs[i % holders], HEADER, PH, msg_sets[i % holders], idx)

    def plain_gen(i: int) -> bytes:
        return plain.proof_gen(pk, sigs[i % holders], HEADER, PH, msg_sets[i % holders], idx)

    # cross-checks: each verifier accepts the other's proofs and rejects a proof under another presentation header
    ours, theirs = gen(0), plain_gen(1)
    bbs.proof_verify(pk, theirs, HEADER, PH, shown(1), idx)
    if not plain.proof_verify(pk, ours, HEADER, PH, shown(0), idx):
        raise RuntimeError("the plain-py_ecc ProofVerify rejects a crypto.bbs proof")
    wrong_ph = PH + b"!"  # works for R = 0 too (no disclosed message to tamper with)
    _must_reject(lambda: bbs.proof_verify(pk, ours, HEADER, wrong_ph, shown(0), idx))
    _must_reject(lambda: plain.proof_verify(pk, ours, HEADER, wrong_ph, shown(0), idx))

    proofs: list[bytes] = []
    gen_timed = side_by_side(lambda i: proofs.append(gen(i)), plain_gen, reps)
    verify = side_by_side(
        lambda i: bbs.proof_verify(pk, proofs[i], HEADER, PH, shown(i % holders), idx),
        lambda i: plain.proof_verify(pk, proofs[i], HEADER, PH, shown(i % holders), idx),
        reps,
    )
    # the batches: more proofs made untimed, then verified with one pairing check per batch (no baseline: a naive
    # verifier checks one proof at a time, so its per-proof cost is its single-proof cost above)
    need = max(batches, default=0)
    proofs += [gen(i) for i in range(len(proofs), need)]
    items = [bbs.BatchItem(p, HEADER, PH, tuple(shown(i % holders)), tuple(idx)) for i, p in enumerate(proofs[:need])]
    batch: dict[str, Any] = {}
    for size in batches:
        times, cpu = [], []
        runs = reps if size * reps <= need else 1  # the largest batch once; smaller ones on disjoint slices
        for k in range(runs):
            part = items[k * size : (k + 1) * size]
            wall, c, _ = _timed(functools.partial(bbs.proof_verify_batch, pk, part))
            times.append(wall / size)
            cpu.append(c / size)
        batch[str(size)] = _summary(times, cpu, batch_size=size, total_s=[t * size for t in times])
    return {
        "disclosed_indexes": idx,
        "proof_bytes": len(proofs[0]),
        "proof_gen": gen_timed,
        "proof_verify": verify,
        "proof_verify_batch_per_proof": batch,
    }


def run(*, messages: int, disclosed_counts: Sequence[int], batches: Sequence[int], reps: int) -> dict[str, Any]:
    plain = PlainBBS()
    sk = bbs.key_gen(secrets.token_bytes(32))
    pk = bbs.sk_to_pk(sk)
    holders = 10  # signatures over different messages, as credentials of different holders would be
    msg_sets = [[secrets.token_bytes(16) for _ in range(messages)] for _ in range(holders)]
    bbs.create_generators(messages + 1, bbs.API_ID)  # both sides cache the generators: not timed
    plain.create_generators(messages + 1)

    # honesty: the baseline computes the same function as crypto.bbs (signing is deterministic in the draft)
    sigs = [bbs.sign(sk, pk, HEADER, m) for m in msg_sets]
    for m, s in zip(msg_sets, sigs, strict=True):
        if plain.sign(sk, pk, HEADER, m) != s:
            raise RuntimeError("the plain-py_ecc Sign does not match crypto.bbs.sign")
    out: dict[str, Any] = {
        "draft": "draft-irtf-cfrg-bbs-signatures-10, BLS12-381-SHA-256",
        "py_ecc_version": importlib.metadata.version("py_ecc"),
        "messages": messages,
        "reps": reps,
        "baseline_sign_matches": True,
        "baseline_sign_checked_signatures": holders,
        "sign": side_by_side(
            lambda i: bbs.sign(sk, pk, HEADER, msg_sets[i % holders]),
            lambda i: plain.sign(sk, pk, HEADER, msg_sets[i % holders]),
            reps,
        ),
        "disclosed": {},
    }

    for r in disclosed_counts:
        out["disclosed"][str(r)] = _bench_disclosed(plain, sk, pk, msg_sets, sigs, list(range(r)), batches, reps)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="crypto.bbs vs plain py_ecc (JSON on stdout)")
    parser.add_argument("--messages", type=int, default=10, help="L, signed messages")
    parser.add_argument("--disclosed", type=int, nargs="+", default=[0, 5], help="disclosed message counts")
    parser.add_argument("--batches", type=int, nargs="*", default=[100, 1000], help="batch sizes")
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args(argv)
    result = run(messages=args.messages, disclosed_counts=args.disclosed, batches=args.batches, reps=args.reps)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

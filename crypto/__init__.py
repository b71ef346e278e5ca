"""Linli's hazmat layer: pure functions over explicit parameters — no I/O, no processes, no clock
(docs/decisions/0001-layout-and-boundaries.md). Import the modules; the errors are drawn in :mod:`crypto.errors`."""

__all__ = [
    "bbs",
    "bbs_blind",
    "bbs_pseudonym",
    "bls12_381",
    "dkg",
    "ed25519",
    "errors",
    "g1",
    "merkle",
    "modulus",
    "note",
    "paillier",
    "primes",
    "proofs",
    "threshold",
    "transcript",
]

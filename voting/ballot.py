"""Encrypted ballots: building on the voter's device and verification at intake and audit (docs/protocol.md §P6).

A referendum ballot is one Paillier ciphertext of 2**(b·i) for the chosen option i (b = counter_bits), with a
proof that it encrypts one of the allowed values, bound to the election, the key and the voter's *binding*
(credential key or pseudonym) so it cannot be copied to another voter or election (Cortier–Smyth replay).
The eligibility evidence then signs — or, in anonymous mode, proves over — the hash of everything else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from crypto import bbs, paillier
from crypto.bls12_381 import G1Point
from crypto.ed25519 import SigningKey
from crypto.errors import CryptoError
from crypto.proofs import MembershipProof, prove_membership, verify_membership
from voting.credentials import AnonymousCredential
from voting.election import ElectionContext, EligibilityMode
from voting.eligibility import (
    AnonymousEligibility,
    AnonymousEvidence,
    Evidence,
    SigningEligibility,
    SigningEvidence,
    eligibility_for,
)
from voting.encoding import JSON, canonical, exact_keys, get, hex_bytes, hex_int, parse_hex_int
from voting.errors import InvalidBallot, InvalidEncoding, NotEligible

__all__ = [
    "BallotRandomness",
    "Contest",
    "EncryptedBallot",
    "build_referendum_ballot",
    "check_ballot_proofs",
    "precompute_ballot",
    "verify_ballot",
]

BALLOT_HASH_DOMAIN = b"linli/ballot-hash/v1\x00"
CHALLENGE_BYTES = 16  # 128-bit Fiat–Shamir challenges


@dataclass(frozen=True, slots=True)
class Contest:
    ciphertext: int
    proof: MembershipProof

    def to_json(self, nb: int) -> JSON:
        return {
            "ciphertext": hex_int(self.ciphertext, 2 * nb),
            "proof": {
                "a": [hex_int(a, 2 * nb) for a in self.proof.commitments],
                "e": [hex_int(e, CHALLENGE_BYTES) for e in self.proof.challenges],
                "z": [hex_int(z, nb) for z in self.proof.responses],
            },
        }

    @classmethod
    def from_json(cls, obj: JSON, context: ElectionContext) -> Contest:
        exact_keys(obj, {"ciphertext", "proof"}, "contest")
        nb = context.definition.modulus_bits // 8
        k = len(context.allowed_values())
        proof = exact_keys(obj["proof"], {"a", "e", "z"}, "contest.proof")
        parts = {}
        for name, width in (("a", 2 * nb), ("e", CHALLENGE_BYTES), ("z", nb)):
            values = get(proof, name, list, "contest.proof")
            if len(values) != k:
                raise InvalidEncoding(f"contest.proof.{name}: expected {k} values, got {len(values)}")
            parts[name] = tuple(parse_hex_int(v, f"contest.proof.{name}", width) for v in values)
        c = parse_hex_int(obj["ciphertext"], "contest.ciphertext", 2 * nb)
        try:
            paillier.validate_ciphertext(context.public_key.paillier, c)
        except CryptoError as e:
            raise InvalidBallot(f"ciphertext rejected: {e}") from e
        return cls(c, MembershipProof(commitments=parts["a"], challenges=parts["e"], responses=parts["z"]))


@dataclass(frozen=True, slots=True)
class EncryptedBallot:
    election_id: str
    contests: tuple[Contest, ...]
    evidence: Evidence

    def ballot_hash(self, context: ElectionContext) -> bytes:
        """What the eligibility evidence signs: every field but the evidence itself, plus the binding."""
        nb = context.definition.modulus_bits // 8
        body = {
            "binding": hex_bytes(self.evidence.binding),
            "contests": [c.to_json(nb) for c in self.contests],
            "election": self.election_id,
        }
        return hashlib.sha256(BALLOT_HASH_DOMAIN + canonical(body)).digest()

    def to_json(self, context: ElectionContext) -> JSON:
        nb = context.definition.modulus_bits // 8
        return {
            "contests": [c.to_json(nb) for c in self.contests],
            "election": self.election_id,
            "eligibility": self.evidence.to_json(),
        }

    def to_bytes(self, context: ElectionContext) -> bytes:
        return canonical(self.to_json(context))

    @classmethod
    def from_json(cls, obj: JSON, context: ElectionContext) -> EncryptedBallot:
        """Parse untrusted JSON: exact fields, fixed widths, ciphertexts in Z*_{n²}, this election's id."""
        exact_keys(obj, {"contests", "election", "eligibility"}, "ballot")
        election_id = get(obj, "election", str, "ballot")
        if election_id != context.election_id:
            raise InvalidBallot(f"ballot is for election {election_id!r}, not {context.election_id!r}")
        contests = get(obj, "contests", list, "ballot")
        if len(contests) != 1:
            raise InvalidEncoding("ballot.contests: a referendum ballot has exactly one contest")
        evidence = eligibility_for(context.definition.eligibility).parse_evidence(obj["eligibility"])
        return cls(election_id, tuple(Contest.from_json(c, context) for c in contests), evidence)


def _contest_context(context: ElectionContext, binding: bytes, position: int) -> bytes:
    return context.proof_context("ballot", binding, position.to_bytes(4, "big"))


@dataclass(frozen=True, slots=True)
class BallotRandomness:
    """Everything costly in a ballot, computed before the voter chooses (§P6.0): the encryption's r^n and one
    n-th power per allowed value for the validity proof. Use once."""

    encryption: paillier.NthPower
    nonces: tuple[paillier.NthPower, ...]


def precompute_ballot(context: ElectionContext) -> BallotRandomness:
    pk = context.public_key.paillier
    k = len(context.allowed_values())
    return BallotRandomness(
        paillier.precompute_nth_power(pk), tuple(paillier.precompute_nth_power(pk) for _ in range(k))
    )


def build_referendum_ballot(
    context: ElectionContext,
    choice: int,
    credential: SigningKey | AnonymousCredential,
    *,
    precomputed: BallotRandomness | None = None,
) -> EncryptedBallot:
    """Encrypt ``choice`` (index into the options), prove it valid, and add the eligibility evidence: a signature
    with a signing credential, or a BBS proof with the election's pseudonym with an anonymous one (§P6.1–6.3).

    With ``precomputed`` randomness (:func:`precompute_ballot`) only short exponentiations remain.
    """
    allowed = context.allowed_values()
    if not 0 <= choice < len(allowed):
        raise InvalidBallot(f"choice must be 0..{len(allowed) - 1}")
    if isinstance(credential, SigningKey) != (context.definition.eligibility is EligibilityMode.SIGNING):
        raise InvalidBallot(f"this election needs a {context.definition.eligibility.value} credential")
    binding = credential.public_key if isinstance(credential, SigningKey) else credential.pseudonym()
    pk = context.public_key.paillier
    rand = precomputed or precompute_ballot(context)
    c = paillier.encrypt_precomputed(pk, allowed[choice], rand.encryption)
    proof = prove_membership(
        pk,
        c,
        rand.encryption.root,
        choice,
        allowed,
        _contest_context(context, binding, 0),
        r_n=rand.encryption.power,
        nonces=rand.nonces,
    )
    contests = (Contest(c, proof),)
    placeholder: Evidence = (
        SigningEvidence(binding, bytes(64)) if isinstance(credential, SigningKey) else AnonymousEvidence(binding, b"")
    )
    ballot_hash = EncryptedBallot(context.election_id, contests, placeholder).ballot_hash(context)
    evidence: Evidence
    if isinstance(credential, SigningKey):
        evidence = SigningEligibility().sign(context, credential, ballot_hash)
    else:
        evidence = AnonymousEligibility().sign(context, credential, ballot_hash)
        if evidence.pseudonym != binding:
            raise InvalidBallot("the credential's pseudonym changed while building the ballot")
    return EncryptedBallot(context.election_id, contests, evidence)


def check_ballot_proofs(context: ElectionContext, ballot: EncryptedBallot) -> tuple[G1Point, G1Point] | None:
    """Every stateless check of a ballot (§P6.6) except, in anonymous mode, the BBS pairing equation, whose
    (Abar, Bbar) it returns so that many ballots share one pairing check (``bbs.find_invalid_in_batch``)."""
    scheme = eligibility_for(context.definition.eligibility)
    ballot_hash = ballot.ballot_hash(context)
    pending = None
    if isinstance(scheme, AnonymousEligibility):
        pending = scheme.prepare(context, ballot.evidence, ballot_hash)
    else:
        scheme.verify(context, ballot.evidence, ballot_hash)
    pk = context.public_key.paillier
    allowed = context.allowed_values()
    for position, contest in enumerate(ballot.contests):
        try:
            verify_membership(
                pk,
                contest.ciphertext,
                allowed,
                contest.proof,
                _contest_context(context, ballot.evidence.binding, position),
            )
        except CryptoError as e:
            raise InvalidBallot(f"validity proof of contest {position} does not verify: {e}") from e
    return pending


def verify_ballot(context: ElectionContext, ballot: EncryptedBallot) -> None:
    """Every stateless check of one ballot (§P6.6): eligibility evidence and validity proofs. Raises InvalidBallot."""
    pending = check_ballot_proofs(context, ballot)
    if pending is not None and bbs.find_invalid_in_batch(context.definition.credential_key, [(0, *pending)]):
        raise NotEligible("eligibility proof does not verify: pairing check fails")

"""Encrypted ballots: building on the voter's device and verification at intake and audit (docs/protocol.md §P6).

Every ciphertext of a ballot comes with a proof that it encrypts one of its allowed values (§P4): a referendum
or assembly ballot is one ciphertext of 2**(b·i) for the chosen option i; a committee ballot is one 0/1
ciphertext per candidate plus a proof that their product — the number of marks — is at most ``seats``. Every
proof is bound to the election, the key and the voter's *binding* (credential key or pseudonym), so it cannot be
copied to another voter or election (Cortier–Smyth replay). The eligibility evidence then signs — or, in
anonymous mode, proves over — the hash of everything else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import gmpy2

from crypto import bbs, paillier
from crypto.bls12_381 import G1Point
from crypto.ed25519 import SigningKey
from crypto.errors import CryptoError
from crypto.proofs import (
    MembershipProof,
    MembershipStatement,
    prove_membership,
    response_bits,
    verify_membership_batch,
)
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
from voting.errors import InvalidBallot, InvalidEncoding, NotEligible, VotingError

__all__ = [
    "Contest",
    "EncryptedBallot",
    "PendingChecks",
    "build_ballot",
    "build_referendum_ballot",
    "check_ballot_proofs",
    "check_ballots",
    "find_invalid_claims",
    "max_ballot_bytes",
    "prepare_ballot_checks",
    "verify_ballot",
]

BALLOT_HASH_DOMAIN = b"linli/ballot-hash/v2\x00"
CHALLENGE_BYTES = 16  # 128-bit Fiat–Shamir challenges


def _response_bytes(nb: int) -> int:
    """Byte width of a proof response z (``crypto.proofs.response_bits`` for a modulus of ``nb`` bytes)."""
    return (response_bits(paillier.PublicKey((1 << (8 * nb)) - 1)) + 7) // 8


def _proof_to_json(proof: MembershipProof, nb: int) -> JSON:
    zb = _response_bytes(nb)
    return {
        "a": [hex_int(a, 2 * nb) for a in proof.commitments],
        "e": [hex_int(e, CHALLENGE_BYTES) for e in proof.challenges],
        "z": [hex_int(z, zb) for z in proof.responses],
    }


def _proof_from_json(obj: JSON, k: int, nb: int, what: str) -> MembershipProof:
    proof = exact_keys(obj, {"a", "e", "z"}, what)
    parts = {}
    for name, width in (("a", 2 * nb), ("e", CHALLENGE_BYTES), ("z", _response_bytes(nb))):
        values = get(proof, name, list, what)
        if len(values) != k:
            raise InvalidEncoding(f"{what}.{name}: expected {k} values, got {len(values)}")
        parts[name] = tuple(parse_hex_int(v, f"{what}.{name}", width) for v in values)
    return MembershipProof(commitments=parts["a"], challenges=parts["e"], responses=parts["z"])


@dataclass(frozen=True, slots=True)
class Contest:
    """One ciphertext of a ballot and its proof that it encrypts an allowed value."""

    ciphertext: int
    proof: MembershipProof

    def to_json(self, nb: int) -> JSON:
        return {"ciphertext": hex_int(self.ciphertext, 2 * nb), "proof": _proof_to_json(self.proof, nb)}

    @classmethod
    def from_json(cls, obj: JSON, context: ElectionContext, k: int) -> Contest:
        exact_keys(obj, {"ciphertext", "proof"}, "contest")
        nb = context.definition.modulus_bits // 8
        proof = _proof_from_json(obj["proof"], k, nb, "contest.proof")
        c = parse_hex_int(obj["ciphertext"], "contest.ciphertext", 2 * nb)
        try:
            paillier.validate_ciphertext(context.public_key.paillier, c)
        except CryptoError as e:
            raise InvalidBallot(f"ciphertext rejected: {e}") from e
        return cls(c, proof)


@dataclass(frozen=True, slots=True)
class EncryptedBallot:
    election_id: str
    contests: tuple[Contest, ...]
    evidence: Evidence
    sum_proof: MembershipProof | None = None  # committee: the product of the contests encrypts 0..seats

    def _body(self, nb: int) -> JSON:
        body: JSON = {"contests": [c.to_json(nb) for c in self.contests], "election": self.election_id}
        if self.sum_proof is not None:
            body["sum_proof"] = _proof_to_json(self.sum_proof, nb)
        return body

    def ballot_hash(self, context: ElectionContext) -> bytes:
        """What the eligibility evidence signs: every field but the evidence itself, plus the binding."""
        body = self._body(context.definition.modulus_bits // 8)
        body["binding"] = hex_bytes(self.evidence.binding)
        return hashlib.sha256(BALLOT_HASH_DOMAIN + canonical(body)).digest()

    def to_json(self, context: ElectionContext) -> JSON:
        body = self._body(context.definition.modulus_bits // 8)
        body["eligibility"] = self.evidence.to_json()
        return body

    def to_bytes(self, context: ElectionContext) -> bytes:
        return canonical(self.to_json(context))

    @classmethod
    def from_json(cls, obj: JSON, context: ElectionContext) -> EncryptedBallot:
        """Parse untrusted JSON: exact fields, fixed widths, ciphertexts in Z*_{n²}, this election's id and layout."""
        summed = bool(context.sum_allowed())
        fields = {"contests", "election", "eligibility"} | ({"sum_proof"} if summed else set())
        exact_keys(obj, fields, "ballot")
        election_id = get(obj, "election", str, "ballot")
        if election_id != context.election_id:
            raise InvalidBallot(f"ballot is for election {election_id!r}, not {context.election_id!r}")
        layout = context.contest_allowed()
        contests = get(obj, "contests", list, "ballot")
        if len(contests) != len(layout):
            raise InvalidEncoding(f"ballot.contests: this election's ballot has {len(layout)} ciphertext(s)")
        evidence = eligibility_for(context.definition.eligibility).parse_evidence(obj["eligibility"])
        nb = context.definition.modulus_bits // 8
        sum_proof = (
            _proof_from_json(obj["sum_proof"], len(context.sum_allowed()), nb, "ballot.sum_proof") if summed else None
        )
        parsed = tuple(Contest.from_json(c, context, len(allowed)) for c, allowed in zip(contests, layout, strict=True))
        return cls(election_id, parsed, evidence, sum_proof)


def max_ballot_bytes(context: ElectionContext) -> int:
    """An upper bound on the canonical size of any well-formed ballot of this election (§P11.5: a larger one is
    refused before it is parsed): fixed-width hex for every ciphertext and proof value, plus generous room for
    the JSON punctuation, the election id and the eligibility evidence (a BBS proof is under 1 kB)."""
    nb = context.definition.modulus_bits // 8
    zb = _response_bytes(nb)
    branch = 2 * (2 * nb + CHALLENGE_BYTES + zb) + 32
    proofs = [len(allowed) for allowed in context.contest_allowed()]
    size = sum(4 * nb + 64 + k * branch for k in proofs)
    if context.sum_allowed():
        size += 64 + len(context.sum_allowed()) * branch
    return size + 8192


def _contest_context(context: ElectionContext, binding: bytes, position: int) -> bytes:
    return context.proof_context("ballot", binding, position.to_bytes(4, "big"))


def _sum_context(context: ElectionContext, binding: bytes) -> bytes:
    return context.proof_context("ballot-sum", binding)


def _product(pk: paillier.PublicKey, contests: Sequence[Contest]) -> int:
    return paillier.add(pk, *(c.ciphertext for c in contests))


def build_ballot(
    context: ElectionContext,
    choice: int | Sequence[int],
    credential: SigningKey | AnonymousCredential,
    *,
    randomness: Sequence[int] | None = None,
) -> EncryptedBallot:
    """Encrypt the voter's choice, prove it valid, and add the eligibility evidence (§P6.1–6.3).

    ``choice`` is an option index (referendum, assembly) or the candidate indexes marked (committee: at most
    ``seats``, none for a blank ballot). Every exponentiation is fixed-base (the key's H) or 128-bit (§P6.7).
    ``randomness``: the encryption exponents r_j, one per ciphertext, when the caller must know them (an audited
    ballot reveals them); by default fresh ones from :mod:`secrets`. Proof nonces are always fresh.
    """
    d = context.definition
    layout = context.contest_allowed()
    indexes = d.kind_rules.encode(d, choice)  # the index of the choice in each ciphertext's allowed set
    if isinstance(credential, SigningKey) != (d.eligibility is EligibilityMode.SIGNING):
        raise InvalidBallot(f"this election needs a {d.eligibility.value} credential")
    binding = credential.public_key if isinstance(credential, SigningKey) else credential.pseudonym()
    pk = context.public_key.paillier
    base = paillier.key_base(pk.n)
    exponents = [paillier.random_exponent(pk) for _ in layout] if randomness is None else list(randomness)
    if len(exponents) != len(layout):
        raise InvalidBallot(f"this election's ballot has {len(layout)} ciphertext(s), got {len(exponents)} exponents")
    contests = []
    r_total, h_total = 0, gmpy2.mpz(1)
    for position, (index, allowed, r) in enumerate(zip(indexes, layout, exponents, strict=True)):
        # §P6.1: c = (1 + m·n)·H^r with r ← [0, 2^ℓ_r)
        if not 0 <= r < 1 << paillier.randomness_bits(pk):
            raise InvalidBallot(f"encryption exponent {position} out of range")
        h_r = base.pow_n2(r)
        c = int((1 + allowed[index] * pk.n) * h_r % pk.n2)
        proof = prove_membership(pk, c, r, index, allowed, _contest_context(context, binding, position), h_r=h_r)
        contests.append(Contest(c, proof))
        r_total += r
        h_total = h_total * h_r % pk.n2
    sum_proof = None
    if context.sum_allowed():
        # §P6.2: the product of the ciphertexts (committee: the number of marks) has randomness Σ r_j.
        total = _product(pk, contests)
        sum_proof = prove_membership(
            pk,
            total,
            r_total,
            context.sum_allowed().index(sum(a[i] for a, i in zip(layout, indexes, strict=True))),
            context.sum_allowed(),
            _sum_context(context, binding),
            h_r=int(h_total),
            terms=len(contests),
        )
    placeholder: Evidence = (
        SigningEvidence(binding, bytes(64)) if isinstance(credential, SigningKey) else AnonymousEvidence(binding, b"")
    )
    ballot_hash = EncryptedBallot(context.election_id, tuple(contests), placeholder, sum_proof).ballot_hash(context)
    evidence: Evidence
    if isinstance(credential, SigningKey):
        evidence = SigningEligibility().sign(context, credential, ballot_hash)
    else:
        evidence = AnonymousEligibility().sign(context, credential, ballot_hash)
        if evidence.pseudonym != binding:
            raise InvalidBallot("the credential's pseudonym changed while building the ballot")
    return EncryptedBallot(context.election_id, tuple(contests), evidence, sum_proof)


def build_referendum_ballot(
    context: ElectionContext,
    choice: int,
    credential: SigningKey | AnonymousCredential,
) -> EncryptedBallot:
    """A referendum or assembly ballot for option ``choice`` (see :func:`build_ballot`)."""
    return build_ballot(context, choice, credential)


def _statements(context: ElectionContext, ballot: EncryptedBallot) -> list[tuple[str, MembershipStatement]]:
    """Every validity claim of a ballot (§P6.2): each ciphertext in its allowed set, and a committee's sum."""
    layout = context.contest_allowed()
    if len(ballot.contests) != len(layout):
        raise InvalidBallot("the ballot does not have this election's layout")
    binding = ballot.evidence.binding
    out = [
        (
            f"validity proof of ciphertext {position}",
            MembershipStatement(
                contest.ciphertext, allowed, contest.proof, _contest_context(context, binding, position)
            ),
        )
        for position, (contest, allowed) in enumerate(zip(ballot.contests, layout, strict=True))
    ]
    if context.sum_allowed():
        if ballot.sum_proof is None:
            raise InvalidBallot("this ballot needs the proof that it marks at most the number of seats")
        total = _product(context.paillier_key, ballot.contests)
        claim = MembershipStatement(total, context.sum_allowed(), ballot.sum_proof, _sum_context(context, binding))
        out.append(("sum proof (the ballot marks more candidates than seats, or the proof is wrong)", claim))
    elif ballot.sum_proof is not None:
        raise InvalidBallot("only ballots whose marks are limited (committee) carry a sum proof")
    return out


@dataclass(frozen=True, slots=True)
class PendingChecks:
    """What remains of a ballot's stateless checks once its eligibility signature (or BBS challenge) passed: its
    validity claims, to verify in a batch, and in anonymous mode its BBS pairing equation (Abar, Bbar)."""

    claims: tuple[tuple[str, MembershipStatement], ...]
    pairing: tuple[G1Point, G1Point] | None


def prepare_ballot_checks(context: ElectionContext, ballot: EncryptedBallot) -> PendingChecks:
    """The per-ballot part of §P6.6 (raises VotingError); the batched parts are returned."""
    scheme = eligibility_for(context.definition.eligibility)
    ballot_hash = ballot.ballot_hash(context)
    pairing = None
    if isinstance(scheme, AnonymousEligibility):
        pairing = scheme.prepare(context, ballot.evidence, ballot_hash)
    else:
        scheme.verify(context, ballot.evidence, ballot_hash)
    return PendingChecks(tuple(_statements(context, ballot)), pairing)


def find_invalid_claims(
    pk: paillier.PublicKey, batch: Sequence[Sequence[tuple[str, MembershipStatement]]]
) -> list[str | None]:
    """Verify the validity claims of many ballots as ONE batch; per ballot, the first failing claim or None."""
    flat = [(i, what, claim) for i, claims in enumerate(batch) for what, claim in claims]
    out: list[str | None] = [None] * len(batch)
    for position in verify_membership_batch(pk, [claim for _, _, claim in flat]):
        i, what, _ = flat[position]
        out[i] = out[i] or f"{what} does not verify"
    return out


def check_ballots(
    context: ElectionContext, ballots: Sequence[EncryptedBallot]
) -> list[tuple[VotingError | None, tuple[G1Point, G1Point] | None]]:
    """Every stateless check of many ballots (§P6.6) with their validity proofs checked as one batch
    (``crypto.proofs.verify_membership_batch``); returns, per ballot, an error or None, and in anonymous mode the
    pending BBS pairing (Abar, Bbar) for one batched pairing check."""
    prepared: list[PendingChecks | VotingError] = []
    for ballot in ballots:
        try:
            prepared.append(prepare_ballot_checks(context, ballot))
        except VotingError as e:
            prepared.append(e)
    ok = [p for p in prepared if isinstance(p, PendingChecks)]
    verdicts = iter(find_invalid_claims(context.paillier_key, [p.claims for p in ok]))
    results: list[tuple[VotingError | None, tuple[G1Point, G1Point] | None]] = []
    for p in prepared:
        if isinstance(p, VotingError):
            results.append((p, None))
            continue
        error = next(verdicts)
        results.append((InvalidBallot(error), None) if error else (None, p.pairing))
    return results


def check_ballot_proofs(context: ElectionContext, ballot: EncryptedBallot) -> tuple[G1Point, G1Point] | None:
    """Every stateless check of one ballot (§P6.6) except, in anonymous mode, the BBS pairing equation, whose
    (Abar, Bbar) it returns so that many ballots share one pairing check (``bbs.find_invalid_in_batch``)."""
    [(error, pending)] = check_ballots(context, [ballot])
    if error is not None:
        raise error
    return pending


def verify_ballot(context: ElectionContext, ballot: EncryptedBallot) -> None:
    """Every stateless check of one ballot (§P6.6): eligibility evidence and validity proofs. Raises InvalidBallot."""
    pending = check_ballot_proofs(context, ballot)
    if pending is not None and bbs.find_invalid_in_batch(context.definition.credential_key, [(0, *pending)]):
        raise NotEligible("eligibility proof does not verify: pairing check fails")

"""Eligibility: who may cast a counted ballot (docs/protocol.md §P5).

One interface, :class:`Eligibility`, with one implementation per :class:`~voting.election.EligibilityMode`:

* ``signing`` (this module): Belenios-style signing credentials. The voter's client makes an Ed25519 key pair; the
  registrar publishes the public key against the voter's roll entry (``credential.issued``); every ballot is signed.
  The credential key is the ballot's *binding*: one binding, one counted ballot. Ballot contents stay secret, but
  anyone can see which roll entry cast a ballot (as with a paper register of who voted).
* ``anonymous`` (:class:`AnonymousEligibility`): BBS credentials issued blindly (voting.credentials); the
  ballot carries a pseudonym for this election and a BBS proof with pseudonym whose presentation header is
  ``BALLOT_PH_DOMAIN || election_hash || ballot_hash``. The pseudonym is the binding; nothing links it to a
  roll entry.

The stateless check (signature or proof over the ballot hash) is :meth:`Eligibility.verify`; the stateful checks
(the credential was issued, the binding has not voted) belong to :mod:`voting.state`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from crypto import bbs, bbs_pseudonym, ed25519
from crypto.bls12_381 import G1Point
from crypto.errors import CryptoError
from voting.credentials import NYM_LENGTH, AnonymousCredential, ballot_context_id, credential_header, weight_messages
from voting.election import ElectionContext, EligibilityMode
from voting.encoding import JSON, exact_keys, get, hex_bytes, parse_hex_bytes
from voting.errors import InvalidEncoding, NotEligible

__all__ = [
    "BALLOT_SIGNATURE_DOMAIN",
    "AnonymousEligibility",
    "AnonymousEvidence",
    "Eligibility",
    "Evidence",
    "SigningEligibility",
    "SigningEvidence",
    "eligibility_for",
    "present_for_revocation",
    "presentation_header",
    "revocation_header",
    "verify_revocation",
]

BALLOT_SIGNATURE_DOMAIN = b"linli/ballot-signature/v1\x00"


@dataclass(frozen=True, slots=True)
class SigningEvidence:
    credential: bytes  # Ed25519 public key registered by the registrar
    signature: bytes  # over BALLOT_SIGNATURE_DOMAIN || election_hash || ballot_hash

    @property
    def binding(self) -> bytes:
        return self.credential

    def to_json(self) -> JSON:
        return {"credential": hex_bytes(self.credential), "mode": "signing", "signature": hex_bytes(self.signature)}

    @classmethod
    def from_json(cls, obj: JSON) -> SigningEvidence:
        exact_keys(obj, {"credential", "mode", "signature"}, "eligibility")
        if get(obj, "mode", str, "eligibility") != EligibilityMode.SIGNING.value:
            raise InvalidEncoding("eligibility.mode: this election uses signing credentials")
        return cls(
            credential=parse_hex_bytes(obj["credential"], "eligibility.credential", 32),
            signature=parse_hex_bytes(obj["signature"], "eligibility.signature", 64),
        )


@dataclass(frozen=True, slots=True)
class AnonymousEvidence:
    pseudonym: bytes  # compressed G1 point, canonical (the per-election nullifier)
    proof: bytes  # BBS proof with pseudonym (draft-irtf-cfrg-bbs-per-verifier-linkability-02 §5.2)
    weight: int = 0  # assembly: the disclosed signed area (0.01 m²); 0 otherwise

    @property
    def binding(self) -> bytes:
        return self.pseudonym

    def to_json(self) -> JSON:
        return {
            "mode": "anonymous",
            "proof": hex_bytes(self.proof),
            "pseudonym": hex_bytes(self.pseudonym),
            "weight": self.weight,
        }

    @classmethod
    def from_json(cls, obj: JSON) -> AnonymousEvidence:
        exact_keys(obj, {"mode", "proof", "pseudonym", "weight"}, "eligibility")
        if get(obj, "mode", str, "eligibility") != EligibilityMode.ANONYMOUS.value:
            raise InvalidEncoding("eligibility.mode: this election uses anonymous credentials")
        pseudonym = parse_hex_bytes(obj["pseudonym"], "eligibility.pseudonym", 48)
        try:
            bbs_pseudonym.pseudonym_from_bytes(pseudonym)  # canonical, in G1, not the identity: no aliasing
        except CryptoError as e:
            raise InvalidEncoding(f"eligibility.pseudonym: {e}") from e
        proof = parse_hex_bytes(obj["proof"], "eligibility.proof")
        if len(proof) != _NYM_PROOF_LENGTH:
            raise InvalidEncoding(f"eligibility.proof: expected {_NYM_PROOF_LENGTH} bytes")
        weight = get(obj, "weight", int, "eligibility")
        if not 0 <= weight < 1 << 40:
            raise InvalidEncoding("eligibility.weight out of range")
        return cls(pseudonym=pseudonym, proof=proof, weight=weight)


Evidence = SigningEvidence | AnonymousEvidence

# 3 points + (e^, r1^, r3^, challenge) + one response for the prover blind and one per nym secret (L = 0, M = 0)
_NYM_PROOF_LENGTH = 3 * 48 + (4 + 1 + NYM_LENGTH) * 32
BALLOT_PH_DOMAIN = b"linli/ballot-ph/v1\x00"
REVOCATION_PH_DOMAIN = b"linli/revocation-ph/v1\x00"


class Eligibility(Protocol):
    mode: EligibilityMode

    def parse_evidence(self, obj: JSON) -> Evidence: ...

    def verify(self, context: ElectionContext, evidence: Evidence, ballot_hash: bytes) -> None: ...


def signed_ballot_message(context: ElectionContext, ballot_hash: bytes) -> bytes:
    return BALLOT_SIGNATURE_DOMAIN + context.election_hash + ballot_hash


@dataclass(frozen=True, slots=True)
class SigningEligibility:
    mode: EligibilityMode = EligibilityMode.SIGNING

    def parse_evidence(self, obj: JSON) -> Evidence:
        return SigningEvidence.from_json(obj)

    def binding_of(self, credential: ed25519.SigningKey) -> bytes:
        return credential.public_key

    def sign(self, context: ElectionContext, credential: ed25519.SigningKey, ballot_hash: bytes) -> SigningEvidence:
        return SigningEvidence(credential.public_key, credential.sign(signed_ballot_message(context, ballot_hash)))

    def verify(self, context: ElectionContext, evidence: Evidence, ballot_hash: bytes) -> None:
        if not isinstance(evidence, SigningEvidence):
            raise NotEligible("this election needs a signing credential")
        try:
            ed25519.verify(evidence.credential, signed_ballot_message(context, ballot_hash), evidence.signature)
        except CryptoError as e:
            raise NotEligible(f"ballot signature does not verify under its credential ({e})") from e


def presentation_header(context: ElectionContext, ballot_hash: bytes) -> bytes:
    """Binds the BBS proof to this election and this ballot (BBS draft issue #74: proofs must be bound)."""
    return BALLOT_PH_DOMAIN + context.election_hash + ballot_hash


@dataclass(frozen=True, slots=True)
class AnonymousEligibility:
    mode: EligibilityMode = EligibilityMode.ANONYMOUS

    def parse_evidence(self, obj: JSON) -> Evidence:
        return AnonymousEvidence.from_json(obj)

    def binding_of(self, credential: AnonymousCredential) -> bytes:
        return credential.pseudonym()

    def sign(self, context: ElectionContext, credential: AnonymousCredential, ballot_hash: bytes) -> AnonymousEvidence:
        if (
            credential.election_id != context.election_id
            or credential.election_hash != context.election_hash
            or credential.issuer_key != context.definition.credential_key
        ):
            raise NotEligible("this credential was issued for another election (instance) or by another registrar")
        proof, pseudonym = credential.prove(presentation_header(context, ballot_hash))
        return AnonymousEvidence(pseudonym, proof, credential.weight)

    def prepare(self, context: ElectionContext, evidence: Evidence, ballot_hash: bytes) -> tuple[G1Point, G1Point]:
        """Every check but the final pairing equation: returns (Abar, Bbar) for one batched pairing check."""
        if not isinstance(evidence, AnonymousEvidence):
            raise NotEligible("this election needs an anonymous credential")
        weighted = context.definition.kind_rules.weighted
        if weighted != (evidence.weight > 0):
            raise NotEligible("an assembly ballot discloses its owner's area; other ballots disclose nothing")
        messages = weight_messages(evidence.weight)
        try:
            return bbs_pseudonym.proof_verify_with_nym_prepare(
                context.definition.credential_key,
                evidence.proof,
                credential_header(context.election_hash),
                presentation_header(context, ballot_hash),
                evidence.pseudonym,
                ballot_context_id(context.election_hash),
                len(messages),
                messages,
                (),
                (0,) if messages else (),
                (),
                length_nym_vector=NYM_LENGTH,
            )
        except CryptoError as e:
            raise NotEligible(f"eligibility proof does not verify: {e}") from e

    def verify(self, context: ElectionContext, evidence: Evidence, ballot_hash: bytes) -> None:
        abar, bbar = self.prepare(context, evidence, ballot_hash)
        if bbs.find_invalid_in_batch(context.definition.credential_key, [(0, abar, bbar)]):
            raise NotEligible("eligibility proof does not verify: pairing check fails")


def eligibility_for(mode: EligibilityMode) -> SigningEligibility | AnonymousEligibility:
    if mode is EligibilityMode.SIGNING:
        return SigningEligibility()
    return AnonymousEligibility()


# -- §P5.3 revoking an anonymous credential before the election opens -------------------------------------------------
def revocation_header(election_hash: bytes, roll_id: str, issuance: int) -> bytes:
    """The presentation header of a revocation (§P5.3): the election instance, the leaf index of the issuance it
    withdraws and that issuance's roll id (fixed-width fields first, the roll id last: unambiguous)."""
    if len(election_hash) != 32 or not 0 <= issuance < 1 << 63:
        raise InvalidEncoding("revocation header: a 32-byte election hash and a leaf index")
    return REVOCATION_PH_DOMAIN + election_hash + issuance.to_bytes(8, "big") + roll_id.encode("utf-8")


def present_for_revocation(credential: AnonymousCredential, roll_id: str, issuance: int) -> AnonymousEvidence:
    """On the holder's device: show the credential's ballot pseudonym with a BBS proof bound to the revocation of
    issuance ``issuance`` (roll id ``roll_id``); the credential's signed area, if any, is disclosed. Logged, this
    pseudonym is refused forever after, so the credential can never vote (§P5.3)."""
    proof, pseudonym = credential.prove(revocation_header(credential.election_hash, roll_id, issuance))
    return AnonymousEvidence(pseudonym, proof, credential.weight)


def verify_revocation(
    credential_key: bytes, election_hash: bytes, roll_id: str, issuance: int, evidence: AnonymousEvidence
) -> None:
    """§P5.3: the revocation's pseudonym is that of a credential the registrar's BBS key signed for this election
    instance, and the proof is bound to this revocation; raise NotEligible otherwise. Any signed area is accepted
    (a wrongly issued credential may carry a wrong one)."""
    messages = weight_messages(evidence.weight)
    try:
        abar, bbar = bbs_pseudonym.proof_verify_with_nym_prepare(
            credential_key,
            evidence.proof,
            credential_header(election_hash),
            revocation_header(election_hash, roll_id, issuance),
            evidence.pseudonym,
            ballot_context_id(election_hash),
            len(messages),
            messages,
            (),
            (0,) if messages else (),
            (),
            length_nym_vector=NYM_LENGTH,
        )
    except CryptoError as e:
        raise NotEligible(f"the revocation's credential proof does not verify: {e}") from e
    if bbs.find_invalid_in_batch(credential_key, [(0, abar, bbar)]):
        raise NotEligible("the revocation's credential proof does not verify: pairing check fails")

"""Eligibility: who may cast a counted ballot (docs/protocol.md §P5).

One interface, :class:`Eligibility`, with one implementation per :class:`~voting.election.EligibilityMode`:

* ``signing`` (this module): Belenios-style signing credentials. The voter's client makes an Ed25519 key pair; the
  registrar publishes the public key against the voter's roll entry (``credential.issued``); every ballot is signed.
  The credential key is the ballot's *binding*: one binding, one counted ballot. Ballot contents stay secret, but
  anyone can see which roll entry cast a ballot (as with a paper register of who voted).
* ``anonymous``: BBS credentials and per-election pseudonyms (issue "Anonymous eligibility").

The stateless check (signature or proof over the ballot hash) is :meth:`Eligibility.verify`; the stateful checks
(the credential was issued, the binding has not voted) belong to :mod:`voting.state`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from crypto import ed25519
from crypto.errors import CryptoError
from voting.election import ElectionContext, EligibilityMode
from voting.encoding import JSON, exact_keys, get, hex_bytes, parse_hex_bytes
from voting.errors import InvalidEncoding, NotEligible

__all__ = ["BALLOT_SIGNATURE_DOMAIN", "Eligibility", "SigningEligibility", "SigningEvidence", "eligibility_for"]

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


class Eligibility(Protocol):
    mode: EligibilityMode

    def parse_evidence(self, obj: JSON) -> SigningEvidence: ...

    def verify(self, context: ElectionContext, evidence: SigningEvidence, ballot_hash: bytes) -> None: ...


def signed_ballot_message(context: ElectionContext, ballot_hash: bytes) -> bytes:
    return BALLOT_SIGNATURE_DOMAIN + context.election_hash + ballot_hash


@dataclass(frozen=True, slots=True)
class SigningEligibility:
    mode: EligibilityMode = EligibilityMode.SIGNING

    def parse_evidence(self, obj: JSON) -> SigningEvidence:
        return SigningEvidence.from_json(obj)

    def binding_of(self, credential: ed25519.SigningKey) -> bytes:
        return credential.public_key

    def sign(self, context: ElectionContext, credential: ed25519.SigningKey, ballot_hash: bytes) -> SigningEvidence:
        return SigningEvidence(credential.public_key, credential.sign(signed_ballot_message(context, ballot_hash)))

    def verify(self, context: ElectionContext, evidence: SigningEvidence, ballot_hash: bytes) -> None:
        try:
            ed25519.verify(evidence.credential, signed_ballot_message(context, ballot_hash), evidence.signature)
        except CryptoError as e:
            raise NotEligible(f"ballot signature does not verify under its credential ({e})") from e


def eligibility_for(mode: EligibilityMode) -> SigningEligibility:
    if mode is EligibilityMode.SIGNING:
        return SigningEligibility()
    raise NotEligible(f"eligibility mode {mode.value!r} is not available in this version")

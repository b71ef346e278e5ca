"""Anonymous credentials (docs/protocol.md §P5.2): BBS blind issuance with a per-election pseudonym.

Issuance, once per election, between the voter's device and the registrar (identity checked out of band):

1. the device draws its nym secret and blinding, and commits to them (:func:`request_credential`,
   draft-irtf-cfrg-bbs-per-verifier-linkability-02 §5.1.1 CommitWithNym);
2. the registrar checks the commitment's proof and signs blindly, adding its own entropy to the nym secret
   (:func:`issue_credential`, §5.1.2 BlindSignWithNym) — it never learns the secret or the future pseudonym —
   and logs ``credential.issued {roll_id}`` (no credential material) so residents can check issuances;
3. the device verifies the signature and derives the final nym secrets (:func:`finish_credential`, §5.1.3).

The credential's header binds it to one election instance (``CREDENTIAL_HEADER || election hash``, §P2.3: a second
election created under the same id and keys does not accept it); the pseudonym for the election's ballot context is
the ballot's *binding*: constant for the credential, so a second ballot under it is a re-vote, and unlinkable to
anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crypto import bbs, bbs_pseudonym
from crypto.errors import CryptoError
from voting.encoding import JSON, exact_keys, get, hex_bytes, hex_int, parse_hex_bytes, parse_hex_int
from voting.errors import InvalidEncoding, NotEligible

__all__ = [
    "AnonymousCredential",
    "CredentialRequest",
    "IssuedCredential",
    "ballot_context_id",
    "check_commitment",
    "credential_header",
    "finish_credential",
    "issue_credential",
    "request_credential",
]

CREDENTIAL_HEADER = b"linli/credential/v1\x00"
BALLOT_CONTEXT = b"linli/ballot-pseudonym/v1\x00"
NYM_LENGTH = 1  # N: one context (the election) per credential
SCALAR = 32


def _check_hash(election_hash: bytes) -> bytes:
    if len(election_hash) != 32:
        raise InvalidEncoding("the election hash is 32 bytes")
    return election_hash


def credential_header(election_hash: bytes) -> bytes:
    """The BBS header of a credential: the election instance (SHA-256 of its election.created entry)."""
    return CREDENTIAL_HEADER + _check_hash(election_hash)


def weight_messages(weight: int) -> tuple[bytes, ...]:
    """The credential's signed messages: the owner's exclusive area (0.01 m², 8 bytes big-endian) in an
    assembly election, which the ballot discloses (§P5.2.7); nothing otherwise."""
    if not 0 <= weight < 1 << 63:
        raise InvalidEncoding("weight out of range")
    return (weight.to_bytes(8, "big"),) if weight else ()


def ballot_context_id(election_hash: bytes) -> bytes:
    """The pseudonym's context: the election instance (draft §4, context_id)."""
    return BALLOT_CONTEXT + _check_hash(election_hash)


@dataclass(frozen=True, slots=True)
class CredentialRequest:
    """The device's side of issuance: the commitment it shows, and the secrets it keeps."""

    election_id: str
    election_hash: bytes
    commitment: bytes
    prover_nyms: tuple[int, ...] = field(repr=False)
    secret_prover_blind: int = field(repr=False)

    def to_json(self) -> JSON:
        return {
            "commitment": hex_bytes(self.commitment),
            "election": self.election_id,
            "election_hash": hex_bytes(self.election_hash),
            "prover_nyms": [hex_int(x, SCALAR) for x in self.prover_nyms],
            "secret_prover_blind": hex_int(self.secret_prover_blind, SCALAR),
        }

    @classmethod
    def from_json(cls, obj: JSON) -> CredentialRequest:
        exact_keys(
            obj, {"commitment", "election", "election_hash", "prover_nyms", "secret_prover_blind"}, "credential request"
        )
        return cls(
            election_id=get(obj, "election", str, "credential request"),
            election_hash=parse_hex_bytes(obj["election_hash"], "credential request.election_hash", 32),
            commitment=parse_hex_bytes(obj["commitment"], "credential request.commitment"),
            prover_nyms=tuple(
                parse_hex_int(x, "prover_nyms", SCALAR) for x in get(obj, "prover_nyms", list, "request")
            ),
            secret_prover_blind=parse_hex_int(obj["secret_prover_blind"], "secret_prover_blind", SCALAR),
        )


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """What the registrar hands back: the blind signature and its nym entropy (neither identifies the voter)."""

    signature: bytes
    signer_nym_entropy: int
    weight: int = 0  # assembly: the signed (and later disclosed) exclusive area in 0.01 m²

    def to_json(self) -> JSON:
        return {
            "signature": hex_bytes(self.signature),
            "signer_nym_entropy": hex_int(self.signer_nym_entropy, SCALAR),
            "weight": self.weight,
        }

    @classmethod
    def from_json(cls, obj: JSON) -> IssuedCredential:
        exact_keys(obj, {"signature", "signer_nym_entropy", "weight"}, "issued credential")
        return cls(
            signature=parse_hex_bytes(obj["signature"], "issued credential.signature", 80),
            signer_nym_entropy=parse_hex_int(obj["signer_nym_entropy"], "signer_nym_entropy", SCALAR),
            weight=get(obj, "weight", int, "issued credential"),
        )


@dataclass(frozen=True, slots=True)
class AnonymousCredential:
    """A finished credential in the voter's keystore (export / import format: :meth:`to_json`)."""

    election_id: str
    election_hash: bytes  # the election instance the credential is bound to (§P2.3)
    issuer_key: bytes  # the registrar's BBS public key (G2, 96 bytes)
    signature: bytes = field(repr=False)
    nym_secrets: tuple[int, ...] = field(repr=False)
    secret_prover_blind: int = field(repr=False)
    weight: int = 0  # assembly: the owner's exclusive area (signed message 0, disclosed in every ballot)

    def pseudonym(self) -> bytes:
        return bbs_pseudonym.calculate_pseudonym(ballot_context_id(self.election_hash), self.nym_secrets)

    def prove(self, ph: bytes) -> tuple[bytes, bytes]:
        """A BBS proof with pseudonym over presentation header ``ph`` -> (proof, pseudonym)."""
        return bbs_pseudonym.proof_gen_with_nym(
            self.issuer_key,
            self.signature,
            credential_header(self.election_hash),
            ph,
            self.nym_secrets,
            ballot_context_id(self.election_hash),
            weight_messages(self.weight),
            (),
            (0,) if self.weight else (),
            (),
            self.secret_prover_blind,
        )

    def to_json(self) -> JSON:
        return {
            "election": self.election_id,
            "election_hash": hex_bytes(self.election_hash),
            "issuer_key": hex_bytes(self.issuer_key),
            "nym_secrets": [hex_int(x, SCALAR) for x in self.nym_secrets],
            "secret_prover_blind": hex_int(self.secret_prover_blind, SCALAR),
            "signature": hex_bytes(self.signature),
            "weight": self.weight,
        }

    @classmethod
    def from_json(cls, obj: JSON) -> AnonymousCredential:
        """Import: parse and re-verify the signature, so a corrupted file is caught before voting."""
        fields = {
            "election",
            "election_hash",
            "issuer_key",
            "nym_secrets",
            "secret_prover_blind",
            "signature",
            "weight",
        }
        exact_keys(obj, fields, "credential")
        nyms = get(obj, "nym_secrets", list, "credential")
        if len(nyms) != NYM_LENGTH:
            raise InvalidEncoding(f"credential: expected {NYM_LENGTH} nym secret(s)")
        cred = cls(
            election_id=get(obj, "election", str, "credential"),
            election_hash=parse_hex_bytes(obj["election_hash"], "credential.election_hash", 32),
            issuer_key=parse_hex_bytes(obj["issuer_key"], "credential.issuer_key", 96),
            signature=parse_hex_bytes(obj["signature"], "credential.signature", 80),
            nym_secrets=tuple(parse_hex_int(x, "nym_secrets", SCALAR) for x in nyms),
            secret_prover_blind=parse_hex_int(obj["secret_prover_blind"], "secret_prover_blind", SCALAR),
            weight=get(obj, "weight", int, "credential"),
        )
        cred.check()
        return cred

    def check(self) -> None:
        """Verify the credential's signature over its nym secrets (raises NotEligible)."""
        from crypto import bbs_blind

        try:
            messages = weight_messages(self.weight)
            scalars, generators = bbs_blind.prepare_parameters(
                messages, (), len(messages) + 1, NYM_LENGTH + 1, self.secret_prover_blind, bbs_pseudonym.API_ID
            )
            scalars.extend(self.nym_secrets)
            header = credential_header(self.election_hash) + NYM_LENGTH.to_bytes(8, "big")
            bbs.core_verify(self.issuer_key, self.signature, generators, header, scalars, bbs_pseudonym.API_ID)
        except (CryptoError, ValueError) as e:
            raise NotEligible(f"the credential's signature does not verify: {e}") from e


def request_credential(election_id: str, election_hash: bytes) -> CredentialRequest:
    """Step 1, on the voter's device, for the election instance it has verified (§P12)."""
    prover_nyms = tuple(bbs.calculate_random_scalars(NYM_LENGTH))
    commitment, blind = bbs_pseudonym.commit_with_nym((), prover_nyms)
    return CredentialRequest(election_id, _check_hash(election_hash), commitment, prover_nyms, blind)


COMMITMENT_BYTES = 48 + (NYM_LENGTH + 2) * SCALAR  # C, s^, one m^ per nym secret, cp (CommitWithNym, N = 1)


def check_commitment(commitment: bytes) -> None:
    """Check a device's commitment before anything is signed or stored (§P5.2.2, §P13.1): exactly one committed
    nym secret, the point canonical and in the subgroup, and its proof of correctness verifies (raises
    InvalidEncoding). Blind signing checks the same again."""
    from crypto import bbs_blind

    if len(commitment) != COMMITMENT_BYTES:
        raise InvalidEncoding(f"a credential request commits to one nym secret: {COMMITMENT_BYTES} bytes")
    try:
        bbs_blind.verify_commitment(commitment, bbs_pseudonym.API_ID)
    except (CryptoError, ValueError) as e:
        raise InvalidEncoding(f"the credential request's commitment proof does not verify: {e}") from e


def issue_credential(registrar_sk: bytes, election_hash: bytes, commitment: bytes, weight: int = 0) -> IssuedCredential:
    """Step 2, at the registrar: check the commitment's proof and sign blindly (raises NotEligible). In an assembly
    election ``weight`` is the roll entry's exclusive area, signed in the clear next to the blind nym secret."""
    pk = bbs.sk_to_pk(registrar_sk)
    try:
        signature, entropy = bbs_pseudonym.blind_sign_with_nym(
            registrar_sk, pk, commitment, NYM_LENGTH, None, credential_header(election_hash), weight_messages(weight)
        )
    except (CryptoError, ValueError) as e:
        raise NotEligible(f"the credential request is not a valid commitment: {e}") from e
    return IssuedCredential(signature, entropy, weight)


def finish_credential(request: CredentialRequest, issuer_key: bytes, issued: IssuedCredential) -> AnonymousCredential:
    """Step 3, on the voter's device: verify the registrar's signature and derive the nym secrets."""
    try:
        nym_secrets = bbs_pseudonym.finalize_nym_signature(
            issuer_key,
            issued.signature,
            credential_header(request.election_hash),
            weight_messages(issued.weight),
            (),
            request.prover_nyms,
            issued.signer_nym_entropy,
            request.secret_prover_blind,
        )
    except (CryptoError, ValueError) as e:
        raise NotEligible(f"the registrar's blind signature does not verify: {e}") from e
    return AnonymousCredential(
        request.election_id,
        request.election_hash,
        issuer_key,
        issued.signature,
        tuple(nym_secrets),
        request.secret_prover_blind,
        issued.weight,
    )

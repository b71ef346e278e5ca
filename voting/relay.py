"""The phone credential relay (docs/protocol.md §P13): what a phone posts, the code it shows, and the registrar's
signed issuance. None of it is logged or part of the election record; the issuance itself is still logged as
``credential.issued`` by the registrar (§P5).

1. The phone makes its credential secret and posts a :class:`RelayRequest` — its public key (signing mode) or its
   blinded commitment (anonymous mode) — and gets a short random :func:`code <parse_code>` to show.
2. The registrar, having checked the resident's identity, fetches the request by that code, compares its
   :func:`request_check` with the one the phone shows (the server cannot swap the request unseen), issues as
   usual, and posts a :class:`RelayIssuance` signed with the registrar's identity key.
3. The phone fetches the issuance, checks the registrar's signature and, in anonymous mode, finishes its
   credential from the blind signature (``voting.credentials.finish_credential``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

from crypto import ed25519
from crypto.errors import CryptoError
from voting.credentials import IssuedCredential, check_commitment
from voting.election import EligibilityMode
from voting.encoding import JSON, canonical, exact_keys, get, hex_bytes, parse, parse_hex_bytes
from voting.errors import InvalidEncoding, InvalidStatement

__all__ = [
    "CODE_ALPHABET",
    "CODE_CHARS",
    "MAX_ISSUANCE_BYTES",
    "MAX_REQUEST_BYTES",
    "RELAY_ISSUANCE_DOMAIN",
    "RelayIssuance",
    "RelayRequest",
    "format_code",
    "parse_code",
    "request_check",
]

RELAY_ISSUANCE_DOMAIN = b"linli/relay-issuance/v1\x00"
REQUEST_CHECK_DOMAIN = b"linli/relay-request/v1\x00"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
CODE_CHARS = 10  # 50 bits, shown as XXXXX-XXXXX
_CONFUSABLE = str.maketrans("OIL", "011")  # Crockford's decoding of what people type
MAX_REQUEST_BYTES = 1024  # an anonymous request is about 400 bytes
MAX_ISSUANCE_BYTES = 4096  # an anonymous issuance is about 500 bytes


def format_code(compact: str) -> str:
    """``XXXXXXXXXX`` -> ``XXXXX-XXXXX``."""
    return f"{compact[:5]}-{compact[5:]}"


def parse_code(text: str) -> str:
    """A relay code as shown or typed (any case; dashes and spaces ignored; O, I and L read as 0, 1 and 1) in its
    canonical form ``XXXXX-XXXXX``, or InvalidEncoding."""
    compact = "".join(ch for ch in text.upper() if ch not in " -\t").translate(_CONFUSABLE)
    if len(compact) != CODE_CHARS or any(ch not in CODE_ALPHABET for ch in compact):
        raise InvalidEncoding(f"a relay code is {CODE_CHARS} characters of Crockford base32, e.g. 7K2QM-X9D4A")
    return format_code(compact)


def request_check(data: bytes) -> str:
    """§P13.2: the short value of a posted request that the phone shows next to its code and the registrar
    compares: the first 50 bits of SHA-256(domain ‖ request), most significant first, in the codes' alphabet
    (5 bits per character), as XXXXX-XXXXX."""
    bits = int.from_bytes(hashlib.sha256(REQUEST_CHECK_DOMAIN + data).digest()[:7], "big") >> 6  # 56 -> 50 bits
    return format_code("".join(CODE_ALPHABET[(bits >> (5 * i)) & 31] for i in reversed(range(CODE_CHARS))))


@dataclass(frozen=True, slots=True)
class RelayRequest:
    """§P13.1: ``{"election", "mode": "signing", "public_key"}`` or ``{"election", "mode": "anonymous",
    "commitment"}``. Only the public part: the phone keeps the secret."""

    election_id: str
    mode: EligibilityMode
    public_key: bytes = b""  # signing: the Ed25519 credential key
    commitment: bytes = b""  # anonymous: the CommitWithNym commitment with its proof (§P5.2.2)

    def to_json(self) -> JSON:
        if self.mode is EligibilityMode.SIGNING:
            return {"election": self.election_id, "mode": self.mode.value, "public_key": hex_bytes(self.public_key)}
        return {"commitment": hex_bytes(self.commitment), "election": self.election_id, "mode": self.mode.value}

    def to_bytes(self) -> bytes:
        return canonical(self.to_json())

    @classmethod
    def from_bytes(cls, data: bytes) -> RelayRequest:
        """Parse and check a request: canonical JSON of exactly one of the two shapes; a 32-byte key; a commitment
        to one nym secret whose proof verifies (``voting.credentials.check_commitment``)."""
        if len(data) > MAX_REQUEST_BYTES:
            raise InvalidEncoding(f"credential request: more than {MAX_REQUEST_BYTES} bytes")
        obj = parse(data)
        try:
            mode = EligibilityMode(get(obj, "mode", str, "credential request"))
        except ValueError as e:
            raise InvalidEncoding("credential request.mode: 'signing' or 'anonymous'") from e
        election_id = get(obj, "election", str, "credential request")
        if mode is EligibilityMode.SIGNING:
            exact_keys(obj, {"election", "mode", "public_key"}, "credential request")
            key = parse_hex_bytes(obj["public_key"], "credential request.public_key", 32)
            return cls(election_id, mode, public_key=key)
        exact_keys(obj, {"commitment", "election", "mode"}, "credential request")
        commitment = parse_hex_bytes(obj["commitment"], "credential request.commitment")
        check_commitment(commitment)
        return cls(election_id, mode, commitment=commitment)


@dataclass(frozen=True, slots=True)
class RelayIssuance:
    """§P13.3: the registrar's answer to the request behind ``code``: ``issued`` is the blind signature (anonymous
    mode), or None (signing mode: the credential key is on the log). Signed like a statement (§P1): Ed25519 over
    ``"linli/relay-issuance/v1\\0" ‖ canonical(object without "signature")``, with the election instance named
    (§P2.3), so it cannot be replayed to another election, instance or code."""

    election_id: str
    election_hash: bytes
    code: str
    issued: IssuedCredential | None
    signature: bytes = b""

    def _unsigned_json(self) -> dict[str, JSON]:
        return {
            "code": self.code,
            "election": self.election_id,
            "election_hash": hex_bytes(self.election_hash),
            "issued": None if self.issued is None else self.issued.to_json(),
        }

    def signed_message(self) -> bytes:
        return RELAY_ISSUANCE_DOMAIN + canonical(self._unsigned_json())

    def signed(self, key: ed25519.SigningKey) -> RelayIssuance:
        return replace(self, signature=key.sign(self.signed_message()))

    def verify(self, registrar_key: bytes) -> None:
        """Check the signature against the election's registrar key (raises InvalidStatement)."""
        try:
            ed25519.verify(registrar_key, self.signed_message(), self.signature)
        except CryptoError as e:
            raise InvalidStatement(f"relay issuance: not signed by the election's registrar ({e})") from e

    def to_bytes(self) -> bytes:
        return canonical({**self._unsigned_json(), "signature": hex_bytes(self.signature)})

    @classmethod
    def from_bytes(cls, data: bytes) -> RelayIssuance:
        if len(data) > MAX_ISSUANCE_BYTES:
            raise InvalidEncoding(f"relay issuance: more than {MAX_ISSUANCE_BYTES} bytes")
        obj = parse(data)
        exact_keys(obj, {"code", "election", "election_hash", "issued", "signature"}, "relay issuance")
        code = get(obj, "code", str, "relay issuance")
        if parse_code(code) != code:
            raise InvalidEncoding("relay issuance.code: not in its canonical form XXXXX-XXXXX")
        return cls(
            election_id=get(obj, "election", str, "relay issuance"),
            election_hash=parse_hex_bytes(obj["election_hash"], "relay issuance.election_hash", 32),
            code=code,
            issued=None if obj["issued"] is None else IssuedCredential.from_json(obj["issued"]),
            signature=parse_hex_bytes(obj["signature"], "relay issuance.signature", 64),
        )

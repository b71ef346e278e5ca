"""Homomorphic tally, decryption shares and totals (docs/protocol.md §P7–§P8)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crypto import paillier, threshold
from crypto.errors import CryptoError
from voting.election import ElectionContext
from voting.encoding import JSON, exact_keys, get, hex_int, parse_hex_bytes, parse_hex_int
from voting.errors import InvalidEncoding, InvalidShare

__all__ = [
    "TrusteeShares",
    "aggregate",
    "combine_totals",
    "decode_totals",
    "decryption_context",
    "make_trustee_shares",
    "share_from_json",
    "share_to_json",
    "verify_trustee_shares",
]

# Bits of the integer response z in the equality proof are bounded by the key; its hex width is derived here.
_PROOF_E_BYTES = 16


def aggregate(context: ElectionContext, ciphertexts: Sequence[int]) -> int:
    """§P7: the product of the counted ballots' ciphertexts (an encryption of the sum of their plaintexts)."""
    pk = context.public_key.paillier
    return paillier.add(pk, *ciphertexts)  # no ciphertexts: 1, the trivial encryption of 0


def decryption_context(context: ElectionContext, tally_ciphertexts: Sequence[int]) -> bytes:
    """The context a decryption share proof is bound to: election, key and the whole tally."""
    nb = context.definition.modulus_bits // 8
    blob = b"".join(int(c).to_bytes(2 * nb, "big") for c in tally_ciphertexts)
    return context.proof_context("decryption", blob)


def _z_bytes(modulus_bits: int, threshold_: int, parties: int) -> int:
    """Width of the two's-complement response z: every honest |z| < 2^response_bits, plus a sign bit."""
    return threshold.response_bits(modulus_bits, threshold_, parties) // 8 + 1


def share_to_json(share: threshold.DecryptionShare, modulus_bits: int, threshold_: int, parties: int) -> JSON:
    """One decryption share (docs/record.md): ``{"proof": {"e", "z"}, "value"}``, fixed-width hex; z in two's
    complement."""
    zb = _z_bytes(modulus_bits, threshold_, parties)
    return {
        "proof": {
            "e": hex_int(share.proof.e, _PROOF_E_BYTES),
            "z": int(share.proof.z).to_bytes(zb, "big", signed=True).hex(),
        },
        "value": hex_int(share.value, 2 * (modulus_bits // 8)),
    }


def share_from_json(
    item: JSON, index: int, modulus_bits: int, threshold_: int, parties: int, what: str = "decryption share"
) -> threshold.DecryptionShare:
    """Parse :func:`share_to_json` for trustee ``index`` (ranges and proof: :func:`crypto.threshold.verify_share`)."""
    exact_keys(item, {"proof", "value"}, what)
    proof = exact_keys(item["proof"], {"e", "z"}, f"{what} proof")
    zb = _z_bytes(modulus_bits, threshold_, parties)
    return threshold.DecryptionShare(
        index=index,
        value=parse_hex_int(item["value"], f"{what} value", 2 * (modulus_bits // 8)),
        proof=threshold.EqualityProof(
            e=parse_hex_int(proof["e"], f"{what} proof e", _PROOF_E_BYTES),
            z=int.from_bytes(parse_hex_bytes(proof["z"], f"{what} proof z", zb), "big", signed=True),
        ),
    )


@dataclass(frozen=True, slots=True)
class TrusteeShares:
    """One trustee's decryption shares, one per tally ciphertext (body of a ``decryption.share`` statement)."""

    trustee: int
    shares: tuple[threshold.DecryptionShare, ...]

    def to_json(self, context: ElectionContext) -> JSON:
        d = context.definition
        t, l_ = d.threshold, len(d.trustees)
        return {
            "shares": [share_to_json(s, d.modulus_bits, t, l_) for s in self.shares],
            "trustee": self.trustee,
        }

    @classmethod
    def from_json(cls, obj: JSON, context: ElectionContext, count: int) -> TrusteeShares:
        exact_keys(obj, {"shares", "trustee"}, "decryption share")
        trustee = get(obj, "trustee", int, "decryption share")
        d = context.definition
        if not 1 <= trustee <= len(d.trustees):
            raise InvalidEncoding(f"decryption share: no trustee {trustee}")
        items = get(obj, "shares", list, "decryption share")
        if len(items) != count:
            raise InvalidEncoding(f"decryption share: expected {count} shares, got {len(items)}")
        t, l_ = d.threshold, len(d.trustees)
        return cls(trustee, tuple(share_from_json(item, trustee, d.modulus_bits, t, l_) for item in items))


def make_trustee_shares(context: ElectionContext, key_share: threshold.KeyShare, tally: Sequence[int]) -> TrusteeShares:
    """§P8: a trustee's partial decryptions of every tally ciphertext, with proofs."""
    ctx = decryption_context(context, tally)
    return TrusteeShares(key_share.index, tuple(threshold.partial_decrypt(key_share, c, ctx) for c in tally))


def verify_trustee_shares(context: ElectionContext, shares: TrusteeShares, tally: Sequence[int]) -> None:
    ctx = decryption_context(context, tally)
    for position, (c, share) in enumerate(zip(tally, shares.shares, strict=True)):
        try:
            threshold.verify_share(context.public_key, c, share, ctx)
        except CryptoError as e:
            raise InvalidShare(f"trustee {shares.trustee}, tally ciphertext {position}: {e}") from e


def combine_totals(context: ElectionContext, tally: Sequence[int], shares: Sequence[TrusteeShares]) -> tuple[int, ...]:
    """Combine verified shares of ``threshold`` trustees and decode every contest's counters."""
    plaintexts = []
    for position, c in enumerate(tally):
        try:
            plaintexts.append(threshold.combine(context.public_key, c, [s.shares[position] for s in shares]))
        except CryptoError as e:
            raise InvalidShare(f"cannot combine the shares of tally ciphertext {position}: {e}") from e
    totals: list[int] = []
    for m in plaintexts:
        totals.extend(decode_totals(m, context.definition.counter_bits, context.definition.counter_count))
    return tuple(totals)


def decode_totals(plaintext: int, counter_bits: int, count: int) -> tuple[int, ...]:
    """Unpack ``count`` counters of ``counter_bits`` bits each (§P4); anything beyond them is an error."""
    if plaintext >> (counter_bits * count):
        raise InvalidShare("decrypted tally overflows its packed counters")
    mask = (1 << counter_bits) - 1
    return tuple((plaintext >> (counter_bits * i)) & mask for i in range(count))

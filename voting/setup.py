"""One election set-up, through the domain layer: definition → created, key and modulus proof, roll, issuances,
opening (docs/protocol.md §P2–§P5). Pure: the keys, primes and voters are arguments; nothing is sent or stored.

It returns the signed entries, the state they were applied to (every check of the log ran), and the secrets the
set-up made: the trustees' key shares and the voters' credentials.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from crypto import bbs, ed25519, threshold
from voting.credentials import AnonymousCredential, finish_credential, issue_credential, request_credential
from voting.election import ElectionDefinition, EligibilityMode, RollEntry
from voting.records import Entry, Role
from voting.state import ElectionState
from voting.statements import (
    CredentialIssued,
    ElectionCreated,
    ElectionOpened,
    KeyPublished,
    RollPublished,
    Statement,
)

__all__ = ["ElectionSetup", "blind_credential", "set_up_election"]


def blind_credential(election_id: str, election_hash: bytes, bbs_sk: bytes, weight: int = 0) -> AnonymousCredential:
    """§P5.2 both halves on one machine (for set-ups, demos and benchmarks): the device's request, the registrar's
    blind signature with ``weight`` (an assembly's area), the device's finish."""
    request = request_credential(election_id, election_hash)
    issued = issue_credential(bbs_sk, election_hash, request.commitment, weight)
    return finish_credential(request, bbs.sk_to_pk(bbs_sk), issued)


@dataclass
class ElectionSetup:
    state: ElectionState
    entries: list[Entry]
    shares: list[threshold.KeyShare] = field(repr=False)
    credentials: list[ed25519.SigningKey | AnonymousCredential] = field(repr=False)  # one per roll entry


def set_up_election(
    definition: ElectionDefinition,
    admin: ed25519.SigningKey,
    registrar: ed25519.SigningKey,
    primes: tuple[int, int],
    roll: Sequence[RollEntry],
    *,
    bbs_sk: bytes | None = None,
    open_: bool = True,
    min_modulus_bits: int | None = None,
) -> ElectionSetup:
    """Create, key, publish ``roll`` (one batch), issue one credential per roll entry and (``open_``) open.

    ``primes``: the dealer's two safe primes (§P3.3). Signing mode: each voter's device key is made here; anonymous
    mode (``bbs_sk``, the registrar's BBS key named by the definition): request, blind issuance with the roll
    entry's area, finish (§P5.2), and the issuance logs the roll id only."""
    state = ElectionState(min_modulus_bits=definition.modulus_bits if min_modulus_bits is None else min_modulus_bits)
    entries: list[Entry] = []

    def append(body: Statement, key: ed25519.SigningKey, role: Role = Role.ADMIN) -> None:
        entry = state.statement(body, key, role)
        state.apply(entry)
        entries.append(entry)

    append(ElectionCreated(definition), admin)
    p, q = primes
    pk, shares = threshold.deal(p, q, definition.threshold, len(definition.trustees))
    proof = threshold.prove_modulus(p, q, state.election_hash)
    test = threshold.make_test_decryption(shares, state.election_hash)
    append(KeyPublished(state.election_hash, pk, proof, test, definition.modulus_bits), admin)
    append(RollPublished(state.election_hash, tuple(roll)), admin)
    anonymous = definition.eligibility is EligibilityMode.ANONYMOUS
    if anonymous and bbs_sk is None:
        raise ValueError("an anonymous election needs the registrar's BBS key")
    credentials: list[ed25519.SigningKey | AnonymousCredential] = []
    for r in roll:
        if bbs_sk is not None and anonymous:
            credentials.append(blind_credential(definition.election_id, state.election_hash, bbs_sk, r.area))
            append(CredentialIssued(state.election_hash, r.roll_id), registrar, Role.REGISTRAR)
        else:
            key = ed25519.SigningKey.generate()
            credentials.append(key)
            append(CredentialIssued(state.election_hash, r.roll_id, key.public_key), registrar, Role.REGISTRAR)
    if open_:
        append(ElectionOpened(state.election_hash, state.log_head()), admin)
    return ElectionSetup(state, entries, shares, credentials)

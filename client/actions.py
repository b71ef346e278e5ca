"""Election operations shared by the CLI and the demo: each builds a signed statement or a ballot locally and
submits it through :class:`client.api.LinliClient` (docs/protocol.md §P1–§P8)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from client.api import LinliClient, Receipt
from client.errors import UsageError
from client.record import Record
from crypto import threshold
from crypto.ed25519 import SigningKey
from crypto.note import open_checkpoint
from voting import credentials
from voting.ballot import build_ballot
from voting.credentials import AnonymousCredential, IssuedCredential
from voting.election import (
    AREA_DISCLOSURE_NOTICE,
    REFERENDUM_OPTIONS,
    ElectionContext,
    ElectionDefinition,
    ElectionKind,
    EligibilityMode,
    RevotePolicy,
    RollEntry,
    Trustee,
    key_to_json,
)
from voting.records import Entry, EntryKind, Role, sign_statement
from voting.state import modulus_proof_to_json
from voting.tally import make_trustee_shares

__all__ = [
    "cast_referendum_vote",
    "close_election",
    "create_election",
    "export_record",
    "issue_anonymous_credential",
    "issue_credential",
    "key_ceremony",
    "open_election",
    "publish_roll",
    "submit_decryption_share",
]


def create_election(
    client: LinliClient,
    admin: SigningKey,
    *,
    election_id: str,
    title: str,
    question: str,
    trustee_keys: Sequence[bytes],
    threshold_: int,
    registrar_key: bytes,
    revote: RevotePolicy = RevotePolicy.LAST_COUNTS,
    modulus_bits: int = 3072,
    max_voters: int = 100_000,
    description: str = "",
    opens_at: int = 0,
    closes_at: int = 0,
    eligibility: EligibilityMode = EligibilityMode.SIGNING,
    credential_key: bytes = b"",
    kind: ElectionKind = ElectionKind.REFERENDUM,
    candidates: Sequence[str] = (),
    seats: int = 0,
    major: bool = False,
) -> tuple[ElectionDefinition, Receipt]:
    if kind is ElectionKind.ASSEMBLY and AREA_DISCLOSURE_NOTICE not in description:
        # docs/protocol.md §P9.3: the weight is disclosed; the election says so to every voter.
        description = (description + "\n\n" + AREA_DISCLOSURE_NOTICE).strip()
    definition = ElectionDefinition(
        election_id=election_id,
        kind=kind,
        seats=seats,
        major=major,
        title=title,
        question=question,
        options=tuple(candidates) if kind is ElectionKind.COMMITTEE else REFERENDUM_OPTIONS,
        eligibility=eligibility,
        revote=revote,
        threshold=threshold_,
        trustees=tuple(Trustee(i + 1, f"trustee {i + 1}", k) for i, k in enumerate(trustee_keys)),
        admin_key=admin.public_key,
        registrar_key=registrar_key,
        modulus_bits=modulus_bits,
        max_voters=max_voters,
        description=description,
        opens_at=opens_at,
        closes_at=closes_at,
        credential_key=credential_key,
    )
    entry = sign_statement(
        EntryKind.ELECTION_CREATED, election_id, {"election": definition.to_json()}, admin, Role.ADMIN
    )
    return definition, client.submit(entry)


def key_ceremony(
    client: LinliClient,
    admin: SigningKey,
    election_id: str,
    *,
    progress: Callable[[int], None] | None = None,
    workers: int = 2,
) -> tuple[list[threshold.KeyShare], Receipt]:
    """§P3: the trusted-dealer ceremony on the administrator's machine; returns the trustees' shares to hand out."""
    snap = client.election(election_id)
    d = snap.definition
    election_hash = _election_hash(client, election_id)
    pk, shares, proof = threshold.generate(
        d.modulus_bits, d.threshold, len(d.trustees), progress=progress, context=election_hash, workers=workers
    )
    body = {
        "modulus_proof": modulus_proof_to_json(proof, d.modulus_bits),
        "public_key": key_to_json(pk, d.modulus_bits),
    }
    entry = sign_statement(EntryKind.KEY_PUBLISHED, election_id, body, admin, Role.ADMIN)
    return shares, client.submit(entry)


def _election_hash(client: LinliClient, election_id: str) -> bytes:
    return hashlib.sha256(bytes(client.election(election_id).info.definition)).digest()


def publish_roll(
    client: LinliClient,
    admin: SigningKey,
    election_id: str,
    roll_ids: Sequence[str],
    areas: Sequence[int] | None = None,
) -> list[Receipt]:
    """Publish the roll in batches; ``areas`` (0.01 m², one per roll id) for a homeowners' assembly."""
    entries = [RollEntry(r, a).to_json() for r, a in zip(roll_ids, areas or [0] * len(roll_ids), strict=True)]
    receipts = []
    for start in range(0, len(entries), 5000):
        body = {"entries": entries[start : start + 5000]}
        receipts.append(client.submit(sign_statement(EntryKind.ROLL_PUBLISHED, election_id, body, admin, Role.ADMIN)))
    return receipts


def issue_credential(
    client: LinliClient, registrar: SigningKey, election_id: str, roll_id: str, credential: bytes
) -> Receipt:
    body = {"credential": credential.hex(), "roll_id": roll_id}
    return client.submit(sign_statement(EntryKind.CREDENTIAL_ISSUED, election_id, body, registrar, Role.REGISTRAR))


def issue_anonymous_credential(
    client: LinliClient,
    registrar: SigningKey,
    bbs_sk: bytes,
    election_id: str,
    roll_id: str,
    commitment: bytes,
    weight: int = 0,
) -> IssuedCredential:
    """§P5.2 step 2 at the registrar: blind-sign the voter's commitment, then log the issuance (roll id only).

    The commitment's proof is checked before anything is logged; the blind signature is handed to the voter
    only once the issuance is on the log."""
    issued = credentials.issue_credential(bbs_sk, election_id, commitment, weight)
    body = {"roll_id": roll_id}
    client.submit(sign_statement(EntryKind.CREDENTIAL_ISSUED, election_id, body, registrar, Role.REGISTRAR))
    return issued


def open_election(client: LinliClient, admin: SigningKey, election_id: str) -> Receipt:
    return client.submit(sign_statement(EntryKind.ELECTION_OPENED, election_id, {}, admin, Role.ADMIN))


def close_election(client: LinliClient, admin: SigningKey, election_id: str) -> Receipt:
    return client.submit(sign_statement(EntryKind.ELECTION_CLOSED, election_id, {}, admin, Role.ADMIN))


def build_vote(context: ElectionContext, credential: SigningKey | AnonymousCredential, choice: str) -> bytes:
    """``choice``: an option name (yes / no / abstain), or for a committee the candidates' names separated by
    commas (an empty string is a blank ballot)."""
    options = context.definition.options
    if context.definition.kind is ElectionKind.COMMITTEE:
        names = [c.strip() for c in choice.split(",") if c.strip()]
        unknown = [c for c in names if c not in options]
        if unknown:
            raise UsageError(f"unknown candidate(s) {unknown}; candidates: {', '.join(options)}")
        return build_ballot(context, [options.index(c) for c in names], credential).to_bytes(context)
    if choice not in options:
        raise UsageError(f"choice must be one of {', '.join(options)}")
    return build_ballot(context, options.index(choice), credential).to_bytes(context)


def cast_referendum_vote(
    client: LinliClient, election_id: str, credential: SigningKey | AnonymousCredential, choice: str
) -> Receipt:
    context = client.election(election_id).context
    if context is None:
        raise UsageError("the election has no key yet")
    return client.cast_ballot(election_id, build_vote(context, credential, choice))


def submit_decryption_share(
    client: LinliClient, trustee_key: SigningKey, share: threshold.KeyShare, election_id: str
) -> Receipt:
    snap = client.election(election_id)
    if snap.context is None or not snap.info.tally:
        raise UsageError("the election has not been tallied yet")
    if snap.context.public_key != share.public_key:
        raise UsageError("this key share is not for this election's key")
    trustee = snap.definition.trustee(share.index)
    if trustee.key != trustee_key.public_key:
        raise UsageError(f"this identity key is not trustee {share.index}'s")
    tally_entry = Entry.from_bytes(bytes(snap.info.tally))
    nb = snap.definition.modulus_bits // 8
    tally = [int.from_bytes(bytes.fromhex(c), "big") for c in tally_entry.body["ciphertexts"]]
    if any(len(c) != 4 * nb for c in tally_entry.body["ciphertexts"]):
        raise UsageError("malformed tally from the server")
    shares = make_trustee_shares(snap.context, share, tally)
    body = shares.to_json(snap.context)
    entry = sign_statement(EntryKind.DECRYPTION_SHARE, election_id, body, trustee_key, Role.TRUSTEE, share.index)
    return client.submit(entry)


def export_record(client: LinliClient, election_id: str) -> Record:
    """Fetch the record: the kept checkpoints, then exactly the entries the latest of them covers."""
    verifier, _ = client.log_verifier()
    notes = client.checkpoints(election_id)
    if not notes:
        raise UsageError(f"election {election_id} has no checkpoint")
    size = open_checkpoint(notes[-1], verifier).size
    return Record(
        election_id=election_id,
        origin=client.origin(election_id),
        log_key=verifier.to_vkey(),
        checkpoints=tuple(notes),
        entries=tuple(client.entries(election_id)[:size]),
    )

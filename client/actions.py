"""Election operations shared by the CLI and the demo: each builds a signed statement or a ballot locally and
submits it through :class:`client.api.LinliClient` (docs/protocol.md §P1–§P8)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from client.api import ElectionSnapshot, LinliClient, Receipt
from client.ceremony import safe_prime_pair
from client.errors import ElectionInvalid, UsageError, WrongStep
from client.record import Record
from client.verifier import Report, check_record
from crypto import threshold
from crypto.cosignature import CosignerVerifier
from crypto.ed25519 import SigningKey
from crypto.note import open_checkpoint
from voting import credentials
from voting.area_disclosure import check_roll_disclosure
from voting.ballot import build_ballot
from voting.credentials import AnonymousCredential, IssuedCredential
from voting.election import (
    ElectionContext,
    ElectionDefinition,
    ElectionKind,
    EligibilityMode,
    RevotePolicy,
    RollEntry,
    Trustee,
    fingerprint,
)
from voting.eligibility import AnonymousEvidence, present_for_revocation
from voting.errors import VotingError
from voting.kinds import kind_of
from voting.records import Entry, EntryKind, LogHead, Role
from voting.state import Phase
from voting.statements import (
    CredentialIssued,
    CredentialRevoked,
    DecryptionShare,
    ElectionClosed,
    ElectionCreated,
    ElectionOpened,
    KeyPublished,
    RollCorrected,
    RollPublished,
    Statement,
    sign,
)
from voting.tally import make_trustee_shares

__all__ = [
    "cast_referendum_vote",
    "cast_vote",
    "check_trustee",
    "close_election",
    "correct_roll",
    "create_election",
    "enrol_and_open",
    "export_record",
    "issue_anonymous_credential",
    "issue_credential",
    "key_ceremony",
    "open_election",
    "publish_roll",
    "revocation_presentation",
    "revoke_credential",
    "submit_decryption_share",
    "verify_for_decryption",
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
    kind: str = ElectionKind.REFERENDUM,
    candidates: Sequence[str] = (),
    seats: int = 0,
    major: bool = False,
    accept_area_disclosure: bool = False,
    witnesses: Sequence[CosignerVerifier] = (),
    witness_quorum: int = 0,
) -> tuple[ElectionDefinition, Receipt]:
    rules = kind_of(kind)
    if rules.notice and rules.notice not in description:
        # docs/protocol.md §P9.3: e.g. an assembly's weight is disclosed; the election says so to every voter.
        description = (description + "\n\n" + rules.notice).strip()
    definition = ElectionDefinition(
        election_id=election_id,
        kind=kind,
        seats=seats,
        major=major,
        title=title,
        question=question,
        options=rules.options(candidates),
        eligibility=eligibility,
        revote=revote,
        threshold=threshold_,
        trustees=tuple(Trustee(i + 1, f"trustee {i + 1}", k) for i, k in enumerate(trustee_keys)),
        witnesses=tuple(witnesses),
        witness_quorum=witness_quorum,
        admin_key=admin.public_key,
        registrar_key=registrar_key,
        modulus_bits=modulus_bits,
        max_voters=max_voters,
        description=description,
        opens_at=opens_at,
        closes_at=closes_at,
        credential_key=credential_key,
        accept_area_disclosure=accept_area_disclosure,
    )
    entry = sign(ElectionCreated(definition), election_id, admin, Role.ADMIN)
    receipt = client.submit(entry)
    # The administrator made this election: pin its fingerprint (the one to post on the notice board, §P12).
    verifier, _ = client.log_verifier(election_id)
    client.pins.check(election_id, fingerprint(hashlib.sha256(entry.to_bytes()).digest()), verifier.to_vkey())
    return definition, receipt


def key_ceremony(
    client: LinliClient,
    admin: SigningKey,
    election_id: str,
    *,
    progress: Callable[[int], None] | None = None,
    workers: int = 2,
    snap: ElectionSnapshot | None = None,
) -> tuple[list[threshold.KeyShare], Receipt]:
    """§P3: the trusted-dealer ceremony on the administrator's machine; returns the trustees' shares to hand out.
    ``snap``: the election as the administrator verified it (fetched if not given)."""
    snap = snap or client.election(election_id)
    d = snap.definition
    primes = safe_prime_pair(d.modulus_bits // 2, workers=workers, progress=progress)
    pk, shares, proof, test = threshold.generate(
        d.modulus_bits, d.threshold, len(d.trustees), context=snap.election_hash, primes=primes
    )
    del primes
    body = KeyPublished(snap.election_hash, pk, proof, test, d.modulus_bits)
    return shares, client.submit(_statement(snap, body, admin, Role.ADMIN))


def _statement(snap: ElectionSnapshot, body: Statement, key: SigningKey, role: Role) -> Entry:
    """A statement about the election instance this client has verified (``body`` names its election hash)."""
    return sign(body, snap.definition.election_id, key, role)


def _head(snap: ElectionSnapshot) -> LogHead:
    """§P2.3: open and close name the tree head of the checkpoint the verification was against."""
    return LogHead(snap.checkpoint.size, snap.checkpoint.root_hash)


def publish_roll(
    client: LinliClient,
    admin: SigningKey,
    election_id: str,
    roll_ids: Sequence[str],
    areas: Sequence[int] | None = None,
) -> list[Receipt]:
    """Publish the roll in batches; ``areas`` (0.01 m², one per roll id) for a homeowners' assembly."""
    entries = [RollEntry(r, a) for r, a in zip(roll_ids, areas or [0] * len(roll_ids), strict=True)]
    snap = client.election(election_id)
    # §P9.5: the server refuses to open an anonymous assembly whose areas identify votes, unless accepted; say so
    # now, before any of the roll is published (a roll published in one call is the whole roll)
    check_roll_disclosure(snap.definition, [*(r.area for r in snap.state.roll.values()), *(e.area for e in entries)])
    receipts = []
    for start in range(0, len(entries), 5000):
        body = RollPublished(snap.election_hash, tuple(entries[start : start + 5000]))
        receipts.append(client.submit(_statement(snap, body, admin, Role.ADMIN)))
    return receipts


def issue_credential(
    client: LinliClient,
    registrar: SigningKey,
    election_id: str,
    roll_id: str,
    credential: bytes,
    *,
    snap: ElectionSnapshot | None = None,
) -> Receipt:
    """Log a signing-mode issuance; ``snap``: the election as the registrar verified it (fetched if not given)."""
    snap = snap or client.election(election_id)
    issuable_entry(snap, roll_id, EligibilityMode.SIGNING)
    body = CredentialIssued(snap.election_hash, roll_id, credential)
    return client.submit(_statement(snap, body, registrar, Role.REGISTRAR))


def issue_anonymous_credential(
    client: LinliClient,
    registrar: SigningKey,
    bbs_sk: bytes,
    election_id: str,
    roll_id: str,
    commitment: bytes,
    *,
    expect_area: int | None = None,
) -> IssuedCredential:
    """§P5.2 step 2 at the registrar: blind-sign the voter's commitment, then log the issuance (roll id only).

    The signed area is the roll entry's, read from the verified election (never typed): an assembly credential
    without its area could never vote. ``expect_area`` (0.01 m²), if given, must be the roll's. The commitment's
    proof is checked before anything is logged; the blind signature is handed to the voter only once the issuance
    is on the log."""
    snap = client.election(election_id)
    weight = issuable_entry(snap, roll_id, EligibilityMode.ANONYMOUS).area
    if expect_area is not None and expect_area != weight:
        raise UsageError(
            f"the roll gives {roll_id} an area of {_m2(weight)} m², not {_m2(expect_area)} m²: the credential signs "
            "the roll's area (correct the roll first if it is wrong: linli admin roll-correct)"
        )
    issued = credentials.issue_credential(bbs_sk, snap.election_hash, commitment, weight)
    log_anonymous_issuance(client, registrar, snap, roll_id)
    return issued


def log_anonymous_issuance(client: LinliClient, registrar: SigningKey, snap: ElectionSnapshot, roll_id: str) -> Receipt:
    """§P5.2: the registrar logs the roll entry only (no credential material)."""
    body = CredentialIssued(snap.election_hash, roll_id)
    return client.submit(_statement(snap, body, registrar, Role.REGISTRAR))


def _m2(area: int) -> str:
    return f"{area // 100}.{area % 100:02d}"


def issuable_entry(snap: ElectionSnapshot, roll_id: str, mode: EligibilityMode) -> RollEntry:
    """The registrar's checks before issuing (docs/protocol.md §P5.3): the election uses credentials of ``mode``, is
    not closed, ``roll_id`` is on its verified roll without a live issuance, and the kind can use the entry (an
    assembly's entries carry an area). Returns the roll entry; raises UsageError saying what to do instead."""
    state, d = snap.state, snap.definition
    if d.eligibility is not mode:
        other = "issue-anonymous" if d.eligibility is EligibilityMode.ANONYMOUS else "issue"
        raise UsageError(
            f"election {d.election_id} uses {d.eligibility.value} credentials: use linli registrar {other}"
        )
    if state.phase not in (Phase.CREATED, Phase.KEYED, Phase.OPEN):
        raise UsageError(f"election {d.election_id} is {state.phase.value}: no more credentials can be issued")
    entry = state.roll.get(roll_id)
    if entry is None:
        raise UsageError(f"roll id {roll_id!r} is not on the roll of {d.election_id}")
    if roll_id in state.issued:
        raise UsageError(
            f"{roll_id} already has a credential (entry {state.issuance_index[roll_id]}); before the election opens, "
            f"revoke it first: linli registrar revoke --roll-id {roll_id}"
        )
    if d.kind_rules.weighted and entry.area <= 0:
        raise UsageError(f"{roll_id} has no area on the roll: an assembly credential needs the owner's area")
    return entry


def live_issuance(snap: ElectionSnapshot, roll_id: str) -> int:
    """The leaf index of ``roll_id``'s live issuance in the verified election; UsageError if it has none."""
    index = snap.state.issuance_index.get(roll_id)
    if index is None:
        if roll_id not in snap.state.roll:
            raise UsageError(f"roll id {roll_id!r} is not on the roll of {snap.definition.election_id}")
        raise UsageError(f"{roll_id} has no live credential to revoke")
    return index


def revocation_presentation(
    client: LinliClient, credential: AnonymousCredential, roll_id: str, *, expect: str | None = None
) -> AnonymousEvidence:
    """§P5.3 on the holder's device: present the anonymous credential issued for ``roll_id`` so that the registrar
    can revoke it (its pseudonym is then refused for ever; the new credential's is unlinkable to it)."""
    snap = client.election(credential.election_id, expect=expect)
    if snap.election_hash != credential.election_hash:
        raise UsageError("this credential was issued for another instance of this election")
    if snap.state.phase not in (Phase.CREATED, Phase.KEYED):
        raise UsageError(f"election {credential.election_id} is {snap.state.phase.value}: too late to revoke")
    return present_for_revocation(credential, roll_id, live_issuance(snap, roll_id))


def revoke_credential(
    client: LinliClient,
    registrar: SigningKey,
    election_id: str,
    roll_id: str,
    *,
    presentation: AnonymousEvidence | None = None,
) -> Receipt:
    """§P5.3 at the registrar, before opening: revoke ``roll_id``'s live issuance (the statement names its entry).
    Anonymous mode needs the holder's ``presentation`` (:func:`revocation_presentation`)."""
    snap = client.election(election_id)
    if snap.state.phase not in (Phase.CREATED, Phase.KEYED):
        raise UsageError(
            f"election {election_id} is {snap.state.phase.value}: credentials can be revoked only before it opens"
        )
    anonymous = snap.definition.eligibility is EligibilityMode.ANONYMOUS
    if anonymous and presentation is None:
        raise UsageError(
            "an anonymous credential is revoked with its holder's presentation (linli voter present-credential): "
            "the registrar never saw the credential, so nothing else can stop its ballots"
        )
    if not anonymous and presentation is not None:
        raise UsageError(f"election {election_id} uses signing credentials: a revocation takes no presentation")
    body = CredentialRevoked(snap.election_hash, roll_id, live_issuance(snap, roll_id), presentation)
    return client.submit(_statement(snap, body, registrar, Role.REGISTRAR))


def correct_roll(
    client: LinliClient, admin: SigningKey, election_id: str, roll_id: str, replacement: RollEntry | None
) -> Receipt:
    """§P2.4, before opening: replace the roll entry ``roll_id`` by ``replacement``, or remove it (None)."""
    snap = client.election(election_id)
    body = RollCorrected(snap.election_hash, roll_id, replacement)
    return client.submit(_statement(snap, body, admin, Role.ADMIN))


def enrol_and_open(
    client: LinliClient,
    admin: SigningKey,
    registrar: SigningKey,
    election_id: str,
    roll_ids: Sequence[str],
    areas: Sequence[int] | None = None,
    *,
    anonymous_credentials: Callable[[bytes], list[AnonymousCredential]] | None = None,
    track: Callable[[list[tuple[str, SigningKey | AnonymousCredential]]], Iterable[Any]] = iter,
) -> list[SigningKey | AnonymousCredential]:
    """The set-up after the key ceremony, over the service (§P2, §P5): publish the roll, issue one credential per
    roll entry, open; returns the voters' credentials in roll order.

    Signing mode: each device key is made here and its public key logged. Anonymous mode: ``anonymous_credentials``
    is given the verified election hash and returns one blindly issued credential per roll entry (the caller runs
    the devices' and the registrar's halves, §P5.2); the registrar logs the roll ids only. ``track`` wraps the
    issuances (e.g. a progress bar)."""
    publish_roll(client, admin, election_id, roll_ids, areas)
    snap = client.election(election_id)  # the devices and the registrar verify the election once each
    creds: list[SigningKey | AnonymousCredential]
    if anonymous_credentials is not None:
        creds = list(anonymous_credentials(snap.election_hash))
    else:
        creds = [SigningKey.generate() for _ in roll_ids]
    for roll_id, cred in track(list(zip(roll_ids, creds, strict=True))):
        if isinstance(cred, SigningKey):
            issue_credential(client, registrar, election_id, roll_id, cred.public_key, snap=snap)
        else:  # the registrar logs the roll entry only (no credential material)
            log_anonymous_issuance(client, registrar, snap, roll_id)
    open_election(client, admin, election_id)
    return creds


def open_election(
    client: LinliClient, admin: SigningKey, election_id: str, *, snap: ElectionSnapshot | None = None
) -> Receipt:
    snap = snap or client.election(election_id)
    return client.submit(_statement(snap, ElectionOpened(snap.election_hash, _head(snap)), admin, Role.ADMIN))


def close_election(
    client: LinliClient, admin: SigningKey, election_id: str, *, snap: ElectionSnapshot | None = None
) -> Receipt:
    snap = snap or client.election(election_id)
    return client.submit(_statement(snap, ElectionClosed(snap.election_hash, _head(snap)), admin, Role.ADMIN))


def build_vote(context: ElectionContext, credential: SigningKey | AnonymousCredential, choice: str) -> bytes:
    """``choice`` as a person types it: an option name (yes / no / abstain), or for a committee or an approval poll
    the names marked, separated by commas (an empty string is a blank ballot)."""
    d = context.definition
    return build_ballot(context, d.kind_rules.parse_choice(d, choice), credential).to_bytes(context)


def cast_referendum_vote(
    client: LinliClient,
    election_id: str,
    credential: SigningKey | AnonymousCredential,
    choice: str,
    *,
    expect: str | None = None,
) -> Receipt:
    """§P12 then §P6: verify the election (``expect``: the notice board's fingerprint), encrypt to its verified key,
    cast, and check the receipt."""
    return cast_vote(client, client.election(election_id, expect=expect), credential, choice)


def cast_vote(
    client: LinliClient, snap: ElectionSnapshot, credential: SigningKey | AnonymousCredential, choice: str
) -> Receipt:
    """Encrypt to the key of an election this client has verified (:meth:`LinliClient.election`), cast, check the
    receipt."""
    context = snap.context
    if context is None:
        raise UsageError("the election has no key yet")
    return client.cast_ballot(context.election_id, build_vote(context, credential, choice))


def verify_for_decryption(
    client: LinliClient,
    election_id: str,
    *,
    expect: str | None = None,
    workers: int | None = None,
    snap: ElectionSnapshot | None = None,
) -> Report:
    """§P8.1 at a trustee: fetch the record and re-run the verifier's steps up to the aggregation (every checkpoint,
    the log, the set-up, every ballot's rules and proofs, the tally); raise unless all of them pass."""
    snap = snap or client.election(election_id, expect=expect)
    verifier, _ = client.log_verifier(election_id)
    report = check_record(
        export_record(client, election_id),
        expected_log_key=verifier.to_vkey(),
        expected_fingerprint=snap.fingerprint,
        min_modulus_bits=client.min_modulus_bits,
        workers=workers,
    )
    for step in report.steps[:7]:
        if not step.passed:
            reason = step.errors[0] if step.errors else step.detail
            raise ElectionInvalid(
                f"the log does not verify up to the tally: step {step.number} ({step.title}): {reason}"
            )
    state = report.state
    if state is not None and state.phase is Phase.PUBLISHED:
        raise WrongStep("the result is already out: the quorum of trustees has decrypted (see it with `linli status`)")
    if state is None or state.phase is not Phase.CLOSED or not state.tally:
        raise WrongStep("the election is not closed yet: the administrator runs `linli admin close` first")
    return report


def check_trustee(context: ElectionContext | None, trustee_key: SigningKey, share: threshold.KeyShare) -> None:
    """Raise UsageError unless ``share`` is for this election's key and ``trustee_key`` is its trustee's."""
    if context is None:
        raise UsageError("the election has no key yet")
    if context.public_key != share.public_key:
        raise UsageError("this key share is not for this election's key")
    if context.definition.trustee(share.index).key != trustee_key.public_key:
        raise UsageError(f"this identity key is not trustee {share.index}'s")


def submit_decryption_share(
    client: LinliClient,
    trustee_key: SigningKey,
    share: threshold.KeyShare,
    election_id: str,
    *,
    expect: str | None = None,
    workers: int | None = None,
    snap: ElectionSnapshot | None = None,
    verified: Report | None = None,
) -> Receipt:
    """§P8 at a trustee: decrypt only the real tally — the one the trustee recomputed from the verified log
    (:func:`verify_for_decryption`, or ``verified`` if the caller has just run it), never a ciphertext the server
    names; the share statement names the tree head it was computed from."""
    if verified is None:
        snap = snap or client.election(election_id, expect=expect)
        check_trustee(snap.context, trustee_key, share)
        verified = verify_for_decryption(client, election_id, workers=workers, snap=snap)
    report = verified
    state = report.state
    assert state is not None  # verify_for_decryption checked it
    context = state.require_context()
    if context.election_id != election_id:
        raise UsageError(f"the verified record is of election {context.election_id}, not {election_id}")
    check_trustee(context, trustee_key, share)
    shares = make_trustee_shares(context, share, state.tally)
    body = DecryptionShare(state.election_hash, state.log_head(), shares, context)
    entry = state.statement(body, trustee_key, Role.TRUSTEE, share.index)
    return client.submit(entry)


def export_record(client: LinliClient, election_id: str) -> Record:
    """Fetch the record: the kept checkpoints, then exactly the entries the latest of them covers."""
    verifier, _ = client.log_verifier(election_id)
    notes = client.checkpoints(election_id)
    if not notes:
        raise UsageError(f"election {election_id} has no checkpoint")
    size = open_checkpoint(notes[-1], verifier).size
    entries = tuple(client.entries(election_id)[:size])
    return Record(
        election_id=election_id,
        origin=client.origin(election_id),
        log_key=verifier.to_vkey(),
        checkpoints=tuple(notes),
        entries=entries,
        ceremony=client.ceremony_transcript(election_id) if _keyed_by_ceremony(entries) else (),
    )


def _keyed_by_ceremony(entries: Sequence[bytes]) -> bool:
    """Whether the log's key.published names a ceremony (§P15.10), whose transcript then belongs in the record."""
    for data in entries:
        try:
            entry = Entry.from_bytes(data)
        except VotingError:
            continue  # the verifier reports it
        if entry.kind is EntryKind.KEY_PUBLISHED:
            return isinstance(entry.body, dict) and "ceremony" in entry.body
    return False

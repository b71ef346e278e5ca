"""The independent verifier (docs/protocol.md §V): re-runs every check from the published record alone.

It never imports ``server``. Each numbered step reports what it checked; the record verifies only if every step
passed. Steps, in order:

1. Record format — the files parse; every entry is in canonical form and belongs to this election.
2. Checkpoint signatures — every checkpoint is signed by the log key and names this log's origin.
3. Ledger integrity — the RFC 9162 root of the entries equals every checkpoint's root; consecutive checkpoints
   are consistent (consistency proofs recomputed and checked) and never roll back; the last covers every entry.
4. Election set-up — definition, administrator statements, key ceremony (modulus proof), roll and credential
   issuance (one per roll entry).
5. Ballot rules — ballots only while open, from issued credentials, no replayed ciphertext, the re-vote rule.
6. Ballot proofs — every ballot's eligibility evidence and validity proof.
7. Aggregation — the tally is the product of the counted ballots.
8. Decryption shares — every trustee's share proof.
9. Result — the totals are what t valid shares decrypt the tally to.
10. Outcome — the rules give the published outcome for the totals and the roll.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from client.catalogue import step_title, text
from client.record import Record
from crypto import bbs, merkle
from crypto.bls12_381 import g1_from_bytes, g1_to_bytes
from crypto.errors import CryptoError
from crypto.note import Checkpoint, NoteVerifier, open_checkpoint, verify_checkpoint_extends
from voting.ballot import EncryptedBallot, check_ballots
from voting.election import ElectionContext, fingerprint, parse_fingerprint
from voting.errors import OutcomeMismatch, VotingError
from voting.records import Entry, EntryKind
from voting.state import ElectionState, Phase

__all__ = ["Report", "Step", "verify_record"]

STEP_TITLES = {n: step_title(n, "en") for n in range(1, 11)}  # the catalogue has them in Chinese too

_STEP_OF_KIND = {
    EntryKind.ELECTION_CREATED: 4,
    EntryKind.ROLL_PUBLISHED: 4,
    EntryKind.KEY_PUBLISHED: 4,
    EntryKind.CREDENTIAL_ISSUED: 4,
    EntryKind.ELECTION_OPENED: 4,
    EntryKind.BALLOT: 5,
    EntryKind.ELECTION_CLOSED: 5,
    EntryKind.TALLY: 7,
    EntryKind.DECRYPTION_SHARE: 8,
    EntryKind.RESULT: 9,
}


@dataclass
class Step:
    number: int
    title: str
    passed: bool = False
    detail: str = ""
    errors: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.passed = False
        if len(self.errors) < 20:
            self.errors.append(message)

    def to_json(self) -> dict[str, Any]:
        return {
            "detail": self.detail,
            "errors": self.errors,
            "passed": self.passed,
            "step": self.number,
            "title": self.title,
        }


@dataclass
class Report:
    election_id: str
    steps: list[Step]
    totals: tuple[int, ...] = ()
    options: tuple[str, ...] = ()
    outcome: str = ""
    totals_text: str = ""
    fingerprint: str = ""  # of the replayed election: compare it with the notice board (§P12)
    state: ElectionState | None = None  # the replayed election state (as far as the log verified)
    stopped: EntryKind | None = None  # the kind of the entry the replay rejected (the state holds what came before)

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {
            "election": self.election_id,
            "fingerprint": self.fingerprint,
            "options": list(self.options),
            "outcome": self.outcome,
            "passed": self.passed,
            "steps": [s.to_json() for s in self.steps],
            "totals": list(self.totals),
        }

    def render(self, lang: str = "en") -> str:
        """The numbered report for people, in ``lang`` (the catalogue's languages); details and errors are English."""
        lines = [text(lang, "cli.title", election=self.election_id)]
        if self.fingerprint:
            compare = text(lang, "fingerprint.compare")
            lines.append(text(lang, "cli.fingerprint", fingerprint=self.fingerprint, compare=compare))
        for s in self.steps:
            mark = text(lang, "cli.pass" if s.passed else "cli.fail")
            title = s.title if lang == "en" else step_title(s.number, lang)
            lines.append(f"{s.number:>2}. [{mark}] {title}" + (f" — {s.detail}" if s.detail else ""))
            lines.extend(f"      ! {e}" for e in s.errors)
        if self.totals:
            outcome = self.outcome
            state = self.state
            if lang != "en" and state is not None and state.definition is not None:
                outcome = state.definition.kind_rules.describe_outcome(state.definition, state.outcome, lang)
            lines.append(text(lang, "cli.totals", totals=self.totals_text))
            lines.append(text(lang, "cli.outcome", outcome=outcome))
        lines.append(text(lang, "cli.passed" if self.passed else "cli.failed"))
        return "\n".join(lines)


def _verify_ballot_job(args: tuple[bytes, bytes, list[tuple[int, bytes]]]) -> list[tuple[int, str | None, bytes]]:
    """Worker: rebuild the context from the definition and key entries and check a chunk of ballots, their validity
    proofs as one batch. Returns (index, error, pending pairing) per ballot — the pending (Abar, Bbar) of an
    anonymous ballot, as bytes, for the batched pairing check in the parent."""
    definition_entry, key_entry, chunk = args
    context = _context_cache(definition_entry, key_entry)
    out: list[tuple[int, str | None, bytes]] = []
    parsed: list[tuple[int, EncryptedBallot]] = []
    for index, data in chunk:
        try:
            parsed.append((index, EncryptedBallot.from_json(Entry.from_bytes(data).body, context)))
        except (VotingError, CryptoError) as e:
            out.append((index, f"entry {index}: {e}", b""))
    results = check_ballots(context, [ballot for _, ballot in parsed])
    for (index, _), (error, pending) in zip(parsed, results, strict=True):
        if error is not None:
            out.append((index, f"entry {index}: {error}", b""))
        else:
            out.append((index, None, b"" if pending is None else g1_to_bytes(pending[0]) + g1_to_bytes(pending[1])))
    return out


CHUNK = 64  # ballots per worker job: their validity proofs share one full-length exponentiation

_CONTEXTS: dict[tuple[bytes, bytes], ElectionContext] = {}


def _context_cache(definition_entry: bytes, key_entry: bytes) -> ElectionContext:
    ctx = _CONTEXTS.get((definition_entry, key_entry))
    if ctx is None:
        state = ElectionState(min_modulus_bits=1024)
        state.apply(Entry.from_bytes(definition_entry))
        state.apply(Entry.from_bytes(key_entry))
        ctx = state.require_context()
        _CONTEXTS[(definition_entry, key_entry)] = ctx
    return ctx


def verify_record(
    record: Record,
    *,
    expected_log_key: str | None = None,
    expected_fingerprint: str | None = None,
    min_modulus_bits: int = 2048,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    steps = {n: Step(n, t) for n, t in STEP_TITLES.items()}
    report = Report(record.election_id, [steps[n] for n in sorted(steps)])

    # 1. Record format
    s1 = steps[1]
    entries: list[Entry] = []
    s1.passed = True
    for i, data in enumerate(record.entries):
        try:
            entry = Entry.from_bytes(data)
        except VotingError as e:
            s1.fail(f"entry {i}: {e}")
            continue
        if entry.election_id != record.election_id:
            s1.fail(f"entry {i} belongs to election {entry.election_id!r}")
        entries.append(entry)
    if not record.entries:
        s1.fail("the record has no entries")
    s1.detail = f"{len(record.entries)} entries"

    # 2. Checkpoint signatures
    s2 = steps[2]
    checkpoints: list[Checkpoint] = []
    try:
        if expected_log_key is not None and expected_log_key != record.log_key:
            raise CryptoError("the record's log key is not the expected one")
        verifier = NoteVerifier.from_vkey(record.log_key)
        for i, note in enumerate(record.checkpoints):
            cp = open_checkpoint(note, verifier)
            if cp.origin != record.origin:
                raise CryptoError(f"checkpoint {i} is for log {cp.origin!r}")
            checkpoints.append(cp)
        s2.passed = bool(checkpoints)
        if not checkpoints:
            s2.fail("the record has no checkpoint")
        s2.detail = f"{len(checkpoints)} checkpoints signed by {verifier.name}+{verifier.key_id.hex()}"
    except CryptoError as e:
        s2.fail(str(e))

    # 3. Ledger integrity
    s3 = steps[3]
    tree = merkle.MerkleTree.from_leaf_hashes([merkle.leaf_hash(e) for e in record.entries])
    s3.passed = bool(checkpoints)
    previous: Checkpoint | None = None
    for cp in checkpoints:
        if cp.size > tree.size:
            s3.fail(f"checkpoint of size {cp.size} is beyond the {tree.size} entries")
            continue
        if tree.root(cp.size) != cp.root_hash:
            s3.fail(f"the entries do not hash to the signed root at size {cp.size}")
        if previous is not None:
            try:
                proof = tree.consistency_proof(previous.size, cp.size) if previous.size else []
                verify_checkpoint_extends(previous, cp, proof)
            except CryptoError as e:
                s3.fail(f"checkpoint {previous.size} -> {cp.size}: {e}")
        previous = cp
    if checkpoints and checkpoints[-1].size != tree.size:
        s3.fail(f"the last checkpoint covers {checkpoints[-1].size} of {tree.size} entries")
    if checkpoints and s3.passed:
        s3.detail = f"root {tree.root().hex()[:16]}… over {tree.size} entries"

    # 4-10. Replay the log through the election rules; attribute a failure to its step.
    state = ElectionState(min_modulus_bits=min_modulus_bits)
    failed_at: int | None = None
    for i, entry in enumerate(entries):
        try:
            state.apply(entry)
        except VotingError as e:
            step = 10 if isinstance(e, OutcomeMismatch) else _STEP_OF_KIND[entry.kind]
            steps[step].fail(f"entry {i} ({entry.kind.value}): {e}")
            failed_at = step
            report.stopped = entry.kind
            break
    report.state = state
    if state.election_hash:
        report.fingerprint = fingerprint(state.election_hash)
        if expected_fingerprint is not None and parse_fingerprint(expected_fingerprint) != report.fingerprint:
            steps[4].fail(
                f"the election's fingerprint is {report.fingerprint}, not the expected {expected_fingerprint}: "
                "this is not the election on the notice board"
            )
            failed_at = 4 if failed_at is None else min(failed_at, 4)
    elif expected_fingerprint is not None:
        steps[4].fail("the record has no election definition to compare the fingerprint with")
    reached = failed_at or 11
    for n in (4, 5, 7, 8, 9, 10):
        if n < reached and not steps[n].errors:
            steps[n].passed = True
    if failed_at is None and state.phase is not Phase.PUBLISHED:
        # Evidence that is missing fails its step; a tallied record still shows a passed aggregation (§P8.1: what a
        # trustee checks before decrypting).
        for n in (8, 9, 10) if state.tally else (7, 8, 9, 10):
            if steps[n].passed:
                steps[n].passed = False
                steps[n].fail(f"the record ends before the result (election is {state.phase.value})")
    for n in range(reached + 1, 11):
        if n != 6:
            steps[n].passed = False
            steps[n].detail = "not reached"
    if state.definition is not None:
        steps[4].detail = (
            f"{state.definition.threshold} of {len(state.definition.trustees)} trustees, "
            f"{state.definition.modulus_bits}-bit key, roll of {len(state.roll)}, {len(state.issued)} credentials"
        )
        steps[5].detail = f"{state.ballots_cast} ballots cast, {len(state.counted)} counted"
    if state.tally:
        steps[7].detail = f"{len(state.tally)} tally ciphertext(s) over {len(state.counted)} ballots"
    if state.shares:
        steps[8].detail = f"shares of trustees {sorted(state.shares)}"

    # 6. Ballot proofs, in parallel over processes.
    s6 = steps[6]
    ballots = [(i, record.entries[i]) for i, e in enumerate(entries) if e.kind is EntryKind.BALLOT]
    if state.context is None:
        s6.passed = not ballots
        s6.detail = "no key published" if ballots else "no ballots"
    else:
        key = state.require_definition().credential_key
        errors = _run_jobs(state.definition_entry, state.key_entry, ballots, workers, progress, key)
        s6.passed = not errors
        for err in errors:
            s6.fail(err)
        s6.detail = f"{len(ballots) - len(errors)} of {len(ballots)} ballots verified"

    if state.phase is Phase.PUBLISHED and isinstance(state.outcome, dict) and state.definition is not None:
        report.totals = state.totals
        report.options = state.definition.options
        kind = state.definition.kind_rules
        report.outcome = kind.describe_outcome(state.definition, state.outcome)
        report.totals_text = kind.describe_totals(state.definition, state.totals)
        steps[9].detail = report.totals_text
        steps[10].detail = report.outcome
    return report


def _run_jobs(
    definition_entry: bytes,
    key_entry: bytes,
    ballots: list[tuple[int, bytes]],
    workers: int | None,
    progress: Callable[[int, int], None] | None,
    credential_key: bytes,
) -> list[str]:
    """Check every ballot on all cores, in chunks whose validity proofs are verified as one batch, then the
    anonymous ballots' pairing equations in one batch (a random linear combination; bisection finds the bad ones)."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    size = max(1, min(CHUNK, len(ballots) // max(1, workers * 4)))
    jobs = [(definition_entry, key_entry, ballots[i : i + size]) for i in range(0, len(ballots), size)]
    errors: list[str] = []
    pending: list[tuple[int, Any, Any]] = []
    done = 0

    def collect(results: Iterable[list[tuple[int, str | None, bytes]]]) -> None:
        nonlocal done
        for chunk in results:
            for index, error, pair in chunk:
                done += 1
                if error:
                    errors.append(error)
                elif pair:
                    pending.append((index, g1_from_bytes(pair[:48]), g1_from_bytes(pair[48:])))
            if progress:
                progress(done, len(ballots))

    if workers <= 1 or len(jobs) < 2:
        collect(map(_verify_ballot_job, jobs))
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            collect(pool.map(_verify_ballot_job, jobs))
    if pending:
        for index in sorted(bbs.find_invalid_in_batch(credential_key, pending)):
            errors.append(f"entry {index}: eligibility proof does not verify (pairing check of the batch)")
    return sorted(errors, key=lambda e: int(e.split()[1].rstrip(":")))

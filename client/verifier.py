"""The independent verifier (docs/protocol.md §V): re-runs every check from the published record alone.

It never imports ``server``. Each numbered step reports what it checked; the record verifies only if every step
passed. Steps, in order:

1. Record format — the files parse; every entry is in canonical form and belongs to this election.
2. Checkpoint signatures — every checkpoint is signed by the log key and names this log's origin; if the election
   names witnesses, every cosignature by one of them verifies and the final checkpoint has their quorum (§P17.4).
3. Ledger integrity — the RFC 9162 root of the entries equals every checkpoint's root; consecutive checkpoints
   are consistent (consistency proofs recomputed and checked) and never roll back; the last covers every entry.
4. Election set-up — definition, administrator statements, key ceremony (modulus proof), roll and its corrections,
   credential issuance and revocation (at most one live issuance per roll entry; corrections only before opening).
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
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from client.catalogue import step_title, strings, text
from client.errors import RecordRejected
from client.record import Record
from crypto import bbs, merkle
from crypto.bls12_381 import g1_from_bytes, g1_to_bytes
from crypto.cosignature import Cosignature, cosignatures
from crypto.errors import CryptoError
from crypto.note import Checkpoint, NoteVerifier, open_checkpoint, verify_checkpoint_extends
from voting.ballot import EncryptedBallot, check_ballots
from voting.ceremony import RecordedMessage, verify_transcript
from voting.election import ElectionContext, ElectionDefinition, fingerprint, parse_fingerprint
from voting.errors import OutcomeMismatch, VotingError
from voting.records import Entry, EntryKind
from voting.state import ElectionState, Phase

__all__ = [
    "STEP_TITLES",
    "Note",
    "Replayed",
    "Report",
    "Step",
    "check_record",
    "replay",
    "step_ballot_proofs",
    "step_checkpoint_signatures",
    "step_ledger_integrity",
    "step_record_format",
    "step_replayed",
    "verify_record",
]

STEP_TITLES = {n: step_title(n, "en") for n in range(1, 11)}  # the catalogue has them in Chinese too

_STEP_OF_KIND = {
    EntryKind.ELECTION_CREATED: 4,
    EntryKind.ROLL_PUBLISHED: 4,
    EntryKind.ROLL_CORRECTED: 4,
    EntryKind.KEY_PUBLISHED: 4,
    EntryKind.CREDENTIAL_ISSUED: 4,
    EntryKind.CREDENTIAL_REVOKED: 4,
    EntryKind.ELECTION_OPENED: 4,
    EntryKind.BALLOT: 5,
    EntryKind.ELECTION_CLOSED: 5,
    EntryKind.TALLY: 7,
    EntryKind.DECRYPTION_SHARE: 8,
    EntryKind.RESULT: 9,
}


@dataclass(frozen=True, slots=True)
class Term:
    """A word of the catalogue (client/catalogue.py), put into a :class:`Note` in the note's language."""

    key: str


@dataclass(frozen=True, slots=True)
class Note:
    """A step's detail, failure or missing evidence in the catalogue's words, so that it reads in every language of
    the catalogue (the report's Chinese page, ``linli verify --lang zh``). ``original`` is the checking code's own
    message (English: an exception's text), quoted where the note is shown in another language."""

    key: str
    fields: tuple[tuple[str, object], ...] = ()
    original: str = ""

    def text(self, lang: str = "en") -> str:
        values = {k: text(lang, v.key) if isinstance(v, Term) else v for k, v in self.fields}
        return text(lang, self.key, error=self.original, **values)


def note(message: str, original: str = "", **fields: object) -> Note:
    return Note(message, tuple(sorted(fields.items())), original)


def error_term(e: BaseException) -> Term:
    """The catalogue's word for an error, by its class (the nearest class the catalogue names)."""
    words = strings("en")
    for cls in type(e).__mro__:
        if f"error.{cls.__name__}" in words:
            return Term(f"error.{cls.__name__}")
    return Term("error.other")


@dataclass
class Step:
    """One numbered step of §V: what it checked (``checked`` items), its failures (``errors``), and the evidence
    it could not examine (``unavailable``: e.g. "not reached" after an earlier failure, or a record that ends
    before the result). A step passes only with no failure and nothing unavailable."""

    number: int
    title: str
    passed: bool = False
    detail: str = ""
    errors: list[str] = field(default_factory=list)
    checked: int = 0
    unavailable: str = ""
    detail_note: Note | None = None  # the detail, failures and missing evidence as notes, for every language
    error_notes: list[Note] = field(default_factory=list)
    unavailable_note: Note | None = None

    def fail(self, message: str | Note) -> None:
        """Record a failure: a note, or a bare message (shown as is in English, as a generic failure elsewhere)."""
        n = message if isinstance(message, Note) else note("v.raw", original=message)
        self.passed = False
        if len(self.errors) < 20:
            self.errors.append(n.text("en"))
            self.error_notes.append(n)

    def describe(self, n: Note) -> None:
        self.detail, self.detail_note = n.text("en"), n

    def missing(self, n: Note) -> None:
        """The evidence this step could not examine (it does not pass)."""
        self.unavailable, self.unavailable_note = n.text("en"), n

    def detail_in(self, lang: str) -> str:
        return self.detail_note.text(lang) if self.detail_note is not None else self.detail

    def failure_notes(self) -> list[Note]:
        """Every failure as a note (a message appended to ``errors`` directly counts as a bare message)."""
        return [*self.error_notes, *(note("v.raw", original=e) for e in self.errors[len(self.error_notes) :])]

    def errors_in(self, lang: str) -> list[tuple[str, str]]:
        """Each failure in ``lang``, with the checking code's original message when ``lang`` does not already
        quote it (English does)."""
        return [(n.text(lang), "" if lang == "en" else n.original) for n in self.failure_notes()]

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "detail": self.detail,
            "errors": self.errors,
            "passed": self.passed,
            "step": self.number,
            "title": self.title,
            "unavailable": self.unavailable,
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
            detail = s.detail_in(lang)
            lines.append(f"{s.number:>2}. [{mark}] {title}" + (f" — {detail}" if detail else ""))
            original = text(lang, "v.original")
            lines.extend(f"      ! {e}" + (f" ({original}: {o})" if o else "") for e, o in s.errors_in(lang))
        if self.totals:
            outcome, totals = self.outcome, self.totals_text
            state = self.state
            if lang != "en" and state is not None and state.definition is not None:
                outcome = state.definition.kind_rules.describe_outcome(state.definition, state.outcome, lang)
                totals = state.definition.kind_rules.describe_totals(state.definition, state.totals, lang)
            lines.append(text(lang, "cli.totals", totals=totals))
            lines.append(text(lang, "cli.outcome", outcome=outcome))
        lines.append(text(lang, "cli.passed" if self.passed else "cli.failed"))
        return "\n".join(lines)


_BallotVerdict = tuple[int, tuple[str, str] | None, bytes]  # index, (catalogue key of the error, message), pairing


def _verify_ballot_job(args: tuple[bytes, bytes, list[tuple[int, bytes]]]) -> list[_BallotVerdict]:
    """Worker: rebuild the context from the definition and key entries and check a chunk of ballots, their validity
    proofs as one batch. Returns (index, error, pending pairing) per ballot — the error as its catalogue word and its
    message, the pending (Abar, Bbar) of an anonymous ballot as bytes, for the batched pairing check in the parent."""
    definition_entry, key_entry, chunk = args
    context = _context_cache(definition_entry, key_entry)
    out: list[_BallotVerdict] = []
    parsed: list[tuple[int, EncryptedBallot]] = []
    for index, data in chunk:
        try:
            parsed.append((index, EncryptedBallot.from_json(Entry.from_bytes(data).body, context)))
        except (VotingError, CryptoError) as e:
            out.append((index, (error_term(e).key, str(e)), b""))
    results = check_ballots(context, [ballot for _, ballot in parsed])
    for (index, _), (error, pending) in zip(parsed, results, strict=True):
        if error is not None:
            out.append((index, (error_term(error).key, str(error)), b""))
        else:
            out.append((index, None, b"" if pending is None else g1_to_bytes(pending[0]) + g1_to_bytes(pending[1])))
    return out


CHUNK = 64  # ballots per worker job: their validity proofs share one batched class check (§P6.6)
_BALLOT_SUFFIX = b'"kind":"ballot","signature":null,"v":1}'  # how a canonical ballot entry ends (look-ahead only)

_CONTEXTS: dict[tuple[bytes, bytes], ElectionContext] = {}
_WORKER_ENTRIES: list[bytes] = []  # a pool worker's (definition entry, key entry), set once by its initializer


def _context_cache(definition_entry: bytes, key_entry: bytes) -> ElectionContext:
    ctx = _CONTEXTS.get((definition_entry, key_entry))
    if ctx is None:
        state = ElectionState(min_modulus_bits=1024)
        state.apply(Entry.from_bytes(definition_entry))
        state.apply(Entry.from_bytes(key_entry))
        ctx = state.require_context()
        _CONTEXTS[(definition_entry, key_entry)] = ctx
    return ctx


def _init_worker(definition_entry: bytes, key_entry: bytes) -> None:
    _WORKER_ENTRIES[:] = [definition_entry, key_entry]


def _verify_chunk_in_worker(chunk: list[tuple[int, bytes]]) -> list[_BallotVerdict]:
    return _verify_ballot_job((_WORKER_ENTRIES[0], _WORKER_ENTRIES[1], chunk))


class _BallotChecker:
    """Step 6 as a stream (§P6.6), fed while the parent replays the log: once the key is known, ballot entries go
    to ``workers`` processes in chunks of ``size`` (ballots seen before the key wait for it), and results are
    collected in order as they come. Nothing is copied: a job refers to the record's own bytes until it is sent.

    :meth:`ballot` names each entry that step 1 parsed as a ballot; only those count. So that the workers need not
    wait for the replay to reach the ballots (a log holds every credential issuance before them), :meth:`look_ahead`
    may also send entries that merely end like a canonical ballot entry; the result of one that turns out not to be
    a ballot is dropped, and a ballot it missed is sent when named. Each ballot is checked once, against the same
    context, and a verdict does not depend on its batch-mates, so this changes the timing, never the report.
    A single chunk, or ``workers <= 1``, is checked in this process."""

    def __init__(self, workers: int, size: int, progress: Callable[[int, int], None] | None) -> None:
        self.workers, self.size, self.progress = workers, size, progress
        self.entries: tuple[bytes, bytes] | None = None  # definition and key entries, once the key is published
        self.waiting: list[tuple[int, bytes]] = []  # entries not yet in a job
        self.first: list[tuple[int, bytes]] | None = None  # the first chunk, held until a second one makes a pool pay
        self.pool: ProcessPoolExecutor | None = None
        self.jobs: deque[Future[list[_BallotVerdict]]] = deque()
        self.sent: set[int] = set()  # log positions sent to be checked
        self.ballots: list[int] = []  # log positions of the entries step 1 parsed as ballots
        self.results: dict[int, tuple[tuple[str, str] | None, bytes]] = {}

    def __enter__(self) -> _BallotChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def ballot(self, index: int, data: bytes) -> None:
        """Step 1 parsed entry ``index`` as a ballot: it is checked (unless the look-ahead already sent it)."""
        self.ballots.append(index)
        if index not in self.sent:
            self._send(index, data)
        self._harvest(block=False)

    def start(self, definition_entry: bytes, key_entry: bytes) -> None:
        """The key is published: from now on ballots can be checked (the ones waiting first)."""
        self.entries = (definition_entry, key_entry)
        while len(self.waiting) >= self.size:
            self._dispatch(self._take())

    def look_ahead(self, entries: Sequence[bytes], start: int) -> None:
        """Send the entries from ``start`` on that end like a ballot entry, before the replay reaches them."""
        for index in range(start, len(entries)):
            if entries[index].endswith(_BALLOT_SUFFIX):
                self._send(index, entries[index])

    def _send(self, index: int, data: bytes) -> None:
        self.sent.add(index)
        self.waiting.append((index, data))
        if self.entries is not None and len(self.waiting) >= self.size:
            self._dispatch(self._take())

    def _take(self) -> list[tuple[int, bytes]]:
        chunk, self.waiting = self.waiting[: self.size], self.waiting[self.size :]
        return chunk

    def _in_process(self, chunk: list[tuple[int, bytes]]) -> None:
        assert self.entries is not None
        self._collect(_verify_ballot_job((*self.entries, chunk)))

    def _dispatch(self, chunk: list[tuple[int, bytes]]) -> None:
        if self.workers <= 1:
            self._in_process(chunk)
            return
        if self.pool is None:
            if self.first is None:
                self.first = chunk
                return
            assert self.entries is not None
            definition_entry, key_entry = self.entries
            ctx = multiprocessing.get_context("spawn")
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=ctx, initializer=_init_worker, initargs=(definition_entry, key_entry)
            )
            self.jobs.append(self.pool.submit(_verify_chunk_in_worker, self.first))
            self.first = None
        self.jobs.append(self.pool.submit(_verify_chunk_in_worker, chunk))

    def _harvest(self, block: bool) -> None:
        """Collect the finished jobs, in order; with ``block``, every job."""
        while self.jobs and (block or self.jobs[0].done()):
            self._collect(self.jobs.popleft().result())

    def _collect(self, chunk: list[_BallotVerdict]) -> None:
        for index, error, pair in chunk:
            self.results[index] = (error, pair)
        if self.progress:
            self.progress(len(self.results), max(len(self.sent), len(self.ballots)))

    def finish(self, credential_key: bytes) -> list[Note]:
        """Check what is left, then the anonymous ballots' pairing equations in one batch (a random linear
        combination; bisection finds the bad ones); every error, in log order."""
        if self.entries is None:
            raise RuntimeError("no key: there is nothing to check the ballots against")
        if self.waiting:
            chunk, self.waiting = self.waiting, []
            self._dispatch(chunk)
        if self.first is not None:  # one chunk in all: not worth starting a pool
            chunk, self.first = self.first, None
            self._in_process(chunk)
        self._harvest(block=True)
        errors: list[tuple[int, Note]] = []
        pending: list[tuple[int, Any, Any]] = []
        for index in sorted(self.ballots):
            error, pair = self.results[index]
            if error is not None:
                errors.append((index, note("v.entry_error", error[1], index=index, what=Term(error[0]))))
            elif pair:
                pending.append((index, g1_from_bytes(pair[:48]), g1_from_bytes(pair[48:])))
        if pending:
            for index in sorted(bbs.find_invalid_in_batch(credential_key, pending)):
                errors.append((index, note("v.pairing", index=index)))
        return [n for _, n in sorted(errors, key=lambda e: e[0])]


def _chunk_size(entries: int, workers: int) -> int:
    """Ballots per job: ``CHUNK``, or fewer for a small record so that every worker gets several jobs (about half
    of a record's entries are ballots). Verdicts do not depend on it (tests/client/test_verifier_workers.py)."""
    return max(1, min(CHUNK, entries // max(1, workers * 8)))


def check_record(
    record: Record,
    *,
    expected_log_key: str | None = None,
    expected_fingerprint: str | None = None,
    min_modulus_bits: int = 2048,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """§V: run every step on ``record`` and return the report (whatever the record holds, this does not raise for
    it; :func:`verify_record` raises when a step fails). The report carries the replayed state."""
    s2, checkpoints = step_checkpoint_signatures(record, expected_log_key)
    s3 = step_ledger_integrity(record, checkpoints)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    s1 = Step(1, STEP_TITLES[1], passed=True, checked=len(record.entries))
    replayed = Replayed(ElectionState(min_modulus_bits=min_modulus_bits))
    replaying = True
    with _BallotChecker(workers, _chunk_size(len(record.entries), workers), progress) as checker:
        # One pass over the log: step 1 parses each entry, the replay applies it, and its ballots stream to the
        # workers (step 6) as soon as the key is known, while the replay goes on. No parsed entry is kept.
        for i, data in enumerate(record.entries):
            entry = _parse_entry(record, i, data, s1)
            if entry is None:
                continue
            if entry.kind is EntryKind.BALLOT:
                checker.ballot(i, data)
            replaying = replaying and _apply(replayed, i, entry)
            if checker.entries is None and replayed.state.context is not None:
                checker.start(replayed.state.definition_entry, replayed.state.key_entry)
                checker.look_ahead(record.entries, i + 1)
        _finish_record_format(s1, record)
        _check_fingerprint(replayed, expected_fingerprint)
        _check_ceremony(replayed, record)
        s6 = _ballot_step(checker, replayed.state)
    if s2.passed and replayed.state.definition is not None:
        check_witnesses(s2, record, replayed.state.definition, checkpoints)
    steps = {1: s1, 2: s2, 3: s3, 6: s6} | {n: step_replayed(n, replayed) for n in (4, 5, 7, 8, 9, 10)}
    report = Report(
        record.election_id, [steps[n] for n in sorted(steps)], state=replayed.state, stopped=replayed.stopped
    )
    state = replayed.state
    if state.election_hash:
        report.fingerprint = fingerprint(state.election_hash)
    if state.phase is Phase.PUBLISHED and isinstance(state.outcome, dict) and state.definition is not None:
        kind = state.definition.kind_rules
        report.totals = state.totals
        report.options = state.definition.options
        report.outcome = kind.describe_outcome(state.definition, state.outcome)
        report.totals_text = kind.describe_totals(state.definition, state.totals)
        d = state.definition
        steps[9].describe(note("v.words", zh=kind.describe_totals(d, state.totals, "zh"), en=report.totals_text))
        steps[10].describe(note("v.words", zh=kind.describe_outcome(d, state.outcome, "zh"), en=report.outcome))
    return report


def verify_record(
    record: Record,
    *,
    expected_log_key: str | None = None,
    expected_fingerprint: str | None = None,
    min_modulus_bits: int = 2048,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """§V: verify ``record``; return the report if every step passed, else raise RecordRejected (with the report)."""
    report = check_record(
        record,
        expected_log_key=expected_log_key,
        expected_fingerprint=expected_fingerprint,
        min_modulus_bits=min_modulus_bits,
        workers=workers,
        progress=progress,
    )
    if not report.passed:
        raise RecordRejected(report)
    return report


def step_record_format(record: Record) -> tuple[Step, list[Entry]]:
    """Step 1: every entry parses, is canonical, and belongs to this election."""
    step = Step(1, STEP_TITLES[1], passed=True, checked=len(record.entries))
    entries = [e for i, data in enumerate(record.entries) if (e := _parse_entry(record, i, data, step)) is not None]
    _finish_record_format(step, record)
    return step, entries


def _parse_entry(record: Record, index: int, data: bytes, step: Step) -> Entry | None:
    """Step 1 for one entry: the parsed entry (None if it does not parse); failures go to ``step``."""
    try:
        entry = Entry.from_bytes(data)
    except VotingError as e:
        step.fail(note("v.entry_error", str(e), index=index, what=error_term(e)))
        return None
    if entry.election_id != record.election_id:
        step.fail(note("v.foreign_entry", index=index, election=entry.election_id))
    return entry


def _finish_record_format(step: Step, record: Record) -> None:
    if not record.entries:
        step.fail(note("v.no_entries"))
    step.describe(note("v.entries", n=len(record.entries)))


def step_checkpoint_signatures(record: Record, expected_log_key: str | None) -> tuple[Step, list[Checkpoint]]:
    """Step 2: every checkpoint is signed by the (expected) log key and names this log's origin."""
    step = Step(2, STEP_TITLES[2], checked=len(record.checkpoints))
    checkpoints: list[Checkpoint] = []
    try:
        if expected_log_key is not None and expected_log_key != record.log_key:
            raise CryptoError("the record's log key is not the expected one")
        verifier = NoteVerifier.from_vkey(record.log_key)
        for i, signed_note in enumerate(record.checkpoints):
            cp = open_checkpoint(signed_note, verifier)
            if cp.origin != record.origin:
                raise CryptoError(f"checkpoint {i} is for log {cp.origin!r}")
            checkpoints.append(cp)
        step.passed = bool(checkpoints)
        if not checkpoints:
            step.fail(note("v.no_checkpoint"))
        step.describe(note("v.checkpoints", n=len(checkpoints), signer=f"{verifier.name}+{verifier.key_id.hex()}"))
    except CryptoError as e:
        step.fail(note("v.checkpoint_error", str(e)))
    return step, checkpoints


def check_witnesses(
    step: Step, record: Record, definition: ElectionDefinition, checkpoints: Sequence[Checkpoint]
) -> None:
    """Step 2, §P17.4: every cosignature by a witness the election names verifies, and the final checkpoint (the
    one that covers the whole record) carries the election's quorum of them. Without witnesses, says so."""
    signer = "+".join(record.log_key.split("+")[:2])
    n = len(checkpoints)
    if not definition.witnesses:
        step.describe(note("v.no_witnesses", n=n, signer=signer))
        return
    found: tuple[Cosignature, ...] = ()
    for signed_note, cp in zip(record.checkpoints, checkpoints, strict=True):
        try:
            found = cosignatures(signed_note, definition.witnesses)
        except CryptoError as e:
            step.fail(note("v.witness_error", str(e), size=cp.size))
            return
    k = len({c.witness.public_key for c in found})
    q, size = definition.witness_quorum, checkpoints[-1].size
    if k < q:
        step.fail(note("v.quorum", size=size, k=k, q=q))
        return
    step.describe(note("v.witnessed", n=n, signer=signer, size=size, k=k, q=q, w=len(definition.witnesses)))


def step_ledger_integrity(record: Record, checkpoints: Sequence[Checkpoint]) -> Step:
    """Step 3: the entries hash (RFC 9162) to every checkpoint's root; consecutive checkpoints are consistent and
    never roll back; the last covers every entry."""
    step = Step(3, STEP_TITLES[3], passed=bool(checkpoints), checked=len(checkpoints))
    tree = merkle.MerkleTree.from_leaf_hashes([merkle.leaf_hash(e) for e in record.entries])
    previous: Checkpoint | None = None
    for cp in checkpoints:
        if cp.size > tree.size:
            step.fail(note("v.beyond", size=cp.size, n=tree.size))
            continue
        if tree.root(cp.size) != cp.root_hash:
            step.fail(note("v.root_mismatch", size=cp.size))
        if previous is not None:
            try:
                proof = tree.consistency_proof(previous.size, cp.size) if previous.size else []
                verify_checkpoint_extends(previous, cp, proof)
            except CryptoError as e:
                step.fail(note("v.inconsistent", str(e), a=previous.size, b=cp.size))
        previous = cp
    if checkpoints and checkpoints[-1].size != tree.size:
        step.fail(note("v.last_short", a=checkpoints[-1].size, b=tree.size))
    if checkpoints and step.passed:
        step.describe(note("v.root", root=tree.root().hex()[:16], n=tree.size))
    return step


@dataclass
class Replayed:
    """The log replayed through the election rules (steps 4, 5, 7-10): the state, the first failure and its step."""

    state: ElectionState
    failed_at: int | None = None  # the step of the first failure
    failures: dict[int, list[Note]] = field(default_factory=dict)
    checked: dict[int, int] = field(default_factory=dict)  # entries applied, by step
    stopped: EntryKind | None = None  # the kind of the entry the replay refused
    transcript_messages: int = 0  # the key ceremony's transcript, checked (§P15.10)


def replay(entries: Sequence[Entry], min_modulus_bits: int, expected_fingerprint: str | None = None) -> Replayed:
    """Apply every entry to a fresh :class:`ElectionState` (the server's own rules) until one is refused; that
    failure is attributed to the step its entry kind belongs to (the outcome rule to step 10). The fingerprint, if
    expected, is part of the set-up (step 4)."""
    result = Replayed(ElectionState(min_modulus_bits=min_modulus_bits))
    for i, entry in enumerate(entries):
        if not _apply(result, i, entry):
            break
    _check_fingerprint(result, expected_fingerprint)
    return result


def _apply(result: Replayed, index: int, entry: Entry) -> bool:
    """Apply one entry (log position ``index``) to the replayed state; False, with the failure recorded against its
    step, if the rules refuse it (the replay stops there)."""
    step = _STEP_OF_KIND[entry.kind]
    try:
        result.state.apply(entry)
    except VotingError as e:
        step = 10 if isinstance(e, OutcomeMismatch) else step
        failure = note(
            "v.replay_error",
            str(e),
            index=index,
            kind=Term(f"entry.{entry.kind.value}"),
            kind_value=entry.kind.value,
            what=error_term(e),
        )
        result.failures.setdefault(step, []).append(failure)
        result.failed_at = step
        result.stopped = entry.kind
        return False
    result.checked[step] = result.checked.get(step, 0) + 1
    return True


def _check_fingerprint(result: Replayed, expected_fingerprint: str | None) -> None:
    """The fingerprint, if expected, is part of the set-up (step 4)."""
    state = result.state
    if expected_fingerprint is not None:
        problem: Note | None = None
        if not state.election_hash:
            problem = note("v.no_definition_fp")
        elif parse_fingerprint(expected_fingerprint) != fingerprint(state.election_hash):
            problem = note("v.fp_mismatch", actual=fingerprint(state.election_hash), expected=expected_fingerprint)
        if problem:
            result.failures.setdefault(4, []).append(problem)
            if state.election_hash:
                result.failed_at = 4 if result.failed_at is None else min(result.failed_at, 4)


def _check_ceremony(result: Replayed, record: Record) -> None:
    """Step 4, §P15.10 step 3: a key made by the trustees' ceremony comes with its transcript (``ceremony.jsonl``):
    every message parses, is signed by its trustee, the rounds are the ceremony's, the final one names the key's
    modulus, and the whole hashes to what every trustee endorsed in key.published. A dealer's key has none."""
    state = result.state
    if state.definition is None or state.context is None:
        return  # no key: nothing to check (step 4 says so)
    problem: Note | None = None
    if state.ceremony is None:
        if record.ceremony:
            problem = note("v.ceremony_unexpected")
    else:
        try:
            messages = [RecordedMessage.from_bytes(line) for line in record.ceremony]
            verify_transcript(
                state.definition, state.election_hash, state.ceremony, messages, state.context.public_key.n
            )
            result.transcript_messages = len(messages)
        except VotingError as e:
            problem = note("v.ceremony_error", str(e))
    if problem:
        result.failures.setdefault(4, []).append(problem)
        result.failed_at = 4 if result.failed_at is None else min(result.failed_at, 4)


def step_replayed(number: int, replayed: Replayed) -> Step:
    """Steps 4, 5, 7, 8, 9, 10 from the replay: failed where the replay failed, unavailable after that, and
    unavailable where the record ends before the evidence (a tallied record still shows its aggregation: what a
    trustee checks before decrypting, §P8.1)."""
    state = replayed.state
    # the outcome (10) is checked on the result entry (9)
    step = Step(number, STEP_TITLES[number], checked=replayed.checked.get(9 if number == 10 else number, 0))
    for message in replayed.failures.get(number, []):
        step.fail(message)
    reached = replayed.failed_at or 11
    if number > reached:
        step.describe(note("v.not_reached"))
        step.missing(note("v.not_reached"))
        return step
    if number < reached and not step.errors:
        missing = (8, 9, 10) if state.tally else (7, 8, 9, 10)
        if replayed.failed_at is None and state.phase is not Phase.PUBLISHED and number in missing:
            ends = note("v.ends_before", phase=Term(f"phase.{state.phase.value}"), phase_value=state.phase.value)
            step.missing(ends)
            step.fail(ends)
        else:
            step.passed = True
    if number == 4 and state.definition is not None:
        d = state.definition
        fields: dict[str, object] = {"t": d.threshold, "n": len(d.trustees), "bits": d.modulus_bits}
        fields |= {"roll": len(state.roll), "credentials": len(state.issued)}
        if state.ceremony is not None:
            step.describe(note("v.setup_ceremony", "", messages=replayed.transcript_messages, **fields))
        else:
            step.describe(note("v.setup", "", **fields))
    elif number == 5 and state.definition is not None:
        step.describe(note("v.ballots", cast=state.ballots_cast, counted=len(state.counted)))
    elif number == 7 and state.tally:
        step.describe(note("v.tally", count=len(state.tally), counted=len(state.counted)))
    elif number == 8 and state.shares:
        step.describe(note("v.shares", trustees=sorted(state.shares)))
    return step


def step_ballot_proofs(
    ballots: Sequence[tuple[int, bytes]],
    state: ElectionState,
    workers: int | None,
    progress: Callable[[int, int], None] | None,
) -> Step:
    """Step 6 on its own: every ballot's eligibility evidence and validity proofs, on all cores (§P6.6).
    ``ballots``: (log position, entry bytes) of every ballot entry; ``state``: the replayed election (its key)."""
    workers = workers if workers is not None else (os.cpu_count() or 1)
    with _BallotChecker(workers, _chunk_size(2 * len(ballots), workers), progress) as checker:
        for index, data in ballots:
            checker.ballot(index, data)
        if state.context is not None:
            checker.start(state.definition_entry, state.key_entry)
        return _ballot_step(checker, state)


def _ballot_step(checker: _BallotChecker, state: ElectionState) -> Step:
    """Step 6's report once every ballot of the log was added to ``checker``."""
    ballots = len(checker.ballots)
    step = Step(6, STEP_TITLES[6], checked=ballots)
    if state.context is None:
        step.passed = not ballots
        step.describe(note("v.no_key" if ballots else "v.no_ballots"))
        if ballots:
            step.missing(note("v.no_key"))
        return step
    errors = checker.finish(state.require_definition().credential_key)
    step.passed = not errors
    for err in errors:
        step.fail(err)
    step.describe(note("v.ballots_verified", ok=ballots - len(errors), n=ballots))
    return step

"""The independent verifier: an honest record passes every step; any single altered value, and every lie a
dishonest server could sign, fails the step that checks it."""

from __future__ import annotations

import json
import random
import re

import pytest

from client.record import read_record, write_record
from client.verifier import STEP_TITLES, Step, check_record
from crypto import merkle
from crypto.note import NoteSigner, NoteVerifier
from tests.factories import make_election, make_record
from voting.election import fingerprint
from voting.encoding import canonical, parse
from voting.records import Entry, EntryKind
from voting.state import Phase


@pytest.fixture(scope="module")
def signer() -> NoteSigner:
    return NoteSigner.generate("linli-test")


@pytest.fixture(scope="module")
def honest(safe_primes_1024, signer):  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=6)
    for voter, choice in enumerate([0, 1, 0, 2, 0]):
        e.vote(voter, choice)
    e.vote(1, 0)  # a re-vote: the last ballot counts
    e.close()
    e.decrypt([2, 4, 5])
    entries = [x.to_bytes() for x in e.entries]
    sizes = [3, 10, len(entries) - 5, len(entries)]
    return e, make_record(entries, signer, checkpoint_sizes=sizes)


def _verify(record):  # type: ignore[no-untyped-def]
    return check_record(record, min_modulus_bits=1024, workers=1)


def _failed_steps(report) -> list[int]:  # type: ignore[no-untyped-def]
    return [s.number for s in report.steps if not s.passed]


def test_honest_record_passes(honest) -> None:  # type: ignore[no-untyped-def]
    e, record = honest
    report = _verify(record)
    assert report.passed, report.render()
    assert report.totals == (4, 0, 1) == e.state.totals
    assert [s.number for s in report.steps] == list(range(1, 11))
    # what a resident reads: pinned whole (mutation testing found the text unchecked, docs/mutation.md)
    assert report.election_id == record.election_id == "test-election"
    assert [s.title for s in report.steps] == [STEP_TITLES[n] for n in range(1, 11)]
    assert report.steps[0].detail == f"{len(record.entries)} entries"
    assert report.totals_text == "yes 4, no 0, abstain 1"
    assert report.outcome == "PASSED (4 of 5 ballots say yes: more than half)"
    tree = merkle.MerkleTree.from_leaf_hashes([merkle.leaf_hash(x) for x in record.entries])
    assert report.steps[2].detail == f"root {tree.root().hex()[:16]}… over {len(record.entries)} entries"
    assert report.fingerprint == fingerprint(e.state.election_hash)
    assert re.fullmatch(r"[A-Z2-7]{5}(-[A-Z2-7]{5}){3}", report.fingerprint)  # as on the notice board
    assert report.options == ("yes", "no", "abstain")
    key = NoteVerifier.from_vkey(record.log_key)
    signer = f"{key.name}+{key.key_id.hex()}"
    assert report.steps[1].detail == f"4 checkpoints signed by {signer}; no witnesses (the election names none)"
    assert report.state is not None and report.state.phase is Phase.PUBLISHED  # what clients act on (§P12)
    assert [s.detail for s in report.steps[3:]] == [
        "3 of 5 trustees, 1024-bit key made by a dealer, roll of 6, 6 credentials",
        "6 ballots cast, 5 counted",
        "6 of 6 ballots verified",
        "1 tally ciphertext(s) over 5 ballots",
        "shares of trustees [2, 4, 5]",
        "yes 4, no 0, abstain 1",
        "PASSED (4 of 5 ballots say yes: more than half)",
    ]


def test_record_round_trips_through_files(honest, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _, record = honest
    write_record(tmp_path, record)
    assert read_record(tmp_path) == record


def _leaves(value, path=()):  # type: ignore[no-untyped-def]
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, (*path, i))
    else:
        yield path, value


def _set(obj, path, value):  # type: ignore[no-untyped-def]
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value


def _altered(value):  # type: ignore[no-untyped-def]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if value is None:
        return 0
    if isinstance(value, str) and value and all(c in "0123456789abcdef" for c in value):
        return value[:-1] + ("0" if value[-1] != "0" else "1")
    return value + "x"


def test_any_single_altered_value_fails(honest) -> None:  # type: ignore[no-untyped-def]
    """Change one value anywhere in the entries (sampled across every entry) and verification fails."""
    _, record = honest
    rng = random.Random(2026)
    targets = []
    for i, data in enumerate(record.entries):
        leaves = list(_leaves(parse(data)))
        targets.extend((i, path, v) for path, v in rng.sample(leaves, min(2, len(leaves))))
    for i, path, value in targets:
        obj = parse(record.entries[i])
        _set(obj, path, _altered(value))
        entries = list(record.entries)
        entries[i] = canonical(obj)
        tampered = type(record)(record.election_id, record.origin, record.log_key, record.checkpoints, tuple(entries))
        report = _verify(tampered)
        assert not report.passed, f"entry {i} {path} altered and still verified"
        assert 3 in _failed_steps(report)


def test_altered_record_metadata_fails(honest, signer) -> None:  # type: ignore[no-untyped-def]
    _, record = honest
    other = NoteSigner.generate("linli-test")
    for tampered in (
        type(record)(record.election_id, record.origin + "x", record.log_key, record.checkpoints, record.entries),
        type(record)(record.election_id, record.origin, other.verifier().to_vkey(), record.checkpoints, record.entries),
        type(record)(
            record.election_id,
            record.origin,
            record.log_key,
            (record.checkpoints[0].replace(b"\n3\n", b"\n4\n"),),
            record.entries,
        ),
        type(record)("other-election", record.origin, record.log_key, record.checkpoints, record.entries),
        type(record)(record.election_id, record.origin, record.log_key, record.checkpoints, record.entries[:-1]),
        type(record)(record.election_id, record.origin, record.log_key, (), record.entries),
    ):
        assert not _verify(tampered).passed


def test_checkpoint_that_rolls_back_fails(honest, signer) -> None:  # type: ignore[no-untyped-def]
    _, record = honest
    reordered = type(record)(
        record.election_id, record.origin, record.log_key, tuple(reversed(record.checkpoints)), record.entries
    )
    report = _verify(reordered)
    assert 3 in _failed_steps(report)


def test_expected_log_key_is_enforced(honest) -> None:  # type: ignore[no-untyped-def]
    _, record = honest
    assert check_record(record, expected_log_key=record.log_key, min_modulus_bits=1024, workers=1).passed
    other = NoteSigner.generate("linli-test").verifier().to_vkey()
    assert 2 in _failed_steps(check_record(record, expected_log_key=other, min_modulus_bits=1024, workers=1))


# -- a dishonest server signs whatever it likes: the semantic checks must still catch it -----------------------
def _resigned(honest, signer, mutate):  # type: ignore[no-untyped-def]
    e, record = honest
    entries = [Entry.from_bytes(x) for x in record.entries]
    entries = mutate(e, entries)
    return make_record([x.to_bytes() for x in entries], signer)


def _replace_body(entries, kind, fn):  # type: ignore[no-untyped-def]
    out = []
    for x in entries:
        if x.kind is kind:
            body = json.loads(json.dumps(x.body))
            fn(body)
            x = Entry(x.kind, x.election_id, body, x.author, x.signature)
        out.append(x)
    return out


def test_server_signed_wrong_outcome_fails_outcome_step(honest, signer) -> None:  # type: ignore[no-untyped-def]
    record = _resigned(
        honest, signer, lambda e, xs: _replace_body(xs, EntryKind.RESULT, lambda b: b["outcome"].update(passed=False))
    )
    report = _verify(record)
    assert _failed_steps(report) == [10]


def test_server_signed_wrong_totals_fails_result_step(honest, signer) -> None:  # type: ignore[no-untyped-def]
    record = _resigned(
        honest, signer, lambda e, xs: _replace_body(xs, EntryKind.RESULT, lambda b: b.update(totals=[5, 0, 0]))
    )
    assert 9 in _failed_steps(_verify(record))


def test_server_signed_wrong_tally_fails_aggregation_step(honest, signer) -> None:  # type: ignore[no-untyped-def]
    def drop_one(b):  # type: ignore[no-untyped-def]
        b["counted"] = b["counted"][1:]

    record = _resigned(honest, signer, lambda e, xs: _replace_body(xs, EntryKind.TALLY, drop_one))
    report = _verify(record)
    assert _failed_steps(report) == [7, 8, 9, 10]
    assert [(s.passed, s.detail) for s in report.steps[7:]] == [(False, "not reached")] * 3


def test_replayed_ballot_fails_ballot_step_and_nothing_after_is_vouched_for(honest, signer) -> None:  # type: ignore[no-untyped-def]
    def replay(e, xs):  # type: ignore[no-untyped-def]
        first = next(i for i, x in enumerate(xs) if x.kind is EntryKind.BALLOT)
        return [*xs[: first + 1], xs[first], *xs[first + 1 :]]

    report = _verify(_resigned(honest, signer, replay))
    assert _failed_steps(report) == [5, 7, 8, 9, 10]
    assert "already cast" in report.steps[4].errors[0]
    assert [(s.passed, s.detail) for s in report.steps[6:]] == [(False, "not reached")] * 4


def test_server_dropped_a_ballot_fails(honest, signer) -> None:  # type: ignore[no-untyped-def]
    def drop(e, xs):  # type: ignore[no-untyped-def]
        first = next(i for i, x in enumerate(xs) if x.kind is EntryKind.BALLOT)
        return xs[:first] + xs[first + 1 :]

    assert not _verify(_resigned(honest, signer, drop)).passed


def test_server_inserted_an_unsigned_statement_fails(honest, signer) -> None:  # type: ignore[no-untyped-def]
    def forge(e, xs):  # type: ignore[no-untyped-def]
        i = next(i for i, x in enumerate(xs) if x.kind is EntryKind.CREDENTIAL_ISSUED)
        x = xs[i]
        body = dict(x.body)
        body["roll_id"] = "unit-5"
        forged = Entry(x.kind, x.election_id, body, x.author, x.signature)
        return [*xs[: i + 1], forged, *xs[i + 1 :]]

    assert 4 in _failed_steps(_verify(_resigned(honest, signer, forge)))


def test_server_forged_ballot_proof_fails_proof_step(honest, signer) -> None:  # type: ignore[no-untyped-def]
    def forge(e, xs):  # type: ignore[no-untyped-def]
        def bump(b):  # type: ignore[no-untyped-def]
            z = b["contests"][0]["proof"]["z"]
            z[0] = format(int(z[0], 16) ^ 1, f"0{len(z[0])}x")

        first = next(i for i, x in enumerate(xs) if x.kind is EntryKind.BALLOT)
        return xs[:first] + _replace_body(xs[first : first + 1], EntryKind.BALLOT, bump) + xs[first + 1 :]

    assert 6 in _failed_steps(_verify(_resigned(honest, signer, forge)))


def test_incomplete_record_does_not_pass(honest, signer) -> None:  # type: ignore[no-untyped-def]
    _, record = honest
    cut = list(record.entries)[:-4]
    report = _verify(make_record(cut, signer))
    assert not report.passed
    assert {1, 2, 3, 4, 5, 6} <= {s.number for s in report.steps if s.passed}
    # §P8.1: a record that ends at the tally still shows a passed aggregation (what a trustee checks)
    assert _failed_steps(report) == [8, 9, 10]
    for step in report.steps[7:]:
        assert step.passed is False and step.errors == ["the record ends before the result (election is closed)"]
    before_tally = _verify(make_record(list(record.entries)[:-5], signer))
    assert _failed_steps(before_tally) == [7, 8, 9, 10]


def test_verify_record_raises_with_the_report_and_check_record_returns_it(honest) -> None:  # type: ignore[no-untyped-def]
    from client.errors import RecordRejected
    from client.verifier import verify_record

    _, record = honest
    assert verify_record(record, min_modulus_bits=1024, workers=1).passed
    broken = type(record)(record.election_id, record.origin, record.log_key, record.checkpoints, record.entries[:-1])
    with pytest.raises(RecordRejected, match="does not verify") as e:
        verify_record(broken, min_modulus_bits=1024, workers=1)
    assert e.value.report.steps[2].errors and not check_record(broken, min_modulus_bits=1024, workers=1).passed


def test_every_step_says_what_it_checked_and_what_it_could_not(honest, signer) -> None:  # type: ignore[no-untyped-def]
    _, record = honest
    report = check_record(record, min_modulus_bits=1024, workers=1)
    assert all(s.checked > 0 and not s.unavailable for s in report.steps), report.render()
    e, _ = honest
    open_only = [x.to_bytes() for x in e.entries if x.kind is not EntryKind.ELECTION_CLOSED][:12]  # set-up + ballots
    partial = check_record(make_record(open_only, signer), min_modulus_bits=1024, workers=1)
    assert [s.number for s in partial.steps if s.unavailable] == [7, 8, 9, 10], partial.render()
    assert not partial.passed and all("ends before the result" in s.unavailable for s in partial.steps[6:])
    assert all(s.passed for s in partial.steps[:6])


def test_any_single_altered_value_fails_even_when_the_operator_rehashes_the_log(honest, signer) -> None:  # type: ignore[no-untyped-def]
    """A dishonest operator alters one value and re-signs checkpoints over the altered log: the Merkle steps pass,
    and a semantic step (format, signatures and rules, proofs, aggregation, shares, result) must fail instead."""
    _, record = honest
    rng = random.Random(2027)
    for i, data in enumerate(record.entries):
        leaves = list(_leaves(parse(data)))
        for path, value in rng.sample(leaves, min(2, len(leaves))):
            obj = parse(record.entries[i])
            _set(obj, path, _altered(value))
            entries = list(record.entries)
            entries[i] = canonical(obj)
            report = _verify(make_record(entries, signer))
            failed = _failed_steps(report)
            assert failed and 2 not in failed and 3 not in failed, f"entry {i} {path}: {report.render()}"


def test_fingerprint_mismatch_is_reported_with_a_later_failure(honest, signer) -> None:  # type: ignore[no-untyped-def]
    record = _resigned(
        honest, signer, lambda e, xs: _replace_body(xs, EntryKind.RESULT, lambda b: b.update(totals=[5, 0, 0]))
    )
    report = check_record(record, expected_fingerprint="AAAAA-AAAAA-AAAAA-AAAAA", min_modulus_bits=1024, workers=1)
    assert _failed_steps(report) == [4, 5, 7, 8, 9, 10]


def test_empty_record_with_an_expected_fingerprint_fails_setup_step(signer) -> None:  # type: ignore[no-untyped-def]
    report = check_record(make_record([], signer), expected_fingerprint="AAAAA-AAAAA-AAAAA-AAAAA", workers=1)
    assert not report.steps[3].passed
    assert report.steps[3].errors == ["the record has no election definition to compare the fingerprint with"]
    assert (report.steps[5].passed, report.steps[5].detail) == (True, "no ballots")


def test_entries_beyond_the_last_checkpoint_fail_ledger_step(honest, signer) -> None:  # type: ignore[no-untyped-def]
    """A log operator signs checkpoints that stop one entry short of the record: the result entry is then in no
    signed tree, so the log never committed to it. Every checkpoint it does sign is honest and consistent."""
    _, record = honest
    entries = list(record.entries)
    report = _verify(make_record(entries, signer, checkpoint_sizes=[3, 10, len(entries) - 1]))
    assert _failed_steps(report) == [3]
    (error,) = report.steps[2].errors
    assert error == f"the last checkpoint covers {len(entries) - 1} of {len(entries)} entries"
    assert report.steps[2].detail == ""  # no root is vouched for by a failed step


def test_checkpoint_that_rolls_back_between_honest_ones_fails_ledger_step(honest, signer) -> None:  # type: ignore[no-untyped-def]
    """Every checkpoint's root is the entries' root at its size, and the last covers the record; only the order
    gives the operator away: after size 10 it signed size 5 (a checkpoint never shrinks)."""
    _, record = honest
    entries = list(record.entries)
    report = _verify(make_record(entries, signer, checkpoint_sizes=[3, 10, 5, len(entries)]))
    assert _failed_steps(report) == [3]
    assert report.steps[2].errors == ["checkpoint 10 -> 5: no consistency proof from size 10 to size 5"]


def test_expected_fingerprint_is_enforced(honest) -> None:  # type: ignore[no-untyped-def]
    """§P12: the fingerprint on the notice board, typed by a person, must be the replayed election's."""
    e, record = honest
    right = fingerprint(e.state.election_hash)
    typed = right.lower().replace("-", " ")
    assert check_record(record, expected_fingerprint=typed, min_modulus_bits=1024, workers=1).passed
    wrong = "AAAAA-AAAAA-AAAAA-AAAAA"
    report = check_record(record, expected_fingerprint=wrong, min_modulus_bits=1024, workers=1)
    assert _failed_steps(report) == [4, 5, 7, 8, 9, 10]  # the ballot proofs (step 6) are still checked
    assert report.steps[3].errors == [
        f"the election's fingerprint is {right}, not the expected {wrong}: this is not the election on the notice board"
    ]
    headless = check_record(
        type(record)(record.election_id, record.origin, record.log_key, (), record.entries[1:]),
        expected_fingerprint=right,
        min_modulus_bits=1024,
        workers=1,
    )
    assert "the record has no election definition to compare the fingerprint with" in headless.steps[3].errors
    assert (headless.steps[5].passed, headless.steps[5].detail) == (False, "no key published")  # ballots unchecked


def test_verifier_default_refuses_a_modulus_below_2048_bits(honest) -> None:  # type: ignore[no-untyped-def]
    """The verifier's safe default: without an explicit minimum, the 1024-bit test election is refused."""
    _, record = honest
    report = check_record(record, workers=1)
    assert _failed_steps(report) == list(range(4, 11))
    assert report.steps[3].errors == ["entry 0 (election.created): modulus of 1024 bits is below the minimum 2048"]


def test_every_malformed_entry_is_reported(honest, signer) -> None:  # type: ignore[no-untyped-def]
    """Step 1 goes on past a bad entry: each one is named, and so is an entry of another election."""
    _, record = honest
    entries = list(record.entries)
    entries[4], entries[9] = b"{}", b"not json"
    moved = parse(entries[12])
    moved["election"] = "other-election"
    entries[12] = canonical(moved)
    report = _verify(make_record(entries, signer))
    errors = report.steps[0].errors
    assert [e.split(":")[0] for e in errors[:2]] == ["entry 4", "entry 9"]
    assert errors[2] == "entry 12 belongs to election 'other-election'"
    assert len(errors) == 3
    empty = _verify(make_record([], signer))
    assert empty.steps[0].errors == ["the record has no entries"] and not empty.steps[0].passed


def test_a_failed_step_reports_false_and_at_most_20_errors() -> None:
    step = Step(1, STEP_TITLES[1], passed=True)
    for i in range(25):
        step.fail(f"error {i}")
    assert step.passed is False and step.to_json()["passed"] is False
    assert step.errors == [f"error {i}" for i in range(20)]

"""The verifier's report does not depend on how many workers it uses.

:func:`client.verifier.check_record` checks ballots in chunks whose size depends on the worker count, and each
chunk's validity proofs are verified as one batch. A proof whose verdict depended on its batch-mates (a response
replaced by n − z_j used to pass whenever its batch weight was even) would make the report depend on ``workers``.
"""

from __future__ import annotations

import dataclasses

import pytest

from client.verifier import check_record
from crypto.note import NoteSigner
from tests.factories import make_election, make_record
from voting.ballot import build_ballot
from voting.eligibility import SigningEligibility
from voting.records import Entry, EntryKind

VOTERS = 16
MAULED = (1, 4, 6, 9, 11, 14)  # voters whose ballot proofs are mauled (6: a stale verdict survives w.p. 2^-6)


@pytest.fixture(scope="module")
def record_with_mauled_proofs(safe_primes_1024):  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=VOTERS)
    ctx = e.context
    n = ctx.public_key.n
    mauled_entries = []
    for voter in range(VOTERS):
        ballot = build_ballot(ctx, voter % 3, e.voters[voter])
        if voter in MAULED:
            # a_j → n² − a_j in one branch: the same ciphertext, an invalid proof (δ_j = −1)
            contest = ballot.contests[0]
            j = voter % len(contest.proof.commitments)
            a = list(contest.proof.commitments)
            a[j] = n * n - a[j]
            mauled = dataclasses.replace(contest, proof=dataclasses.replace(contest.proof, commitments=tuple(a)))
            ballot = dataclasses.replace(ballot, contests=(mauled,))
            # re-sign the new ballot hash, as a voter mauling their own proof would: eligibility holds
            evidence = SigningEligibility().sign(ctx, e.voters[voter], ballot.ballot_hash(ctx))
            ballot = dataclasses.replace(ballot, evidence=evidence)
            entry = Entry(EntryKind.BALLOT, e.election_id, ballot.to_json(ctx))
            mauled_entries.append(len(e.entries))
            e.state.apply(entry, ballot)  # the state does not check proofs; the verifier must
            e.entries.append(entry)
        else:
            e.append(Entry(EntryKind.BALLOT, e.election_id, ballot.to_json(ctx)))
    e.close()
    e.decrypt([1, 2, 3])
    return make_record([x.to_bytes() for x in e.entries], NoteSigner.generate("linli-test")), mauled_entries


@pytest.fixture(scope="module")
def reports(record_with_mauled_proofs):  # type: ignore[no-untyped-def]
    record, _ = record_with_mauled_proofs
    return {w: check_record(record, min_modulus_bits=1024, workers=w) for w in (1, 2, 4)}


def test_report_is_the_same_for_any_number_of_workers(reports) -> None:  # type: ignore[no-untyped-def]
    assert reports[1].to_json() == reports[2].to_json() == reports[4].to_json()


def test_every_mauled_ballot_proof_is_reported(record_with_mauled_proofs, reports) -> None:  # type: ignore[no-untyped-def]
    """Each mauled ballot is named, whatever the chunking (so the identical reports above are not vacuous)."""
    _, mauled_entries = record_with_mauled_proofs
    for report in reports.values():
        [proof_step] = [s for s in report.steps if s.number == 6]
        named = sorted(int(err.split()[1].rstrip(":")) for err in proof_step.errors if "validity proof" in err)
        assert named == mauled_entries, report.render()
        assert [s.number for s in report.steps if not s.passed] == [6]


def _proof_errors(report) -> list[int]:  # type: ignore[no-untyped-def]
    [proof_step] = [s for s in report.steps if s.number == 6]
    return sorted(int(err.split()[1].rstrip(":")) for err in proof_step.errors if "validity proof" in err)


def test_ballots_are_named_by_their_log_position_past_an_unparseable_entry(record_with_mauled_proofs) -> None:  # type: ignore[no-untyped-def]
    """Step 6 checks each ballot entry's own bytes and names it by its position in the record, even after an entry
    that step 1 could not parse (the log's positions, not the parsed entries' count)."""
    record, mauled_entries = record_with_mauled_proofs
    entries = list(record.entries)
    entries.insert(2, b"not json")  # after the definition and the key, before the roll and the ballots
    broken = make_record(entries, NoteSigner.generate("linli-test"))
    for workers in (1, 2):
        report = check_record(broken, min_modulus_bits=1024, workers=workers)
        assert _proof_errors(report) == [i + 1 for i in mauled_entries], report.render()
        [proof_step] = [s for s in report.steps if s.number == 6]
        assert proof_step.checked == VOTERS and len(proof_step.errors) == len(MAULED)
        assert report.steps[0].errors[0].startswith("entry 2:")


def test_a_ballot_the_replay_refuses_is_still_checked(record_with_mauled_proofs) -> None:  # type: ignore[no-untyped-def]
    """A ballot logged before the election opened stops the replay (step 5), yet step 6 checks every ballot of the
    log, the ones after it too, whatever the number of workers."""
    record, mauled_entries = record_with_mauled_proofs
    entries = list(record.entries)
    kinds = [Entry.from_bytes(x).kind for x in entries]
    first, key = kinds.index(EntryKind.BALLOT), kinds.index(EntryKind.KEY_PUBLISHED)
    entries.insert(key + 1, entries.pop(first))  # the first ballot right after the key, before the roll
    moved = make_record(entries, NoteSigner.generate("linli-test"))
    expected = sorted(i + 1 if i < first else i for i in mauled_entries)
    reports = [check_record(moved, min_modulus_bits=1024, workers=w) for w in (1, 2)]
    assert reports[0].to_json() == reports[1].to_json()
    for report in reports:
        [proof_step] = [s for s in report.steps if s.number == 6]
        assert proof_step.checked == VOTERS and _proof_errors(report) == expected, report.render()
        assert [s.number for s in report.steps if s.errors][:2] == [5, 6]  # the replay refuses the early ballot

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

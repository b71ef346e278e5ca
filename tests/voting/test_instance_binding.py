"""Statements, credentials and counters bound to exactly one election instance (docs/protocol.md §P2.3, §P7.2):
named attacks on the state machine that the server and the verifier both run."""

from __future__ import annotations

import dataclasses

import pytest

from client.verifier import check_record
from crypto.note import NoteSigner
from tests.factories import make_election, make_record
from voting.ballot import build_ballot
from voting.credentials import AnonymousCredential
from voting.election import ElectionDefinition, ElectionKind, EligibilityMode, RollEntry
from voting.errors import InvalidElection, InvalidEncoding, InvalidStatement, NotEligible
from voting.records import Entry, EntryKind, LogHead, Role, sign_statement
from voting.roll import parse_roll_csv
from voting.state import ElectionState


def _twin(e):  # type: ignore[no-untyped-def]
    """A second election created with the same id and the same keys (admin, registrar, trustees), e.g. a re-run."""
    definition = ElectionDefinition.from_json(e.entries[0].body["election"])
    definition = dataclasses.replace(definition, description="second run")
    state = ElectionState(min_modulus_bits=1024)
    body = {"election": definition.to_json()}
    state.apply(sign_statement(EntryKind.ELECTION_CREATED, e.election_id, body, e.admin, Role.ADMIN))
    assert state.election_hash != e.state.election_hash
    return state


@pytest.mark.parametrize("kind", [EntryKind.ROLL_PUBLISHED, EntryKind.KEY_PUBLISHED, EntryKind.CREDENTIAL_ISSUED])
def test_statement_of_one_election_instance_is_refused_by_a_twin_with_the_same_id_and_keys(
    safe_primes_1024, kind: EntryKind
) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=2)
    twin = _twin(e)
    statement = next(x for x in e.entries if x.kind is kind)
    with pytest.raises(InvalidStatement, match="another election instance"):
        twin.apply(statement)
    assert twin.size == 1 and not twin.roll and twin.context is None  # nothing changed


def test_statement_without_election_hash_is_refused(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=2, open_=False)
    unsigned = Entry(EntryKind.ELECTION_OPENED, e.election_id, {})
    body = {"log_head": e.state.log_head().to_json()}
    sig = e.admin.sign(dataclasses.replace(unsigned, body=body, author=e.entries[0].author).signed_message())
    entry = dataclasses.replace(unsigned, body=body, author=e.entries[0].author, signature=sig)
    with pytest.raises(InvalidEncoding, match="election_hash"):
        e.state.apply(entry)


def test_close_naming_a_tree_head_of_another_log_is_refused(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=2)
    e.vote(0, 1)
    head = e.state.log_head()
    for bad in (LogHead(head.size, bytes(32)), LogHead(head.size + 1, head.root)):
        closing = sign_statement(
            EntryKind.ELECTION_CLOSED,
            e.election_id,
            {},
            e.admin,
            Role.ADMIN,
            election_hash=e.state.election_hash,
            log_head=bad,
        )
        with pytest.raises(InvalidStatement, match="tree head"):
            e.state.apply(closing)
    # an older head of the same log is fine: the admin saw a prefix
    older = LogHead(head.size - 1, e.state.tree.root(head.size - 1))
    e.state.apply(
        sign_statement(
            EntryKind.ELECTION_CLOSED,
            e.election_id,
            {},
            e.admin,
            Role.ADMIN,
            election_hash=e.state.election_hash,
            log_head=older,
        )
    )


def test_decryption_share_computed_before_the_tally_is_refused(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=2)
    e.vote(0, 0)
    e.vote(1, 1)
    head_before_tally = e.state.log_head()
    e.close()
    honest = e.share_entry(1)
    stale = sign_statement(
        EntryKind.DECRYPTION_SHARE,
        e.election_id,
        {k: v for k, v in honest.body.items() if k not in ("election_hash", "log_head")},
        e.trustees[0],
        Role.TRUSTEE,
        1,
        election_hash=e.state.election_hash,
        log_head=head_before_tally,
    )
    with pytest.raises(InvalidStatement, match="includes the tally"):
        e.state.apply(stale)
    e.state.apply(honest)


def test_credential_of_one_instance_does_not_vote_in_a_twin(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    anon = EligibilityMode.ANONYMOUS
    e = make_election(safe_primes_1024, voters=2, eligibility=anon, election_id="anon-twin")
    twin = make_election(safe_primes_1024, voters=2, eligibility=anon, election_id="anon-twin", bbs_sk=e.bbs_sk)
    cred: AnonymousCredential = e.voters[0]
    with pytest.raises(NotEligible, match="another election"):
        build_ballot(twin.context, 0, cred)
    # and a credential relabelled with the twin's hash does not verify (the BBS header binds the instance)
    relabelled = dataclasses.replace(cred, election_hash=twin.state.election_hash)
    with pytest.raises(NotEligible):
        relabelled.check()


def test_assembly_roll_whose_area_could_carry_into_the_next_counter_is_refused(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=1, kind=ElectionKind.ASSEMBLY, areas=[100], open_=False)
    bits = e.context.definition.counter_bits
    largest = (1 << 32) - 1  # the largest area a roll entry may carry
    owners = (1 << bits) // largest + 1  # 257 owners of the largest area wrap "area yes" into "area no"
    roll = [RollEntry(f"big-{i}", largest).to_json() for i in range(owners)]
    with pytest.raises(InvalidElection, match="does not fit"):
        e.append(e.statement(EntryKind.ROLL_PUBLISHED, {"entries": roll}))
    # the verifier replays the same rule: a record holding such a roll fails its set-up step
    forced = sign_statement(
        EntryKind.ROLL_PUBLISHED,
        e.election_id,
        {"entries": roll},
        e.admin,
        Role.ADMIN,
        election_hash=e.state.election_hash,
    )
    record = make_record([x.to_bytes() for x in e.entries] + [forced.to_bytes()], NoteSigner.generate("t"))
    report = check_record(record, min_modulus_bits=1024, workers=1)
    assert not report.steps[3].passed and "does not fit" in " ".join(report.steps[3].errors)
    # one owner fewer fits exactly
    fits = [RollEntry(f"big-{i}", largest).to_json() for i in range(owners - 2)]
    e.append(e.statement(EntryKind.ROLL_PUBLISHED, {"entries": fits}))


@pytest.mark.parametrize("bad", ["3-2-501\n", "3-2-501 ", " 3-2-501", "3-2-501\r", "3-2-501\x00"])
def test_roll_id_with_trailing_newline_is_not_a_second_unit(bad: str) -> None:
    RollEntry("3-2-501")
    with pytest.raises(InvalidElection):
        RollEntry(bad)


def test_election_id_is_matched_whole(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=1, open_=False)
    definition = ElectionDefinition.from_json(e.entries[0].body["election"])
    with pytest.raises(InvalidElection):
        dataclasses.replace(definition, election_id=definition.election_id + "\n")


def test_roll_csv_normalises_surrounding_space_once() -> None:
    rows = parse_roll_csv("unit\n 3-2-501 \n")
    assert [r.unit for r in rows] == ["3-2-501"]
    with pytest.raises(InvalidEncoding):
        parse_roll_csv("unit\n3-2-501\n3-2-501 \n")  # the same unit twice after normalisation


def test_stage_changes_nothing_until_commit(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=2)
    entry = e.ballot_entry(0, 1)
    size, root = e.state.size, e.state.tree.root()
    commit = e.state.stage(entry)
    assert (e.state.size, e.state.tree.root(), e.state.ballots_cast, e.state.counted) == (size, root, 0, {})
    commit()
    assert e.state.size == size + 1 and e.state.ballots_cast == 1 and len(e.state.counted) == 1


def test_commit_refuses_to_run_after_the_state_moved(safe_primes_1024) -> None:  # type: ignore[no-untyped-def]
    e = make_election(safe_primes_1024, voters=2)
    first, second = e.state.stage(e.ballot_entry(0, 1)), e.state.stage(e.ballot_entry(1, 0))
    first()
    with pytest.raises(RuntimeError, match="moved"):
        second()
    assert e.state.ballots_cast == 1

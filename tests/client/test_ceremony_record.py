"""The key ceremony in the election record (docs/protocol.md §P15.10, docs/record.md ``ceremony.jsonl``): three
trustees run the dealer-free ceremony through a real server at 1024 bits, the administrator publishes the endorsed
key, the record is exported with its transcript; then every way of altering the transcript or the endorsements is
refused — by the verifier, and by the server before it logs a key."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from client.actions import export_record
from client.api import CHANNEL_OPTIONS, LinliClient
from client.errors import ServerRejected
from client.key_ceremony import CeremonyConfig, CeremonyOutcome, run_ceremony
from client.record import CEREMONY_FILE, Record, read_record, write_record
from client.verifier import check_record
from crypto.ed25519 import SigningKey
from crypto.note import NoteSigner
from tests import factories
from tests.factories import make_election
from tests.server.conftest import start_service, submit
from voting.ceremony import CeremonyRecord, RecordedMessage, modulus_context, transcript_hash, verify_transcript
from voting.errors import InvalidEncoding, InvalidStatement
from voting.records import Role
from voting.state import ElectionState
from voting.statements import KeyPublished, sign

ELECTION = "ceremony-record"


@dataclasses.dataclass
class Ceremony:
    election: factories.TestElection
    client: LinliClient
    key: KeyPublished
    record: Record

    @property
    def messages(self) -> list[RecordedMessage]:
        return [RecordedMessage.from_bytes(line) for line in self.record.ceremony]

    def step4(self, record: Record) -> tuple[bool, str]:
        step = check_record(record, min_modulus_bits=1024, workers=1).steps[3]
        return step.passed, " ".join([step.detail, *step.errors])


@pytest.fixture(scope="module")
def ceremony(safe_primes_1024: tuple[int, int], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ceremony]:
    """One real ceremony (3 trustees, t = 2, 1024 bits) on SQLite; its key published; the record exported."""
    e = make_election(safe_primes_1024, voters=2, election_id=ELECTION, open_=False, threshold_=2, parties=3)
    db = tmp_path_factory.mktemp("ceremony") / "linli.db"
    service, server, port = start_service(f"sqlite:///{db}", NoteSigner.generate("linli-test"))
    channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=CHANNEL_OPTIONS)
    client = LinliClient(channel, timeout=60)
    try:
        submit(service, e.entries[0])  # election.created only: the key comes from the ceremony
        with pytest.raises(ServerRejected) as before:
            client.ceremony_transcript(ELECTION)
        assert before.value.code == "FAILED_PRECONDITION"
        definition = e.state.require_definition()
        outcome: dict[int, CeremonyOutcome | BaseException] = {}

        def trustee(i: int) -> None:
            try:
                config = CeremonyConfig(poll_interval=0.02, round_timeout=120)
                outcome[i] = run_ceremony(client, definition, e.state.election_hash, i, e.trustees[i - 1], config)
            except BaseException as error:  # reported below
                outcome[i] = error

        threads = [threading.Thread(target=trustee, args=(i,)) for i in (1, 2, 3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        results = [outcome[i] for i in (1, 2, 3)]
        assert all(isinstance(r, CeremonyOutcome) for r in results), results
        key = results[0].key  # type: ignore[union-attr]
        assert all(r.key == key for r in results)  # type: ignore[union-attr]
        # the server refuses a key whose endorsements it cannot find on its board, before logging anything
        assert key.ceremony is not None
        moved = dataclasses.replace(key, ceremony=dataclasses.replace(key.ceremony, attempt=2))
        with pytest.raises(ServerRejected) as refused:
            client.submit(sign(moved, ELECTION, e.admin, Role.ADMIN))
        assert refused.value.code == "FAILED_PRECONDITION" and "transcript" in refused.value.message
        client.submit(sign(key, ELECTION, e.admin, Role.ADMIN))
        yield Ceremony(e, client, key, export_record(client, ELECTION))
    finally:
        channel.close()
        server.stop(None)
        service.close()


def _with_lines(record: Record, lines: list[bytes]) -> Record:
    return dataclasses.replace(record, ceremony=tuple(lines))


def _line(m: RecordedMessage) -> bytes:
    return m.to_bytes()


# -- the honest record ------------------------------------------------------------------------------------------
def test_the_record_carries_a_transcript_that_verifies(ceremony: Ceremony) -> None:
    messages = ceremony.messages
    rounds = list(dict.fromkeys(m.round for m in messages))
    assert rounds[0] == "x25519" and rounds[-4:] == ["key/1-share", "key/2-multiply", "key/3-respond", "key/4-finish"]
    assert "endorse" not in rounds and len(messages) == 3 * len(rounds)
    assert ceremony.key.ceremony is not None
    assert transcript_hash([m.digest() for m in messages]) == ceremony.key.ceremony.transcript
    passed, detail = ceremony.step4(ceremony.record)
    assert passed, detail
    assert f"1024-bit key made by the trustees (endorsed by all 3, a transcript of {len(messages)} messages" in detail
    # what the server sees of the private messages is only their digests in the record: no ciphertext
    assert all(len(d) == 32 for m in messages for d in m.digests.values())


def test_the_transcript_round_trips_through_files(ceremony: Ceremony, tmp_path: Path) -> None:
    write_record(tmp_path, ceremony.record)
    assert (tmp_path / CEREMONY_FILE).is_file()
    assert read_record(tmp_path) == ceremony.record
    # a later export of a dealer's election into the same directory leaves no stale transcript behind
    write_record(tmp_path, dataclasses.replace(ceremony.record, ceremony=()))
    assert not (tmp_path / CEREMONY_FILE).exists()


# -- altered transcripts: the verifier's step 4 fails ------------------------------------------------------------
def _altered_broadcast(c: Ceremony) -> Record:
    lines = list(c.record.ceremony)
    m = c.messages[5]
    lines[5] = _line(dataclasses.replace(m, broadcast=m.broadcast[:-1] + bytes([m.broadcast[-1] ^ 1])))
    return _with_lines(c.record, lines)


def _altered_digest(c: Ceremony) -> Record:
    lines = list(c.record.ceremony)
    i, m = next((i, m) for i, m in enumerate(c.messages) if m.digests)
    r = min(m.digests)
    lines[i] = _line(dataclasses.replace(m, digests={**m.digests, r: bytes(32)}))
    return _with_lines(c.record, lines)


def _altered_signature(c: Ceremony) -> Record:
    # the signature is not in the transcript hash: only the signature check catches this one
    lines = list(c.record.ceremony)
    m = c.messages[7]
    lines[7] = _line(dataclasses.replace(m, signature=bytes(64)))
    return _with_lines(c.record, lines)


def _dropped(c: Ceremony) -> Record:
    return _with_lines(c.record, list(c.record.ceremony[:-1]))


def _swapped(c: Ceremony) -> Record:
    lines = list(c.record.ceremony)
    lines[3], lines[4] = lines[4], lines[3]
    return _with_lines(c.record, lines)


def _missing(c: Ceremony) -> Record:
    return _with_lines(c.record, [])


def _not_canonical(c: Ceremony) -> Record:
    lines = list(c.record.ceremony)
    lines[0] = json.dumps(json.loads(lines[0]), indent=1).encode().replace(b"\n", b"")
    return _with_lines(c.record, lines)


@pytest.mark.parametrize(
    ("alter", "reason"),
    [
        (_altered_broadcast, "its hash is not the one the trustees endorsed"),
        (_altered_digest, "its hash is not the one the trustees endorsed"),
        (_altered_signature, "is not signed by trustee"),
        (_dropped, "its hash is not the one the trustees endorsed"),
        (_swapped, "its hash is not the one the trustees endorsed"),
        (_missing, "no message"),
        (_not_canonical, "ceremony.jsonl"),
    ],
    ids=["broadcast", "private-digest", "signature", "dropped", "swapped", "missing", "not-canonical"],
)
def test_an_altered_transcript_fails_verification(ceremony: Ceremony, alter, reason: str) -> None:  # type: ignore[no-untyped-def]
    passed, detail = ceremony.step4(alter(ceremony))
    assert not passed and reason in detail, detail


def test_a_transcript_beside_a_dealers_key_fails(safe_primes_1024: tuple[int, int], ceremony: Ceremony) -> None:
    """A dealer's election (no ``ceremony`` in key.published) with a ceremony.jsonl: the record is not what it says."""
    dealer = make_election(safe_primes_1024, voters=2, election_id=ELECTION, open_=False, threshold_=2, parties=3)
    record = Record(ELECTION, "o", "k", (), tuple(e.to_bytes() for e in dealer.entries), ceremony.record.ceremony)
    step = check_record(record, min_modulus_bits=1024, workers=1).steps[3]
    assert not step.passed and any("names no ceremony" in e for e in step.errors), step.errors
    clean = dataclasses.replace(record, ceremony=())
    step = check_record(clean, min_modulus_bits=1024, workers=1).steps[3]
    assert "key made by a dealer" in step.detail and not any("ceremony" in e for e in step.errors), step.errors


# -- verify_transcript's structural checks, each with a re-hashed (and re-signed) transcript -----------------------
def _resigned(c: Ceremony, messages: list[RecordedMessage]) -> tuple[list[RecordedMessage], CeremonyRecord]:
    """The messages signed again by the trustees' own keys and a ceremony naming their hash: only the structure
    differs from the honest transcript (the endorsements, checked by the state, would not match)."""
    keys: list[SigningKey] = c.election.trustees
    signed = [dataclasses.replace(m, signature=keys[m.sender - 1].sign(m.signing_bytes())) for m in messages]
    assert c.key.ceremony is not None
    return signed, dataclasses.replace(c.key.ceremony, transcript=transcript_hash([m.digest() for m in signed]))


def _check(c: Ceremony, messages: list[RecordedMessage]) -> None:
    signed, record = _resigned(c, messages)
    state = c.election.state
    verify_transcript(state.require_definition(), state.election_hash, record, signed, c.key.public_key.n)


def test_resigned_honest_transcript_passes_the_structure_checks(ceremony: Ceremony) -> None:
    _check(ceremony, ceremony.messages)  # the baseline of the negative tests below


def test_a_round_missing_a_trustee_is_refused(ceremony: Ceremony) -> None:
    with pytest.raises(InvalidStatement, match=r"has messages from trustees \[1, 2\], not 1..3"):
        _check(ceremony, [m for m in ceremony.messages if not (m.round == "key/2-multiply" and m.sender == 3)])


def test_a_missing_key_round_is_refused(ceremony: Ceremony) -> None:
    with pytest.raises(InvalidStatement, match="the rounds are not x25519"):
        _check(ceremony, [m for m in ceremony.messages if m.round != "key/4-finish"])


def test_a_repeated_round_is_refused(ceremony: Ceremony) -> None:
    messages = ceremony.messages
    with pytest.raises(InvalidStatement, match="appears twice"):
        _check(ceremony, messages + messages[:3])


def test_another_attempt_is_refused(ceremony: Ceremony) -> None:
    messages = [dataclasses.replace(m, attempt=2) for m in ceremony.messages]
    with pytest.raises(InvalidStatement, match="a message of attempt 2, not 1"):
        _check(ceremony, messages)


def test_another_elections_modulus_session_is_refused(ceremony: Ceremony) -> None:
    state = ceremony.election.state
    ours, theirs = (modulus_context(state.election_hash, a).hex()[:16] for a in (1, 2))
    messages = [dataclasses.replace(m, round=m.round.replace(ours, theirs)) for m in ceremony.messages]
    with pytest.raises(InvalidStatement, match="the modulus session of this election and attempt"):
        _check(ceremony, messages)


def test_a_final_round_naming_another_modulus_is_refused(ceremony: Ceremony) -> None:
    messages = ceremony.messages
    i = next(i for i, m in enumerate(messages) if m.round.endswith("/final"))
    final = json.loads(messages[i].broadcast)
    width = len(final["n"])
    final["n"] = format(ceremony.key.public_key.n + 2, f"0{width}x")
    messages[i] = dataclasses.replace(
        messages[i], broadcast=json.dumps(final, sort_keys=True, separators=(",", ":")).encode()
    )
    with pytest.raises(InvalidStatement, match="trustee 1 kept another modulus than the key's"):
        _check(ceremony, messages)


def test_an_unvouched_x25519_key_is_refused(ceremony: Ceremony) -> None:
    messages = ceremony.messages
    messages[1] = dataclasses.replace(messages[1], broadcast=bytes(32) + messages[1].broadcast[32:])
    with pytest.raises(InvalidStatement, match="trustee 2's X25519 key is not vouched for"):
        _check(ceremony, messages)


def test_a_message_from_a_non_trustee_is_refused(ceremony: Ceremony) -> None:
    messages = ceremony.messages
    m = messages[0]
    with pytest.raises(InvalidStatement, match=r"the election has trustees 1\.\.3"):
        dataclasses.replace(m, sender=4).verify(ceremony.election.state.require_definition())


# -- the endorsements, checked by the state (the server, the client's replay, the verifier) -----------------------
def test_an_altered_endorsement_is_refused_by_the_server(ceremony: Ceremony) -> None:
    """The administrator signs a key.published whose endorsement of trustee 2 is not trustee 2's: refused."""
    assert ceremony.key.ceremony is not None
    ends = list(ceremony.key.ceremony.endorsements)
    ends[1] = ends[0]
    body = dataclasses.replace(
        ceremony.key, ceremony=dataclasses.replace(ceremony.key.ceremony, endorsements=tuple(ends))
    )
    state = ElectionState(min_modulus_bits=1024)
    state.apply(ceremony.election.entries[0])
    with pytest.raises(InvalidStatement, match=r"trustee 2 \(t2\) did not endorse this key and transcript"):
        state.apply(sign(body, ELECTION, ceremony.election.admin, Role.ADMIN))


def test_an_endorsement_of_another_key_is_refused(ceremony: Ceremony) -> None:
    """Endorsements stay bound to the key and the election: the same ceremony object under another key digest or
    another election hash fails."""
    state = ceremony.election.state
    assert ceremony.key.ceremony is not None
    definition, digest = state.require_definition(), ceremony.key.key_digest()
    ceremony.key.ceremony.verify(definition, state.election_hash, digest)  # the baseline
    with pytest.raises(InvalidStatement, match=r"trustee 1 .* did not endorse"):
        ceremony.key.ceremony.verify(definition, state.election_hash, bytes(32))
    with pytest.raises(InvalidStatement, match=r"trustee 1 .* did not endorse"):
        ceremony.key.ceremony.verify(definition, bytes(32), digest)


def test_the_ceremony_object_is_parsed_exactly(ceremony: Ceremony) -> None:
    assert ceremony.key.ceremony is not None
    good = ceremony.key.ceremony.to_json()
    assert CeremonyRecord.from_json(good, 3) == ceremony.key.ceremony
    for bad, reason in [
        ({**good, "extra": 1}, "unknown field"),  # type: ignore[dict-item]
        ({**good, "endorsements": good["endorsements"][:2]}, "expected 3"),  # type: ignore[index]
        ({**good, "attempt": 0}, "attempt"),
        ({**good, "transcript": "00"}, "transcript"),
    ]:
        with pytest.raises(InvalidEncoding, match=reason):
            CeremonyRecord.from_json(bad, 3)

"""The booth verifies an election as the Python client does (docs/protocol.md §P12, issue 10 item 2): the same
server answers (tests/booth/context_support.py), judged by client.api.LinliClient and by booth/src/crypto/verify.ts.
An honest log gives both the same verified election (fingerprint, phase, roll, issuances, ballots per binding); every
tampering Python refuses, the booth refuses with the same class of error, the same rule's error class (the cause)
and the booth's precise reason."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from crypto.ed25519 import SigningKey
from crypto.note import NoteSigner
from tests import factories
from tests.booth.context_support import ServedLog, python_verdict, ts_expected, ts_fetched
from tests.booth.node import requires_node, run_ts
from tests.factories import make_election
from voting.ceremony import endorsement_message, key_digest
from voting.election import EligibilityMode, fingerprint
from voting.eligibility import present_for_revocation
from voting.records import Author, Entry, EntryKind, Role
from voting.setup import blind_credential
from voting.statements import CredentialIssued, CredentialRevoked, ElectionOpened

pytestmark = requires_node

DRIVER = "test/drivers/context.ts"


@pytest.fixture(scope="module")
def signing(safe_primes_1024: tuple[int, int]) -> factories.TestElection:
    """A referendum in signing mode, open, with three ballots: voter 0, voter 1, and voter 0 again (a re-vote)."""
    e = make_election(safe_primes_1024, voters=4, election_id="booth-signing")
    e.vote(0, 0)
    e.vote(1, 1)
    e.vote(0, 2)
    return e


@pytest.fixture(scope="module")
def unopened(safe_primes_1024: tuple[int, int]) -> factories.TestElection:
    return make_election(safe_primes_1024, voters=3, election_id="booth-unopened", open_=False)


@pytest.fixture(scope="module")
def anonymous(safe_primes_1024: tuple[int, int]) -> tuple[factories.TestElection, bytes]:
    """An anonymous assembly: unit-0's credential revoked before opening (with its presentation) and a new one
    issued; then opened, two ballots. Returns the election and the revocation entry's bytes."""
    e = make_election(
        safe_primes_1024,
        voters=3,
        election_id="booth-anonymous",
        eligibility=EligibilityMode.ANONYMOUS,
        kind="assembly",
        areas=[5000, 7000, 7000],
        open_=False,
    )
    s = e.state
    index = s.issuance_index["unit-0"]
    evidence = present_for_revocation(e.voters[0], "unit-0", index)
    revocation = e.append(
        s.statement(CredentialRevoked(s.election_hash, "unit-0", index, evidence), e.registrar, Role.REGISTRAR)
    )
    assert e.bbs_sk is not None
    e.voters[0] = blind_credential(e.election_id, s.election_hash, e.bbs_sk, 5000)
    e.append(s.statement(CredentialIssued(s.election_hash, "unit-0"), e.registrar, Role.REGISTRAR))
    e.append(s.statement(ElectionOpened(s.election_hash, s.log_head()), e.admin, Role.ADMIN))
    e.vote(0, 0)
    e.vote(2, 1)
    return e, revocation.to_bytes()


def _bytes(e: factories.TestElection) -> list[bytes]:
    return [x.to_bytes() for x in e.entries]


def _fp(e: factories.TestElection) -> str:
    return fingerprint(e.state.election_hash)


def _index(entries: list[bytes], kind: EntryKind, nth: int = 0) -> int:
    return [i for i, d in enumerate(entries) if Entry.from_bytes(d).kind is kind][nth]


def _signed(
    data: bytes, key: SigningKey, *, role: Role | None = None, body: Callable[[dict[str, Any]], None] | None = None
) -> bytes:
    """The statement ``data`` with its body changed by ``body`` and signed again by ``key`` (as ``role``)."""
    entry = Entry.from_bytes(data)
    new_body = copy.deepcopy(entry.body)
    assert isinstance(new_body, dict)
    if body is not None:
        body(new_body)
    assert entry.author is not None
    author = Author(role or entry.author.role, key.public_key, entry.author.index)
    unsigned = Entry(entry.kind, entry.election_id, new_body, author)
    return Entry(entry.kind, entry.election_id, new_body, author, key.sign(unsigned.signed_message())).to_bytes()


def _hex_digit_flip(text: str) -> str:
    return text[:-1] + ("0" if text[-1] != "0" else "1")


LOG = NoteSigner.generate("linli.test/log")
OTHER_LOG = NoteSigner.generate("linli.test/log")  # same name, another key


class Case:
    """A served log and what the booth is told; ``reason``: the booth's precise reason when it refuses."""

    def __init__(
        self, log: ServedLog, fp: str, reason: str | None = None, *, log_key: str | None = None, **expected: Any
    ) -> None:
        self.log, self.fp, self.reason, self.log_key, self.expected = log, fp, reason, log_key, expected


def _cases(
    signing: factories.TestElection, unopened: factories.TestElection, anonymous: tuple[factories.TestElection, bytes]
) -> dict[str, Case]:
    entries, fp = _bytes(signing), _fp(signing)
    honest = ServedLog(signing.election_id, LOG, entries)
    roll = _index(entries, EntryKind.ROLL_PUBLISHED)
    key = _index(entries, EntryKind.KEY_PUBLISHED)
    opened = _index(entries, EntryKind.ELECTION_OPENED)
    issued = _index(entries, EntryKind.CREDENTIAL_ISSUED)
    first_ballot = _index(entries, EntryKind.BALLOT)
    admin, registrar = signing.admin, signing.registrar

    def replaced(i: int, data: bytes, *, resign: bool = True) -> ServedLog:
        return honest.with_entries([*entries[:i], data, *entries[i + 1 :]], resign=resign)

    def inserted(i: int, data: bytes) -> ServedLog:
        return honest.with_entries([*entries[:i], data, *entries[i:]], resign=True)

    def key_body(change: Callable[[dict[str, Any]], None]) -> ServedLog:
        return replaced(key, _signed(entries[key], admin, body=change))

    other_entries = _bytes(unopened)
    anon, revocation = anonymous
    anon_entries = _bytes(anon)
    anon_log = ServedLog(anon.election_id, LOG, anon_entries)
    revoked_at = anon_entries.index(revocation)

    def bad_evidence(b: dict[str, Any]) -> None:
        b["evidence"]["proof"] = _hex_digit_flip(b["evidence"]["proof"])

    def statement(kind: EntryKind, body: dict[str, Any], key: SigningKey) -> bytes:
        role = Role.REGISTRAR if key is registrar else Role.ADMIN
        return signing.state.raw_statement(kind, body, key, role).to_bytes()

    lower = hashlib.sha256(b"another election").digest()

    def endorsed(  # type: ignore[no-untyped-def]
        keys: list[SigningKey],
        count: int | None = None,
        digest: bytes | None = None,
        e: factories.TestElection = signing,
    ):
        """A key.published body change adding a ceremony (§P15.10) endorsed by ``keys`` (trustee i's at i − 1)."""
        transcript = hashlib.sha256(b"a transcript").digest()

        def change(b: dict[str, Any]) -> None:
            message = endorsement_message(e.state.election_hash, 1, transcript, digest or key_digest(b))
            ends = [k.sign(message).hex() for k in keys][:count]
            b["ceremony"] = {"attempt": 1, "endorsements": ends, "transcript": transcript.hex()}

        return change

    trustees = signing.trustees
    return {
        # accepted
        "honest": Case(honest, fp),
        "honest_before_opening": Case(ServedLog(unopened.election_id, LOG, other_entries), _fp(unopened)),
        "honest_with_expected_log_key": Case(honest, fp, log_key=LOG.verifier().to_vkey()),
        "honest_fingerprint_typed_by_people": Case(honest, fp.lower().replace("-", " ")),
        "more_entries_than_the_checkpoint": Case(
            ServedLog(signing.election_id, LOG, entries, checkpoint=honest.sign(len(entries) - 1)), fp
        ),
        "anonymous_with_revocation": Case(anon_log, _fp(anon)),
        "key_endorsed_by_every_trustee": Case(  # before opening: no tree head names the dealer's key entry
            ServedLog(
                unopened.election_id,
                LOG,
                [
                    _signed(d, unopened.admin, body=endorsed(unopened.trustees, e=unopened))
                    if Entry.from_bytes(d).kind is EntryKind.KEY_PUBLISHED
                    else d
                    for d in other_entries
                ],
            ),
            _fp(unopened),
        ),
        # the key ceremony's endorsements (§P15.10)
        "key_endorsement_by_another_trustee": Case(
            key_body(endorsed([trustees[0], trustees[0], *trustees[2:]])), fp, "setup-entry"
        ),
        "key_endorsement_missing": Case(key_body(endorsed(trustees, count=len(trustees) - 1)), fp, "setup-entry"),
        "key_endorsement_of_another_key": Case(key_body(endorsed(trustees, digest=bytes(32))), fp, "setup-entry"),
        # the log key and the checkpoint
        "log_key_malformed": Case(
            ServedLog(signing.election_id, LOG, entries, vkey="not+a+key"), fp, "log-key-malformed"
        ),
        "log_key_not_the_pinned_one": Case(honest, fp, "log-key", log_key=OTHER_LOG.verifier().to_vkey()),
        "checkpoint_signed_by_another_key": Case(
            ServedLog(signing.election_id, LOG, entries, checkpoint=honest.sign(len(entries), signer=OTHER_LOG)),
            fp,
            "checkpoint-signature",
        ),
        "checkpoint_signature_byte_flipped": Case(
            ServedLog(
                signing.election_id,
                LOG,
                entries,
                checkpoint=honest.checkpoint[:-10] + bytes([honest.checkpoint[-10] ^ 1]) + honest.checkpoint[-9:],
            ),
            fp,
            "checkpoint-signature",
        ),
        "checkpoint_of_another_log": Case(
            ServedLog(signing.election_id, LOG, entries, checkpoint=honest.sign(len(entries), origin="linli.test/x")),
            fp,
            "checkpoint-origin",
        ),
        # entries and checkpoint
        "ballot_byte_altered": Case(
            replaced(first_ballot, _flip_digit(entries[first_ballot], b'"ciphertext":"'), resign=False), fp, "log-root"
        ),
        "checkpoint_over_another_log": Case(
            ServedLog(
                signing.election_id,
                LOG,
                entries,
                checkpoint=honest.with_entries([*entries[:-1], entries[first_ballot]], resign=True).checkpoint,
            ),
            fp,
            "log-root",
        ),
        "last_ballot_not_served": Case(
            ServedLog(signing.election_id, LOG, entries[:-1], checkpoint=honest.checkpoint, extra={"tree": entries}),
            fp,
            "entries-missing",
        ),
        "setup_not_served": Case(
            ServedLog(signing.election_id, LOG, entries[:issued], checkpoint=honest.checkpoint), fp, "entries-missing"
        ),
        "empty_log": Case(ServedLog(signing.election_id, LOG, []), fp, "no-definition"),
        "roll_byte_altered_checkpoint_kept": Case(
            replaced(roll, entries[roll].replace(b"unit-1", b"unit-7"), resign=False), fp, "setup-entry"
        ),
        "roll_byte_altered_checkpoint_resigned": Case(
            replaced(roll, entries[roll].replace(b"unit-1", b"unit-7")), fp, "setup-entry"
        ),
        "entry_not_canonical": Case(
            replaced(roll, entries[roll].replace(b'{"author"', b'{ "author"', 1)), fp, "setup-entry"
        ),
        "setup_entry_with_a_byte_order_mark": Case(replaced(roll, b"\xef\xbb\xbf" + entries[roll]), fp, "setup-entry"),
        "ballot_with_a_byte_order_mark": Case(
            replaced(first_ballot + 1, b"\xef\xbb\xbf" + entries[first_ballot + 1]), fp, "log-malformed"
        ),
        "another_elections_log": Case(ServedLog(signing.election_id, LOG, other_entries), fp, "wrong-election"),
        "no_definition": Case(honest.with_entries(entries[1:], resign=True), fp, "setup-entry"),
        # statements
        "statement_signed_by_another_key": Case(
            replaced(roll, _signed(entries[roll], SigningKey.generate())), fp, "setup-entry"
        ),
        "statement_signature_altered": Case(
            replaced(roll, _flip_digit(entries[roll], b'"signature":"')), fp, "setup-entry"
        ),
        "roll_by_the_registrar_role": Case(
            replaced(roll, _signed(entries[roll], registrar, role=Role.REGISTRAR)), fp, "setup-entry"
        ),
        "issuance_signed_by_the_admin": Case(replaced(issued, _signed(entries[issued], admin)), fp, "setup-entry"),
        "statement_for_another_instance": Case(
            replaced(roll, _signed(entries[roll], admin, body=lambda b: b.update(election_hash=lower.hex()))),
            fp,
            "setup-entry",
        ),
        "opening_names_a_split_view": Case(
            replaced(
                opened,
                _signed(entries[opened], admin, body=lambda b: b["log_head"].update(root=lower.hex())),
            ),
            fp,
            "setup-entry",
        ),
        "key_published_twice": Case(inserted(key + 1, entries[key]), fp, "setup-entry"),
        "credential_issued_twice": Case(
            inserted(
                opened,
                _signed(
                    entries[issued],
                    registrar,
                    body=lambda b: b.update(credential=SigningKey.generate().public_key.hex()),
                ),
            ),
            fp,
            "setup-entry",
        ),
        "issuance_for_a_unit_not_on_the_roll": Case(
            inserted(opened, _signed(entries[issued], registrar, body=lambda b: b.update(roll_id="unit-99"))),
            fp,
            "setup-entry",
        ),
        "roll_id_not_canonical": Case(
            replaced(roll, _signed(entries[roll], admin, body=lambda b: b["entries"][0].update(roll_id="ｕnit-0"))),
            fp,
            "setup-entry",
        ),
        "revocation_of_an_unknown_issuance": Case(
            inserted(
                opened, statement(EntryKind.CREDENTIAL_REVOKED, {"issuance": 999, "roll_id": "unit-0"}, registrar)
            ),
            fp,
            "setup-entry",
        ),
        "revocation_after_opening": Case(
            inserted(
                first_ballot,
                statement(EntryKind.CREDENTIAL_REVOKED, {"issuance": issued, "roll_id": "unit-0"}, registrar),
            ),
            fp,
            "setup-entry",
        ),
        "correction_of_a_unit_with_a_live_credential": Case(
            inserted(opened, statement(EntryKind.ROLL_CORRECTED, {"replacement": None, "roll_id": "unit-0"}, admin)),
            fp,
            "setup-entry",
        ),
        # the key and its modulus proof
        "modulus_proof_nth_root_altered": Case(
            key_body(
                lambda b: b["modulus_proof"]["sigmas"].__setitem__(0, _hex_digit_flip(b["modulus_proof"]["sigmas"][0]))
            ),
            fp,
            "setup-entry",
        ),
        "modulus_proof_blum_root_altered": Case(
            key_body(
                lambda b: b["modulus_proof"]["blum"]["x"].__setitem__(
                    5, _hex_digit_flip(b["modulus_proof"]["blum"]["x"][5])
                )
            ),
            fp,
            "setup-entry",
        ),
        "modulus_proof_fac_response_altered": Case(
            key_body(lambda b: b["modulus_proof"]["fac"].update(z1=_hex_digit_flip(b["modulus_proof"]["fac"]["z1"]))),
            fp,
            "setup-entry",
        ),
        "modulus_proof_of_another_key": Case(
            key_body(lambda b: b.update(modulus_proof=Entry.from_bytes(other_entries[1]).body["modulus_proof"])),  # type: ignore[index]
            fp,
            "setup-entry",
        ),
        "modulus_proof_list_too_short": Case(key_body(lambda b: b["modulus_proof"]["sigmas"].pop()), fp, "setup-entry"),
        "verification_key_not_following_the_commitments": Case(
            key_body(lambda b: b["public_key"]["verification_keys"].__setitem__(0, "00" * 255 + "04")),
            fp,
            "setup-entry",
        ),
        "commitment_altered": Case(
            key_body(lambda b: b["public_key"]["commitments"].__setitem__(-1, "00" * 255 + "04")), fp, "setup-entry"
        ),
        "theta_not_a_unit": Case(key_body(lambda b: b["public_key"].update(theta="00" * 128)), fp, "setup-entry"),
        "verification_key_not_a_unit": Case(
            key_body(lambda b: b["public_key"]["verification_keys"].__setitem__(0, "00" * 256)), fp, "setup-entry"
        ),
        # anonymous mode
        "anonymous_revocation_with_a_bad_proof": Case(
            anon_log.with_entries(
                [
                    *anon_entries[:revoked_at],
                    _signed(revocation, anon.registrar, body=bad_evidence),
                    *anon_entries[revoked_at + 1 :],
                ],
                resign=True,
            ),
            _fp(anon),
            "setup-entry",
        ),
        # the fingerprint
        "fingerprint_of_another_election": Case(honest, _fp(unopened), "fingerprint"),
    }


def _flip_digit(data: bytes, marker: bytes) -> bytes:
    """One hex digit of the field after ``marker`` changed: still canonical, another value."""
    at = data.index(marker) + len(marker) + 10
    return data[:at] + (b"0" if data[at : at + 1] != b"0" else b"1") + data[at + 1 :]


@pytest.fixture(scope="module")
def verdicts(
    signing: factories.TestElection, unopened: factories.TestElection, anonymous: tuple[factories.TestElection, bytes]
) -> dict[str, tuple[Case, dict[str, Any], dict[str, Any]]]:
    cases = _cases(signing, unopened, anonymous)
    python = {name: python_verdict(c.log, c.fp, log_key=c.log_key) for name, c in cases.items()}
    requests = [
        {
            "op": "verify",
            "fetched": ts_fetched(c.log),
            "expected": ts_expected(c.fp, **({"log_key": c.log_key} if c.log_key else {})),
        }
        for c in cases.values()
    ]
    results = run_ts(DRIVER, {"cases": requests})["results"]
    return {name: (c, python[name], ts) for (name, c), ts in zip(cases.items(), results, strict=True)}


CASE_NAMES = [
    "honest",
    "honest_before_opening",
    "honest_with_expected_log_key",
    "honest_fingerprint_typed_by_people",
    "more_entries_than_the_checkpoint",
    "anonymous_with_revocation",
    "key_endorsed_by_every_trustee",
    "key_endorsement_by_another_trustee",
    "key_endorsement_missing",
    "key_endorsement_of_another_key",
    "log_key_malformed",
    "log_key_not_the_pinned_one",
    "checkpoint_signed_by_another_key",
    "checkpoint_signature_byte_flipped",
    "checkpoint_of_another_log",
    "ballot_byte_altered",
    "checkpoint_over_another_log",
    "last_ballot_not_served",
    "setup_not_served",
    "empty_log",
    "roll_byte_altered_checkpoint_kept",
    "roll_byte_altered_checkpoint_resigned",
    "entry_not_canonical",
    "setup_entry_with_a_byte_order_mark",
    "ballot_with_a_byte_order_mark",
    "another_elections_log",
    "no_definition",
    "statement_signed_by_another_key",
    "statement_signature_altered",
    "roll_by_the_registrar_role",
    "issuance_signed_by_the_admin",
    "statement_for_another_instance",
    "opening_names_a_split_view",
    "key_published_twice",
    "credential_issued_twice",
    "issuance_for_a_unit_not_on_the_roll",
    "roll_id_not_canonical",
    "revocation_of_an_unknown_issuance",
    "revocation_after_opening",
    "correction_of_a_unit_with_a_live_credential",
    "modulus_proof_nth_root_altered",
    "modulus_proof_blum_root_altered",
    "modulus_proof_fac_response_altered",
    "modulus_proof_of_another_key",
    "modulus_proof_list_too_short",
    "verification_key_not_a_unit",
    "verification_key_not_following_the_commitments",
    "commitment_altered",
    "theta_not_a_unit",
    "anonymous_revocation_with_a_bad_proof",
    "fingerprint_of_another_election",
]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_booth_judges_the_served_election_as_python_does(
    name: str, verdicts: dict[str, tuple[Case, dict[str, Any], dict[str, Any]]]
) -> None:
    case, py, ts = verdicts[name]
    assert not ts.get("unexpected"), ts
    if case.reason is None:
        assert "ok" in py, py
        assert ts.get("ok") == py["ok"], (ts, py)
        return
    assert "error" in py, f"Python accepted the tampered log {name}"
    assert ts.get("error") == py["error"], (ts, py)
    assert ts.get("reason") == case.reason, ts
    if py["error"] == "ElectionInvalid":
        assert ts.get("cause") == py["cause"], (ts, py)


def test_every_case_is_run(verdicts: dict[str, Any]) -> None:
    assert sorted(verdicts) == sorted(CASE_NAMES)


def test_honest_view_shows_the_revote(verdicts: dict[str, tuple[Case, dict[str, Any], dict[str, Any]]]) -> None:
    _, _, ts = verdicts["honest"]
    ok = ts["ok"]
    assert ok["phase"] == "open" and ok["setup_phase"] == "open" and ok["complete"]
    assert sorted(len(v) for v in ok["ballots"].values()) == [1, 2]  # voter 0 voted twice
    assert len(ok["issued"]) == 4 and len(ok["credentials"]) == 4
    anon = verdicts["anonymous_with_revocation"][2]["ok"]
    assert len(anon["revoked"]) == 1 and len(anon["ballots"]) == 2 and anon["roll_area"] == 19000

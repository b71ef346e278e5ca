"""The booth's anonymous credentials against Python's (docs/protocol.md §P5.2): booth/src/crypto/credentials.ts and
anonymous.ts speak exactly voting/credentials.py and voting/eligibility.py, in both directions.

* a credential request made in TypeScript is issued by Python's registrar and finished in TypeScript — to the very
  credential file Python's finish_credential makes from the same request and issuance;
* a credential made in Python imports in TypeScript and proves; evidence made on either side verifies on the other,
  and TypeScript evidence makes a ballot Python's election state counts;
* tampered evidence, credential files, issuances and commitments are refused by both, with the same error class;
* pseudonyms and revocation presentations agree.

The TypeScript runs through booth/test/drivers/bbs.ts (tests/booth/node.py); the standard BBS fixtures run in
booth/test/bbs_vectors.test.ts.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import pytest

from crypto import bbs, bbs_blind, bbs_pseudonym
from crypto import bls12_381 as g
from tests import factories
from tests.booth.node import requires_node, run_ts
from tests.factories import make_election
from voting.ballot import build_ballot
from voting.credentials import (
    AnonymousCredential,
    CredentialRequest,
    IssuedCredential,
    finish_credential,
    issue_credential,
)
from voting.election import EligibilityMode
from voting.eligibility import AnonymousEligibility, AnonymousEvidence, present_for_revocation, verify_revocation
from voting.errors import VotingError
from voting.records import Entry, EntryKind

pytestmark = requires_node

ANON = EligibilityMode.ANONYMOUS
CREDENTIAL_FILE = "linli-anonymous-credential"
BALLOT_HASH = bytes.fromhex("ab" * 32)
OTHER_BALLOT_HASH = bytes.fromhex("ac" * 32)
# TypeScript's error classes for Python's (voting.errors; crypto errors are wrapped at that layer on both sides)
TS_ERRORS = {"EncodingError": "InvalidEncoding", "NotEligible": "NotEligible"}


def ts(*ops: dict[str, Any]) -> list[dict[str, Any]]:
    """Run the ops in one TypeScript process; each answer is {"ok": value} or {"error": class, "message"}."""
    out: list[dict[str, Any]] = run_ts("test/drivers/bbs.ts", {"ops": list(ops)})
    return out


def ok(answer: dict[str, Any]) -> Any:
    assert "ok" in answer, answer
    return answer["ok"]


def ts_outcome(answer: dict[str, Any]) -> str:
    return "ok" if "ok" in answer else TS_ERRORS.get(answer["error"], answer["error"])


def py_outcome(run: Callable[[], object]) -> str:
    try:
        run()
    except VotingError as e:
        return type(e).__name__
    return "ok"


def entries_of(e: factories.TestElection) -> dict[str, str]:
    by_kind = {x.kind: x for x in e.entries}
    return {
        "created": by_kind[EntryKind.ELECTION_CREATED].to_bytes().hex(),
        "key": by_kind[EntryKind.KEY_PUBLISHED].to_bytes().hex(),
    }


def py_verify(e: factories.TestElection, evidence: Any, ballot_hash: bytes) -> str:
    scheme = AnonymousEligibility()
    return py_outcome(lambda: scheme.verify(e.context, scheme.parse_evidence(evidence), ballot_hash))


def ts_verify_op(e: factories.TestElection, evidence: Any, ballot_hash: bytes) -> dict[str, Any]:
    return {"op": "verify", **entries_of(e), "evidence": evidence, "ballot_hash": ballot_hash.hex()}


@pytest.fixture(scope="module")
def referendum(safe_primes_1024: tuple[int, int]) -> factories.TestElection:
    return make_election(safe_primes_1024, voters=4, eligibility=ANON, election_id="interop-anon")


@pytest.fixture(scope="module")
def assembly(safe_primes_1024: tuple[int, int]) -> factories.TestElection:
    return make_election(
        safe_primes_1024, voters=2, eligibility=ANON, kind="assembly", areas=[5000, 7000], election_id="interop-asm"
    )


@dataclasses.dataclass(frozen=True)
class TsIssuance:
    state: dict[str, Any]  # the request state kept on the device
    registrar_file: dict[str, Any]  # what the registrar is handed
    issued: IssuedCredential
    file: dict[str, Any]  # the finished credential's export file
    pseudonym: str


def ts_issuance(e: factories.TestElection, weight: int = 0) -> TsIssuance:
    """TypeScript requests, Python's registrar issues (issue_credential), TypeScript finishes."""
    assert e.bbs_sk is not None
    (request,) = ts({"op": "request", "election_id": e.election_id, "election_hash": e.context.election_hash.hex()})
    state, registrar_file = ok(request)["state"], ok(request)["registrar"]
    issued = issue_credential(e.bbs_sk, e.context.election_hash, bytes.fromhex(registrar_file["commitment"]), weight)
    (finished,) = ts(
        {
            "op": "finish",
            "state": state,
            "issuer_key": e.context.definition.credential_key.hex(),
            "issued": issued.to_json(),
        }
    )
    return TsIssuance(state, registrar_file, issued, ok(finished)["file"], ok(finished)["pseudonym"])


@pytest.fixture(scope="module")
def ts_credential(referendum: factories.TestElection) -> TsIssuance:
    return ts_issuance(referendum)


# ---- issuance -------------------------------------------------------------------------------------------------


def test_ts_request_is_issued_by_python_and_finishes_in_ts(
    referendum: factories.TestElection, ts_credential: TsIssuance
) -> None:
    e, t = referendum, ts_credential
    # the device's state is exactly Python's CredentialRequest; the registrar's file is `linli voter request`'s
    request = CredentialRequest.from_json(t.state)
    assert request.to_json() == t.state
    assert request.election_id == e.election_id and request.election_hash == e.context.election_hash
    assert t.registrar_file == {
        "commitment": t.state["commitment"],
        "election": e.election_id,
        "type": "linli-commitment",
    }
    bbs_blind.verify_commitment(request.commitment, bbs_pseudonym.API_ID)
    # the finished credential is the file Python's finish_credential makes from the same request and issuance
    expected = finish_credential(request, e.context.definition.credential_key, t.issued)
    assert t.file == {"type": CREDENTIAL_FILE, "value": expected.to_json()}
    imported = AnonymousCredential.from_json(t.file["value"])  # the CLI's import re-verifies the signature
    assert imported.pseudonym().hex() == t.pseudonym == expected.pseudonym().hex()


def test_python_credential_imports_in_ts_with_the_same_pseudonym(referendum: factories.TestElection) -> None:
    creds: list[AnonymousCredential] = referendum.voters[:2]
    answers = ts(*({"op": "import", "file": {"type": CREDENTIAL_FILE, "value": c.to_json()}} for c in creds))
    for cred, answer in zip(creds, answers, strict=True):
        assert ok(answer) == {"credential": cred.to_json(), "pseudonym": cred.pseudonym().hex()}


# ---- evidence, both directions ------------------------------------------------------------------------------------


def test_evidence_verifies_across_implementations(
    referendum: factories.TestElection, ts_credential: TsIssuance
) -> None:
    e = referendum
    python_cred: AnonymousCredential = e.voters[0]
    ts_made = ts(
        {
            "op": "evidence",
            "credential": ts_credential.file["value"],
            **entries_of(e),
            "ballot_hash": BALLOT_HASH.hex(),
        },
        {"op": "evidence", "credential": python_cred.to_json(), **entries_of(e), "ballot_hash": BALLOT_HASH.hex()},
    )
    for answer, pseudonym in zip(ts_made, [ts_credential.pseudonym, python_cred.pseudonym().hex()], strict=True):
        assert ok(answer)["binding"] == pseudonym == ok(answer)["evidence"]["pseudonym"]
        assert py_verify(e, ok(answer)["evidence"], BALLOT_HASH) == "ok"  # TypeScript's proof, Python's check
    ts_cred_in_python = AnonymousCredential.from_json(ts_credential.file["value"])
    python_made = [AnonymousEligibility().sign(e.context, c, BALLOT_HASH) for c in (ts_cred_in_python, python_cred)]
    answers = ts(*(ts_verify_op(e, ev.to_json(), BALLOT_HASH) for ev in python_made))
    assert [ts_outcome(a) for a in answers] == ["ok", "ok"]  # Python's proofs, TypeScript's check


def _cast_with_ts_evidence(e: factories.TestElection, credential: AnonymousCredential, choice: int) -> Entry:
    """Python builds the ballot's contests; the evidence over its hash comes from TypeScript."""
    ballot = build_ballot(e.context, choice, credential)
    ballot_hash = ballot.ballot_hash(e.context)
    (answer,) = ts(
        {"op": "evidence", "credential": credential.to_json(), **entries_of(e), "ballot_hash": ballot_hash.hex()}
    )
    evidence = AnonymousEvidence.from_json(ok(answer)["evidence"])
    return Entry(EntryKind.BALLOT, e.election_id, dataclasses.replace(ballot, evidence=evidence).to_json(e.context))


def test_ts_evidence_makes_a_counted_ballot(referendum: factories.TestElection, ts_credential: TsIssuance) -> None:
    e = referendum
    before = len(e.entries)
    e.append(_cast_with_ts_evidence(e, e.voters[1], 0))  # a logged issuance's credential, proved in TypeScript
    # a credential requested and finished in TypeScript (issued by the same registrar key; the election's 4 logged
    # issuances still outnumber its 2 pseudonyms, §P5.2.5)
    e.append(_cast_with_ts_evidence(e, AnonymousCredential.from_json(ts_credential.file["value"]), 1))
    assert len(e.entries) == before + 2


# ---- refusals agree -----------------------------------------------------------------------------------------------


def _flip(hex_text: str, byte: int) -> str:
    raw = bytearray(bytes.fromhex(hex_text))
    raw[byte] ^= 1
    return raw.hex()


def _alias(pseudonym: str) -> str | None:
    """x + p for the same point, when it fits the 381 coordinate bits (an aliasing double vote)."""
    z = int(pseudonym, 16)
    if (z & ((1 << 381) - 1)) + g.FIELD_MODULUS >= 1 << 381:
        return None
    return format(z + g.FIELD_MODULUS, "096x")


def evidence_variants(evidence: dict[str, Any], stranger: str) -> list[tuple[str, dict[str, Any], bytes]]:
    """(name, evidence JSON, ballot hash) — the original first, then every way to tamper with it."""
    proof, nym = evidence["proof"], evidence["pseudonym"]
    out: list[tuple[str, dict[str, Any], bytes]] = [("original", evidence, BALLOT_HASH)]

    def with_(name: str, ballot_hash: bytes = BALLOT_HASH, **patch: Any) -> None:
        out.append((name, {**evidence, **patch}, ballot_hash))

    with_("other_ballot", OTHER_BALLOT_HASH)
    for byte in (0, 20, 48 + 20, 96 + 20, 144 + 31, 176 + 31, 208 + 31, 240 + 31, 272 + 31, 335):
        with_(f"proof_byte_{byte}", proof=_flip(proof, byte))
    with_("proof_abar_is_d", proof=proof[192:288] + proof[96:])  # valid points, wrong ones: the challenge fails
    with_("proof_truncated", proof=proof[:-64])
    with_("proof_extended", proof=proof + "00" * 32)
    with_("proof_uppercase", proof=proof.upper())
    with_("pseudonym_of_another_credential", pseudonym=stranger)
    with_("pseudonym_last_byte", pseudonym=_flip(nym, 47))
    with_("pseudonym_uncompressed_flag", pseudonym=format(int(nym, 16) & ~(1 << 383), "096x"))
    with_("pseudonym_identity", pseudonym="c0" + "00" * 47)
    with_("pseudonym_base_point", pseudonym=g.g1_to_bytes(g.G1_GENERATOR).hex())
    with_("pseudonym_short", pseudonym=nym[:-2])
    alias = _alias(nym)
    if alias is not None:
        with_("pseudonym_alias_x_plus_p", pseudonym=alias)
    with_("weight_disclosed", weight=1)
    with_("weight_negative", weight=-1)
    with_("weight_boolean", weight=True)
    with_("mode_signing", mode="signing")
    out.append(("extra_field", {**evidence, "extra": 1}, BALLOT_HASH))
    out.append(("missing_field", {k: v for k, v in evidence.items() if k != "weight"}, BALLOT_HASH))
    return out


def test_tampered_evidence_is_refused_by_both(referendum: factories.TestElection, ts_credential: TsIssuance) -> None:
    e = referendum
    python_cred: AnonymousCredential = e.voters[2]
    (ts_made,) = ts(
        {"op": "evidence", "credential": ts_credential.file["value"], **entries_of(e), "ballot_hash": BALLOT_HASH.hex()}
    )
    python_made = AnonymousEligibility().sign(e.context, python_cred, BALLOT_HASH).to_json()
    cases = [
        *evidence_variants(ok(ts_made)["evidence"], python_cred.pseudonym().hex()),
        *evidence_variants(python_made, ts_credential.pseudonym),
    ]
    answers = ts(*(ts_verify_op(e, evidence, ballot_hash) for _, evidence, ballot_hash in cases))
    for (name, evidence, ballot_hash), answer in zip(cases, answers, strict=True):
        python = py_verify(e, evidence, ballot_hash)
        assert ts_outcome(answer) == python, (name, answer, python)
        assert (python == "ok") == (name == "original"), name


def test_proof_over_a_forged_signature_fails_the_pairing_in_both(referendum: factories.TestElection) -> None:
    """A holder without a registrar's signature can still make a proof whose challenge checks out: only the pairing
    equation e(Abar, W) = e(Bbar, BP2) stops it. Each side forges one (a random A and e), the other refuses it."""
    e = referendum
    genuine: AnonymousCredential = e.voters[0]
    random_a = g.g1_to_bytes(g.hash_to_g1(b"not a signature", b"TEST-DST"))
    forged = dataclasses.replace(genuine, signature=random_a + bbs.scalar_to_bytes(12345))
    python_made = AnonymousEligibility().sign(e.context, forged, BALLOT_HASH).to_json()
    (ts_made,) = ts(
        {
            "op": "evidence",
            "unchecked": True,
            "credential": forged.to_json(),
            **entries_of(e),
            "ballot_hash": BALLOT_HASH.hex(),
        }
    )
    (refused,) = ts(ts_verify_op(e, python_made, BALLOT_HASH))
    assert ts_outcome(refused) == "NotEligible" and "pairing" in refused["message"]
    assert py_verify(e, ok(ts_made)["evidence"], BALLOT_HASH) == "NotEligible"


def test_evidence_of_another_election_is_refused_by_both(
    referendum: factories.TestElection, assembly: factories.TestElection
) -> None:
    evidence = AnonymousEligibility().sign(referendum.context, referendum.voters[3], BALLOT_HASH).to_json()
    (answer,) = ts(ts_verify_op(assembly, evidence, BALLOT_HASH))
    assert ts_outcome(answer) == py_verify(assembly, evidence, BALLOT_HASH) == "NotEligible"
    (answer,) = ts(
        {
            "op": "evidence",
            "credential": referendum.voters[3].to_json(),
            **entries_of(assembly),
            "ballot_hash": "ab" * 32,
        }
    )
    assert ts_outcome(answer) == "NotEligible"  # a credential of another election is refused before proving


def test_corrupted_credential_files_are_refused_by_both(
    referendum: factories.TestElection, assembly: factories.TestElection
) -> None:
    value = referendum.voters[0].to_json()
    other_key = bbs.sk_to_pk(bbs.key_gen(b"another residential community's registrar key material!!"))

    def scalar_plus(hex_text: str, delta: int) -> str:
        return format((int(hex_text, 16) + delta) % g.CURVE_ORDER, "064x")

    variants: list[tuple[str, dict[str, Any]]] = [
        ("original", value),
        ("nym_secret", {**value, "nym_secrets": [scalar_plus(value["nym_secrets"][0], 1)]}),
        ("prover_blind", {**value, "secret_prover_blind": scalar_plus(value["secret_prover_blind"], 1)}),
        ("signature_byte", {**value, "signature": _flip(value["signature"], 79)}),
        ("signature_point", {**value, "signature": _flip(value["signature"], 5)}),
        ("other_registrar", {**value, "issuer_key": other_key.hex()}),
        ("other_instance", {**value, "election_hash": "00" * 32}),
        ("weight_added", {**value, "weight": 5000}),
        ("another_elections_credential", assembly.voters[0].to_json()),
        ("two_nym_secrets", {**value, "nym_secrets": value["nym_secrets"] * 2}),
        ("short_issuer_key", {**value, "issuer_key": value["issuer_key"][:-2]}),
        ("uppercase_signature", {**value, "signature": value["signature"].upper()}),
        ("extra_field", {**value, "extra": 1}),
    ]
    answers = ts(*({"op": "import", "credential": v} for _, v in variants))
    for (name, v), answer in zip(variants, answers, strict=True):
        python = py_outcome(functools.partial(AnonymousCredential.from_json, v))
        assert ts_outcome(answer) == python, (name, answer, python)
        assert (python == "ok") == (name in ("original", "another_elections_credential")), name


def test_bad_issuances_and_commitments_are_refused_by_both(referendum: factories.TestElection) -> None:
    e = referendum
    assert e.bbs_sk is not None
    (request,) = ts({"op": "request", "election_id": e.election_id, "election_hash": e.context.election_hash.hex()})
    state = ok(request)["state"]
    commitment = bytes.fromhex(state["commitment"])
    issued = issue_credential(e.bbs_sk, e.context.election_hash, commitment)
    key = e.context.definition.credential_key
    issuances: list[tuple[str, IssuedCredential, bytes]] = [
        ("original", issued, key),
        ("entropy", dataclasses.replace(issued, signer_nym_entropy=issued.signer_nym_entropy + 1), key),
        ("signature", dataclasses.replace(issued, signature=bytes.fromhex(_flip(issued.signature.hex(), 79))), key),
        ("weight", dataclasses.replace(issued, weight=5000), key),
        ("other_instance", issue_credential(e.bbs_sk, bytes(32), commitment), key),
        ("other_key", issued, bbs.sk_to_pk(bbs.key_gen(b"another residential community's registrar key material!!"))),
    ]
    answers = ts(
        *({"op": "finish", "state": state, "issuer_key": k.hex(), "issued": i.to_json()} for _, i, k in issuances)
    )
    request_py = CredentialRequest.from_json(state)
    for (name, i, k), answer in zip(issuances, answers, strict=True):
        python = py_outcome(functools.partial(finish_credential, request_py, k, i))
        assert ts_outcome(answer) == python, (name, answer, python)
        assert (python == "ok") == (name == "original"), name
    # a tampered commitment: Python's registrar refuses to sign it, the booth's check refuses it too
    tampered = [commitment, bytes.fromhex(_flip(commitment.hex(), 48 + 31)), commitment[:-32], commitment + bytes(1)]
    checks = ts(*({"op": "check_commitment", "commitment": c.hex()} for c in tampered))
    for index, (c, answer) in enumerate(zip(tampered, checks, strict=True)):
        python = py_outcome(functools.partial(issue_credential, e.bbs_sk, e.context.election_hash, c))
        assert python == ("ok" if index == 0 else "NotEligible"), index
        assert ("ok" in answer) == (index == 0), (index, answer)


# ---- assembly: the signed area ------------------------------------------------------------------------------------


def test_assembly_credentials_disclose_their_area_across_implementations(assembly: factories.TestElection) -> None:
    e = assembly
    t = ts_issuance(e, weight=7000)
    assert t.file["value"]["weight"] == 7000
    python_cred: AnonymousCredential = e.voters[0]
    answers = ts(
        {"op": "evidence", "credential": t.file["value"], **entries_of(e), "ballot_hash": BALLOT_HASH.hex()},
        {"op": "evidence", "credential": python_cred.to_json(), **entries_of(e), "ballot_hash": BALLOT_HASH.hex()},
    )
    for answer, weight in zip(answers, [7000, 5000], strict=True):
        evidence = ok(answer)["evidence"]
        assert evidence["weight"] == weight
        assert py_verify(e, evidence, BALLOT_HASH) == "ok"
        for changed in ({**evidence, "weight": weight + 1}, {**evidence, "weight": 0}):
            (refused,) = ts(ts_verify_op(e, changed, BALLOT_HASH))
            assert ts_outcome(refused) == py_verify(e, changed, BALLOT_HASH) == "NotEligible"
    python_made = AnonymousEligibility().sign(e.context, python_cred, BALLOT_HASH).to_json()
    (answer,) = ts(ts_verify_op(e, python_made, BALLOT_HASH))
    assert ts_outcome(answer) == "ok"


# ---- revocation presentations (§P5.3) ------------------------------------------------------------------------------


def test_revocation_presentations_verify_across_implementations(referendum: factories.TestElection) -> None:
    e = referendum
    cred: AnonymousCredential = e.voters[3]
    key, election_hash = e.context.definition.credential_key, e.context.election_hash
    (presented,) = ts({"op": "present", "credential": cred.to_json(), "roll_id": "unit-3", "issuance": 9})
    ts_made = AnonymousEvidence.from_json(ok(presented))
    assert ts_made.pseudonym == cred.pseudonym()
    verify_revocation(key, election_hash, "unit-3", 9, ts_made)
    python_made = present_for_revocation(cred, "unit-3", 9)
    cases = [
        (ev, roll_id, issuance)
        for ev in (ts_made, python_made)
        for roll_id, issuance in (("unit-3", 9), ("unit-3", 10), ("unit-2", 9))
    ]
    answers = ts(
        *(
            {
                "op": "verify_revocation",
                "credential_key": key.hex(),
                "election_hash": election_hash.hex(),
                "roll_id": roll_id,
                "issuance": issuance,
                "evidence": ev.to_json(),
            }
            for ev, roll_id, issuance in cases
        )
    )
    for (ev, roll_id, issuance), answer in zip(cases, answers, strict=True):
        python = py_outcome(functools.partial(verify_revocation, key, election_hash, roll_id, issuance, ev))
        assert ts_outcome(answer) == python == ("ok" if (roll_id, issuance) == ("unit-3", 9) else "NotEligible")

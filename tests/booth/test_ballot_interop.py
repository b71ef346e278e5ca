"""The booth's ballots are the Python ballots (booth/src/crypto/ballot.ts vs voting/ballot.py, docs/protocol.md §P6):
TS-built ballots verify in Python and are accepted by the server's intake, and equal byte for byte what
build_ballot makes from the same random draws; Python-built ballots verify in TS; mutated ballots are refused by
both with the same error class; openings made by either side check on the other, and a wrong exponent or choice is
refused by both. Signing-mode evidence (ed25519.ts); the anonymous evidence is the BBS module's."""

from __future__ import annotations

import copy
import json
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client.api import LinliClient
from client.errors import ServerRejected
from crypto import paillier
from crypto.ed25519 import SigningKey
from tests import factories
from tests.booth.node import requires_node, run_ts
from tests.client.cli_support import serving
from tests.factories import MODULUS_BITS, make_election
from voting.audit import check_opening, open_ballot
from voting.ballot import EncryptedBallot, build_ballot, verify_ballot
from voting.election import EligibilityMode
from voting.eligibility import SigningEligibility
from voting.encoding import JSON, canonical, parse
from voting.errors import InvalidBallot, InvalidEncoding, NotEligible, VotingError
from voting.records import Entry, EntryKind

pytestmark = requires_node

KINDS = ("referendum", "committee", "assembly", "approval")
CHOICES: dict[str, list[Any]] = {
    "referendum": [0, 1, 2],
    "assembly": [2],
    "committee": [[], [0], [1, 3]],  # 4 candidates, 2 seats (tests/factories.py)
    "approval": [[0, 1, 2, 3], []],
}
DRIVER = "test/drivers/ballot.ts"
# Python's error classes and the booth's names for them
ERROR_NAMES = {InvalidEncoding: "EncodingError", NotEligible: "NotEligible", InvalidBallot: "InvalidBallot"}


@pytest.fixture(scope="module")
def elections(safe_primes_1024: tuple[int, int]) -> dict[str, factories.TestElection]:
    return {
        kind: make_election(
            safe_primes_1024,
            kind=kind,
            election_id=f"booth-{kind}",
            voters=3,
            areas=[5000, 7000, 9000] if kind == "assembly" else None,
        )
        for kind in KINDS
    }


def election_ref(e: factories.TestElection) -> dict[str, str]:
    by_kind = {x.kind: x for x in e.entries}
    return {
        "created": by_kind[EntryKind.ELECTION_CREATED].to_bytes().hex(),
        "key": by_kind[EntryKind.KEY_PUBLISHED].to_bytes().hex(),
    }


def voter(e: factories.TestElection, i: int) -> SigningKey:
    key = e.voters[i]
    assert isinstance(key, SigningKey)
    return key


def ts(ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = run_ts(DRIVER, {"ops": ops})
    return out


def ts_build(e: factories.TestElection, choices: list[Any], voter_index: int = 0) -> list[dict[str, Any]]:
    ops = [{"op": "build", **election_ref(e), "seed": voter(e, voter_index).secret.hex(), "choice": c} for c in choices]
    results = ts(ops)
    assert all("ok" in r for r in results), results
    return [r["ok"] for r in results]


def python_verdict(e: factories.TestElection, ballot: JSON) -> str | None:
    """The class name of Python's refusal (booth spelling), or None if Python accepts the ballot."""
    try:
        verify_ballot(e.context, EncryptedBallot.from_json(ballot, e.context))
    except VotingError as err:
        return next(name for cls, name in ERROR_NAMES.items() if isinstance(err, cls))
    return None


def test_ts_ballots_verify_in_python_and_encrypt_the_choice(
    elections: dict[str, factories.TestElection], safe_primes_1024: tuple[int, int]
) -> None:
    p, q = safe_primes_1024
    for kind in KINDS:
        e = elections[kind]
        for choice, built in zip(CHOICES[kind], ts_build(e, CHOICES[kind]), strict=True):
            data = bytes.fromhex(built["bytes"])
            ballot = EncryptedBallot.from_json(parse(data), e.context)  # canonical bytes, strict parse
            assert ballot.to_bytes(e.context) == data
            verify_ballot(e.context, ballot)
            assert ballot.ballot_hash(e.context).hex() == built["hash"]
            d = e.context.definition
            indexes = d.kind_rules.encode(d, choice)
            plain = [paillier.decrypt_with_factors(p, q, c.ciphertext) for c in ballot.contests]
            assert plain == [a[i] for a, i in zip(e.context.contest_allowed(), indexes, strict=True)]
            assert (ballot.sum_proof is not None) == (kind == "committee")


def test_the_server_accepts_ts_ballots(elections: dict[str, factories.TestElection], tmp_path: Path) -> None:
    with serving(f"sqlite:///{tmp_path / 'booth.db'}", MODULUS_BITS) as address, grpc.insecure_channel(address) as ch:
        client = LinliClient(ch, min_modulus_bits=MODULUS_BITS)
        for kind in KINDS:
            e = elections[kind]
            for entry in e.entries:
                if entry.kind is not EntryKind.BALLOT:
                    client.submit(entry)
            for i, built in enumerate(ts_build(e, CHOICES[kind][:2], voter_index=1)):
                receipt = client.cast_ballot(e.election_id, bytes.fromhex(built["bytes"]))
                assert receipt.tree_size >= receipt.leaf_index + 1, (kind, i)
            # a TS ballot with one response changed is refused at intake
            bad = copy.deepcopy(built["ballot"])
            z = bad["contests"][0]["proof"]["z"]
            z[0] = z[0][:-1] + ("0" if z[0][-1] != "0" else "1")
            with pytest.raises(ServerRejected):
                client.cast_ballot(e.election_id, canonical(bad))


class _Replay:
    """``secrets`` for crypto.proofs: hands out recorded draws in order, checking each one's size."""

    def __init__(self, draws: list[tuple[int, int]]) -> None:
        self.draws = list(draws)

    def randbits(self, bits: int) -> int:
        expected, value = self.draws.pop(0)
        assert bits == expected, f"Python draws {bits} bits where the booth drew {expected}"
        return value


def python_draws(e: factories.TestElection, choice: Any, draws: list[tuple[int, int]]) -> tuple[list[int], list]:
    """The booth's draws (precompute: every r_j; then per proof, e_j and z_j of EVERY branch, then ρ) as
    build_ballot's randomness= and the order crypto.proofs draws them (e_j, z_j of the simulated branches; ρ)."""
    context = e.context
    d = context.definition
    layout = context.contest_allowed()
    indexes = d.kind_rules.encode(d, choice)
    randomness = [value for _, value in draws[: len(layout)]]
    rest = draws[len(layout) :]
    proofs = [(len(a), i) for a, i in zip(layout, indexes, strict=True)]
    if context.sum_allowed():
        marks = sum(a[i] for a, i in zip(layout, indexes, strict=True))
        proofs.append((len(context.sum_allowed()), context.sum_allowed().index(marks)))
    queue: list[tuple[int, int]] = []
    for branches, real in proofs:
        chunk, rest = rest[: 2 * branches + 1], rest[2 * branches + 1 :]
        for j in range(branches):
            if j != real:
                queue += chunk[2 * j : 2 * j + 2]
        queue.append(chunk[-1])
    assert not rest
    return randomness, queue


def test_ts_ballots_equal_python_ballots_byte_for_byte(
    elections: dict[str, factories.TestElection], monkeypatch: pytest.MonkeyPatch
) -> None:
    for kind in KINDS:
        e = elections[kind]
        for choice, built in zip(CHOICES[kind], ts_build(e, CHOICES[kind]), strict=True):
            draws = [(bits, int(value, 16)) for bits, value in built["draws"]]
            randomness, queue = python_draws(e, choice, draws)
            replay = _Replay(queue)
            monkeypatch.setattr("crypto.proofs.secrets", types.SimpleNamespace(randbits=replay.randbits))
            ballot = build_ballot(e.context, choice, voter(e, 0), randomness=randomness)
            assert not replay.draws
            assert ballot.to_bytes(e.context).hex() == built["bytes"], (kind, choice)
            monkeypatch.undo()


def _flip(value: str) -> str:
    return value[:-1] + ("0" if value[-1] != "0" else "1")


def _resign(e: factories.TestElection, ballot: JSON) -> JSON:
    """The ballot signed again over its (mutated) hash by its voter, so that only the mutated part can fail."""
    parsed = EncryptedBallot.from_json(ballot, e.context)
    evidence = SigningEligibility().sign(e.context, voter(e, 0), parsed.ballot_hash(e.context))
    return {**ballot, "eligibility": evidence.to_json()}


Mutation = Callable[[factories.TestElection, JSON], JSON]


def _edit(change: Callable[[JSON, int], None], resign: bool = False) -> Mutation:
    def mutate(e: factories.TestElection, ballot: JSON) -> JSON:
        out = copy.deepcopy(ballot)
        change(out, e.context.paillier_key.n)
        return _resign(e, out) if resign else out

    return mutate


def _hex(value: int, like: str) -> str:
    return format(value, "x").zfill(len(like))


def _neg_commitment(b: JSON, n: int) -> None:  # a_0 → n² − a_0: δ = −1, caught only by the per-branch check
    a = b["contests"][0]["proof"]["a"]
    a[0] = _hex(n * n - int(a[0], 16), a[0])


def _times_h(b: JSON, n: int) -> None:  # another valid ciphertext (c·H): proofs no longer hold
    c = b["contests"][0]
    c["ciphertext"] = _hex(int(c["ciphertext"], 16) * paillier.key_base(n).H % (n * n), c["ciphertext"])


def _bump_z(b: JSON, n: int) -> None:
    z = b["contests"][0]["proof"]["z"]
    z[1] = _hex(int(z[1], 16) + 1, z[1])


def _swap_proofs(b: JSON, n: int) -> None:
    c = b["contests"]
    if len(c) > 1:
        c[0]["proof"], c[1]["proof"] = c[1]["proof"], c[0]["proof"]
    else:
        _neg_commitment(b, n)


MUTATIONS: dict[str, Mutation] = {
    "commitment_changed_signature_breaks": _edit(
        lambda b, n: b["contests"][0]["proof"]["a"].__setitem__(0, _flip(b["contests"][0]["proof"]["a"][0]))
    ),
    "commitment_negated": _edit(_neg_commitment, resign=True),
    "challenge_flipped": _edit(
        lambda b, n: b["contests"][0]["proof"]["e"].__setitem__(0, _flip(b["contests"][0]["proof"]["e"][0])),
        resign=True,
    ),
    "response_plus_one": _edit(_bump_z, resign=True),
    "ciphertext_times_h": _edit(_times_h, resign=True),
    "proofs_swapped": _edit(_swap_proofs, resign=True),
    "signature_flipped": _edit(
        lambda b, n: b["eligibility"].__setitem__("signature", _flip(b["eligibility"]["signature"]))
    ),
    "other_election": _edit(lambda b, n: b.__setitem__("election", "booth-other")),
    "unknown_field": _edit(lambda b, n: b.__setitem__("extra", 1)),
    "no_eligibility": _edit(lambda b, n: b.pop("eligibility")),
    "wide_response": _edit(
        lambda b, n: b["contests"][0]["proof"]["z"].__setitem__(0, "00" + b["contests"][0]["proof"]["z"][0])
    ),
    "zero_ciphertext": _edit(
        lambda b, n: b["contests"][0].__setitem__("ciphertext", "0" * len(b["contests"][0]["ciphertext"]))
    ),
    "sum_proof_added_or_bumped": _edit(
        lambda b, n: (
            b.__setitem__("sum_proof", b["contests"][0]["proof"])
            if "sum_proof" not in b
            else b["sum_proof"]["z"].__setitem__(0, _hex(int(b["sum_proof"]["z"][0], 16) + 1, b["sum_proof"]["z"][0]))
        )
    ),
}


def test_python_ballots_verify_in_ts_and_mutations_are_refused_by_both(
    elections: dict[str, factories.TestElection],
) -> None:
    ops: list[dict[str, Any]] = []
    expected: list[tuple[str, str, str | None]] = []
    for kind in KINDS:
        e = elections[kind]
        ballot = build_ballot(e.context, CHOICES[kind][-1], voter(e, 0)).to_json(e.context)
        ops.append({"op": "verify", **election_ref(e), "ballot": ballot})
        expected.append((kind, "honest", None))
        for name, mutate in MUTATIONS.items():
            bad = mutate(e, ballot)
            verdict = python_verdict(e, bad)
            assert verdict is not None, f"{kind} {name}: Python accepts the mutated ballot"
            ops.append({"op": "verify", **election_ref(e), "ballot": bad})
            expected.append((kind, name, verdict))
    for (kind, name, verdict), got in zip(expected, ts(ops), strict=True):
        if verdict is None:
            assert "ok" in got, (kind, name, got)
        else:
            assert got.get("error") == verdict, (kind, name, got)


def test_openings_check_on_both_sides_and_wrong_ones_are_refused(elections: dict[str, factories.TestElection]) -> None:
    ops: list[dict[str, Any]] = []
    expected: list[tuple[str, Any]] = []
    for kind in KINDS:
        e = elections[kind]
        choice = CHOICES[kind][-1]
        # made in TS, checked in Python
        [built] = ts_build(e, [choice])
        checked = check_opening(e.context, built["opening"])
        assert checked.ballot_hash.hex() == built["hash"]
        assert checked.choice == choice
        # made in Python, checked in TS
        randomness = [paillier.random_exponent(e.context.paillier_key) for _ in e.context.contest_allowed()]
        ballot = build_ballot(e.context, choice, voter(e, 0), randomness=randomness)
        opening = open_ballot(e.context, ballot, choice, randomness)
        ops.append({"op": "check_opening", **election_ref(e), "opening": opening})
        expected.append(("ok", {"ballot_hash": ballot.ballot_hash(e.context).hex(), "choice": choice}))
        other = 0 if choice != 0 else 1
        wrong_choice = {**opening, "choice": other if kind in ("referendum", "assembly") else [other]}
        r = opening["randomness"]
        wrong_r = {**opening, "randomness": [_hex(int(r[0], 16) ^ 1, r[0]), *r[1:]]}
        for bad in (wrong_choice, wrong_r, {**built["opening"], "randomness": wrong_r["randomness"]}):
            with pytest.raises(InvalidBallot, match="is not the encryption of the opened choice"):
                check_opening(e.context, bad)
            ops.append({"op": "check_opening", **election_ref(e), "opening": bad})
            expected.append(("error", "InvalidBallot"))
    for (outcome, value), got in zip(expected, ts(ops), strict=True):
        if outcome == "ok":
            assert got == {"ok": value}
        else:
            assert got["error"] == value and "is not the encryption of the opened choice" in got["message"], got


@settings(max_examples=3, deadline=None)
@given(
    marks=st.lists(st.sets(st.integers(0, 3), max_size=2).map(sorted), min_size=1, max_size=3),
    positions=st.lists(st.integers(0, 10**6), min_size=3, max_size=6),
)
def test_committee_ballots_and_any_changed_digit(
    elections: dict[str, factories.TestElection], marks: list[list[int]], positions: list[int]
) -> None:
    """Any committee choice built in TS verifies in Python and opens to itself; changing any one hex digit of the
    ballot is refused by both."""
    e = elections["committee"]
    built = ts_build(e, marks)
    for b, choice in zip(built, marks, strict=True):
        assert check_opening(e.context, b["opening"]).choice == choice
    data = bytes.fromhex(built[0]["bytes"]).decode()
    hex_digits = [i for i, ch in enumerate(data) if ch in "0123456789abcdef"]
    ops = []
    for pos in positions:
        i = hex_digits[pos % len(hex_digits)]
        changed = data[:i] + ("0" if data[i] != "0" else "1") + data[i + 1 :]
        ballot = json.loads(changed)  # a changed key may sort differently: the booth and Python parse the JSON value
        assert python_verdict(e, ballot) is not None
        ops.append({"op": "verify", **election_ref(e), "ballot": ballot})
    assert all("error" in got for got in ts(ops))


def test_entry_bytes_of_a_ts_ballot_are_the_logs(elections: dict[str, factories.TestElection]) -> None:
    """What the server logs for a TS ballot: the ballot entry around exactly the booth's bytes."""
    e = elections["referendum"]
    [built] = ts_build(e, [1])
    entry = Entry(EntryKind.BALLOT, e.election_id, parse(bytes.fromhex(built["bytes"])))
    assert Entry.from_bytes(entry.to_bytes()).body == built["ballot"]


def test_anonymous_ballots_parse_and_hash_as_in_python(safe_primes_1024: tuple[int, int]) -> None:
    """The evidence is injected: the booth parses a Python anonymous ballot (pseudonym, BBS proof, weight) and
    hashes it exactly as Python; verifying the BBS proof is the BBS module's."""
    e = make_election(
        safe_primes_1024,
        kind="assembly",
        eligibility=EligibilityMode.ANONYMOUS,
        election_id="booth-anonymous",
        voters=1,
        areas=[8537],
    )
    ballot = build_ballot(e.context, 0, e.voters[0])
    [got] = ts([{"op": "parse", **election_ref(e), "ballot": ballot.to_json(e.context)}])
    assert got == {
        "ok": {
            "ballot_hash": ballot.ballot_hash(e.context).hex(),
            "binding": ballot.evidence.binding.hex(),
            "bytes": ballot.to_bytes(e.context).hex(),
        }
    }


@pytest.mark.slow
def test_full_size_committee_ballot(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 3072-bit key (the default): a committee ballot of 10 candidates for 3 seats built in TS verifies in Python
    and a Python one in TS."""
    from crypto.primes import random_safe_prime

    p = random_safe_prime(1536)
    q = random_safe_prime(1536)
    monkeypatch.setattr(factories, "MODULUS_BITS", 3072)
    names = tuple(f"c{i}" for i in range(1, 11))
    e = make_election((p, q), kind="committee", candidates=names, seats=3, voters=1, election_id="booth-full")
    assert e.context.paillier_key.n.bit_length() == 3072
    [built] = ts_build(e, [[0, 4, 9]])
    verify_ballot(e.context, EncryptedBallot.from_json(parse(bytes.fromhex(built["bytes"])), e.context))
    assert check_opening(e.context, built["opening"]).choice == [0, 4, 9]
    ballot = build_ballot(e.context, [1, 2], voter(e, 0)).to_json(e.context)
    assert ts([{"op": "verify", **election_ref(e), "ballot": ballot}])[0].keys() == {"ok"}

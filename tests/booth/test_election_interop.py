"""booth/src/crypto/election.ts parses election.created and key.published exactly as voting/election.py does: the
same context from the same entries, and the same refusals (tests/booth/node.py runs the TypeScript)."""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from crypto import threshold
from crypto.errors import CryptoError
from tests import factories
from tests.booth.node import requires_node, run_ts
from tests.factories import make_election
from voting.election import fingerprint, parse_fingerprint
from voting.encoding import canonical, hex_int
from voting.errors import InvalidElection, VotingError
from voting.records import Entry, EntryKind
from voting.statements import ElectionCreated, KeyPublished

pytestmark = requires_node

KINDS = ("referendum", "committee", "assembly", "approval")


@pytest.fixture(scope="module")
def elections(safe_primes_1024: tuple[int, int]) -> dict[str, factories.TestElection]:
    return {
        kind: make_election(
            safe_primes_1024,
            kind=kind,
            election_id=f"interop-{kind}",
            voters=2,
            open_=False,
            areas=[5000, 7000] if kind == "assembly" else None,
        )
        for kind in KINDS
    }


def entries(e: factories.TestElection) -> tuple[Entry, Entry]:
    by_kind = {x.kind: x for x in e.entries}
    return by_kind[EntryKind.ELECTION_CREATED], by_kind[EntryKind.KEY_PUBLISHED]


def python_context(created: bytes, key: bytes) -> dict[str, Any]:
    """What Python derives from the two entries (voting/state.py _created and _key without the signatures and the
    modulus proof, which election.ts leaves to its caller)."""
    c = Entry.from_bytes(created)
    if c.kind is not EntryKind.ELECTION_CREATED:
        raise InvalidElection("not election.created")
    d = ElectionCreated.from_json(c.body).definition
    if d.election_id != c.election_id:
        raise InvalidElection("the definition's election id differs from the entry's")
    k = Entry.from_bytes(key)
    if k.kind is not EntryKind.KEY_PUBLISHED or k.election_id != d.election_id:
        raise InvalidElection("not this election's key.published")
    published = KeyPublished.from_json(k.body, d)
    if published.election_hash != hashlib.sha256(created).digest():
        raise InvalidElection("election hash differs")
    try:
        published.public_key.validate(d.modulus_bits)
        threshold.verify_commitments(published.public_key)  # the booth checks the commitments too (election.ts)
    except Exception as e:
        raise InvalidElection(str(e)) from e
    if published.public_key.n.bit_length() != d.modulus_bits:
        raise InvalidElection("modulus size")
    election_hash = hashlib.sha256(created).digest()
    layout = d.kind_rules.layout(d)
    return {
        "election_id": d.election_id,
        "kind": d.kind,
        "options": list(d.options),
        "seats": d.seats,
        "major": d.major,
        "eligibility": d.eligibility.value,
        "threshold": d.threshold,
        "trustees": [[t.index, t.name, t.key.hex()] for t in d.trustees],
        "modulus_bits": d.modulus_bits,
        "election_hash": election_hash.hex(),
        "key_hash": hashlib.sha256(key).hexdigest(),
        "fingerprint": fingerprint(election_hash),
        "n": format(published.public_key.n, "x"),
        "contest_allowed": [[format(x, "x") for x in a] for a in layout],
        "sum_allowed": [format(x, "x") for x in d.kind_rules.sum_allowed(d)],
    }


def reencode(entry: Entry, change: Callable[[dict[str, Any]], None]) -> bytes:
    """The entry's canonical bytes after ``change`` edits its JSON (the signature no longer matters here)."""
    obj = copy.deepcopy(entry.to_json())
    change(obj)
    return canonical(obj)


def setter(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(obj: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        for p in parents:
            obj = obj[int(p)] if isinstance(obj, list) else obj[p]
        if value is _DELETE:
            del obj[last]
        elif isinstance(obj, list):
            obj[int(last)] = value
        else:
            obj[last] = value

    return change


_DELETE = object()
DEFINITION = "body.election"

# (name, kind of the election mutated, entry mutated ("created" / "key"), the change)
MUTATIONS: list[tuple[str, str, str, Callable[[dict[str, Any]], None]]] = [
    ("unknown_field", "referendum", "created", setter(f"{DEFINITION}.extra", 1)),
    ("missing_field", "referendum", "created", setter(f"{DEFINITION}.seats", _DELETE)),
    ("unknown_kind", "referendum", "created", setter(f"{DEFINITION}.kind", "poll")),
    ("referendum_with_seats", "referendum", "created", setter(f"{DEFINITION}.seats", 1)),
    ("referendum_major", "referendum", "created", setter(f"{DEFINITION}.major", True)),
    ("referendum_other_options", "referendum", "created", setter(f"{DEFINITION}.options", ["yes", "no"])),
    ("seats_as_boolean", "committee", "created", setter(f"{DEFINITION}.seats", True)),
    ("committee_all_seats", "committee", "created", setter(f"{DEFINITION}.seats", 4)),
    ("committee_no_seats", "committee", "created", setter(f"{DEFINITION}.seats", 0)),
    ("committee_major", "committee", "created", setter(f"{DEFINITION}.major", True)),
    ("committee_same_name_twice", "committee", "created", setter(f"{DEFINITION}.options.1", "Wang")),
    ("committee_empty_name", "committee", "created", setter(f"{DEFINITION}.options.1", "")),
    ("committee_long_name", "committee", "created", setter(f"{DEFINITION}.options.1", "x" * 101)),
    ("committee_option_not_text", "committee", "created", setter(f"{DEFINITION}.options.1", 7)),
    ("approval_with_seats", "approval", "created", setter(f"{DEFINITION}.seats", 1)),
    ("area_disclosure_not_assembly", "referendum", "created", setter(f"{DEFINITION}.accept_area_disclosure", True)),
    ("empty_title", "referendum", "created", setter(f"{DEFINITION}.title", "")),
    ("title_control_character", "referendum", "created", setter(f"{DEFINITION}.title", "a\tb")),
    ("title_too_long", "referendum", "created", setter(f"{DEFINITION}.title", "x" * 201)),
    ("bad_election_id", "referendum", "created", setter(f"{DEFINITION}.election_id", "AB")),
    ("entry_of_another_election", "referendum", "created", setter("election", "other-election")),
    ("threshold_zero", "referendum", "created", setter(f"{DEFINITION}.threshold", 0)),
    ("threshold_above_trustees", "referendum", "created", setter(f"{DEFINITION}.threshold", 6)),
    ("trustees_misnumbered", "referendum", "created", setter(f"{DEFINITION}.trustees.0.index", 2)),
    ("modulus_bits_not_multiple", "referendum", "created", setter(f"{DEFINITION}.modulus_bits", 1100)),
    ("max_voters_zero", "referendum", "created", setter(f"{DEFINITION}.max_voters", 0)),
    ("unknown_eligibility", "referendum", "created", setter(f"{DEFINITION}.eligibility", "open")),
    ("unknown_revote", "referendum", "created", setter(f"{DEFINITION}.revote", "first")),
    ("signing_with_credential_key", "referendum", "created", setter(f"{DEFINITION}.credential_key", "00" * 96)),
    ("anonymous_without_credential_key", "referendum", "created", setter(f"{DEFINITION}.eligibility", "anonymous")),
    ("window_backwards", "referendum", "created", lambda o: o["body"]["election"].update(opens_at=10, closes_at=5)),
    ("short_admin_key", "referendum", "created", setter(f"{DEFINITION}.admin_key", "00" * 31)),
    ("uppercase_hex_key", "referendum", "created", setter(f"{DEFINITION}.registrar_key", "AB" * 32)),
    ("trustee_unknown_field", "referendum", "created", setter(f"{DEFINITION}.trustees.0.extra", 1)),
    ("entry_unknown_version", "referendum", "created", setter("v", 2)),
    ("entry_unsigned", "referendum", "created", setter("signature", None)),
    ("entry_by_registrar", "referendum", "created", setter("author.role", "registrar")),
    ("key_unknown_field", "referendum", "key", setter("body.extra", 1)),
    ("key_other_election_hash", "referendum", "key", setter("body.election_hash", "00" * 32)),
    ("key_other_threshold", "referendum", "key", setter("body.public_key.threshold", 2)),
    ("key_short_n", "referendum", "key", setter("body.public_key.n", "ff" * 127)),
    ("key_with_a_v_field", "referendum", "key", setter("body.public_key.v", hex_int(4, 256))),  # v is derived
    ("key_theta_zero", "referendum", "key", setter("body.public_key.theta", hex_int(0, 128))),
    ("key_theta_n", "referendum", "key", lambda o: o["body"]["public_key"].update(theta=o["body"]["public_key"]["n"])),
    ("key_theta_short", "referendum", "key", setter("body.public_key.theta", "01")),
    ("key_commitment_missing", "referendum", "key", lambda o: o["body"]["public_key"]["commitments"].pop()),
    ("key_commitment_zero", "referendum", "key", setter("body.public_key.commitments.0", hex_int(0, 256))),
    ("key_c0_not_one_mod_n", "referendum", "key", setter("body.public_key.commitments.0", hex_int(4, 256))),
    (
        "key_verification_key_altered",
        "referendum",
        "key",
        setter("body.public_key.verification_keys.0", hex_int(4, 256)),
    ),
    ("key_test_decryption_missing", "referendum", "key", lambda o: o["body"].pop("test_decryption")),
    ("key_test_share_missing", "referendum", "key", lambda o: o["body"]["test_decryption"].pop()),
    ("key_test_share_z_width", "referendum", "key", setter("body.test_decryption.0.proof.z", "00")),
    ("key_test_share_extra", "referendum", "key", setter("body.test_decryption.0.extra", 1)),
    ("key_verification_key_missing", "referendum", "key", lambda o: o["body"]["public_key"]["verification_keys"].pop()),
    ("key_even_n", "referendum", "key", setter("body.public_key.n", "ff" * 127 + "fe")),
    ("key_modulus_proof_rounds", "referendum", "key", lambda o: o["body"]["modulus_proof"]["sigmas"].pop()),
    ("key_modulus_proof_width", "referendum", "key", setter("body.modulus_proof.fac.z1", "00")),
    ("key_entry_of_another_election", "referendum", "key", setter("election", "other-election")),
    ("key_entry_kind", "referendum", "key", setter("kind", "roll.published")),
]

# Accepted by both: an unknown-width title of astral characters (Python counts code points, not UTF-16 units).
ACCEPTED: list[tuple[str, str, str, Callable[[dict[str, Any]], None]]] = [
    ("title_astral_characters", "referendum", "created", setter(f"{DEFINITION}.title", "\U0001d11e" * 200)),
    ("window_forwards", "referendum", "created", lambda o: o["body"]["election"].update(opens_at=10, closes_at=11)),
]


def test_contexts_equal_python(elections: dict[str, factories.TestElection]) -> None:
    cases = [entries(elections[k]) for k in KINDS]
    payload = [{"created": c.to_bytes().hex(), "key": k.to_bytes().hex()} for c, k in cases]
    out = run_ts("test/drivers/election.ts", {"cases": payload, "fingerprints": []})
    for (created, key), got in zip(cases, out["contexts"], strict=True):
        assert got == {"ok": python_context(created.to_bytes(), key.to_bytes())}


def _mutated(
    elections: dict[str, factories.TestElection], kind: str, which: str, change: Callable[..., None]
) -> list[bytes]:
    created, key = entries(elections[kind])
    c = reencode(created, change) if which == "created" else created.to_bytes()
    k = reencode(key, change) if which == "key" else key.to_bytes()
    if which == "created":  # keep the key bound to the (mutated) election instance, so only the change is tested
        k = reencode(key, setter("body.election_hash", hashlib.sha256(c).hexdigest()))
    return [c, k]


def test_refusals_agree_with_python(elections: dict[str, factories.TestElection]) -> None:
    cases = [_mutated(elections, kind, which, change) for _, kind, which, change in MUTATIONS + ACCEPTED]
    out = run_ts(
        "test/drivers/election.ts",
        {"cases": [{"created": c.hex(), "key": k.hex()} for c, k in cases], "fingerprints": []},
    )
    for (name, *_), (created, key), got in zip(MUTATIONS + ACCEPTED, cases, out["contexts"], strict=True):
        try:
            expected = python_context(created, key)
        except (VotingError, CryptoError):  # an even n escapes Python's parse as crypto's InvalidKey
            assert "error" in got, f"{name}: Python refuses, TypeScript accepts"
            assert got["error"] in ("EncodingError", "InvalidElection"), (name, got)
        else:
            assert name in {a[0] for a in ACCEPTED}, f"{name}: Python accepts this mutation"
            assert got == {"ok": expected}, name


def test_fingerprints_parse_as_in_python() -> None:
    typed = ["k7qxm 2d4na wb6rt yh3ce", "K7QXM-2D4NA-WB6RT-YH3C", "K7QXM-2D4NA-WB6RT-YH3C1", "-K7QXM2D4NAWB6RTYH3CE-"]
    out = run_ts("test/drivers/election.ts", {"cases": [], "fingerprints": typed})
    for text, got in zip(typed, out["fingerprints"], strict=True):
        try:
            assert got == {"ok": parse_fingerprint(text)}
        except VotingError:
            assert got["error"] == "EncodingError"

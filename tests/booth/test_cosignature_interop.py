"""Witness cosignatures (docs/protocol.md §P17) cross the two implementations: notes cosigned in Python open in the
booth (booth/src/crypto/note.ts) with the same verdict as in crypto.cosignature (quorum met, quorum - 1, duplicate
counted once, unknown signer ignored, bad, wrong key, tampered timestamp, another body), the booth's cosignature
lines verify in Python, and the booth reads an election's witnesses and quorum as voting.election does."""

from __future__ import annotations

from typing import Any

import pytest

from crypto.cosignature import Cosigner, CosignerVerifier, add_signature_lines, open_cosigned_checkpoint
from crypto.errors import CryptoError, InvalidKey, InvalidSignature
from crypto.merkle import MerkleTree, leaf_hash
from crypto.note import Checkpoint, NoteSigner, SignatureLine, sign_checkpoint, split_signed_note
from tests.booth.node import requires_node, run_ts
from tests.factories import make_election

pytestmark = requires_node

DRIVER = "test/drivers/cosign.ts"
T0 = 1_764_662_400


def _cp(size: int) -> Checkpoint:
    return Checkpoint(
        "linli.test/e", size, MerkleTree.from_leaf_hashes([leaf_hash(bytes([i])) for i in range(size)]).root()
    )


def _python_verdict(note: bytes, log: NoteSigner, ws: list[CosignerVerifier], quorum: int) -> dict[str, Any]:
    try:
        cp, found = open_cosigned_checkpoint(note, log.verifier(), ws, quorum)
    except InvalidSignature:
        return {"ok": False, "kind": "signature"}
    except InvalidKey:
        return {"ok": False, "kind": "key"}
    except CryptoError:
        return {"ok": False, "kind": "decoding"}
    return {"ok": True, "size": cp.size, "witnesses": sorted(c.witness.name for c in found)}


def test_cosignatures_verify_alike_in_both(safe_primes_1024: tuple[int, int]) -> None:
    log = NoteSigner.generate("linli.test")
    ws = [Cosigner.from_private_bytes(f"witness.test/w{i}", bytes([i + 1]) * 32) for i in range(3)]
    vs = [w.verifier() for w in ws]
    cp, other = _cp(5), _cp(6)
    body = cp.to_body()
    base = sign_checkpoint(cp, log)
    good = [w.cosign(body, T0 + i) for i, w in enumerate(ws)]
    flipped = SignatureLine(good[0].name, good[0].key_id, good[0].signature[:-1] + bytes([good[0].signature[-1] ^ 1]))
    moved = SignatureLine(good[0].name, good[0].key_id, (T0 + 9).to_bytes(8, "big") + good[0].signature[8:])
    wrong_key = SignatureLine(ws[1].name, vs[1].key_id, good[0].signature)
    other_body = ws[0].cosign(other.to_body(), T0)
    stranger = Cosigner.generate("stranger").cosign(body, T0)
    cases: list[tuple[bytes, int]] = [
        (add_signature_lines(base, good[:2]), 2),  # quorum met
        (add_signature_lines(base, good[:2]), 3),  # quorum - 1
        (add_signature_lines(base, [good[0], ws[0].cosign(body, T0 + 5)]), 2),  # a duplicate counts once
        (add_signature_lines(base, [good[0], stranger]), 1),  # an unknown signer is ignored
        (add_signature_lines(base, [good[0], stranger]), 2),
        (add_signature_lines(base, [flipped, good[1]]), 1),  # a bad cosignature by a named witness
        (add_signature_lines(base, [moved]), 1),  # timestamp tampered
        (add_signature_lines(base, [wrong_key]), 1),  # wrong key
        (add_signature_lines(base, [other_body]), 1),  # another checkpoint's cosignature
        (base, 0),  # no witnesses needed
    ]
    seeds = [(bytes([i + 40]) * 32, f"ts.test/w{i}") for i in range(2)]
    definition = make_election(safe_primes_1024, voters=2, witnesses=tuple(vs), witness_quorum=2)
    d_json = definition.state.require_definition().to_json()
    no_witnesses = make_election(safe_primes_1024, voters=2).state.require_definition().to_json()
    out = run_ts(
        DRIVER,
        {
            "open": [
                {
                    "note": n.decode(),
                    "log": log.verifier().to_vkey(),
                    "witnesses": [v.to_vkey() for v in vs],
                    "quorum": q,
                }
                for n, q in cases
            ],
            "sign": [{"seed": s.hex(), "name": name, "body": body.decode(), "timestamp": str(T0)} for s, name in seeds],
            "definitions": [d_json, no_witnesses, {**d_json, "witnesses": []}, {**d_json, "witness_quorum": 4}],
        },
    )
    want = [_python_verdict(n, log, vs, q) for n, q in cases]
    assert out["opened"] == want
    assert [v["ok"] for v in want] == [True, False, False, True, False, False, False, False, False, True]
    # the booth's lines verify in Python, exactly as Python's own
    ts_ws = [Cosigner.from_private_bytes(name, s) for s, name in seeds]
    note = base + "".join(out["signed"]).encode()
    _, found = open_cosigned_checkpoint(note, log.verifier(), [w.verifier() for w in ts_ws], 2)
    assert sorted(c.timestamp for c in found) == [T0, T0]
    assert [line.to_line().decode() for line in split_signed_note(note)[1][1:]] == [
        w.cosign(body, T0).to_line().decode()
        for w in ts_ws  # Ed25519 is deterministic: byte for byte
    ]
    d_ok, plain, empty, too_many = out["definitions"]
    assert d_ok == {"ok": True, "witnesses": [v.to_vkey() for v in vs], "quorum": 2}
    assert plain == {"ok": True, "witnesses": [], "quorum": 0}
    assert not empty["ok"] and not too_many["ok"]


@pytest.mark.parametrize("quorum", [0, 4])
def test_python_refuses_the_same_definitions(safe_primes_1024: tuple[int, int], quorum: int) -> None:
    from voting.election import ElectionDefinition
    from voting.errors import VotingError

    vs = tuple(Cosigner.generate(f"w{i}").verifier() for i in range(3))
    d = make_election(safe_primes_1024, voters=2, witnesses=vs, witness_quorum=2).state.require_definition().to_json()
    with pytest.raises(VotingError):
        ElectionDefinition.from_json({**d, "witness_quorum": quorum})
    with pytest.raises(VotingError):
        ElectionDefinition.from_json({**d, "witnesses": []})


def test_the_booth_confirms_a_receipt_only_with_the_quorum(safe_primes_1024: tuple[int, int]) -> None:
    """booth/src/crypto/receipt.ts checkReceiptWitnessed (what api.ts checkReceipt does when the election names
    witnesses) gives client.api's verdicts: cosigned, pending (no cosigned checkpoint, or one before the entry),
    and refused (quorum - 1, cosignatures of a fork)."""
    from tests.booth.context_support import ServedLog, receipt_for, ts_expected, ts_fetched
    from voting.election import fingerprint

    ws = [Cosigner.generate(f"witness.test/w{i}") for i in range(3)]
    e = make_election(
        safe_primes_1024,
        voters=3,
        election_id="booth-witnessed",
        witnesses=tuple(w.verifier() for w in ws),
        witness_quorum=2,
    )
    e.vote(0, 0)
    e.vote(1, 1)
    log = ServedLog(e.election_id, NoteSigner.generate("linli.test/log"), [x.to_bytes() for x in e.entries])
    size = len(log.entries)
    fp = fingerprint(e.state.election_hash)
    tree = log.tree()
    ballot = size - 1
    receipt = receipt_for(log, ballot)

    def cosigned(n: int, signers: list[Cosigner], note: bytes | None = None) -> bytes:
        note = note or log.sign(n)
        body = split_signed_note(note)[0]
        return add_signature_lines(note, [w.cosign(body, T0) for w in signers])

    fork = log.with_entries([*log.entries[:-1], e.ballot_entry(2, 2).to_bytes()], resign=False)

    def case(note: bytes | None, n: int) -> dict[str, Any]:
        ok = note is not None and n >= receipt.tree_size
        return {
            "op": "receipt_witnessed",
            "receipt": receipt.to_json(),
            "fetched": ts_fetched(log),
            "expected": ts_expected(fp),
            "cosigned": None if note is None else note.hex(),
            "consistency": [],
            "inclusion": [h.hex() for h in tree.inclusion_proof(ballot, n)] if ok else [],
        }

    cases = [
        case(cosigned(size, ws[:2]), size),  # cosigned
        case(None, 0),  # the server has no cosigned checkpoint
        case(cosigned(size - 1, ws), size - 1),  # cosigned, but before the entry
        case(cosigned(size, ws[:1]), size),  # quorum - 1
        case(cosigned(size, ws, fork.sign(size)), size),  # the witnesses cosigned a fork: not this log
    ]
    results = run_ts("test/drivers/context.ts", {"cases": cases})["results"]
    assert results[0] == {"ok": {"status": "cosigned", "size": size}}
    assert results[1] == {"ok": {"status": "pending", "size": None}}
    assert results[2] == {"ok": {"status": "pending", "size": size - 1}}
    assert results[3]["error"] == "ReceiptInvalid" and "witness cosignatures" in results[3]["message"]
    assert results[4]["error"] == "ReceiptInvalid"
    # Python agrees on the quorum
    v = log.signer.verifier()
    open_cosigned_checkpoint(cosigned(size, ws[:2]), v, [w.verifier() for w in ws], 2)
    with pytest.raises(InvalidSignature):
        open_cosigned_checkpoint(cosigned(size, ws[:1]), v, [w.verifier() for w in ws], 2)

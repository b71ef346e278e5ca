"""Witnesses (docs/protocol.md §P17): `linli witness` over a real server (SQLite and PostgreSQL), the server's
cosignature RPC, receipts pending witnesses, the verifier's quorum check, and a split view caught."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from client.api import LinliClient, Receipt
from client.errors import ReceiptInvalid, ReceiptPending
from client.verifier import check_record
from crypto.cosignature import Cosigner, CosignerVerifier, QuorumNotMet, add_signature_lines, open_cosigned_checkpoint
from crypto.errors import InvalidSignature
from crypto.note import Checkpoint, NoteSigner, open_checkpoint, sign_checkpoint, split_signed_note
from server.ledger import Appended
from server.service import ElectionService
from tests import factories
from tests.client.cli_support import run
from tests.factories import MODULUS_BITS, make_election, make_record
from tests.server.conftest import start_service, submit
from wire import linli_pb2 as pb
from wire import linli_pb2_grpc as pb_grpc

E = "witnessed"
T0 = 1_764_662_400


@dataclass
class Server:
    service: ElectionService
    server: grpc.Server
    address: str
    channel: grpc.Channel

    @property
    def stub(self) -> pb_grpc.LinliStub:
        return pb_grpc.LinliStub(self.channel)

    def client(self) -> LinliClient:
        return LinliClient(self.channel, timeout=30)

    def stop(self) -> None:
        self.channel.close()
        self.server.stop(None)
        self.service.close()


@contextlib.contextmanager
def serve(url: str, signer: NoteSigner, election: factories.TestElection) -> Iterator[Server]:
    service, server, port = start_service(url, signer)
    for entry in election.entries:
        submit(service, entry)
    running = Server(service, server, f"127.0.0.1:{port}", grpc.insecure_channel(f"127.0.0.1:{port}"))
    try:
        yield running
    finally:
        running.stop()


def _witness_key(capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str) -> tuple[Path, str]:
    path = tmp_path / f"{name.replace('/', '_')}.json"
    code, out, _ = run(capsys, "keygen", "--role", "witness", "--name", name, "--out", str(path))
    assert code == 0
    return path, out.strip()


def test_keygen_makes_a_witness_key_and_key_show_prints_its_vkey(tmp_path: Path, capsys) -> None:
    path, vkey = _witness_key(capsys, tmp_path, "witness.test/show")
    assert CosignerVerifier.from_vkey(vkey).name == "witness.test/show"
    code, out, _ = run(capsys, "key", "show", str(path))
    assert code == 0 and out.strip() == vkey
    code, _, err = run(capsys, "keygen", "--role", "witness", "--out", str(tmp_path / "x.json"))
    assert code == 2 and "--name" in err
    code, _, err = run(capsys, "keygen", "--role", "witness", "--name", "bad name", "--out", str(tmp_path / "y.json"))
    assert code == 2
    # an identity key is not a witness key
    run(capsys, "keygen", "--role", "voter", "--out", str(tmp_path / "voter.json"))
    code, _, err = run(
        capsys,
        "witness",
        "--server",
        "127.0.0.1:1",
        "--all",
        "--key",
        str(tmp_path / "voter.json"),
        "--state",
        str(tmp_path / "s.json"),
        "--once",
    )
    assert code == 2 and "not a witness key" in err


@pytest.fixture
def keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> list[tuple[Path, str]]:
    return [_witness_key(capsys, tmp_path, f"witness.test/w{i}") for i in (1, 2)]


def _election(primes: tuple[int, int], keys: list[tuple[Path, str]], quorum: int = 2) -> factories.TestElection:
    from crypto.cosignature import CosignerVerifier

    witnesses = tuple(CosignerVerifier.from_vkey(vkey) for _, vkey in keys)
    return make_election(primes, voters=3, election_id=E, witnesses=witnesses, witness_quorum=quorum)


def _witness(capsys: pytest.CaptureFixture[str], address: str, key: Path, state: Path) -> tuple[int, str, str]:
    return run(
        capsys, "witness", "--server", address, "--election", E, "--key", str(key), "--state", str(state), "--once"
    )


def _receipt(a: Appended) -> Receipt:
    return Receipt(a.election_id, a.index, a.leaf_hash, a.size, a.inclusion_proof, a.checkpoint)


def _cast(s: Server, e: factories.TestElection, voter: int, choice: int) -> Receipt:
    from voting.encoding import canonical

    return _receipt(s.service.cast_ballot(E, canonical(e.ballot_entry(voter, choice).body)))


# -- the witness CLI over a real server, SQLite and PostgreSQL --------------------------------------------------------
def test_witnesses_cosign_and_clients_need_the_quorum(
    db_url: str, safe_primes_1024: tuple[int, int], keys: list[tuple[Path, str]], tmp_path: Path, capsys
) -> None:
    e = _election(safe_primes_1024, keys)
    with serve(db_url, NoteSigner.generate("linli-test"), e) as s:
        client, d = s.client(), e.state.require_definition()
        with pytest.raises(ReceiptPending):  # no cosignature yet
            client.cosigned_checkpoint(E, d)
        code, out, err = _witness(capsys, s.address, keys[0][0], tmp_path / "w1.state")
        assert code == 0, err
        assert f"cosigned size {len(e.entries)}" in out
        with pytest.raises(ReceiptPending):  # one of two
            client.cosigned_checkpoint(E, d)
        note = s.stub.GetCheckpoint(pb.CheckpointRequest(election_id=E)).note
        assert len(split_signed_note(note)[1]) == 2  # the log's signature and w1's cosignature
        assert _witness(capsys, s.address, keys[1][0], tmp_path / "w2.state")[0] == 0
        cp, _ = client.cosigned_checkpoint(E, d)
        assert cp.size == len(e.entries)

        receipt = _cast(s, e, 0, 1)  # a fresh receipt is pending witnesses
        with pytest.raises(ReceiptPending):
            client.check_receipt_witnessed(receipt, d)
        for i, (key, _) in enumerate(keys):
            assert _witness(capsys, s.address, key, tmp_path / f"w{i + 1}.state")[0] == 0
        assert client.check_receipt_witnessed(receipt, d).size == receipt.tree_size
        # the states hold the last checkpoint each witness cosigned
        state = json.loads((tmp_path / "w1.state").read_text())
        (held,) = state["logs"].values()
        assert open_checkpoint(held.encode(), s.service.ledger.signer.verifier()).size == receipt.tree_size

        # check-receipt on the command line: OK once cosigned; pending for a newer ballot
        path = tmp_path / "receipt.json"
        path.write_text(json.dumps({"type": "linli-receipt", **receipt.to_json()}))
        code, out, err = run(
            capsys,
            "voter",
            "check-receipt",
            "--min-modulus-bits",
            "1024",
            "--server",
            s.address,
            "--receipt",
            str(path),
        )
        assert code == 0, err
        assert "witnesses cosigned" in out
        later = _cast(s, e, 1, 0)
        path.write_text(json.dumps({"type": "linli-receipt", **later.to_json()}))
        code, out, err = run(
            capsys,
            "voter",
            "check-receipt",
            "--min-modulus-bits",
            "1024",
            "--server",
            s.address,
            "--receipt",
            str(path),
        )
        assert code == 1 and "PENDING witnesses" in err


def test_add_cosignature_refuses_what_could_never_count(
    db_url: str, safe_primes_1024: tuple[int, int], keys: list[tuple[Path, str]], tmp_path: Path
) -> None:
    from client.keystore import load_witness_key

    e = _election(safe_primes_1024, keys)
    with serve(db_url, NoteSigner.generate("linli-test"), e) as s:
        size = len(e.entries)
        body = Checkpoint.from_body(split_signed_note(s.service.ledger.checkpoint(E))[0]).to_body()
        w1 = load_witness_key(keys[0][0])

        def add(lines: bytes, tree_size: int = size, election: str = E) -> grpc.StatusCode:
            try:
                s.stub.AddCosignature(
                    pb.AddCosignatureRequest(election_id=election, tree_size=tree_size, cosignature=lines)
                )
            except grpc.RpcError as err:
                return err.code()
            return grpc.StatusCode.OK

        assert add(Cosigner.generate("stranger").cosign(body, T0).to_line()) == grpc.StatusCode.PERMISSION_DENIED
        good = w1.cosign(body, T0)
        forged = good.signature[:-1] + bytes([good.signature[-1] ^ 1])
        bad = type(good)(good.name, good.key_id, forged).to_line()
        assert add(bad) == grpc.StatusCode.INVALID_ARGUMENT
        assert add(b"not a signature line\n") == grpc.StatusCode.INVALID_ARGUMENT
        assert add(good.to_line(), tree_size=size + 1) == grpc.StatusCode.OUT_OF_RANGE
        assert add(good.to_line(), tree_size=size - 1) == grpc.StatusCode.INVALID_ARGUMENT  # another checkpoint's body
        assert add(good.to_line()) == grpc.StatusCode.OK
        assert add(good.to_line()) == grpc.StatusCode.OK  # idempotent: still one line for w1
        note = s.stub.GetCheckpoint(pb.CheckpointRequest(election_id=E)).note
        assert len(split_signed_note(note)[1]) == 2


def test_an_election_without_witnesses_is_unchanged(safe_primes_1024: tuple[int, int], tmp_path: Path, capsys) -> None:
    e = make_election(safe_primes_1024, voters=3, election_id=E)
    assert "witnesses" not in e.state.require_definition().to_json()
    with serve(f"sqlite:///{tmp_path / 'db.sqlite'}", NoteSigner.generate("linli-test"), e) as s:
        try:
            s.stub.AddCosignature(pb.AddCosignatureRequest(election_id=E, tree_size=1, cosignature=b"x"))
            raise AssertionError("accepted")
        except grpc.RpcError as err:
            assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
        # cosigned=True is the newest checkpoint, as before witnesses
        note = s.stub.GetCheckpoint(pb.CheckpointRequest(election_id=E, cosigned=True)).note
        assert note == s.service.ledger.checkpoint(E)
        key, _ = _witness_key(capsys, tmp_path, "witness.test/w9")
        code, _, err = _witness(capsys, s.address, key, tmp_path / "w9.state")
        assert code == 0 and "does not name" in err
        assert not (tmp_path / "w9.state").exists()  # nothing cosigned, nothing to remember


# -- crash-safe state ----------------------------------------------------------------------------------------------
def test_state_is_written_before_the_cosignature_leaves_and_survives_a_crash(
    safe_primes_1024: tuple[int, int], keys: list[tuple[Path, str]], tmp_path: Path, capsys, monkeypatch
) -> None:
    e = _election(safe_primes_1024, keys)
    state = tmp_path / "w1.state"
    with serve(f"sqlite:///{tmp_path / 'db.sqlite'}", NoteSigner.generate("linli-test"), e) as s:

        def crash(*args: object, **kwargs: object) -> bytes:
            assert state.exists()  # persisted first (tlog-witness)
            raise KeyboardInterrupt  # the process dies between saving and posting

        monkeypatch.setattr(LinliClient, "add_cosignature", crash)
        assert _witness(capsys, s.address, keys[0][0], state)[0] == 130
        monkeypatch.undo()
        assert not state.with_name(state.name + ".tmp").exists()
        # a torn temporary file from an earlier crash does not matter: the state is the renamed file
        state.with_name(state.name + ".tmp").write_text("{ torn")
        assert _witness(capsys, s.address, keys[0][0], state)[0] == 0
        note = s.stub.GetCheckpoint(pb.CheckpointRequest(election_id=E)).note
        assert len(split_signed_note(note)[1]) == 2
        # a damaged state file is refused and left as it is, never replaced by a fresh (forgetful) one
        state.write_text("{ damaged")
        code, _, err = _witness(capsys, s.address, keys[0][0], state)
        assert code == 2 and "unreadable witness state" in err
        assert state.read_text() == "{ damaged"


# -- the split view ------------------------------------------------------------------------------------------------
def test_split_view_is_caught(
    safe_primes_1024: tuple[int, int], keys: list[tuple[Path, str]], tmp_path: Path, capsys
) -> None:
    """A malicious operator runs two forks of one election's log under one log key (in-process: two ledgers) and
    shows fork A to voter A and the witnesses, fork B to voter B."""
    e = _election(safe_primes_1024, keys)
    signer = NoteSigner.generate("linli-test")
    d = e.state.require_definition()
    w1, w2 = (tmp_path / "w1.state"), (tmp_path / "w2.state")
    with (
        serve(f"sqlite:///{tmp_path / 'a.sqlite'}", signer, e) as a,
        serve(f"sqlite:///{tmp_path / 'b.sqlite'}", signer, e) as b,
    ):
        receipt_a = _cast(a, e, 0, 0)
        receipt_b = _cast(b, e, 1, 1)  # same size, another entry: a different root under the same key and origin
        assert receipt_a.tree_size == receipt_b.tree_size and receipt_a.checkpoint != receipt_b.checkpoint
        for key, state in ((keys[0][0], w1), (keys[1][0], w2)):
            assert _witness(capsys, a.address, key, state)[0] == 0
        a.client().check_receipt_witnessed(receipt_a, d)  # voter A: confirmed

        # The honest witness w1 is then shown fork B: it refuses, keeps its state, and reports both checkpoints.
        before = w1.read_text()
        code, _, err = _witness(capsys, b.address, keys[0][0], w1)
        assert code == 1 and "WITNESS REFUSED" in err and "FORK" in err
        state = json.loads(w1.read_text())
        assert state["logs"] == json.loads(before)["logs"]
        (fork,) = state["forks"]
        log = signer.verifier()
        seen_a = open_checkpoint(fork["cosigned"].encode(), log)
        seen_b = open_checkpoint(fork["presented"].encode(), log)
        assert seen_a.origin == seen_b.origin and seen_a.size == seen_b.size and seen_a.root_hash != seen_b.root_hash
        assert _witness(capsys, b.address, keys[0][0], w1)[0] == 1  # and again: never cosigns B
        assert len(json.loads(w1.read_text())["forks"]) == 1  # the same evidence once

        # Fork B grows: still inconsistent with what w1 cosigned.
        _cast(b, e, 2, 0)
        assert _witness(capsys, b.address, keys[0][0], w1)[0] == 1

        # Voter B never gets a checkpoint with the quorum: B holds no cosignature...
        with pytest.raises(ReceiptPending):
            b.client().check_receipt_witnessed(receipt_b, d)
        code, _, err = run(
            capsys,
            "voter",
            "check-receipt",
            "--min-modulus-bits",
            "1024",
            "--server",
            b.address,
            "--receipt",
            str(_save(tmp_path, receipt_b)),
        )
        assert code == 1 and "PENDING" in err
        # ...the cosignatures of fork A do not verify on B's checkpoint...
        lines = split_signed_note(a.stub.GetCheckpoint(pb.CheckpointRequest(election_id=E)).note)[1][1:]
        pasted = add_signature_lines(receipt_b.checkpoint, lines)
        with pytest.raises(InvalidSignature):
            open_cosigned_checkpoint(pasted, log, d.witnesses, d.witness_quorum)
        # ...and A's cosigned checkpoint does not include voter B's ballot.
        cosigned_a = a.stub.GetCheckpoint(pb.CheckpointRequest(election_id=E, cosigned=True)).note
        forged = Receipt(
            E, receipt_b.leaf_index, receipt_b.leaf_hash, receipt_a.tree_size, receipt_a.inclusion_proof, cosigned_a
        )
        with pytest.raises(ReceiptInvalid):
            forged.verify(log, a.client().origin(E))

        # A witness that only ever sees fork B (w2 is shown B from scratch) cosigns it, but one is not a quorum.
        fresh = tmp_path / "w2-b.state"
        assert _witness(capsys, b.address, keys[1][0], fresh)[0] == 0
        with pytest.raises(ReceiptPending):
            b.client().cosigned_checkpoint(E, d)


def _save(tmp_path: Path, receipt: Receipt) -> Path:
    path = tmp_path / "receipt-b.json"
    path.write_text(json.dumps({"type": "linli-receipt", **receipt.to_json()}))
    return path


# -- the verifier ------------------------------------------------------------------------------------------------
def _finished(primes: tuple[int, int], witnesses: tuple[Cosigner, ...], quorum: int) -> factories.TestElection:
    e = make_election(
        primes, voters=3, election_id=E, witnesses=tuple(w.verifier() for w in witnesses), witness_quorum=quorum
    )
    for voter in range(3):
        e.vote(voter, voter % 2)
    e.close()
    e.decrypt([1, 2, 3])
    return e


def test_verifier_requires_the_quorum_on_the_final_checkpoint(safe_primes_1024: tuple[int, int]) -> None:
    ws = tuple(Cosigner.generate(f"w{i}") for i in range(3))
    e = _finished(safe_primes_1024, ws, 2)
    signer = NoteSigner.generate("linli-test")
    entries = [x.to_bytes() for x in e.entries]
    record = make_record(entries, signer, election_id=E, checkpoint_sizes=[3, len(entries)])
    step2 = lambda r: check_record(r, min_modulus_bits=MODULUS_BITS, workers=1).steps[1]  # noqa: E731

    def cosign(note: bytes, signers: tuple[Cosigner, ...]) -> bytes:
        body = split_signed_note(note)[0]
        return add_signature_lines(note, [w.cosign(body, T0) for w in signers])

    def with_last(note: bytes) -> object:
        return type(record)(
            record.election_id, record.origin, record.log_key, (record.checkpoints[0], note), record.entries
        )

    last = record.checkpoints[-1]
    assert not step2(record).passed and "0 of the 2" in step2(record).errors[0]
    assert not step2(with_last(cosign(last, ws[:1]))).passed  # quorum - 1
    assert not step2(with_last(cosign(last, (ws[0], ws[0])))).passed  # a duplicate counts once
    assert not step2(with_last(cosign(last, (ws[0], Cosigner.generate("w1"))))).passed  # an impostor is ignored
    ok = step2(with_last(cosign(last, ws[:2])))
    assert ok.passed and "cosigned by 2 witnesses (quorum 2 of 3)" in ok.detail
    report = check_record(with_last(cosign(last, ws)), min_modulus_bits=MODULUS_BITS, workers=1)
    assert report.passed, report.render()
    # a bad cosignature by a named witness, on any checkpoint, fails the step
    good = ws[2].cosign(split_signed_note(record.checkpoints[0])[0], T0)
    bad = type(good)(good.name, good.key_id, good.signature[:8] + bytes(64))
    broken = type(record)(
        record.election_id,
        record.origin,
        record.log_key,
        (add_signature_lines(record.checkpoints[0], [bad]), cosign(last, ws)),
        record.entries,
    )
    assert not step2(broken).passed


def test_verifier_says_no_witnesses(safe_primes_1024: tuple[int, int]) -> None:
    e = _finished(safe_primes_1024, (), 0)
    entries = [x.to_bytes() for x in e.entries]
    report = check_record(
        make_record(entries, NoteSigner.generate("linli-test"), election_id=E), min_modulus_bits=MODULUS_BITS, workers=1
    )
    assert report.passed and "no witnesses" in report.steps[1].detail


def test_quorum_not_met_is_an_invalid_signature() -> None:
    assert issubclass(QuorumNotMet, InvalidSignature)


def test_open_checkpoint_ignores_cosignature_lines() -> None:
    signer = NoteSigner.generate("log")
    cp = Checkpoint("o/e", 1, bytes(32))
    note = add_signature_lines(sign_checkpoint(cp, signer), [Cosigner.generate("w").cosign(cp.to_body(), T0)])
    assert open_checkpoint(note, signer.verifier()) == cp


def test_a_witnessed_election_end_to_end_verifies_once_the_final_checkpoint_is_cosigned(
    safe_primes_1024: tuple[int, int], keys: list[tuple[Path, str]], tmp_path: Path, capsys
) -> None:
    """Vote, close, decrypt on a real server; `linli witness --all` cosigns; the exported record verifies only once
    the checkpoint after the result has the quorum (`linli export` warns before)."""
    e = _election(safe_primes_1024, keys)
    with serve(f"sqlite:///{tmp_path / 'db.sqlite'}", NoteSigner.generate("linli-test"), e) as s:
        for voter in range(3):
            submit(s.service, e.vote(voter, voter % 2))
        e.close()
        submit(s.service, e.entries[-2])  # the close; the server appends the same tally itself
        for t in (1, 2, 3):
            submit(s.service, e.append(e.share_entry(t)))
        assert s.service.ledger.size(E) == len(e.entries) + 1  # and the result
        for i, (key, _) in enumerate(keys[:1]):
            code, out, err = run(
                capsys,
                "witness",
                "--server",
                s.address,
                "--all",
                "--key",
                str(key),
                "--state",
                str(tmp_path / f"w{i}.state"),
                "--once",
            )
            assert code == 0 and f"election {E}: cosigned size {len(e.entries) + 1}" in out, err
        out_dir = tmp_path / "record"
        code, _, err = run(capsys, "export", "--server", s.address, "--election", E, "--out", str(out_dir))
        assert code == 0 and "1 of the 2 witness cosignatures" in err
        code, _, err = run(capsys, "verify", str(out_dir), "--min-modulus-bits", "1024")
        assert code == 1
        run(
            capsys,
            "witness",
            "--server",
            s.address,
            "--all",
            "--key",
            str(keys[1][0]),
            "--state",
            str(tmp_path / "w1.state"),
            "--once",
        )
        code, _, err = run(capsys, "export", "--server", s.address, "--election", E, "--out", str(out_dir))
        assert code == 0 and "warning" not in err
        code, out, err = run(capsys, "verify", str(out_dir), "--min-modulus-bits", "1024")
        assert code == 0, out + err
        assert "cosigned by 2 witnesses (quorum 2 of 2)" in out


def test_admin_create_names_the_witnesses(keys: list[tuple[Path, str]], tmp_path: Path, capsys) -> None:
    from tests.client.cli_support import serving
    from voting.records import Entry
    from voting.statements import ElectionCreated

    ids = {}
    for role in ("admin", "registrar", "t1"):
        code, out, _ = run(
            capsys, "keygen", "--role", "trustee" if role == "t1" else role, "--out", str(tmp_path / f"{role}.json")
        )
        ids[role] = out.strip()
    with serving(f"sqlite:///{tmp_path / 'db.sqlite'}", 1024) as address:
        base = [
            "admin", "create", "--server", address, "--key", str(tmp_path / "admin.json"), "--title", "T",
            "--question", "Q?", "--threshold", "1", "--registrar-key", ids["registrar"], "--modulus-bits", "1024",
            "--trustee-key", ids["t1"], "--min-modulus-bits", "1024",
        ]  # fmt: skip
        code, _, err = run(capsys, *base, "--election", "bad-witness", "--witness", "nope+00000000+AAAA")
        assert code == 2 and "not a witness verifier key" in err
        code, _, err = run(capsys, *base, "--election", "w-quorum", "--witness", keys[0][1], "--witness-quorum", "2")
        assert code == 2 and "witness_quorum" in err
        code, _, err = run(capsys, *base, "--election", "w-dup", "--witness", keys[0][1], "--witness", keys[0][1])
        assert code == 2 and "its own name" in err
        w = ["--witness", keys[0][1], "--witness", keys[1][1]]
        code, _, err = run(capsys, *base, "--election", "w-ok", *w, "--witness-quorum", "1")
        assert code == 0, err
        channel = grpc.insecure_channel(address)
        first = pb_grpc.LinliStub(channel).GetEntries(pb.EntriesRequest(election_id="w-ok", limit=1)).entries[0]
        d = ElectionCreated.from_json(Entry.from_bytes(first).body).definition
        assert [v.to_vkey() for v in d.witnesses] == [keys[0][1], keys[1][1]] and d.witness_quorum == 1
        channel.close()

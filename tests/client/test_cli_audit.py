"""``linli verify-audit``: a ballot opened for an audit checks against the verified election; the command prints the
ballot hash, the choice in words and that the ballot is spoiled; a wrong opening, an opened ballot that was cast
anyway and a wrong fingerprint fail (exit 1); a file that is not an opening is bad input (exit 2)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from client.api import LinliClient
from crypto import paillier
from tests import factories
from tests.client.cli_support import run, serving
from tests.factories import MODULUS_BITS, make_election
from voting.audit import open_ballot
from voting.ballot import build_ballot
from voting.election import fingerprint


@pytest.fixture
def served(tmp_path: Path, safe_primes_1024: tuple[int, int]) -> Iterator[tuple[str, factories.TestElection]]:
    e = make_election(safe_primes_1024, kind="committee", election_id="audit-cli", voters=2)
    with serving(f"sqlite:///{tmp_path / 'audit.db'}", MODULUS_BITS) as address:
        with grpc.insecure_channel(address) as channel:
            client = LinliClient(channel, min_modulus_bits=MODULUS_BITS)
            for entry in e.entries:
                client.submit(entry)
        yield address, e


def _opening(e: factories.TestElection, choice: list[int]) -> tuple[dict[str, Any], bytes]:
    randomness = [paillier.random_exponent(e.context.paillier_key) for _ in e.context.contest_allowed()]
    ballot = build_ballot(e.context, choice, e.voters[0], randomness=randomness)
    return open_ballot(e.context, ballot, choice, randomness), ballot.to_bytes(e.context)


def _audit(capsys: pytest.CaptureFixture[str], address: str, path: Path, *extra: str) -> tuple[int, str, str]:
    argv = ["verify-audit", "--server", address, "--min-modulus-bits", str(MODULUS_BITS), "--election", "audit-cli"]
    return run(capsys, *argv, "--opening", str(path), "--pins", str(path.parent / "pins.json"), *extra)


def test_verify_audit(
    served: tuple[str, factories.TestElection], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    address, e = served
    opening, ballot_bytes = _opening(e, [1, 3])
    path = tmp_path / "opening.json"
    path.write_text(json.dumps(opening, indent=2))
    fp = fingerprint(e.state.election_hash)
    code, out, err = _audit(capsys, address, path, "--expect", fp, "--lang", "en")
    assert code == 0, err
    assert "ballot hash: " in out and "choice: Li, Liu" in out
    assert "this ballot was spoiled: it is not counted" in out
    code, out, _ = _audit(capsys, address, path, "--lang", "zh")
    assert code == 0 and "choice: Li、Liu" in out

    wrong = copy.deepcopy(opening)
    wrong["choice"] = [1]
    path.write_text(json.dumps(wrong))
    code, out, err = _audit(capsys, address, path)
    assert code == 1 and "this audit FAILS" in err and "ciphertext 3 is not the encryption" in err
    assert "spoiled" not in out

    path.write_text(json.dumps(opening))
    code, _, err = _audit(capsys, address, path, "--expect", "AAAAA-AAAAA-AAAAA-AAAAA")
    assert code == 1 and "not the election on the notice board" in err

    path.write_text(json.dumps({"type": "linli-receipt"}))
    code, _, err = _audit(capsys, address, path)
    assert code == 2 and "not a linli-ballot-opening file" in err
    path.write_text(json.dumps({**opening, "randomness": opening["randomness"][1:]}))
    code, _, err = _audit(capsys, address, path)
    assert code == 2 and "opening.randomness" in err

    # The booth must never cast an opened ballot; if one was cast anyway, the audit says so and fails.
    with grpc.insecure_channel(address) as channel:
        LinliClient(channel, min_modulus_bits=MODULUS_BITS).cast_ballot("audit-cli", ballot_bytes)
    path.write_text(json.dumps(opening))
    code, out, err = _audit(capsys, address, path)
    assert code == 1 and "this opened ballot was CAST" in err and "spoiled" not in out


def test_verify_audit_needs_the_key(
    served: tuple[str, factories.TestElection],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    safe_primes_1024: tuple[int, int],
) -> None:
    address, e = served
    keyless = make_election(safe_primes_1024, election_id="audit-keyless", voters=1, open_=False)
    with grpc.insecure_channel(address) as channel:
        LinliClient(channel, min_modulus_bits=MODULUS_BITS).submit(keyless.entries[0])  # the definition only
    path = tmp_path / "opening.json"
    path.write_text(json.dumps(_opening(e, [0])[0]))
    argv = ["verify-audit", "--server", address, "--min-modulus-bits", str(MODULUS_BITS), "--election", "audit-keyless"]
    code, _, err = run(capsys, *argv, "--opening", str(path), "--pins", str(tmp_path / "pins.json"))
    assert code == 2 and "no key yet" in err

"""The election names its witnesses and a quorum (docs/protocol.md §P17.1): canonical encoding and validation."""

from __future__ import annotations

import dataclasses

import pytest

from crypto.cosignature import Cosigner
from tests.factories import make_election
from voting.election import MAX_WITNESSES, ElectionDefinition
from voting.errors import InvalidElection, InvalidEncoding


@pytest.fixture(scope="module")
def plain(safe_primes_1024: tuple[int, int]) -> ElectionDefinition:
    return make_election(safe_primes_1024, voters=2).state.require_definition()


def _ws(n: int) -> tuple:
    return tuple(Cosigner.from_private_bytes(f"w{i}.test", bytes([i + 1]) * 32).verifier() for i in range(n))


def test_without_witnesses_the_encoding_is_unchanged(plain: ElectionDefinition) -> None:
    obj = plain.to_json()
    assert "witnesses" not in obj and "witness_quorum" not in obj
    assert ElectionDefinition.from_json(obj) == plain
    assert plain.witnesses == () and plain.witness_quorum == 0


def test_round_trip_with_witnesses(plain: ElectionDefinition) -> None:
    d = dataclasses.replace(plain, witnesses=_ws(3), witness_quorum=2)
    obj = d.to_json()
    assert obj["witnesses"] == [w.to_vkey() for w in _ws(3)] and obj["witness_quorum"] == 2
    assert ElectionDefinition.from_json(obj) == d


@pytest.mark.parametrize(
    ("witnesses", "quorum"),
    [((), 1), (_ws(2), 0), (_ws(2), 3), (_ws(2), -1), (_ws(2), True), (_ws(MAX_WITNESSES + 1), 1)],
)
def test_invalid_quorums_and_lists(plain: ElectionDefinition, witnesses: tuple, quorum: int) -> None:
    with pytest.raises(InvalidElection):
        dataclasses.replace(plain, witnesses=witnesses, witness_quorum=quorum)


def test_distinct_names_and_keys(plain: ElectionDefinition) -> None:
    w = _ws(1)[0]
    alias = Cosigner.from_private_bytes("alias.test", bytes([1]) * 32).verifier()  # same key, other name
    for ws in ((w, w), (w, alias)):
        with pytest.raises(InvalidElection):
            dataclasses.replace(plain, witnesses=ws, witness_quorum=1)


def test_decoding_is_strict(plain: ElectionDefinition) -> None:
    obj = dataclasses.replace(plain, witnesses=_ws(2), witness_quorum=1).to_json()
    for bad in (
        {**obj, "witnesses": []},  # an empty list is not canonical: omit both keys
        {k: v for k, v in obj.items() if k != "witness_quorum"},
        {k: v for k, v in obj.items() if k != "witnesses"},
        {**obj, "witnesses": ["not a vkey"]},
        {**obj, "witnesses": [1]},
        {**obj, "witness_quorum": "1"},
        {**obj, "witnesses": [_ws(1)[0].to_vkey().replace("+B", "+A", 1)]},  # a type 0x01 key is not a cosigner's
    ):
        with pytest.raises((InvalidEncoding, InvalidElection)):
            ElectionDefinition.from_json(bad)

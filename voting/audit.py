"""The Benaloh audit of a ballot ("cast or audit", issue 10; the booth's side is booth/src/crypto/opening.ts).

After a device has built a ballot and before it is cast, the voter may *audit* it instead: the device opens the
ballot — its choice and every encryption exponent r_j — and another device re-encrypts the choice with those
exponents and compares every ciphertext (:func:`check_opening`, ``linli verify-audit``). A device that encrypted
something other than the voter's choice is caught; since it commits to the ballot before it learns whether the ballot
will be audited, it cannot cheat on cast ballots without risking detection on audited ones.

An opened ballot reveals its vote: it is **spoiled** and never cast. The booth marks it so, refuses to cast it and
builds a fresh ballot (new exponents, new nonces) for the vote that counts. Nothing on the server distinguishes a
spoiled ballot, so this rests on the device; a spoiled ballot cast anyway would count like any other.

The opening (a JSON file, any key order)::

    {"type": "linli-ballot-opening", "election": id, "ballot": <the ballot JSON>,
     "choice": an option index | [the marked option indexes],
     "randomness": [r_j as lowercase hex of ⌈ℓ_r / 8⌉ bytes, one per ciphertext]}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crypto import paillier
from voting.ballot import EncryptedBallot, verify_ballot
from voting.election import ElectionContext, ElectionDefinition
from voting.encoding import JSON, exact_keys, get, hex_int, parse_hex_int
from voting.errors import InvalidBallot, InvalidEncoding
from voting.kinds.base import Choice

__all__ = ["OPENING_TYPE", "CheckedOpening", "check_opening", "describe_choice", "normalise_choice", "open_ballot"]

OPENING_TYPE = "linli-ballot-opening"


@dataclass(frozen=True, slots=True)
class CheckedOpening:
    """A verified opening: the ballot, its hash (what the voter's device showed) and the choice it encrypts."""

    ballot: EncryptedBallot
    ballot_hash: bytes
    choice: Choice  # an option index (referendum, assembly) or the marked indexes in increasing order


def _randomness_bytes(context: ElectionContext) -> int:
    return (paillier.randomness_bits(context.paillier_key) + 7) // 8


def normalise_choice(definition: ElectionDefinition, choice: Choice) -> Choice:
    """The choice in its one written form: an option index, or the marked indexes in increasing order (raises
    InvalidBallot for a choice the kind does not allow)."""
    encoded = definition.kind_rules.encode(definition, choice)
    if definition.kind_rules.named_options:
        return [j for j, mark in enumerate(encoded) if mark]
    return encoded[0]


def open_ballot(context: ElectionContext, ballot: EncryptedBallot, choice: Choice, randomness: Sequence[int]) -> JSON:
    """The opening of a ballot built with ``build_ballot(context, choice, credential, randomness=randomness)``. The
    ballot is spoiled from now on: whoever holds it must never cast it."""
    width = _randomness_bytes(context)
    return {
        "ballot": ballot.to_json(context),
        "choice": normalise_choice(context.definition, choice),
        "election": context.election_id,
        "randomness": [hex_int(r, width) for r in randomness],
        "type": OPENING_TYPE,
    }


def _choice_from_json(value: JSON) -> Choice:
    if type(value) is int:
        return value
    if isinstance(value, list) and all(type(v) is int for v in value):
        return list(value)
    raise InvalidEncoding("opening.choice: an option index or a list of option indexes")


def check_opening(context: ElectionContext, opening: JSON) -> CheckedOpening:
    """Check an opening (parsed JSON) against the verified election: the ballot verifies (eligibility evidence and
    every validity proof, :func:`voting.ballot.verify_ballot`) and re-encrypting the opened choice with the revealed
    exponents gives every one of its ciphertexts. Raises InvalidEncoding (malformed opening or ballot), InvalidBallot
    (another election, a choice the kind does not allow, a ballot that does not verify, a ciphertext that is not the
    encryption of the choice) or NotEligible."""
    what = "opening"
    exact_keys(opening, {"ballot", "choice", "election", "randomness", "type"}, what)
    if get(opening, "type", str, what) != OPENING_TYPE:
        raise InvalidEncoding(f"opening.type: expected {OPENING_TYPE!r}")
    election_id = get(opening, "election", str, what)
    if election_id != context.election_id:
        raise InvalidBallot(f"the opening is for election {election_id!r}, not {context.election_id!r}")
    d = context.definition
    choice = _choice_from_json(opening["choice"])
    indexes = d.kind_rules.encode(d, choice)
    layout = context.contest_allowed()
    items = get(opening, "randomness", list, what)
    if len(items) != len(layout):
        raise InvalidEncoding(f"opening.randomness: this election's ballot has {len(layout)} ciphertext(s)")
    # ⌈ℓ_r / 8⌉ bytes hold exactly [0, 2^ℓ_r): ℓ_r = modulus_bits / 2 is a multiple of 128
    randomness = [parse_hex_int(item, "opening.randomness", _randomness_bytes(context)) for item in items]
    ballot = EncryptedBallot.from_json(opening["ballot"], context)
    verify_ballot(context, ballot)
    pk = context.paillier_key
    for j, (allowed, index, r, contest) in enumerate(zip(layout, indexes, randomness, ballot.contests, strict=True)):
        if paillier.encrypt(pk, allowed[index], r) != contest.ciphertext:
            raise InvalidBallot(
                f"ciphertext {j} is not the encryption of the opened choice with the revealed randomness"
            )
    return CheckedOpening(ballot, ballot.ballot_hash(context), normalise_choice(d, choice))


def describe_choice(definition: ElectionDefinition, choice: Choice, lang: str = "en") -> str:
    """The choice in words: the option (yes / no / abstain in ``lang``) or the marked names ("none": a blank
    ballot)."""
    kind = definition.kind_rules
    normal = normalise_choice(definition, choice)
    if isinstance(normal, int):
        return kind.option_word(definition.options[normal], lang)
    names = [kind.option_word(definition.options[j], lang) for j in normal]
    if not names:
        return "空白选票（未选任何人）" if lang == "zh" else "none marked (a blank ballot)"
    return ("、" if lang == "zh" else ", ").join(names)

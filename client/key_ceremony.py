"""One trustee's side of the dealer-free key ceremony over the server's board (docs/protocol.md §P15.9, ADR 0015).

The driver runs :class:`crypto.dkg.ModulusSession` (the modulus N = p·q, §P15.1–§P15.4) and then
:class:`crypto.threshold_session.KeySession` (the threshold key, its modulus proof and test decryption) for trustee
``index``, every round in lockstep through the board:

1. **x25519** (§P15.9): post a fresh X25519 key, vouched for by the trustee's Ed25519 key
   (:func:`crypto.pairwise.announcement_message`); wait for every trustee's and check each.
2. For each round of the sessions: seal every private message to its recipient (:func:`crypto.pairwise.seal`,
   AAD = election, attempt, round, sender, recipient), post the round signed (:class:`voting.board.BoardMessage`),
   poll the round until all n trustees posted it, check every signature against the election's trustee keys,
   open the ciphertexts addressed to this trustee, and advance the session.

3. **endorse** (§P15.10): every message of steps 1–2 (each round by sender) is chained into the transcript hash;
   the trustee signs the endorsement of (election hash, attempt, transcript hash, the key's digest), posts it,
   checks every other trustee's, and returns the ``key.published`` body with the ``ceremony`` object — so the key
   the administrator publishes is the one all n trustees vouch for, and the record's transcript is the one they ran.

An **attempt** is one run from step 1: a :class:`~crypto.errors.DkgAbort` or
:class:`~crypto.threshold_session.CeremonyAbort`, an invalid message or a timeout ends it
(:class:`~client.errors.CeremonyFailed`, :class:`~client.errors.CeremonyTimeout` naming the silent trustees) and
nothing of it is returned or saved; the trustees restart with ``attempt + 1`` (fresh X25519 keys, fresh board
slots). Only messages reach the server: the X25519 secret and every share stay in this process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from client.api import LinliClient
from client.errors import CeremonyFailed, CeremonyTimeout
from crypto import dkg, ed25519, pairwise
from crypto.ed25519 import SigningKey
from crypto.errors import CryptoError, DkgAbort
from crypto.threshold import KeyShare
from crypto.threshold_session import CeremonyAbort, KeySession
from voting.board import BoardMessage
from voting.ceremony import (
    ANNOUNCE_ROUND,
    ENDORSE_ROUND,
    CeremonyRecord,
    endorsement_message,
    modulus_context,
    transcript_hash,
)
from voting.election import ElectionDefinition
from voting.errors import VotingError
from voting.statements import KeyPublished

__all__ = ["CeremonyConfig", "CeremonyOutcome", "run_ceremony"]


@dataclass(frozen=True, slots=True)
class CeremonyConfig:
    """``bits`` None: the election's modulus size. ``round_timeout``: seconds to wait for every trustee's post of
    one round. ``on_round``: called with each round's name once it is complete (a progress bar)."""

    attempt: int = 1
    bits: int | None = None
    round_timeout: float = 600.0
    poll_interval: float = 0.1
    on_round: Callable[[str], None] | None = None


@dataclass(frozen=True, slots=True)
class CeremonyOutcome:
    """A trustee's result: the ``key.published`` body (the key, its proofs, the ceremony's transcript hash and every
    trustee's endorsement), for the administrator to publish, and this trustee's own share (secret)."""

    key: KeyPublished
    share: KeyShare = field(repr=False)


class _Board:
    def __init__(
        self,
        client: LinliClient,
        definition: ElectionDefinition,
        index: int,
        signing_key: SigningKey,
        config: CeremonyConfig,
    ) -> None:
        self.client = client
        self.definition = definition
        self.election_id = definition.election_id
        self.index = index
        self.key = signing_key
        self.config = config
        self.n = len(definition.trustees)
        self.pairwise = pairwise.PairwiseKey.generate()
        self.peers: dict[int, bytes] = {}
        self.transcript: list[bytes] = []  # §P15.10 step 1: every message's digest, round after round, by sender

    def fail(self, message: str, culprit: int | None = None) -> CeremonyFailed:
        return CeremonyFailed(f"attempt {self.config.attempt}: {message}", self.config.attempt, culprit)

    def post(self, round_name: str, broadcast: bytes, ciphertexts: dict[int, bytes]) -> None:
        message = BoardMessage(self.election_id, self.config.attempt, round_name, self.index, broadcast, ciphertexts)
        try:
            self.client.post_board_message(message.signed(self.key))
        except VotingError as e:  # pragma: no cover - our own message is well formed
            raise self.fail(f"cannot post round {round_name!r}: {e}") from e

    def collect(self, round_name: str) -> dict[int, BoardMessage]:
        """Every trustee's message of the round, each signature checked (§P15.9 step 2)."""
        deadline = time.monotonic() + self.config.round_timeout
        while True:
            # every ciphertext, not only ours: the sender's signature covers them all (voting.board)
            messages = self.client.board_round(self.election_id, self.config.attempt, round_name)
            got = {m.sender: m for m in messages}
            if len(got) == self.n:
                break
            if time.monotonic() >= deadline:
                silent = tuple(j for j in range(1, self.n + 1) if j not in got)
                names = ", ".join(f"{j} ({self.definition.trustee(j).name})" for j in silent)
                raise CeremonyTimeout(
                    f"attempt {self.config.attempt}: round {round_name!r}: no message after "
                    f"{self.config.round_timeout:g} s from trustee(s) {names}",
                    self.config.attempt,
                    silent,
                )
            time.sleep(self.config.poll_interval)
        for sender, m in sorted(got.items()):
            try:
                m.verify(self.definition)
            except VotingError as e:
                raise self.fail(str(e), sender) from e
            if round_name != ENDORSE_ROUND:
                self.transcript.append(m.digest())
        if self.config.on_round is not None:
            self.config.on_round(round_name)
        return got

    def announce(self) -> None:
        """§P15.9 step 1: every trustee's X25519 key, vouched for by its Ed25519 key."""
        x = self.pairwise.public_key
        vouch = self.key.sign(pairwise.announcement_message(self.election_id, self.config.attempt, self.index, x))
        self.post(ANNOUNCE_ROUND, x + vouch, {})
        for sender, m in self.collect(ANNOUNCE_ROUND).items():
            x_j, signature = m.broadcast[: pairwise.PUBLIC_KEY_SIZE], m.broadcast[pairwise.PUBLIC_KEY_SIZE :]
            try:
                pairwise.verify_announcement(
                    self.definition.trustee(sender).key, self.election_id, self.config.attempt, sender, x_j, signature
                )
            except CryptoError as e:
                raise self.fail(f"trustee {sender}'s X25519 key is not vouched for: {e}", sender) from e
            self.peers[sender] = x_j

    def exchange(self, out: dkg.Outgoing) -> dkg.Incoming:
        """§P15.9 step 2: post one round (private parts sealed), collect it, open what is addressed to us."""
        election, attempt, round_name = self.election_id, self.config.attempt, out.round
        sealed = {
            j: pairwise.seal(
                self.pairwise,
                self.peers[j],
                sender=self.index,
                recipient=j,
                plaintext=p,
                election_id=election,
                attempt=attempt,
                round_name=round_name,
            )
            for j, p in out.private.items()
        }
        self.post(out.round, out.broadcast or b"", sealed)
        broadcast: dict[int, bytes] = {}
        private: dict[int, bytes] = {}
        for sender, m in self.collect(out.round).items():
            if m.broadcast:
                broadcast[sender] = m.broadcast
            if self.index in m.ciphertexts:
                try:
                    private[sender] = pairwise.open_message(
                        self.pairwise,
                        self.peers[sender],
                        sender=sender,
                        recipient=self.index,
                        sealed=m.ciphertexts[self.index],
                        election_id=election,
                        attempt=attempt,
                        round_name=round_name,
                    )
                except CryptoError as e:
                    raise self.fail(str(e), sender) from e
        return dkg.Incoming(out.round, broadcast, private)

    def drive(self, session: dkg.LockstepSession) -> None:
        out: dkg.Outgoing | None = session.start()
        while out is not None:
            out = session.advance(self.exchange(out))

    def endorse(self, election_hash: bytes, key: KeyPublished) -> CeremonyRecord:
        """§P15.10 step 2: sign (election hash, attempt, transcript hash, key digest), post it, check everyone's."""
        transcript = transcript_hash(self.transcript)
        message = endorsement_message(election_hash, self.config.attempt, transcript, key.key_digest())
        self.post(ENDORSE_ROUND, self.key.sign(message), {})
        endorsements = []
        for sender, m in sorted(self.collect(ENDORSE_ROUND).items()):
            try:
                ed25519.verify(self.definition.trustee(sender).key, message, m.broadcast)
            except CryptoError as e:
                raise self.fail(
                    f"trustee {sender} endorsed another transcript or key (the board showed us different rounds?)",
                    sender,
                ) from e
            endorsements.append(m.broadcast)
        return CeremonyRecord(self.config.attempt, transcript, tuple(endorsements))


def run_ceremony(
    client: LinliClient,
    definition: ElectionDefinition,
    election_hash: bytes,
    index: int,
    signing_key: SigningKey,
    config: CeremonyConfig | None = None,
) -> CeremonyOutcome:
    """Trustee ``index``'s dealer-free key ceremony over the board; its outcome (the endorsed key.published body and
    its own share), or CeremonyFailed / CeremonyTimeout with nothing kept."""
    config = config or CeremonyConfig()
    if definition.trustee(index).key != signing_key.public_key:
        raise CeremonyFailed(f"this key is not trustee {index}'s key in the election definition", config.attempt, None)
    board = _Board(client, definition, index, signing_key, config)
    bits = config.bits or definition.modulus_bits
    try:
        board.announce()
        modulus = dkg.ModulusSession(
            index,
            len(definition.trustees),
            definition.threshold,
            bits,
            modulus_context(election_hash, config.attempt),
        )
        board.drive(modulus)
        key = KeySession(modulus.result(), election_hash, min_bits=bits)
        board.drive(key)
        result = key.result()
        body = KeyPublished(
            election_hash, result.public_key, result.modulus_proof, result.test_decryption, definition.modulus_bits
        )
        return CeremonyOutcome(replace(body, ceremony=board.endorse(election_hash, body)), result.share)
    except (DkgAbort, CeremonyAbort) as e:
        culprit = getattr(e, "culprit", None)
        raise board.fail(f"the ceremony aborted: {e}", culprit) from e

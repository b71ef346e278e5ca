"""What a voter or secretary is shown about an election, in Chinese or English (client/catalogue.py), from what
the client verified: the set-up replayed through the election rules (:class:`client.api.ElectionSnapshot`), and the
log's later entries checked to hash to the signed checkpoint (:class:`LogView`, docs/protocol.md §P12).

* :func:`election_lines` — the question or the candidates and seats, how to mark the ballot, the rules that decide
  the outcome, the re-vote policy, the voting window, the eligibility mode and, for an assembly, the area notice;
* :func:`next_step` — what to run next, from the phase the log shows;
* :class:`LogView` — the phase the log shows, each binding's ballots (re-votes, superseded receipts), the shares in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from client.catalogue import text
from client.errors import ElectionInvalid
from voting.election import ElectionDefinition, RevotePolicy
from voting.eligibility import eligibility_for
from voting.encoding import JSON
from voting.errors import VotingError
from voting.records import Entry, EntryKind
from voting.state import ElectionState, Phase

__all__ = ["LogView", "election_lines", "format_time", "next_step", "outcome_words", "totals_words"]

_PHASE_AFTER = {
    EntryKind.ELECTION_CREATED: Phase.CREATED,
    EntryKind.KEY_PUBLISHED: Phase.KEYED,
    EntryKind.ELECTION_OPENED: Phase.OPEN,
    EntryKind.ELECTION_CLOSED: Phase.CLOSED,
    EntryKind.RESULT: Phase.PUBLISHED,
}


@dataclass(frozen=True, slots=True)
class LogView:
    """The log of one election as far as a signed checkpoint covers it: the phase its entries reach, the ballot
    entries of each binding (credential key or pseudonym) in log order, and the trustees' shares.

    Built by :meth:`from_entries` from entries the caller checked to hash to the checkpoint's root; the ballots'
    proofs are the verifier's business (the server checked them at intake, ``linli verify`` re-checks them)."""

    phase: Phase
    ballots: dict[bytes, tuple[int, ...]] = field(default_factory=dict)
    shares: int = 0

    @classmethod
    def from_entries(cls, definition: ElectionDefinition, entries: Sequence[bytes]) -> LogView:
        eligibility = eligibility_for(definition.eligibility)
        phase, shares = Phase.EMPTY, 0
        ballots: dict[bytes, list[int]] = {}
        for index, data in enumerate(entries):
            try:
                entry = Entry.from_bytes(data)
                if entry.kind is EntryKind.BALLOT:
                    body = entry.body if isinstance(entry.body, dict) else {}
                    binding = eligibility.parse_evidence(body.get("eligibility")).binding
                    ballots.setdefault(binding, []).append(index)
            except VotingError as e:
                raise ElectionInvalid(f"entry {index} of the log is malformed: {e}") from e
            if entry.kind is EntryKind.DECRYPTION_SHARE:
                shares += 1
            phase = _PHASE_AFTER.get(entry.kind, phase)
        return cls(phase, {b: tuple(i) for b, i in ballots.items()}, shares)

    def ballots_of(self, binding: bytes) -> tuple[int, ...]:
        """The log indexes of ``binding``'s ballots, in log order (the last one is the one that counts, §P6.6)."""
        return self.ballots.get(binding, ())

    def superseded_by(self, index: int) -> int | None:
        """The entry of the later ballot of the same binding that counts instead of the ballot at ``index``, or
        None if that ballot is its binding's last (or not a ballot)."""
        for indexes in self.ballots.values():
            if index in indexes:
                return indexes[-1] if indexes[-1] != index else None
        return None


def format_time(seconds: int) -> str:
    """Unix seconds as local date and time with the zone's offset (e.g. ``2026-05-01 09:00 +0800``)."""
    return datetime.fromtimestamp(seconds).astimezone().strftime("%Y-%m-%d %H:%M %z")


def _area(centi: int) -> str:
    return f"{centi // 100}.{centi % 100:02d}"


def _rule(state: ElectionState, lang: str) -> str:
    d = state.require_definition()
    roll = len(state.roll)
    if d.kind == "committee":
        return text(lang, "ballot.rule.committee", roll=roll, seats=d.seats)
    if d.kind == "assembly":
        need = text(lang, "need.major" if d.major else "need.ordinary")
        matter = text(lang, "major" if d.major else "ordinary")
        rule = text(lang, "ballot.rule.assembly", owners=roll, total_area=_area(state.roll_area), need=need)
        return f"{matter}{text(lang, 'sep')}{rule}"
    if d.kind == "referendum":
        return text(lang, "ballot.rule.referendum", roll=roll)
    if d.kind == "approval":
        return text(lang, "ballot.rule.approval", roll=roll)
    return ""  # a kind of its own: its description carries its rule


def _option(lang: str, option: str) -> str:
    label = text(lang, f"option.{option}")
    return label if lang == "en" else f"{label}（{option}）"


def election_lines(state: ElectionState, phase: Phase, fingerprint: str, lang: str) -> list[str]:
    """What the voter votes on and how it is decided, from a verified election state; ``phase``: the phase the
    (checkpoint-verified) log reaches."""
    d = state.require_definition()
    kind = d.kind_rules
    sep = text(lang, "list_sep")
    lines = [
        text(lang, "ballot.title", election=d.election_id, title=d.title),
        text(lang, "ballot.fingerprint", fingerprint=fingerprint),
        text(lang, "ballot.kind", kind=kind.title_zh if lang == "zh" else kind.title_en),
        text(lang, "ballot.question", question=d.question),
    ]
    if d.kind == "committee":
        lines.append(text(lang, "ballot.candidates", seats=d.seats, names=sep.join(d.options)))
    elif kind.named_options:
        lines.append(text(lang, "ballot.approval", names=sep.join(d.options)))
    else:
        lines.append(text(lang, "ballot.options", options=" / ".join(_option(lang, o) for o in d.options)))
    if kind.named_options:
        example = ",".join(d.options[: max(1, min(d.seats or 2, len(d.options) - 1))])
        lines.append(text(lang, "ballot.how.names", example=example))
    else:
        lines.append(text(lang, "ballot.how.fixed"))
    rule = _rule(state, lang)
    if rule:
        lines.append(text(lang, "ballot.rules", rule=rule))
    lines.append(text(lang, "ballot.revote.last" if d.revote is RevotePolicy.LAST_COUNTS else "ballot.revote.refuse"))
    if d.opens_at or d.closes_at:
        unbounded = text(lang, "ballot.window.unbounded")
        opens = format_time(d.opens_at) if d.opens_at else unbounded
        closes = format_time(d.closes_at) if d.closes_at else unbounded
        lines.append(text(lang, "ballot.window", opens=opens, closes=closes))
    else:
        lines.append(text(lang, "ballot.window.none"))
    lines.append(text(lang, "ballot.phase", phase=text(lang, f"phase.{phase.value}")))
    lines.append(text(lang, f"ballot.eligibility.{d.eligibility.value}"))
    description = d.description
    if kind.notice:
        lines.append(text(lang, "ballot.notice.area"))
        description = description.replace(kind.notice, "").strip()  # shown above, in the reader's language
    if description:
        lines.append(text(lang, "ballot.description", description=description))
    return lines


def next_step(state: ElectionState, view: LogView, lang: str) -> str:
    """What to run next, for the phase the log shows (the one answer the secretary needs)."""
    d = state.require_definition()
    phase = view.phase
    if phase is Phase.CREATED:
        step = text(lang, "next.ceremony")
    elif phase is Phase.KEYED and not state.roll:
        step = text(lang, "next.roll")
    elif phase is Phase.KEYED:
        step = text(lang, "next.issue" if len(state.issued) < len(state.roll) else "next.open")
    elif phase is Phase.OPEN:
        step = text(lang, "next.vote")
    elif phase is Phase.CLOSED:
        done = min(view.shares, d.threshold)
        step = text(lang, "next.decrypt", missing=d.threshold - done, done=done, threshold=d.threshold)
    else:
        step = text(lang, "next.publish")
    return text(lang, "next", step=step)


def outcome_words(d: ElectionDefinition, outcome: JSON, lang: str) -> str:
    """A verified outcome in ``lang``: the built-in kinds' headline words from the catalogue, then the rules'
    finding as the record states it (in English); other kinds word it themselves."""
    if lang == "en" or not isinstance(outcome, dict) or d.kind not in ("referendum", "assembly", "committee"):
        return d.kind_rules.describe_outcome(d, outcome, lang)
    reason = f"（{outcome.get('reason', '')}）"
    if not outcome.get("valid"):
        return text(lang, "outcome.void") + reason
    if d.kind != "committee":
        return text(lang, "outcome.passed" if outcome.get("passed") else "outcome.not_passed") + reason
    sep = text(lang, "list_sep")
    elected = sep.join(d.options[j] for j in outcome.get("elected", ())) or text(lang, "nobody_elected")
    words = text(lang, "elected") + elected
    if outcome.get("runoff_seats"):
        names = sep.join(d.options[j] for j in outcome.get("runoff_candidates", ()))
        words += text(lang, "sep") + text(lang, "runoff", seats=outcome["runoff_seats"], names=names)
    return words + reason


def totals_words(d: ElectionDefinition, totals: Sequence[int], lang: str) -> str:
    """Verified totals in ``lang`` (an assembly's by head and by area, exactly)."""
    if lang == "en" or d.kind_rules.named_options:
        return d.kind_rules.describe_totals(d, totals)
    k = len(d.options)
    labels = [text(lang, f"option.{o}") if o in ("yes", "no", "abstain") else o for o in d.options]
    if d.kind_rules.weighted:
        return text(lang, "sep").join(
            f"{label} {totals[i]} 人 / {_area(totals[k + i])} m²" for i, label in enumerate(labels)
        )
    return text(lang, "sep").join(f"{label} {t}" for label, t in zip(labels, totals, strict=True))

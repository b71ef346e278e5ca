"""The election domain in the protocol's words, with safe defaults (docs/protocol.md): definitions and contexts
(:mod:`voting.election`), kinds (:mod:`voting.kinds`), ballots, credentials and eligibility, the canonical records
and the state machine every server and verifier runs (:mod:`voting.state`), tally and rules. Errors:
:mod:`voting.errors`."""

__all__ = [
    "ballot",
    "credentials",
    "election",
    "eligibility",
    "encoding",
    "errors",
    "kinds",
    "records",
    "roll",
    "rules",
    "state",
    "tally",
]

"""What every user runs: the typed client that verifies what the server says (:mod:`client.api`), the role
operations (:mod:`client.actions`), the CLI (:mod:`client.cli`), the independent verifier (:mod:`client.verifier`,
which never imports ``server``) and the result page (:mod:`client.report`). Errors: :mod:`client.errors`."""

__all__ = ["actions", "api", "ceremony", "cli", "demo", "errors", "keystore", "pins", "record", "report", "verifier"]

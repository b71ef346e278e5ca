"""What the CLI tests share: a real ``linli`` server on a real channel over a given database, and running the CLI
in-process with its exit code and output."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from client.cli import main
from crypto.note import NoteSigner
from server.grpc_service import create_server
from server.ledger import Ledger
from server.service import ElectionService, ServiceConfig
from server.storage import make_engine


@contextlib.contextmanager
def serving(db_url: str, min_modulus_bits: int, origin: str = "linli.cli") -> Iterator[str]:
    """A server on ``db_url`` at an ephemeral local port; yields its address."""
    service = ElectionService(
        Ledger(make_engine(db_url), NoteSigner.generate(origin.replace(".", "-")), origin),
        ServiceConfig(min_modulus_bits=min_modulus_bits),
    )
    server, port = create_server(service, "127.0.0.1:0")
    server.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.stop(None)
        service.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``linli ARGV`` in this process: (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err

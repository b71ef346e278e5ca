"""Run the booth's TypeScript from pytest: a script under booth/ gets JSON on stdin and answers JSON on stdout
(the cross-implementation tests of tests/booth). Skipped, with the reason, when booth/node_modules is absent."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

__all__ = ["BOOTH", "requires_node", "run_ts"]

BOOTH = Path(__file__).resolve().parents[2] / "booth"
_TSX = BOOTH / "node_modules" / ".bin" / "tsx"

requires_node = pytest.mark.skipif(
    not _TSX.exists(), reason="booth/node_modules is missing: run `npm ci` in booth/ to test the TypeScript"
)


def run_ts(script: str, payload: Any, *, timeout: float = 300) -> Any:
    """Run ``booth/<script>`` with ``npx tsx``, ``payload`` as JSON on stdin; return its stdout parsed as JSON.
    A non-zero exit fails the test with the script's stderr."""
    if not _TSX.exists():
        pytest.skip("booth/node_modules is missing: run `npm ci` in booth/ to test the TypeScript")
    done = subprocess.run(
        [str(_TSX), script],
        cwd=BOOTH,
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"{script} exited with {done.returncode}:\n{done.stderr.decode(errors='replace')}")
    return json.loads(done.stdout)

"""The built booth shipped in the package (server/booth/) is exactly what booth/build.mjs makes from the sources and
the lockfile today: a change to booth/src without a rebuild, or a hand-edited built file, fails here (issue 10 item
6: residents' servers need no Node; the build is deterministic)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.booth.node import BOOTH, requires_node

pytestmark = requires_node

BUILT = BOOTH.parent / "server" / "booth"


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_committed_build_is_the_build_of_the_sources(tmp_path: Path) -> None:
    build = ["node", "build.mjs", "--out", str(tmp_path / "booth")]
    done = subprocess.run(build, cwd=BOOTH, capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode()
    fresh, shipped = files(tmp_path / "booth"), files(BUILT)
    assert sorted(fresh) == sorted(shipped), "the built files differ: run `cd booth && node build.mjs` and commit"
    stale = [name for name in fresh if fresh[name] != shipped[name]]
    assert not stale, f"server/booth/ is not the build of booth/: {stale} (run `cd booth && node build.mjs`)"

"""The import boundaries of docs/decisions/0001-layout-and-boundaries.md: crypto < voting < server; client never
imports server at module level, and the verifier never imports it at all."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ALLOWED = {
    "crypto": {"crypto"},
    "voting": {"crypto", "voting"},
    "server": {"crypto", "voting", "server", "wire"},
    "client": {"crypto", "voting", "client", "wire"},
}
FIRST_PARTY = {"crypto", "voting", "server", "client", "wire", "benchmarks", "tests"}


def _module_level_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in tree.body:  # module level only: lazy imports inside functions are checked below
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & FIRST_PARTY


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_it_may(package: str) -> None:
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = _module_level_imports(path) - ALLOWED[package]
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_crypto_has_no_io() -> None:
    banned = {"sqlalchemy", "grpc", "os", "pathlib", "time", "socket", "tqdm", "logging"}
    for path in sorted((ROOT / "crypto").rglob("*.py")):
        tree = ast.parse(path.read_text())
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        assert not names & banned, f"{path.relative_to(ROOT)} imports {sorted(names & banned)}"


def test_verifier_never_loads_server() -> None:
    code = (
        "import sys, client.verifier, client.record, client.cli; "
        "bad = sorted(m for m in sys.modules if m == 'server' or m.startswith('server.')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr

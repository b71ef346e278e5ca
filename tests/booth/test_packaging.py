"""The booth ships built in the Python package (ADR 0012, issue 10 item 6): a wheel of this checkout carries every
file of server/booth/, so `pip install` alone gives a working booth and Node is needed only to change it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_wheel_carries_the_built_booth(tmp_path: Path) -> None:
    built = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "server" / "booth").rglob("*") if p.is_file())
    assert "server/booth/index.html" in built and "server/booth/app.js" in built and "server/booth/worker.js" in built
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("linli-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert set(built) <= names, sorted(set(built) - names)
        assert z.read("server/booth/index.html") == (ROOT / "server/booth/index.html").read_bytes()

"""Issue 13, item 9: benchmarks and tests write only where they are told — the repository's git-ignored
``.cache/`` folder or an explicit ``--out`` / ``--primes-cache``, never a fixed path in the system's temporary
folder."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from benchmarks import linli_bench, run

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_defaults_live_in_the_ignored_cache_folder() -> None:
    from benchmarks import audit

    temp = Path(tempfile.gettempdir())
    for path in (linli_bench.PRIMES_CACHE, run.SMOKE_OUT, audit.CACHE_ROOT):
        assert path.parent == ROOT / ".cache", path
        # never the system's temporary folder itself (a checkout may of course live below it, as CI's clone does)
        assert path.parent != temp and (ROOT.is_relative_to(temp) or not path.is_relative_to(temp)), path
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", str(ROOT / ".cache" / "linli-bench-primes.json")], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0, ".cache/ is not git-ignored"


def test_the_prime_cache_is_written_where_it_is_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(linli_bench, "random_safe_prime_pair", lambda bits: (23, 47))
    cache = tmp_path / "nested" / "primes.json"
    assert linli_bench.cached_primes(1024, cache) == (23, 47)
    assert cache.exists() and sorted(p.name for p in cache.parent.iterdir()) == ["primes.json"]
    monkeypatch.setattr(linli_bench, "random_safe_prime_pair", lambda bits: pytest.fail("not read from the cache"))
    assert linli_bench.cached_primes(1024, cache) == (23, 47)


def test_scripts_check_writes_the_smoke_run_to_the_cache_folder() -> None:
    check = (ROOT / "scripts" / "check").read_text()
    assert "benchmarks.run --smoke --out .cache/" in check and "/tmp" not in check

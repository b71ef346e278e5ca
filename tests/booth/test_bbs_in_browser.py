"""The standard BBS fixtures run in the browser too (issue 10 item 3): booth/test/bbs_vectors.ts — the same runner
booth/test/bbs_vectors.test.ts runs in Node — bundled into a page of headless Chromium over every fixture file of
tests/vectors/bbs (core -10, blind -02, pseudonym -02). Each must pass: signatures and proofs byte-exact with the
drafts' mocked randomness, every negative fixture refused."""

from __future__ import annotations

import json
import subprocess

from tests.booth.browser_support import requires_browser
from tests.booth.node import BOOTH


@requires_browser
def test_every_bbs_fixture_passes_in_chromium() -> None:
    done = subprocess.run(
        ["node", "e2e/bbs_vectors_chromium.mjs"], cwd=BOOTH, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert "HeadlessChrome" in report["userAgent"]
    results = report["results"]
    assert [r for r in results if not r["ok"]] == []
    names = {r["name"] for r in results}
    for prefix, count in [
        ("core/bls12-381-sha-256/signature/", 10),
        ("core/bls12-381-sha-256/proof/", 10),
        ("blind/bls12-381-sha-256/proof/", 8),
        ("pseudonym/bls12-381-sha-256/nymProof/", 11),
    ]:
        assert sum(n.startswith(prefix) for n in names) == count, prefix

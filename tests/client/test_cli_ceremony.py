"""``linli trustee ceremony`` and ``linli admin publish-key`` (docs/protocol.md §P15.9): three trustees run the
dealer-free ceremony through a real server, the administrator publishes the key; exit codes on bad input."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from client.cli import main
from client.keystore import load_share
from tests.client.cli_support import run, serving

ELECTION = "dkg-by-hand"


def _create(capsys: pytest.CaptureFixture[str], srv: list[str], tmp_path: Path) -> dict[str, str]:
    keys = {}
    for name, role in [("admin", "admin"), ("registrar", "registrar"), *[(f"t{i}", "trustee") for i in (1, 2, 3)]]:
        code, out, _ = run(capsys, "keygen", "--out", str(tmp_path / f"{name}.json"), "--role", role)
        assert code == 0
        keys[name] = out.strip()
    code, _, err = run(
        capsys,
        "admin",
        "create",
        *srv,
        "--election",
        ELECTION,
        "--key",
        str(tmp_path / "admin.json"),
        "--title",
        "Gate",
        "--question",
        "Repaint the gate?",
        "--threshold",
        "2",
        "--registrar-key",
        keys["registrar"],
        "--modulus-bits",
        "1024",
        *[a for i in (1, 2, 3) for a in ("--trustee-key", keys[f"t{i}"])],
    )
    assert code == 0, err
    return keys


def test_ceremony_by_hand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with serving(f"sqlite:///{tmp_path / 'cli.db'}", 1024) as address:
        srv = ["--server", address, "--min-modulus-bits", "1024"]
        _create(capsys, srv, tmp_path)
        e = ["--election", ELECTION]
        # bad input first: not a trustee's key, an attempt out of range
        code, _, err = run(capsys, "trustee", "ceremony", *srv, *e, "--key", str(tmp_path / "admin.json"), "--out", "x")
        assert code == 2 and "is not the key of a trustee" in err
        code, _, err = run(
            capsys, "trustee", "ceremony", *srv, *e, "--key", str(tmp_path / "t1.json"), "--out", "x", "--attempt", "0"
        )
        assert code == 2 and "--attempt" in err
        codes: dict[int, int] = {}

        def trustee(i: int) -> None:
            codes[i] = main(
                [
                    "trustee",
                    "ceremony",
                    *srv,
                    *e,
                    "--key",
                    str(tmp_path / f"t{i}.json"),
                    "--out",
                    str(tmp_path / f"t{i}.share.json"),
                    "--public-out",
                    str(tmp_path / f"t{i}.key.json"),
                    "--round-timeout",
                    "60",
                ]
            )

        threads = [threading.Thread(target=trustee, args=(i,)) for i in (1, 2, 3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        capsys.readouterr()
        assert codes == {1: 0, 2: 0, 3: 0}
        published = {(tmp_path / f"t{i}.key.json").read_text() for i in (1, 2, 3)}
        assert len(published) == 1  # every trustee holds the same public key
        for i in (1, 2, 3):
            election_id, share = load_share(tmp_path / f"t{i}.share.json")
            assert election_id == ELECTION and share.index == i

        admin = ["--key", str(tmp_path / "admin.json")]
        garbage = tmp_path / "garbage.json"
        garbage.write_text("{not json")
        code, _, err = run(capsys, "admin", "publish-key", *srv, *e, *admin, "--ceremony-key", str(garbage))
        assert code == 2 and "not JSON" in err
        altered = json.loads((tmp_path / "t1.key.json").read_text())
        altered["test_decryption"] = altered["test_decryption"][:1]
        (tmp_path / "altered.json").write_text(json.dumps(altered))
        code, _, err = run(
            capsys, "admin", "publish-key", *srv, *e, *admin, "--ceremony-key", str(tmp_path / "altered.json")
        )
        assert code == 2 and "test_decryption" in err
        bare = json.loads((tmp_path / "t1.key.json").read_text())
        del bare["ceremony"]  # a key without the trustees' endorsements is not a ceremony's output (§P15.10)
        (tmp_path / "bare.json").write_text(json.dumps(bare))
        code, _, err = run(
            capsys, "admin", "publish-key", *srv, *e, *admin, "--ceremony-key", str(tmp_path / "bare.json")
        )
        assert code == 2 and "carries no ceremony" in err

        code, out, err = run(
            capsys, "admin", "publish-key", *srv, *e, *admin, "--ceremony-key", str(tmp_path / "t1.key.json")
        )
        assert code == 0 and "published" in out, err
        code, out, _ = run(capsys, "status", *srv, *e)
        assert code == 0 and "no key yet" not in out
        # the board is closed now, and the key cannot be published twice
        code, _, err = run(
            capsys, "trustee", "ceremony", *srv, *e, "--key", str(tmp_path / "t1.json"), "--out", "x", "--attempt", "2"
        )
        assert code == 2, err
        code, _, err = run(
            capsys, "admin", "publish-key", *srv, *e, *admin, "--ceremony-key", str(tmp_path / "t1.key.json")
        )
        assert code == 2, err

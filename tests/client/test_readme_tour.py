"""The README's tour, run verbatim (issue 13): every ``sh`` block of its "A tour of the CLI" section, in order, in
one folder, against a real ``linli serve`` on a temporary SQLite database.

The blocks are read as the small subset of shell they use — ``VAR=$(linli …)``, ``$VAR``, ``cat > FILE <<'EOF'``,
``linli … &`` for the server, ``\\`` continuations and ``#`` comments — and anything else fails the test (``bash
-n`` checks the same text is valid shell). Each ``linli`` command runs in this process through ``client.cli.main``,
except ``serve``, which runs as its own process. The only things added to a command, always at its end (argparse:
the last value wins), are the test sizes and the test server's address:

* ``--modulus-bits 1024`` where a command makes a key (``admin create``, ``demo``), ``--min-modulus-bits 1024``
  where a command checks one, ``--voters 6`` for the demo, ``--workers 1`` for the verifier;
* ``--server 127.0.0.1:PORT`` for the commands that talk to the server, ``--listen 127.0.0.1:0`` for ``serve``.

When a step of the tour is wrong, fix the README, not this test.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from client.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
TEST_SIZES = {
    "demo": ["--modulus-bits", "1024", "--voters", "6", "--workers", "1"],
    "verify": ["--min-modulus-bits", "1024", "--workers", "1"],
    "report": ["--min-modulus-bits", "1024", "--workers", "1"],
    "admin create": ["--modulus-bits", "1024"],
}
OFFLINE = {"demo", "verify", "report", "keygen", "key show", "registrar bbs-keygen"}
ASSIGN = re.compile(r"([A-Z_][A-Z0-9_]*)=\$\((linli .*?)\)\s*(#.*)?")
HEREDOC = re.compile(r"cat > (\S+) <<'(\w+)'")
VARIABLE = re.compile(r"\$([A-Z_][A-Z0-9_]*)")


def tour_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## A tour of the CLI") :]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)


def logical_lines(block: str) -> Iterator[str]:
    """Lines with their ``\\`` continuations joined; heredoc bodies are passed through as they are."""
    pending = ""
    for line in block.splitlines():
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        yield pending + line
        pending = ""
    assert not pending, "a continuation at the end of a block"


class Tour:
    def __init__(self, capsys: pytest.CaptureFixture[str], folder: Path) -> None:
        self.capsys = capsys
        self.folder = folder
        self.vars: dict[str, str] = {}
        self.server: subprocess.Popen[str] | None = None
        self.port = 0
        self.outputs: list[tuple[list[str], str, str]] = []

    def expand(self, line: str) -> str:
        def value(m: re.Match[str]) -> str:
            assert m.group(1) in self.vars, f"the tour uses ${m.group(1)} before setting it"
            return self.vars[m.group(1)]

        return VARIABLE.sub(value, line)

    def linli(self, line: str) -> str:
        argv = shlex.split(self.expand(line), comments=True)
        assert argv[0] == "linli", line
        args = argv[1:]
        if args[-1] == "&":
            assert args[0] == "serve", "only the server runs in the background"
            self.start_server(args[:-1])
            return ""
        command = " ".join(args[:2]) if args[0] in ("admin", "registrar", "voter", "trustee", "key") else args[0]
        extra = list(TEST_SIZES.get(command, TEST_SIZES.get(args[0], [])))
        if command not in OFFLINE:
            assert self.port, f"{line!r} needs the server, which the tour has not started yet"
            extra += ["--server", f"127.0.0.1:{self.port}", "--min-modulus-bits", "1024"]
        code = main([*args, *extra])
        out, err = self.capsys.readouterr()
        self.outputs.append((args, out, err))
        assert code == 0, f"{line}\nexit {code}\n{out}\n{err}"
        return out

    def start_server(self, args: list[str]) -> None:
        cmd = [sys.executable, "-m", "client.cli", *args, "--listen", "127.0.0.1:0", "--min-modulus-bits", "1024"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's code, from the tour's folder
        self.server = subprocess.Popen(
            cmd, cwd=self.folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.server.stdout is not None
        line = self.server.stdout.readline()
        if not line.startswith("linli serving on port"):
            pytest.fail(line + (self.server.stderr.read() if self.server.stderr else ""))
        self.port = int(line.split()[4].rstrip(";"))

    def run(self, block: str) -> None:
        lines = iter(logical_lines(block))
        for line in lines:
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if m := ASSIGN.fullmatch(stripped):
                self.vars[m.group(1)] = self.linli(m.group(2)).strip()
            elif m := HEREDOC.fullmatch(stripped):
                body = []
                for body_line in lines:
                    if body_line == m.group(2):
                        break
                    body.append(body_line)
                (self.folder / m.group(1)).write_text("\n".join(body) + "\n", encoding="utf-8")
            elif stripped.startswith("linli "):
                self.linli(stripped)
            else:
                pytest.fail(f"the tour has a line this test cannot run: {line!r}")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(timeout=30)
            finally:
                if self.server.poll() is None:
                    self.server.kill()
                    self.server.wait()
                for stream in (self.server.stdout, self.server.stderr):
                    if stream is not None:
                        stream.close()

    def output(self, *command: str) -> list[str]:
        return [out for args, out, _ in self.outputs if tuple(args[: len(command)]) == command]


def test_the_tour_is_valid_shell() -> None:
    blocks = tour_blocks()
    assert len(blocks) >= 5
    subprocess.run(["bash", "-n"], input="\n".join(blocks), text=True, check=True)


@pytest.mark.slow
def test_readme_tour_runs_verbatim(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    tour = Tour(capsys, tmp_path)
    try:
        for block in tour_blocks():
            tour.run(block)
    finally:
        tour.stop()
    # every kind and mode the tour shows went through to a verified record
    for record in ("record", "board-record", "repair-record", "well-record"):
        assert (tmp_path / record / "entries.jsonl").exists(), record
    verified = tour.output("verify")
    assert len(verified) == 6
    assert all("RESULT: every check passed" in out or '"passed": true' in out for out in verified)
    # the re-vote said so, and the first receipt says it was superseded
    votes = tour.output("voter", "vote")
    assert "REPLACES your earlier ballot" in votes[1] and "REPLACES" not in votes[0]
    checks = tour.output("voter", "check-receipt")
    assert "superseded by entry" in checks[0] and "superseded" not in checks[1]
    # what the voters saw, and the secretary's status with the verified result
    ballots = tour.output("voter", "ballot")
    assert "表决事项：Repaint the east gate?" in ballots[0] and "改票" in ballots[0]
    assert "王芳、李伟、张敏" in ballots[1] and "2 个席位" in ballots[1]
    assert "专有部分面积" in ballots[2] and "四分之三" in ballots[2]
    status = tour.output("status")[-1]
    assert "结果（已从公开记录独立验证）：未通过" in status and "反对 1" in status and "下一步" in status
    for args, out, err in tour.outputs:  # shown on failure
        print("$ linli", shlex.join(args), out, err, sep="\n")
    decrypts = tour.output("trustee", "decrypt")
    assert "1 more trustee share(s) needed" in decrypts[0] and "the result is out" in decrypts[1]

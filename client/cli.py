"""The ``linli`` command line: a thin shell over the client, the verifier and (for ``serve``/``demo``) the server.

Exit codes: 0 success; 1 verification failed or the server refused; 2 bad usage or input; 3 cannot reach the server.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import grpc

from client import actions
from client.api import CHANNEL_OPTIONS, ElectionSnapshot, LinliClient, Receipt
from client.catalogue import LANGS, text
from client.describe import LogView, election_lines, next_step, outcome_words, totals_words
from client.errors import (
    CeremonyFailed,
    CeremonyTimeout,
    ClientError,
    ElectionInvalid,
    ElectionMismatch,
    ReceiptInvalid,
    ReceiptPending,
    RecordRejected,
    ServerRejected,
    UsageError,
    WitnessRefused,
    WrongStep,
)
from client.keystore import (
    credential_kind,
    load_json,
    load_share,
    load_signing_key,
    load_typed,
    load_witness_key,
    save_json,
    save_share,
    save_signing_key,
    save_typed,
    save_witness_key,
)
from client.pins import PinStore
from client.record import Record, read_record, write_record
from crypto.cosignature import Cosigner, CosignerVerifier, open_cosigned_checkpoint
from crypto.ed25519 import SigningKey
from crypto.errors import CryptoError
from crypto.note import NoteVerifier
from voting.audit import OPENING_TYPE, check_opening, describe_choice
from voting.credentials import (
    AnonymousCredential,
    CredentialRequest,
    IssuedCredential,
    finish_credential,
    request_credential,
)
from voting.election import ElectionDefinition, ElectionKind, EligibilityMode, RevotePolicy, RollEntry, normalise_unit
from voting.eligibility import AnonymousEvidence
from voting.errors import InvalidBallot, VotingError
from voting.kinds import kind_names
from voting.records import Entry, EntryKind, Role
from voting.relay import RelayIssuance, RelayRequest, parse_code, request_check
from voting.roll import RollRow, parse_area, parse_roll_csv
from voting.state import Phase
from voting.statements import KeyPublished, sign

__all__ = ["ceremony_batches", "ceremony_round_label", "main", "waiting_words"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNAVAILABLE = 0, 1, 2, 3
ANON_CREDENTIAL = "linli-anonymous-credential"
DEFAULT_PORT = 50051


def _pins_path(args: argparse.Namespace) -> Path:
    if args.pins:
        return Path(args.pins)
    return Path(os.environ.get("LINLI_PINS") or Path.home() / ".config" / "linli" / "pins.json")


def _server_address(value: str) -> str:
    """``--server``: host:port, or a bare host (name, IPv4, [IPv6]) meaning the default port."""
    host = value.strip()
    if host.startswith("["):
        return host if "]:" in host else f"{host}:{DEFAULT_PORT}"
    if host.count(":") == 1:
        return host
    if host.count(":") > 1:  # a bare IPv6 address
        return f"[{host}]:{DEFAULT_PORT}"
    return f"{host}:{DEFAULT_PORT}"


def _server_target(value: str) -> tuple[str, bool]:
    """``--server``: ``host[:port]`` (gRPC in the clear, default port 50051), or the URL ``http://host[:port]`` /
    ``https://host[:port]`` of a ``linli serve`` (TLS with the system's roots, or $GRPC_DEFAULT_SSL_ROOTS_FILE_PATH)
    -> (host:port, TLS)."""
    text = value.strip()
    for scheme, port, tls in (("https", 443, True), ("http", 80, False)):
        if text.lower().startswith(scheme + "://"):
            try:
                parts = urlsplit(text)
                host, port = parts.hostname, parts.port or port
            except ValueError as e:
                raise UsageError(f"--server {value}: {e}") from e
            if not host or parts.path not in ("", "/") or parts.query or parts.fragment:
                raise UsageError(f"--server {value}: give the server's base URL, e.g. https://vote.example.org")
            return (f"[{host}]:{port}" if ":" in host else f"{host}:{port}"), tls
    return _server_address(text), False


def _base_url(value: str) -> str:
    """The server's http(s) base URL for ``--server`` (what the booth's link starts with)."""
    address, tls = _server_target(value)
    return f"{'https' if tls else 'http'}://{address}"


def _channel(value: str, extra_options: Sequence[tuple[str, Any]] = ()) -> grpc.Channel:
    address, tls = _server_target(value)
    options = [*CHANNEL_OPTIONS, *extra_options]
    if tls:
        return grpc.secure_channel(address, grpc.ssl_channel_credentials(), options=options)
    return grpc.insecure_channel(address, options=options)


def _client(args: argparse.Namespace, extra_options: Sequence[tuple[str, Any]] = ()) -> LinliClient:
    return LinliClient(
        _channel(args.server, extra_options),
        timeout=args.timeout,
        log_key=args.log_key,
        pins=PinStore(_pins_path(args)),
        min_modulus_bits=args.min_modulus_bits,
    )


def _election(args: argparse.Namespace, client: LinliClient | None = None) -> ElectionSnapshot:
    """The verified election (§P12); says so when its fingerprint was pinned on first use."""
    snap = (client or _client(args)).election(args.election, expect=args.expect)
    _say_fingerprint(snap)
    return snap


def _say_fingerprint(snap: ElectionSnapshot) -> None:
    if snap.first_use:
        print(
            f"election {snap.definition.election_id}: fingerprint {snap.fingerprint}, pinned on first use — compare "
            "it with the notice board (or pass --expect FINGERPRINT)",
            file=sys.stderr,
        )


def _print_receipt(receipt: Receipt, what: str) -> None:
    print(f"{what}: entry {receipt.leaf_index} in a log of {receipt.tree_size} (receipt verified)")


def _log_view(client: LinliClient, snap: ElectionSnapshot) -> LogView:
    """The election's log up to the verified checkpoint: the phase it reaches, each binding's ballots, the shares."""
    return LogView.from_entries(snap.definition, client.log_entries(snap.definition.election_id, snap.checkpoint))


# What each command needs, and what to run first when the election is elsewhere (issue 13: the next step, never
# an internal phase name).
_NEEDS: dict[str, frozenset[Phase]] = {
    "ceremony": frozenset({Phase.CREATED}),
    "roll": frozenset({Phase.CREATED, Phase.KEYED}),
    "issue": frozenset({Phase.CREATED, Phase.KEYED, Phase.OPEN}),
    "open": frozenset({Phase.KEYED}),
    "vote": frozenset({Phase.OPEN}),
    "close": frozenset({Phase.OPEN}),
    "decrypt": frozenset({Phase.CLOSED}),
    "publish": frozenset({Phase.PUBLISHED}),
}
_ORDER = (Phase.EMPTY, Phase.CREATED, Phase.KEYED, Phase.OPEN, Phase.CLOSED, Phase.PUBLISHED)
_WHERE = {
    Phase.CREATED: "the election has no key yet",
    Phase.KEYED: "voting is not open yet",
    Phase.OPEN: "voting is open",
    Phase.CLOSED: "voting has closed and the tally waits for the trustees",
    Phase.PUBLISHED: "the result is already out (see it with `linli status`)",
}
_RUN_FIRST = {
    Phase.CREATED: "run `linli admin ceremony` first",
    Phase.KEYED: "run `linli admin open` first",
    Phase.OPEN: "run `linli admin close` first",
    Phase.CLOSED: "the trustees run `linli trustee decrypt` first",
}


def _phase(snap: ElectionSnapshot) -> Phase:
    """The phase for wording a refusal: the verified set-up's, or the later one the server reports (the server
    refuses out-of-order statements anyway; this only decides what the message says)."""
    try:
        reported = Phase(snap.info.phase)
    except ValueError:
        reported = Phase.EMPTY
    verified = snap.state.phase
    return reported if _ORDER.index(reported) > _ORDER.index(verified) else verified


def _require_step(snap: ElectionSnapshot, command: str, phase: Phase | None = None) -> None:
    """Raise WrongStep, saying what to run, unless the election is at a phase ``command`` can act in."""
    phase = phase or _phase(snap)
    if phase in _NEEDS[command]:
        if command == "open" and not snap.state.roll:
            raise WrongStep("the roll is empty: run `linli admin roll` first")
        return
    wanted = min(_ORDER.index(p) for p in _NEEDS[command])
    if _ORDER.index(phase) < wanted:  # too early: say what comes next
        raise WrongStep(f"{_WHERE.get(phase, 'the election is not set up')}: {_RUN_FIRST.get(phase, '')}")
    later = {
        "ceremony": "the election key is already published (the ceremony runs once)",
        "roll": "the roll can no longer change: voting has opened",
        "open": "voting has already been opened",
        "issue": "voting has closed: no more credentials can be issued",
        "vote": "voting has closed",
        "close": "voting is already closed"
        + (": the trustees now run `linli trustee decrypt`" if phase is Phase.CLOSED else ""),
        "decrypt": _WHERE[Phase.PUBLISHED],
    }.get(command, _WHERE.get(phase, ""))
    raise WrongStep(later)


# -- serve / demo / verify ----------------------------------------------------------------------------------------
MAX_WORKERS = 256


def _workers(value: str) -> int:
    """``linli serve --workers``: how many ballot verification processes (§P11.5), 1 to MAX_WORKERS."""
    try:
        n = int(value)
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a number of worker processes: give 1 to {MAX_WORKERS} (default: one per core)"
        )
    return n


def cmd_serve(args: argparse.Namespace) -> int:
    """One port for every client (issue 10): gRPC (the CLI), Connect and gRPC-Web (the phone booth), and the
    booth's files under /booth/, on hypercorn; HTTPS with HTTP/2 when given a certificate."""
    import logging
    from concurrent.futures import ThreadPoolExecutor

    from crypto.note import NoteSigner
    from server.batching import PoolVerifier
    from server.connect_app import create_app
    from server.errors import StorageError
    from server.ledger import Ledger
    from server.service import ElectionService, LinliRpc, ServiceConfig
    from server.storage import make_engine
    from server.web import Listening, create_web_app, serve

    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError("--tls-cert and --tls-key go together (the certificate chain and its private key, PEM)")
    for path in (args.tls_cert, args.tls_key):
        if path and not Path(path).is_file():
            raise UsageError(f"no such file: {path}")
    # One key=value line per event on stderr; the server logs each request as method=… election=… status=…
    # duration_ms=… (server.service).
    logging.basicConfig(
        level=logging.INFO,
        format="time=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )
    key_path = Path(args.key)
    if not key_path.exists():
        save_signing_key(key_path, SigningKey.generate(), "server")
        print(f"created a new log signing key in {key_path}", file=sys.stderr)
    signer = NoteSigner.from_private_bytes(args.name, load_signing_key(key_path).secret)
    admin_keys = frozenset(_hex_key(k, "--admin-key") for k in args.admin_key)
    engine = make_engine(args.db)
    try:
        ledger = Ledger(engine, signer, args.origin, check_log=args.check_log)
    except StorageError as e:  # §P11.2, §P16.1: a second writer on a SQLite file, a replica with another key
        engine.dispose()
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILED
    verifier = PoolVerifier(args.workers)  # §P11.5: ballots are verified in worker processes
    try:  # §P16.1: a log that disagrees with itself is refused here (the service closes the ledger and the pool)
        service = ElectionService(
            ledger,
            ServiceConfig(min_modulus_bits=args.min_modulus_bits, admin_keys=admin_keys),
            verifier=verifier,
        )
    except StorageError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_FAILED
    print(service.ledger.describe(), file=sys.stderr)  # §P16: SQLite has one writer, PostgreSQL takes replicas
    if not admin_keys:  # once the start-up checks passed: a refused start prints its one error line
        print(
            "warning: no --admin-key: anyone who can reach this server may create elections; pass --admin-key HEX "
            "(the administrator's public key, from `linli keygen --role admin`) to allow only that administrator",
            file=sys.stderr,
        )
    if args.min_modulus_bits < 2048:
        print(f"warning: accepting {args.min_modulus_bits}-bit election keys: for tests only", file=sys.stderr)

    def ready(at: Listening) -> None:
        scheme = "https" if at.tls else "http"
        print(f"linli serving on port {at.port}; log key {signer.verifier().to_vkey()}", flush=True)
        print(f"{args.workers} ballot verification worker process(es) (--workers)", file=sys.stderr, flush=True)
        print(
            f"gRPC, gRPC-Web and Connect on port {at.port}; the booth at {scheme}://<this host>:{at.port}/booth/",
            file=sys.stderr,
            flush=True,
        )

    pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="linli-rpc")
    try:
        app = create_web_app(create_app(LinliRpc(service), pool), cors_origins=args.cors_origin)
        serve(app, args.listen, certfile=args.tls_cert, keyfile=args.tls_key, ready=ready)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        service.close()
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from client.demo import run_demo

    result = run_demo(
        args.voters,
        Path(args.out),
        modulus_bits=args.modulus_bits,
        db_url=args.db,
        seed=args.seed,
        workers=args.workers,
        eligibility=EligibilityMode(args.eligibility),
        kind=args.kind,
        ceremony=args.ceremony,
    )
    print(result.report.render())
    print(f"\nVotes cast by the demo's voters (the demo knows them; the server never did): {list(result.expected)}")
    print("Decrypted totals " + ("match" if result.totals == result.expected else "DO NOT MATCH") + " the votes cast.")
    print("\nTime per phase:")
    for name, seconds in result.timings.items():
        print(f"  {seconds:8.2f} s  {name}")
    print(f"  {sum(result.timings.values()):8.2f} s  total")
    print(f"\nElection record written to {result.record_dir}; check it again with: linli verify {result.record_dir}")
    return EXIT_OK if result.report.passed and result.totals == result.expected else EXIT_FAILED


def cmd_verify(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from client.verifier import check_record

    record = read_record(Path(args.record))
    bar = tqdm(desc="verify ballots", disable=args.json or not sys.stderr.isatty(), file=sys.stderr, leave=False)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    report = check_record(
        record,
        expected_log_key=args.log_key,
        expected_fingerprint=args.expect,
        min_modulus_bits=args.min_modulus_bits,
        workers=args.workers,
        progress=progress,
    )
    bar.close()
    print(json.dumps(report.to_json(), indent=2, ensure_ascii=False) if args.json else report.render(args.lang))
    return EXIT_OK if report.passed else EXIT_FAILED


def cmd_report(args: argparse.Namespace) -> int:
    from client.report import write_report

    passed = write_report(
        Path(args.record),
        Path(args.out),
        args.lang,
        Path(args.json) if args.json else None,
        min_modulus_bits=args.min_modulus_bits,
        workers=args.workers,
    )
    print(f"report written to {args.out}" + (f" and {args.json}" if args.json else ""))
    if not passed:
        print("the record does NOT verify: the report says so at the top", file=sys.stderr)
    return EXIT_OK if passed else EXIT_FAILED


# -- keys ----------------------------------------------------------------------------------------------------------
def cmd_keygen(args: argparse.Namespace) -> int:
    path = Path(args.out)
    if path.exists() and not args.force:
        raise UsageError(f"{path} exists; pass --force to overwrite")
    if args.role == "witness":  # §P17.1: a cosigner key has a name; its vkey goes into the election definition
        if not args.name:
            raise UsageError("a witness key needs --name (e.g. witness.example.org/w1)")
        cosigner = Cosigner.generate(args.name)
        save_witness_key(path, cosigner)
        print(cosigner.verifier().to_vkey())
        return EXIT_OK
    key = SigningKey.generate()
    save_signing_key(path, key, args.role)
    print(key.public_key.hex())
    return EXIT_OK


def cmd_witness(args: argparse.Namespace) -> int:
    """§P17.2: cosign the server's checkpoints after checking them, once or every --interval seconds."""
    import time

    from client.witness import load_state, witness_once

    cosigner = load_witness_key(Path(args.key))
    state_path = Path(args.state)
    client = LinliClient(_channel(args.server), timeout=args.timeout, log_key=args.log_key)
    forks = 0
    while True:
        state = load_state(state_path)
        if state.log_key and args.log_key and state.log_key != args.log_key:
            raise UsageError(f"{state_path} trusts another log key than --log-key")
        elections = client.list_elections() if args.all else [args.election]
        for election_id in elections:
            outcome = witness_once(client, cosigner, election_id, state, state_path, time.time)
            if outcome.status == "fork":
                forks += 1
                print(
                    f"WITNESS REFUSED election {election_id}: {outcome.message}. Nothing was cosigned; both signed "
                    f"checkpoints are kept as evidence in {state_path} (forks). Report this to the election's "
                    "administrator and observers.",
                    file=sys.stderr,
                )
            elif outcome.status == "skipped" and not args.all:
                print(f"election {election_id}: {outcome.message}", file=sys.stderr)
            elif outcome.status == "cosigned":
                print(f"election {election_id}: {outcome.message}")
        if args.once:
            break
        time.sleep(args.interval)
    if forks:
        raise WitnessRefused(f"{forks} log(s) were not consistent with what this witness cosigned before")
    return EXIT_OK


# -- administrator ------------------------------------------------------------------------------------------------
def _witness_vkey(value: str) -> CosignerVerifier:
    try:
        return CosignerVerifier.from_vkey(value.strip())
    except CryptoError as e:
        raise UsageError(f"--witness {value}: not a witness verifier key ({e})") from e


def cmd_admin_create(args: argparse.Namespace) -> int:
    admin = load_signing_key(Path(args.key))
    trustee_keys = [_hex_key(k, "--trustee-key") for k in args.trustee_key]
    witnesses = [_witness_vkey(v) for v in args.witness]
    client = _client(args)
    _, receipt = actions.create_election(
        client,
        admin,
        election_id=args.election,
        title=args.title,
        question=args.question,
        description=args.description,
        trustee_keys=trustee_keys,
        threshold_=args.threshold,
        registrar_key=_hex_key(args.registrar_key, "--registrar-key"),
        revote=RevotePolicy(args.revote),
        modulus_bits=args.modulus_bits,
        max_voters=args.max_voters,
        eligibility=EligibilityMode(args.eligibility),
        credential_key=_hex_bytes(args.credential_key, "--credential-key", 96) if args.credential_key else b"",
        kind=args.kind,
        candidates=args.candidate,
        seats=args.seats,
        major=args.major,
        accept_area_disclosure=args.accept_area_disclosure,
        witnesses=witnesses,
        witness_quorum=args.witness_quorum if args.witness_quorum is not None else len(witnesses),
    )
    with contextlib.redirect_stdout(sys.stderr):
        _print_receipt(receipt, f"election {args.election} created")
    snap = client.election(args.election)
    print(
        f"election {args.election}: fingerprint {snap.fingerprint}; post it on the notice board: every client "
        "compares it (--expect FINGERPRINT). Next: `linli admin ceremony`",
        file=sys.stderr,
    )
    if snap.definition.kind_rules.weighted:  # docs/protocol.md §P9.5
        if args.accept_area_disclosure:
            print(
                "area disclosure ACCEPTED (stated in the election and on its report): an owner whose area is unique "
                "on the roll can have her vote identified from the ballots' areas and the totals",
                file=sys.stderr,
            )
        elif snap.definition.eligibility is EligibilityMode.ANONYMOUS:
            print(
                "anonymous assembly: publish the roll next (linli admin roll); if an owner's area is unique on it, "
                "the roll is refused — the areas would identify her vote — unless the election is created with "
                "--accept-area-disclosure",
                file=sys.stderr,
            )
    print(snap.fingerprint)  # alone on stdout, like keygen's key: FP=$(linli admin create ...)
    return EXIT_OK


def cmd_admin_ceremony(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    admin = load_signing_key(Path(args.key))
    out = Path(args.out)
    client = _client(args)
    snap = _election(args, client)
    _require_step(snap, "ceremony")
    bar = tqdm(desc="safe-prime candidates", unit="cand", file=sys.stderr, leave=False)
    shares, receipt = actions.key_ceremony(
        client, admin, args.election, progress=lambda n: bar.update(n - bar.n), snap=snap
    )
    bar.close()
    for share in shares:
        save_share(out / f"{args.election}.trustee-{share.index}.share.json", args.election, share)
    _print_receipt(receipt, "election key published")
    print(f"{len(shares)} key shares written to {out}: hand each to its trustee, then delete them here.")
    return EXIT_OK


def cmd_admin_roll(args: argparse.Namespace) -> int:
    """The roll from the CSV: its ``group`` column selects an eligibility subset (``--group``), and its ``role``
    column decides who is on a homeowners' assembly roll (owners only)."""
    admin = load_signing_key(Path(args.key))
    rows = _read_roll_csv(Path(args.csv))
    if args.group is not None:
        rows = [row for row in rows if row.group == args.group]
        if not rows:
            raise UsageError(f"{args.csv}: no row of group {args.group!r}")
    client = _client(args)
    snap = _election(args, client)
    _require_step(snap, "roll")
    if snap.definition.kind_rules.weighted:  # an assembly: its members are the owners (Civil Code art. 278)
        others = [row.unit for row in rows if row.role not in ("owner", "")]
        if others:
            raise UsageError(
                f"{args.csv}: a homeowners' assembly roll lists owners only; {len(others)} row(s) have another role "
                f"(first: {others[0]}); remove them or mark them role=owner"
            )
        missing = [row.unit for row in rows if not row.area_centi]
        if missing:
            raise UsageError(f"{args.csv}: every owner needs an area (m², 2 decimals); missing for {missing[0]}")
    areas = [row.area_centi or 0 for row in rows]
    receipts = actions.publish_roll(client, admin, args.election, [row.unit for row in rows], areas)
    _print_receipt(receipts[-1], f"{len(rows)} roll entries published")
    return EXIT_OK


def _read_roll_csv(path: Path) -> list[RollRow]:
    """The roll from a CSV (voting.roll): UTF-8, or GB18030/GBK as Chinese Excel saves it; every bad row is
    reported, nothing half-imported."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UsageError(f"{path}: cannot read the CSV ({e})") from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError as e:
            raise UsageError(
                f"{path}: neither UTF-8 nor GB18030; in Excel use 另存为 → CSV UTF-8 (逗号分隔) (*.csv)"
            ) from e
        print(f"{path}: read as GB18030 (Chinese Excel); saving as CSV UTF-8 avoids the guess", file=sys.stderr)
    try:
        return parse_roll_csv(text)
    except VotingError as e:
        raise UsageError(f"{path}: {e}") from e


def cmd_admin_open(args: argparse.Namespace) -> int:
    admin = load_signing_key(Path(args.key))
    client = _client(args)
    snap = _election(args, client)
    _require_step(snap, "open")
    receipt = actions.open_election(client, admin, args.election, snap=snap)
    _print_receipt(receipt, "election opened")
    return EXIT_OK


def cmd_admin_close(args: argparse.Namespace) -> int:
    admin = load_signing_key(Path(args.key))
    client = _client(args)
    snap = _election(args, client)
    _require_step(snap, "close")
    receipt = actions.close_election(client, admin, args.election, snap=snap)
    _print_receipt(receipt, "election closed and tallied")
    d = snap.definition
    print(f"next: {d.threshold} of the {len(d.trustees)} trustees run `linli trustee decrypt`")
    return EXIT_OK


def cmd_admin_publish(args: argparse.Namespace) -> int:
    client = _client(args)
    snap = _election(args, client)
    if not snap.info.result:
        try:
            _require_step(snap, "publish")
        except WrongStep as e:
            raise WrongStep(f"no result yet: {e}") from e
        raise WrongStep("no result yet: the result is published when the quorum of trustees has decrypted")
    return cmd_export(args)


def cmd_admin_booth_link(args: argparse.Namespace) -> int:
    """The link the notice board shows (§P12: the election id and its fingerprint, which the booth checks before
    anything else), with a QR code in the terminal and, with ``--svg``, in a file for printing."""
    import segno

    snap = _election(args)
    base = (args.base or _base_url(args.server)).rstrip("/")
    if not base.lower().startswith(("https://", "http://")):
        raise UsageError(f"--base {args.base}: an http(s) URL, e.g. https://vote.example.org")
    link = f"{base}/booth/#e={snap.definition.election_id}&fp={snap.fingerprint}"
    qr = segno.make(link, error="m")
    print(link)
    qr.terminal(out=sys.stdout, compact=True)
    if args.svg:
        qr.save(args.svg, kind="svg", scale=8, border=4, title=f"{snap.definition.title} {snap.fingerprint}")
        print(f"QR code written to {args.svg}", file=sys.stderr)
    if base.startswith("http://"):
        print(
            "warning: the link is not HTTPS: a phone installs the booth and keeps its credential only on an https://"
            " page (linli serve --tls-cert, or a TLS proxy in front)",
            file=sys.stderr,
        )
    return EXIT_OK


# -- registrar, voter, trustee -----------------------------------------------------------------------------------
def cmd_registrar_issue(args: argparse.Namespace) -> int:
    """Signing mode: log ``credential.issued`` with the voter's key — given (``--credential``), or the key a phone
    posted to the relay (``--request-code``, §P13), which then gets the signed issuance."""
    registrar = load_signing_key(Path(args.key))
    credential = None if args.credential is None else _hex_key(args.credential, "--credential")  # before any call
    client = _client(args)
    snap = _election(args, client)
    _require_step(snap, "issue")
    if credential is not None:
        receipt = actions.issue_credential(client, registrar, args.election, args.roll_id, credential, snap=snap)
        _print_receipt(receipt, f"credential issued for {args.roll_id}")
        return EXIT_OK
    code, request = _relay_request(client, snap, args.request_code, args.request_check)
    receipt = actions.issue_credential(client, registrar, args.election, args.roll_id, request.public_key, snap=snap)
    _print_receipt(receipt, f"credential issued for {args.roll_id}")
    issuance = RelayIssuance(args.election, snap.election_hash, code, None).signed(registrar)
    client.post_issuance(args.election, issuance.to_bytes())
    print(f"the phone showing {code} can now vote with its key (the issuance is posted)")
    return EXIT_OK


def _relay_request(
    client: LinliClient, snap: ElectionSnapshot, code_text: str, expect_check: str | None
) -> tuple[str, RelayRequest]:
    """§P13.2: the request a phone posted under the code it shows, checked here (never trust the server's copy):
    its shape and commitment proof, this election, its mode; and its check value, which must equal the phone's."""
    code = parse_code(code_text)
    election_id, mode = snap.definition.election_id, snap.definition.eligibility
    data = client.credential_request(election_id, code)
    request = RelayRequest.from_bytes(data)
    if request.election_id != election_id:
        raise ElectionMismatch(f"the request under {code} is for election {request.election_id!r}, not {election_id}")
    if request.mode is not mode:
        raise UsageError(f"the request under {code} is for {request.mode.value} credentials; this election uses {mode}")
    check = request_check(data)
    if expect_check is not None and parse_code(expect_check) != check:
        raise ElectionMismatch(
            f"the request under {code} has check {check}, not {parse_code(expect_check)}: it is not the request the "
            "phone made — issue nothing, and tell the election's administrator"
        )
    if expect_check is None:
        print(f"request {code}: check {check} — the phone shows the same check (compare it, or pass --request-check)")
    return code, request


def _load_credential(path: Path) -> SigningKey | AnonymousCredential:
    if credential_kind(path) == ANON_CREDENTIAL:
        return AnonymousCredential.from_json(load_typed(path, ANON_CREDENTIAL))
    return load_signing_key(path)


def _binding(credential: SigningKey | AnonymousCredential) -> bytes:
    """What the log knows a voter's ballots by: the credential key, or the per-election pseudonym (§P6)."""
    return credential.public_key if isinstance(credential, SigningKey) else credential.pseudonym()


def cmd_voter_vote(args: argparse.Namespace) -> int:
    """§P6 after §P12; a re-vote is never silent: the log (up to the verified checkpoint) shows whether this
    credential already has a ballot, which the new one replaces (or which stands, if the election refuses re-votes)."""
    credential = _load_credential(Path(args.credential))
    client = _client(args)
    snap = _election(args, client)
    view = _log_view(client, snap)
    _require_step(snap, "vote", view.phase)
    earlier = view.ballots_of(_binding(credential))
    if earlier and snap.definition.revote is RevotePolicy.REFUSE:
        raise WrongStep(
            f"you have already voted (entry {earlier[-1]}) and this election refuses re-votes: that ballot counts"
        )
    receipt = actions.cast_vote(client, snap, credential, args.choice)
    save_json(Path(args.receipt), {"type": "linli-receipt", **receipt.to_json()})
    _print_receipt(receipt, "ballot cast")
    if earlier and earlier[-1] != receipt.leaf_index:
        print(
            f"this ballot REPLACES your earlier ballot (entry {earlier[-1]}): only this one counts now; the earlier "
            "receipt will show it superseded"
        )
    print(f"receipt code: {receipt.code}")
    if snap.definition.witnesses:  # §P17.4
        print(
            f"receipt PENDING witnesses: it counts as confirmed once {snap.definition.witness_quorum} of the "
            "election's witnesses have cosigned a checkpoint that covers it (check-receipt tells you)"
        )
    print(f"receipt saved to {args.receipt}; check it later with: linli voter check-receipt --receipt {args.receipt}")
    return EXIT_OK


def cmd_voter_ballot(args: argparse.Namespace) -> int:
    """What the voter votes on, how it is decided and when, from the verified election only (§P12)."""
    client = _client(args)
    snap = _election(args, client)
    view = _log_view(client, snap)
    print("\n".join(election_lines(snap.state, view.phase, snap.fingerprint, args.lang)))
    print(text(args.lang, "ballot.private"))
    return EXIT_OK


def cmd_registrar_bbs_keygen(args: argparse.Namespace) -> int:
    import secrets

    from crypto import bbs

    path = Path(args.out)
    if path.exists() and not args.force:
        raise UsageError(f"{path} exists; pass --force to overwrite")
    sk = bbs.key_gen(secrets.token_bytes(32))
    pk = bbs.sk_to_pk(sk)
    save_json(path, {"public_key": pk.hex(), "secret": sk.hex(), "type": "linli-bbs-key"})
    print(pk.hex())
    return EXIT_OK


def cmd_voter_request(args: argparse.Namespace) -> int:
    snap = _election(args)  # the credential is bound to the verified election instance
    if snap.definition.eligibility is not EligibilityMode.ANONYMOUS:
        raise UsageError(
            f"election {args.election} uses signing credentials, not anonymous ones: make a key with `linli keygen "
            "--role voter` and give the public key it prints to the registrar"
        )
    _require_step(snap, "issue")
    request = request_credential(args.election, snap.election_hash)
    save_typed(Path(args.state), "linli-credential-request", request.to_json())
    save_json(
        Path(args.out), {"commitment": request.commitment.hex(), "election": args.election, "type": "linli-commitment"}
    )
    print(f"give {args.out} to the registrar (it holds no secret); keep {args.state} on this device")
    return EXIT_OK


def cmd_registrar_issue_anonymous(args: argparse.Namespace) -> int:
    """Anonymous mode: blind-sign the voter's commitment — from a file (``--request``, answered in ``--out``), or
    the one a phone posted to the relay (``--request-code``, §P13, answered there) — and log the issuance."""
    registrar = load_signing_key(Path(args.key))
    bbs_key = load_json(Path(args.bbs_key), "linli-bbs-key")
    try:
        sk = bytes.fromhex(bbs_key["secret"])
    except (KeyError, ValueError, TypeError) as e:
        raise UsageError("malformed BBS key") from e
    area = parse_area(args.area) if args.area else None  # a check only: the credential signs the roll's area
    client = _client(args)
    if args.request_code is None:
        if args.out is None:
            raise UsageError("--request FILE needs --out FILE: where to write the blind signature for the voter")
        commitment = load_json(Path(args.request), "linli-commitment")
        if commitment.get("election") != args.election:
            raise UsageError(f"{args.request} is a request for another election")
        try:
            raw = bytes.fromhex(commitment["commitment"])
        except (KeyError, ValueError, TypeError) as e:
            raise UsageError("malformed credential request") from e
        issued = actions.issue_anonymous_credential(
            client, registrar, sk, args.election, args.roll_id, raw, expect_area=area
        )
        save_typed(Path(args.out), "linli-issued-credential", issued.to_json())
        print(f"issuance for {args.roll_id} logged; give {args.out} back to the voter")
        return EXIT_OK
    snap = _election(args, client)
    _require_step(snap, "issue")
    code, request = _relay_request(client, snap, args.request_code, args.request_check)
    issued = actions.issue_anonymous_credential(
        client, registrar, sk, args.election, args.roll_id, request.commitment, expect_area=area
    )
    out = Path(args.out or f"linli-issued-{code}.json")
    try:
        issuance = RelayIssuance(args.election, snap.election_hash, code, issued).signed(registrar)
        client.post_issuance(args.election, issuance.to_bytes())
    except ServerRejected as e:  # the issuance is logged: the blind signature must not be lost
        save_typed(out, "linli-issued-credential", issued.to_json())
        raise ServerRejected(
            e.code, f"{e.message} — issuance for {args.roll_id} is logged; its blind signature is saved in {out}"
        ) from e
    if args.out:
        save_typed(out, "linli-issued-credential", issued.to_json())
    print(f"issuance for {args.roll_id} logged; the phone showing {code} can now finish its credential")
    return EXIT_OK


def cmd_voter_finish(args: argparse.Namespace) -> int:
    request = CredentialRequest.from_json(load_typed(Path(args.state), "linli-credential-request"))
    issued = IssuedCredential.from_json(load_typed(Path(args.response), "linli-issued-credential"))
    snap = _client(args).election(request.election_id, expect=args.expect)
    _say_fingerprint(snap)
    if snap.election_hash != request.election_hash:
        raise ElectionMismatch("the credential request was made for another instance of this election")
    credential = finish_credential(request, snap.definition.credential_key, issued)
    save_typed(Path(args.out), ANON_CREDENTIAL, credential.to_json())
    print(f"anonymous credential for {request.election_id} saved to {args.out} (export: copy this file)")
    return EXIT_OK


def cmd_voter_check(args: argparse.Namespace) -> int:
    obj = load_json(Path(args.receipt), "linli-receipt")
    try:
        receipt = Receipt.from_json(obj)
    except (KeyError, ValueError, TypeError) as e:
        raise UsageError(f"{args.receipt}: malformed receipt") from e
    if args.record:
        return _check_receipt_in_record(receipt, Path(args.record))
    client = _client(args)
    snap = client.election(receipt.election_id, expect=args.expect)
    d = snap.definition
    if d.witnesses:  # §P17.4: only a checkpoint with the witnesses' quorum counts
        try:
            cp = client.check_receipt_witnessed(receipt, d)
        except ReceiptPending as e:
            print(f"receipt PENDING witnesses: {e} — check again later", file=sys.stderr)
            return EXIT_FAILED
        print(
            f"receipt OK: entry {receipt.leaf_index} is in the log that {d.witness_quorum} of the election's "
            f"{len(d.witnesses)} witnesses cosigned ({cp.size} entries)"
        )
    else:
        cp = client.check_receipt(receipt)
        print(
            f"receipt OK: entry {receipt.leaf_index} is in the log, which has grown consistently to {cp.size} entries"
            " (no witnesses)"
        )
    print(f"receipt code: {receipt.code}")
    _say_fingerprint(snap)
    _say_superseded(LogView.from_entries(snap.definition, client.log_entries(receipt.election_id, cp)), receipt)
    return EXIT_OK


def cmd_verify_audit(args: argparse.Namespace) -> int:
    """Issue 10: check a ballot that a booth opened for an audit (voting.audit) against the verified election (§P12):
    the ballot verifies and encrypts the opened choice. An opened ballot is spoiled; if it was cast anyway (it is in
    the log), that is the booth's failure and is reported as one."""
    opening = load_json(Path(args.opening), OPENING_TYPE)
    client = _client(args)
    snap = _election(args, client)
    if snap.context is None:
        raise WrongStep("the election has no key yet: there is no ballot to audit")
    try:
        checked = check_opening(snap.context, opening)
    except InvalidBallot as e:
        print(
            f"error: this audit FAILS: {e.diagnostics()}. The device that made this ballot did not encrypt the choice "
            "it shows (or the file was altered): do not vote with it; tell the election administrator.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    d = snap.definition
    print(f"ballot hash: {checked.ballot_hash.hex()}")
    print(f"choice: {describe_choice(d, checked.choice, args.lang)}")
    leaf = Entry(EntryKind.BALLOT, d.election_id, checked.ballot.to_json(snap.context)).to_bytes()
    cast = [i for i, entry in enumerate(client.log_entries(d.election_id, snap.checkpoint)) if entry == leaf]
    if cast:
        print(
            f"error: this opened ballot was CAST (entry {cast[0]}): an audited ballot must never be cast, and its vote "
            "is now public; tell the election administrator",
            file=sys.stderr,
        )
        return EXIT_FAILED
    print("this ballot was spoiled: it is not counted (此选票已作废，不计入结果)")
    return EXIT_OK


def _say_superseded(view: LogView, receipt: Receipt) -> None:
    later = view.superseded_by(receipt.leaf_index)
    if later is not None:
        print(
            f"superseded by entry {later}: a later ballot of the same credential counts instead of this one "
            "(re-voting replaces the earlier ballot)"
        )


def _cosigned_size(note: bytes, verifier: NoteVerifier, definition: ElectionDefinition) -> int:
    """The size of a record's checkpoint if it has the election's witness quorum, else -1 (§P17.4)."""
    try:
        cp, _ = open_cosigned_checkpoint(note, verifier, definition.witnesses, definition.witness_quorum)
    except CryptoError:
        return -1
    return cp.size


def _check_receipt_in_record(receipt: Receipt, path: Path) -> int:
    from crypto import merkle
    from crypto.note import open_checkpoint
    from voting.statements import ElectionCreated

    record = read_record(path)
    verifier = NoteVerifier.from_vkey(record.log_key)
    cp = receipt.verify(verifier, record.origin)
    try:
        definition = ElectionCreated.from_json(Entry.from_bytes(record.entries[0]).body).definition
    except (IndexError, VotingError) as e:
        raise ReceiptInvalid(f"the published record is malformed: {e}") from e
    if definition.witnesses:  # §P17.4: the record's checkpoint that covers the receipt must have the quorum
        covering = [n for n in record.checkpoints if _cosigned_size(n, verifier, definition) >= cp.size]
        if not covering:
            raise ReceiptInvalid(
                f"no checkpoint of the record covering entry {receipt.leaf_index} has the witnesses' quorum"
            )
    tree = merkle.MerkleTree.from_leaf_hashes([merkle.leaf_hash(e) for e in record.entries])
    if cp.size > tree.size or tree.root(cp.size) != cp.root_hash:
        raise ReceiptInvalid("the published record does not contain the log the receipt was issued from")
    print(f"receipt OK: entry {receipt.leaf_index} is in the published record")
    try:  # the record's latest signed checkpoint covers the entries read for re-votes
        latest = open_checkpoint(record.checkpoints[-1], verifier)
    except (IndexError, CryptoError) as e:
        raise ReceiptInvalid(f"the published record is malformed: {e}") from e
    if latest.size > tree.size or tree.root(latest.size) != latest.root_hash:
        raise ReceiptInvalid("the record's entries do not hash to its latest signed checkpoint")
    _say_superseded(LogView.from_entries(definition, record.entries[: latest.size]), receipt)
    return EXIT_OK


def cmd_trustee_decrypt(args: argparse.Namespace) -> int:
    identity = load_signing_key(Path(args.key))
    election_id, share = load_share(Path(args.share))
    if election_id != args.election:
        raise UsageError(f"{args.share} is a key share for election {election_id}, not {args.election}")
    client = _client(args)
    snap = _election(args, client)
    _require_step(snap, "decrypt")
    actions.check_trustee(snap.context, identity, share)
    verified = actions.verify_for_decryption(client, args.election, snap=snap)
    state = verified.state
    assert state is not None  # verify_for_decryption checked it
    d = state.require_definition()
    if share.index in state.shares:
        raise WrongStep(
            f"trustee {share.index} has already decrypted; {d.threshold - len(state.shares)} more trustee(s) needed"
        )
    receipt = actions.submit_decryption_share(client, identity, share, args.election, snap=snap, verified=verified)
    _print_receipt(receipt, f"decryption share of trustee {share.index} accepted")
    done = len(state.shares) + 1
    if done < d.threshold:
        print(
            f"{d.threshold - done} more trustee share(s) needed ({done} of {d.threshold} in): the other trustees run "
            "`linli trustee decrypt`"
        )
    else:
        print(
            f"the result is out ({d.threshold} of {d.threshold} shares in): see it with `linli status --election "
            f"{args.election}`; export the record with `linli admin publish`"
        )
    return EXIT_OK


def ceremony_round_label(round_name: str) -> str:
    """A board round's name (§P15.9) as a trustee reads it: ``modulus/<tag>/3/sieve-2`` is "modulus batch 4:
    sieve-2", ``key/2-multiply`` is "key: 2-multiply", ``x25519`` is "x25519 keys"."""
    parts = round_name.split("/")
    if parts[0] == "modulus" and len(parts) == 4 and parts[2].isdigit():
        return f"modulus batch {int(parts[2]) + 1}: {parts[3]}"
    if parts[0] == "modulus" and len(parts) == 3:
        return f"modulus: {parts[2]}"
    if parts[0] == "key" and len(parts) == 2:
        return f"key: {parts[1]}"
    return "x25519 keys" if round_name == "x25519" else round_name


def _trustee_words(d: ElectionDefinition, index: int) -> str:
    name = d.trustee(index).name
    return f"trustee {index}" if name == f"trustee {index}" else f"trustee {index} ({name})"


def ceremony_batches(round_names: Sequence[str]) -> int:
    """How many modulus batches (§P15.2) the rounds went through: the highest batch number in their names, plus 1."""
    numbers = [int(p[2]) for p in (r.split("/") for r in round_names) if p[0] == "modulus" and len(p) == 4]
    return max(numbers, default=-1) + 1


# A server whose HTTP/2 layer ends connections after N requests (hypercorn's default is 1000; `linli serve` lifts it,
# server/web.py) fails the call in flight UNAVAILABLE. A trustee polls the board for as long as the others take (10
# polls a second), so its board calls are retried on a new connection: each is idempotent (a read, or a post the
# server takes again unchanged, §P15.9 step 3).
_BOARD_METHODS = ("GetBoardRound", "GetBoardStatus", "PostBoardMessage")
_BOARD_RETRY: tuple[tuple[str, Any], ...] = (
    ("grpc.enable_retries", 1),
    ("grpc.per_rpc_retry_buffer_size", 16 << 20),  # a 3072-bit round's post is a few MB
    ("grpc.retry_buffer_size", 32 << 20),
    (
        "grpc.service_config",
        json.dumps(
            {
                "methodConfig": [
                    {
                        "name": [{"service": "linli.v1.Linli", "method": m} for m in _BOARD_METHODS],
                        "retryPolicy": {
                            "maxAttempts": 4,
                            "initialBackoff": "0.1s",
                            "maxBackoff": "1s",
                            "backoffMultiplier": 2,
                            "retryableStatusCodes": ["UNAVAILABLE"],
                        },
                    }
                ]
            }
        ),
    ),
)
_WATCH_SECONDS = 2.0  # how often a waiting trustee's bar reads the board's status
_NOTICE_SECONDS = 10.0  # a round incomplete for this long: the bar names whom it waits for


def waiting_words(trustees: int, round_name: str, senders: Sequence[int], seconds: float) -> str:
    """The bar's postfix while a round is incomplete: its label and the trustees that have not posted it yet."""
    missing = ", ".join(str(j) for j in range(1, trustees + 1) if j not in set(senders))
    return f"{ceremony_round_label(round_name)}: waiting for trustee(s) {missing} ({seconds:.0f} s)"


def cmd_trustee_ceremony(args: argparse.Namespace) -> int:
    """§P15.9: this trustee's side of the dealer-free key ceremony over the server's board; saves its key share
    and the key.published body that the administrator then publishes (`linli admin publish-key`)."""
    import threading
    import time

    from tqdm import tqdm

    from client.key_ceremony import CeremonyConfig, run_ceremony

    identity = load_signing_key(Path(args.key))
    if not 1 <= args.attempt <= 1 << 20:
        raise UsageError(f"--attempt {args.attempt}: between 1 and {1 << 20}")
    if args.round_timeout <= 0:
        raise UsageError("--round-timeout must be positive")
    out = Path(args.out)
    public_out = Path(args.public_out) if args.public_out else out.with_name(f"{args.election}.ceremony-key.json")
    client = _client(args, _BOARD_RETRY)
    snap = _election(args, client)
    _require_step(snap, "ceremony")
    d = snap.definition
    index = next((t.index for t in d.trustees if t.key == identity.public_key), None)
    if index is None:
        raise UsageError(f"{args.key} is not the key of a trustee of {args.election}")
    rounds: list[str] = []
    bar = tqdm(
        desc=_trustee_words(d, index),
        unit="round",
        file=sys.stderr,
        leave=False,
        disable=args.no_progress,
    )

    def on_round(name: str) -> None:
        rounds.append(name)
        bar.set_postfix_str(ceremony_round_label(name), refresh=False)
        bar.update(1)

    stop = threading.Event()

    def watch() -> None:
        """While the trustees wait on each other: whom the newest round of this attempt still lacks (§P15.9)."""
        newest, since = "", time.monotonic()
        while not stop.wait(_WATCH_SECONDS):
            with contextlib.suppress(ClientError):  # only a display: the ceremony itself reports failures
                status = client.board_status(args.election)
                if status.attempt != args.attempt or not status.round:
                    continue
                if status.round != newest:
                    newest, since = status.round, time.monotonic()
                waited = time.monotonic() - since
                if len(status.senders) < len(d.trustees) and waited >= _NOTICE_SECONDS:
                    bar.set_postfix_str(waiting_words(len(d.trustees), newest, status.senders, waited))

    watcher = threading.Thread(target=watch, name="ceremony-watch", daemon=True)
    if not args.no_progress:
        watcher.start()

    def end_display() -> None:
        stop.set()
        if watcher.is_alive():
            watcher.join()
        bar.close()

    config = CeremonyConfig(attempt=args.attempt, round_timeout=args.round_timeout, on_round=on_round)
    start = time.monotonic()
    try:
        outcome = run_ceremony(client, d, snap.election_hash, index, identity, config)
    except CeremonyFailed as e:
        # §P15.9 step 4: the attempt is over and nothing of it is kept; one line says who and how to go on
        end_display()  # before the error line: no bar after it
        if isinstance(e, CeremonyTimeout):
            who = ", ".join(_trustee_words(d, j) for j in e.silent)
            after = ceremony_round_label(rounds[-1]) if rounds else "the start"
            what = f"{who} dropped out: no message for {args.round_timeout:g} s after {after}"
        else:
            what = str(e).removeprefix(f"attempt {args.attempt}: ")
        print(
            f"error: attempt {args.attempt} failed, nothing was saved: {what}. To restart, every trustee runs "
            f"`linli trustee ceremony --election {args.election} ... --attempt {args.attempt + 1}`",
            file=sys.stderr,
        )
        return EXIT_FAILED
    finally:
        end_display()
    elapsed = time.monotonic() - start
    save_share(out, args.election, outcome.share)
    save_json(public_out, outcome.key.to_json())
    print(
        f"ceremony done in {elapsed:.1f} s: {len(rounds)} rounds, {ceremony_batches(rounds)} modulus batch(es), "
        f"{d.modulus_bits}-bit key"
    )
    print(f"key share of trustee {index} written to {out}; the ceremony's public key to {public_out}")
    print(f"next: the administrator runs `linli admin publish-key --election {args.election} --ceremony-key FILE`")
    return EXIT_OK


def cmd_admin_publish_key(args: argparse.Namespace) -> int:
    """§P15.9: publish the key of the trustees' ceremony as key.published, signed by the administrator (the
    server and every verifier check its modulus proof and test decryption, §P3.3–§P3.4)."""
    admin = load_signing_key(Path(args.key))
    client = _client(args)
    snap = _election(args, client)
    _require_step(snap, "ceremony")
    try:
        obj = json.loads(Path(args.ceremony_key).read_text())
    except json.JSONDecodeError as e:
        raise UsageError(f"{args.ceremony_key}: not JSON ({e})") from e
    body = KeyPublished.from_json(obj, snap.definition)
    if body.election_hash != snap.election_hash:
        raise UsageError(f"{args.ceremony_key} is the key of another election instance, not {args.election}")
    if body.ceremony is None:
        raise UsageError(
            f"{args.ceremony_key} carries no ceremony (transcript hash and the trustees' endorsements): it is not "
            "the output of `linli trustee ceremony`"
        )
    receipt = client.submit(sign(body, args.election, admin, Role.ADMIN))
    _print_receipt(receipt, "election key of the trustees' ceremony published")
    return EXIT_OK


# -- corrections before opening (docs/protocol.md §P2.4, §P5.3) ------------------------------------------------------
PRESENTATION = "linli-revocation-presentation"


def cmd_admin_roll_correct(args: argparse.Namespace) -> int:
    """Replace (``--unit`` and / or ``--area``) or ``--remove`` one roll entry, before the election opens."""
    admin = load_signing_key(Path(args.key))
    client = _client(args)
    snap = _election(args, client)
    if snap.state.phase.value not in ("created", "keyed"):
        raise UsageError(
            f"election {args.election} is {snap.state.phase.value}: the roll can be corrected only before it opens"
        )
    roll_id = normalise_unit(args.roll_id)
    old = snap.state.roll.get(roll_id)
    if old is None:
        raise UsageError(f"roll id {roll_id!r} is not on the roll of {args.election}")
    if args.remove == bool(args.unit or args.area):
        raise UsageError("give --unit NEW and / or --area M2 to replace the entry, or --remove to remove it")
    if roll_id in snap.state.issued:
        raise UsageError(
            f"{roll_id} has a live credential (entry {snap.state.issuance_index[roll_id]}): the registrar revokes it "
            f"first (linli registrar revoke --roll-id {roll_id}), then issues a new one after the correction"
        )
    replacement = None
    if not args.remove:
        area = parse_area(normalise_unit(args.area)) if args.area else old.area
        replacement = RollEntry(normalise_unit(args.unit) if args.unit else roll_id, area)
    receipt = actions.correct_roll(client, admin, args.election, roll_id, replacement)
    what = (
        "removed" if replacement is None else f"replaced by {replacement.roll_id} (area {replacement.area / 100:.2f})"
    )
    _print_receipt(receipt, f"roll entry {roll_id} {what}")
    return EXIT_OK


def cmd_registrar_revoke(args: argparse.Namespace) -> int:
    """Revoke a roll entry's live credential before opening; anonymous mode needs the holder's presentation."""
    registrar = load_signing_key(Path(args.key))
    roll_id = normalise_unit(args.roll_id)
    presentation = None
    if args.presentation:
        value = load_typed(Path(args.presentation), PRESENTATION)
        try:
            if value["election"] != args.election or value["roll_id"] != roll_id:
                raise UsageError(
                    f"{args.presentation} presents the credential of {value['roll_id']} in {value['election']}"
                )
            presentation = AnonymousEvidence.from_json(value["evidence"])
        except (KeyError, TypeError) as e:
            raise UsageError(f"{args.presentation}: malformed presentation") from e
    receipt = actions.revoke_credential(_client(args), registrar, args.election, roll_id, presentation=presentation)
    _print_receipt(receipt, f"credential of {roll_id} revoked; a new one may be issued before opening")
    return EXIT_OK


def cmd_voter_present(args: argparse.Namespace) -> int:
    """The holder of a wrongly issued anonymous credential presents it so the registrar can revoke it."""
    credential = _load_credential(Path(args.credential))
    if not isinstance(credential, AnonymousCredential):
        raise UsageError("a signing credential needs no presentation: the registrar revokes it by its roll id")
    if args.election and args.election != credential.election_id:
        raise UsageError(
            f"{args.credential} is a credential for election {credential.election_id}, not {args.election}"
        )
    roll_id = normalise_unit(args.roll_id)
    evidence = actions.revocation_presentation(_client(args), credential, roll_id, expect=args.expect)
    value = {"election": credential.election_id, "evidence": evidence.to_json(), "roll_id": roll_id}
    save_typed(Path(args.out), PRESENTATION, value)
    print(
        f"give {args.out} to the registrar (linli registrar revoke --presentation {args.out}); once it is revoked, "
        f"{args.credential} can never vote: request a new credential"
    )
    return EXIT_OK


def _correction_commands(
    admin: argparse._SubParsersAction,  # type: ignore[type-arg]
    reg: argparse._SubParsersAction,  # type: ignore[type-arg]
    voter: argparse._SubParsersAction,  # type: ignore[type-arg]
    server_opts: Callable[[argparse.ArgumentParser], None],
) -> None:
    a = admin.add_parser("roll-correct", help="before opening: replace or remove one roll entry (signed, logged)")
    server_opts(a)
    a.add_argument("--election", required=True)
    a.add_argument("--key", required=True)
    a.add_argument("--roll-id", required=True, help="the entry to correct")
    a.add_argument("--unit", default="", help="the corrected unit id (default: unchanged)")
    a.add_argument("--area", default="", help="assembly: the corrected area in m² (default: unchanged)")
    a.add_argument("--remove", action="store_true", help="remove the entry instead")
    a.set_defaults(func=cmd_admin_roll_correct)
    r = reg.add_parser("revoke", help="before opening: revoke a roll entry's credential so a new one can be issued")
    server_opts(r)
    r.add_argument("--key", required=True)
    r.add_argument("--election", required=True)
    r.add_argument("--roll-id", required=True)
    r.add_argument("--presentation", default="", help="anonymous mode: the holder's presentation of the credential")
    r.set_defaults(func=cmd_registrar_revoke)
    v = voter.add_parser("present-credential", help="before opening: present an anonymous credential for revocation")
    server_opts(v)
    v.add_argument("--election", default="", help="the credential's election (checked; the credential names it)")
    v.add_argument("--credential", required=True)
    v.add_argument("--roll-id", required=True, help="the roll entry it was issued for")
    v.add_argument("--out", required=True, help="the presentation to give the registrar")
    v.set_defaults(func=cmd_voter_present)


# -- everyone -------------------------------------------------------------------------------------------------------
def cmd_status(args: argparse.Namespace) -> int:
    """The verified election, the server's counters, the result once published (verified from the record), and
    the next step."""
    client = _client(args)
    snap = _election(args, client)
    view = _log_view(client, snap)
    i, lang = snap.info, args.lang
    print("\n".join(election_lines(snap.state, view.phase, snap.fingerprint, lang)))
    counts = text(
        lang,
        "status.counts",
        roll=i.roll_size,
        credentials=i.credentials_issued,
        cast=i.ballots_cast,
        counted=i.ballots_counted,
        size=i.tree_size,
    )
    print(f"  {counts}")
    if view.phase is Phase.PUBLISHED:
        _print_result(client, snap, lang)
    print(next_step(snap.state, view, lang))
    return EXIT_OK


def _print_result(client: LinliClient, snap: ElectionSnapshot, lang: str) -> None:
    """The published result, only as the verifier recomputes it from the record (§V)."""
    from client.verifier import check_record

    verifier, _ = client.log_verifier(snap.definition.election_id)
    report = check_record(
        actions.export_record(client, snap.definition.election_id),
        expected_log_key=verifier.to_vkey(),
        expected_fingerprint=snap.fingerprint,
        min_modulus_bits=client.min_modulus_bits,
    )
    state = report.state
    if not report.passed or state is None or state.definition is None or not report.totals:
        failed = ", ".join(str(step.number) for step in report.steps if not step.passed)
        print(text(lang, "status.unverified", steps=failed or "-"))
        return
    d = state.definition
    print(text(lang, "status.result", outcome=outcome_words(d, state.outcome, lang)))
    print(text(lang, "status.totals", totals=totals_words(d, report.totals, lang)))


def cmd_key_show(args: argparse.Namespace) -> int:
    """The public key of a key file: an identity key (admin, registrar, trustee, voter, server) or a BBS key."""
    path = Path(args.file)
    obj = load_json(path, credential_kind(path) or "linli-key")
    kind = obj.get("type")
    if kind == "linli-key" and obj.get("role") == "witness":  # §P17.1: the vkey the election names
        print(load_witness_key(path).verifier().to_vkey())
        print(f"{path}: witness key (C2SP cosignature/v1, Ed25519)", file=sys.stderr)
        return EXIT_OK
    if kind == "linli-key":
        key = load_signing_key(path)
        print(key.public_key.hex())
        print(f"{path}: {obj.get('role', 'identity')} key (Ed25519)", file=sys.stderr)
        return EXIT_OK
    if kind == "linli-bbs-key":
        from crypto import bbs

        try:
            public = bbs.sk_to_pk(bytes.fromhex(obj["secret"]))
        except (KeyError, ValueError, TypeError, CryptoError) as e:
            raise UsageError(f"{path}: malformed BBS key") from e
        if obj.get("public_key") != public.hex():
            raise UsageError(f"{path}: its public key does not belong to its secret")
        print(public.hex())
        print(f"{path}: the registrar's BBS key (anonymous credentials)", file=sys.stderr)
        return EXIT_OK
    raise UsageError(f"{path}: a {kind} file holds no public key to show (expected a key from keygen or bbs-keygen)")


def cmd_export(args: argparse.Namespace) -> int:
    import time

    client = _client(args)
    deadline = time.monotonic() + args.wait_witnesses
    while True:
        record = actions.export_record(client, args.election)
        missing = _witness_shortfall(record)
        if not missing or time.monotonic() >= deadline:
            break
        time.sleep(min(2.0, max(0.0, deadline - time.monotonic())))
    write_record(Path(args.out), record)
    print(f"record of {args.election} ({len(record.entries)} entries) written to {args.out}")
    if missing:  # §P17.4: say it now rather than let `linli verify` be the first to notice
        print(
            f"warning: {missing}; `linli verify` refuses the record until they do: export it again once the "
            "witnesses have cosigned (or pass --wait-witnesses SECONDS)",
            file=sys.stderr,
        )
    return EXIT_OK


def _witness_shortfall(record: Record) -> str:
    """§P17.4: empty if the record's final checkpoint has the election's witness quorum (or it names none)."""
    from crypto.cosignature import cosignatures
    from voting.statements import ElectionCreated

    try:
        definition = ElectionCreated.from_json(Entry.from_bytes(record.entries[0]).body).definition
        found = cosignatures(record.checkpoints[-1], definition.witnesses) if definition.witnesses else ()
    except (IndexError, VotingError, CryptoError) as e:
        return f"the record's witness cosignatures could not be read ({e})"
    k, q = len({c.witness.public_key for c in found}), definition.witness_quorum
    return "" if k >= q else f"the record's final checkpoint has {k} of the {q} witness cosignatures the election needs"


def _hex_bytes(value: str, what: str, length: int) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except ValueError as e:
        raise UsageError(f"{what}: not hexadecimal") from e
    if len(raw) != length:
        raise UsageError(f"{what}: expected {length} bytes ({2 * length} hex digits)")
    return raw


def _hex_key(value: str, what: str) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except ValueError as e:
        raise UsageError(f"{what}: not hexadecimal") from e
    if len(raw) != 32:
        raise UsageError(f"{what}: an Ed25519 public key is 32 bytes (64 hex digits)")
    return raw


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="linli", description="Private, verifiable community votes.")
    sub = p.add_subparsers(dest="command", required=True)

    def server_opts(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--server",
            default=f"127.0.0.1:{DEFAULT_PORT}",
            help="host[:port] of the Linli service (default port 50051), or its URL http(s)://host[:port]",
        )
        sp.add_argument("--timeout", type=float, default=120.0, help="seconds per call")
        sp.add_argument(
            "--expect", default=None, metavar="FINGERPRINT", help="the election's fingerprint from the notice board"
        )
        sp.add_argument("--log-key", default=None, help="require this signed-note verifier key for the log")
        sp.add_argument(
            "--pins", default=None, help="pinned fingerprints and log keys (default $LINLI_PINS or ~/.config/linli)"
        )
        sp.add_argument("--min-modulus-bits", type=int, default=2048, help="smallest election key accepted")

    s = sub.add_parser("serve", help="run the service: gRPC, gRPC-Web and Connect on one port, and the phone booth")
    s.add_argument("--listen", default="127.0.0.1:50051", help="host:port (port 0: a free one, printed)")
    s.add_argument("--db", default="sqlite:///linli.db", help="SQLAlchemy URL (sqlite:///file.db or postgresql://…)")
    s.add_argument("--key", default="linli-server.key.json", help="log signing key file (created if missing)")
    s.add_argument("--name", default="linli", help="key name in signed checkpoints")
    s.add_argument(
        "--workers",
        type=_workers,
        default=os.cpu_count() or 1,
        help="ballot verification worker processes (default: one per core)",
    )
    s.add_argument("--origin", default="linli.local/elections", help="log origin prefix")
    s.add_argument(
        "--check-log",
        action="store_true",
        help="at start, re-verify every entry and stored tree node of every log against its last signed checkpoint"
        " (O(n); by default only the checkpoint against the stored frontier nodes, ADR 0019)",
    )
    s.add_argument("--admin-key", action="append", default=[], help="hex admin key allowed to create elections")
    s.add_argument(
        "--min-modulus-bits", type=int, default=3072, choices=(1024, 2048, 3072, 4096), help="1024: test keys only"
    )
    s.add_argument("--tls-cert", default=None, help="HTTPS: the certificate chain (PEM); HTTP/2 by ALPN")
    s.add_argument("--tls-key", default=None, help="HTTPS: the certificate's private key (PEM)")
    s.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a web origin (https://host[:port]) whose pages may call this server; repeat for more (the booth "
        "served by this server needs none)",
    )
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("demo", help="run a whole referendum end to end on an embedded server")
    s.add_argument("--voters", type=int, default=50)
    s.add_argument("--out", default="linli-demo-record")
    s.add_argument("--modulus-bits", type=int, default=3072, choices=(1024, 2048, 3072, 4096), help="1024: tests only")
    s.add_argument("--db", default=None, help="SQLAlchemy URL (default: SQLite in a temporary folder)")
    s.add_argument("--seed", type=int, default=None, help="seed for the demo voters' choices")
    s.add_argument("--workers", type=int, default=2)
    s.add_argument(
        "--ceremony",
        default="distributed",
        choices=("distributed", "dealer"),
        help="the key ceremony: the trustees' dealer-free one (default, §P15.9) or, weaker, the administrator as "
        "dealer, who sees the factors (ADR 0002)",
    )
    s.add_argument("--eligibility", default="signing", choices=("signing", "anonymous"))
    s.add_argument("--kind", default="referendum", choices=[k.value for k in ElectionKind])
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("verify", help="verify an election record independently of any server")
    s.add_argument("record")
    s.add_argument("--json", action="store_true")
    s.add_argument("--log-key", default=None, help="require this signed-note verifier key for the log")
    s.add_argument(
        "--expect", default=None, metavar="FINGERPRINT", help="require this election fingerprint (the notice board's)"
    )
    s.add_argument("--lang", default="en", choices=LANGS, help="language of the numbered report (zh or en)")
    s.add_argument("--min-modulus-bits", type=int, default=2048)
    s.add_argument("--workers", type=int, default=None)
    s.set_defaults(func=cmd_verify)

    s = sub.add_parser("report", help="write a readable result page (HTML, and JSON) from a verified record")
    s.add_argument("record")
    s.add_argument("--out", required=True, help="the HTML file to write")
    s.add_argument("--json", default=None, help="also write the summary as JSON")
    s.add_argument("--lang", default="zh", choices=LANGS)
    s.add_argument("--min-modulus-bits", type=int, default=2048)
    s.add_argument("--workers", type=int, default=None)
    s.set_defaults(func=cmd_report)

    s = sub.add_parser(
        "keygen", help="make an Ed25519 identity key (admin, registrar, trustee, voter credential) or a witness key"
    )
    s.add_argument("--out", required=True)
    s.add_argument("--role", default="voter", choices=("admin", "registrar", "trustee", "voter", "witness"))
    s.add_argument("--name", default="", help="witness: its key name, e.g. witness.example.org/w1")
    s.add_argument("--force", action="store_true")
    s.set_defaults(func=cmd_keygen)

    s = sub.add_parser("witness", help="witness a server's logs: check each new checkpoint, cosign it, post it")
    s.add_argument("--server", required=True, help="host[:port] or http(s)://host[:port]")
    which = s.add_mutually_exclusive_group(required=True)
    which.add_argument("--election", help="the election to witness")
    which.add_argument("--all", action="store_true", help="every election on the server that names this witness")
    s.add_argument("--key", required=True, help="the witness key (linli keygen --role witness)")
    s.add_argument("--state", required=True, help="the witness's state file (keep it: it is what makes it a witness)")
    s.add_argument("--log-key", default=None, help="the server's expected log key (else trusted on first use)")
    when = s.add_mutually_exclusive_group()
    when.add_argument("--once", action="store_true", help="one round, then exit (the default is to repeat)")
    when.add_argument("--interval", type=float, default=10.0, help="seconds between rounds (default 10)")
    s.add_argument("--timeout", type=float, default=30.0)
    s.set_defaults(func=cmd_witness)

    s = sub.add_parser("status", help="show an election, its counts, its verified result and the next step")
    server_opts(s)
    s.add_argument("--election", required=True)
    s.add_argument("--lang", default="en", choices=LANGS, help="zh or en")
    s.set_defaults(func=cmd_status)

    keys = sub.add_parser("key", help="key files").add_subparsers(dest="action", required=True)
    k = keys.add_parser("show", help="print a key file's public key (hex)")
    k.add_argument("file")
    k.set_defaults(func=cmd_key_show)

    s = sub.add_parser("export", help="download the election record")
    server_opts(s)
    s.add_argument("--election", required=True)
    s.add_argument("--out", required=True)
    s.add_argument(
        "--wait-witnesses",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait up to this long for the witnesses to cosign the final checkpoint (§P17)",
    )
    s.set_defaults(func=cmd_export)

    admin = sub.add_parser("admin", help="election administrator").add_subparsers(dest="action", required=True)
    a = admin.add_parser("create")
    server_opts(a)
    a.add_argument("--key", required=True)
    a.add_argument("--election", required=True)
    a.add_argument("--title", required=True)
    a.add_argument("--question", required=True)
    a.add_argument("--description", default="")
    a.add_argument("--trustee-key", action="append", required=True, help="hex key of each trustee, in order")
    a.add_argument("--threshold", type=int, required=True)
    a.add_argument("--registrar-key", required=True)
    a.add_argument("--revote", default="last", choices=("last", "refuse"))
    a.add_argument(
        "--modulus-bits", type=int, default=3072, choices=(1024, 2048, 3072, 4096), help="1024: test servers only"
    )
    a.add_argument("--max-voters", type=int, default=100_000)
    a.add_argument("--eligibility", default="signing", choices=("signing", "anonymous"))
    a.add_argument("--credential-key", default="", help="anonymous mode: the registrar's BBS public key (hex)")
    a.add_argument("--kind", default="referendum", choices=kind_names())
    a.add_argument(
        "--candidate", action="append", default=[], help="committee / approval: an option's name (repeat, in order)"
    )
    a.add_argument("--seats", type=int, default=0, help="committee: seats to fill (fewer than candidates)")
    a.add_argument("--major", action="store_true", help="assembly: a major matter (3/4 of both), else ordinary (> 1/2)")
    a.add_argument(
        "--accept-area-disclosure",
        action="store_true",
        help="assembly: accept that areas unique on the roll identify votes (docs/protocol.md §P9.5)",
    )
    a.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="VKEY",
        help="a witness's cosignature verifier key, name+keyid+key (repeat; `linli keygen --role witness` prints it)",
    )
    a.add_argument(
        "--witness-quorum", type=int, default=None, help="cosignatures a checkpoint needs (default: every witness)"
    )
    a.set_defaults(func=cmd_admin_create)
    for name, func, helptext in (
        ("ceremony", cmd_admin_ceremony, "generate and publish the election key; write the trustees' shares"),
        ("roll", cmd_admin_roll, "publish the voter roll from a CSV with a 'unit' column"),
        ("open", cmd_admin_open, "open voting"),
        ("close", cmd_admin_close, "close voting and tally"),
        ("publish", cmd_admin_publish, "export the record once the result is published"),
    ):
        a = admin.add_parser(name, help=helptext)
        server_opts(a)
        a.add_argument("--election", required=True)
        if name != "publish":
            a.add_argument("--key", required=True)
        if name == "ceremony":
            a.add_argument("--out", required=True, help="folder for the trustees' key share files")
        if name == "roll":
            a.add_argument("--csv", required=True)
            a.add_argument("--group", default=None, help="publish only the rows of this group (an eligibility subset)")
        if name == "publish":
            a.add_argument("--out", required=True)
            a.add_argument(
                "--wait-witnesses",
                type=float,
                default=60.0,
                metavar="SECONDS",
                help="wait up to this long for the witnesses to cosign the final checkpoint (default 60; §P17)",
            )
        a.set_defaults(func=func)

    reg = sub.add_parser("registrar", help="credential registrar").add_subparsers(dest="action", required=True)
    r = reg.add_parser("issue", help="issue a credential (the voter's public key) for a roll entry")
    server_opts(r)
    r.add_argument("--key", required=True)
    r.add_argument("--election", required=True)
    r.add_argument("--roll-id", required=True)
    which = r.add_mutually_exclusive_group(required=True)
    which.add_argument("--credential", help="the voter's credential public key (hex)")
    which.add_argument("--request-code", metavar="CODE", help="the code the voter's phone shows (relay, §P13)")
    r.add_argument("--request-check", metavar="CHECK", help="the check the phone shows next to its code")
    r.set_defaults(func=cmd_registrar_issue)
    r = reg.add_parser("bbs-keygen", help="make the registrar's BBS key for anonymous credentials")
    r.add_argument("--out", required=True)
    r.add_argument("--force", action="store_true")
    r.set_defaults(func=cmd_registrar_bbs_keygen)
    r = reg.add_parser("issue-anonymous", help="blind-sign a voter's credential request and log the issuance")
    server_opts(r)
    r.add_argument("--key", required=True, help="the registrar's identity key (signs the issuance statement)")
    r.add_argument("--bbs-key", required=True)
    r.add_argument("--election", required=True)
    r.add_argument("--roll-id", required=True)
    which = r.add_mutually_exclusive_group(required=True)
    which.add_argument("--request", help="the voter's credential request file (commitment)")
    which.add_argument("--request-code", metavar="CODE", help="the code the voter's phone shows (relay, §P13)")
    r.add_argument("--request-check", metavar="CHECK", help="the check the phone shows next to its code")
    r.add_argument(
        "--out", default=None, help="where to write the blind signature for the voter (needed with --request)"
    )
    r.add_argument(
        "--area", default="", help="optional check: the roll entry's area in m² (the credential signs the roll's)"
    )
    r.set_defaults(func=cmd_registrar_issue_anonymous)

    voter = sub.add_parser("voter", help="voter").add_subparsers(dest="action", required=True)
    v = voter.add_parser("vote", help="encrypt, prove and cast a ballot")
    server_opts(v)
    v.add_argument("--election", required=True)
    v.add_argument("--credential", required=True)
    v.add_argument(
        "--choice", required=True, help="yes / no / abstain, or committee candidates' names joined by commas"
    )
    v.add_argument("--receipt", required=True, help="where to save the receipt")
    v.set_defaults(func=cmd_voter_vote)
    v = voter.add_parser("ballot", help="show what is voted on, the rules, the voting window (verified)")
    server_opts(v)
    v.add_argument("--election", required=True)
    v.add_argument("--lang", default="zh", choices=LANGS, help="zh (default) or en")
    v.set_defaults(func=cmd_voter_ballot)
    v = voter.add_parser("request-credential", help="start an anonymous credential: commit to a fresh secret")
    server_opts(v)
    v.add_argument("--election", required=True)
    v.add_argument("--out", required=True, help="the request to give the registrar")
    v.add_argument("--state", required=True, help="the secrets to keep on this device")
    v.set_defaults(func=cmd_voter_request)
    v = voter.add_parser("finish-credential", help="check the registrar's blind signature and store the credential")
    server_opts(v)
    v.add_argument("--state", required=True)
    v.add_argument("--response", required=True)
    v.add_argument("--out", required=True, help="the credential file (also its export / import format)")
    v.set_defaults(func=cmd_voter_finish)
    v = voter.add_parser("check-receipt", help="check that a ballot is still in the log (or in a record)")
    server_opts(v)
    v.add_argument("--receipt", required=True)
    v.add_argument("--record", default=None, help="check against a downloaded record instead of the server")
    v.set_defaults(func=cmd_voter_check)

    s = sub.add_parser("verify-audit", help="check a ballot the booth opened for an audit (it is then spoiled)")
    server_opts(s)
    s.add_argument("--election", required=True)
    s.add_argument("--opening", required=True, help="the booth's linli-ballot-opening file")
    s.add_argument("--lang", default="zh", choices=LANGS, help="the choice in zh (default) or en")
    s.set_defaults(func=cmd_verify_audit)

    tr = sub.add_parser("trustee", help="trustee").add_subparsers(dest="action", required=True)
    t = tr.add_parser("decrypt", help="submit this trustee's decryption share of the tally")
    server_opts(t)
    t.add_argument("--election", required=True)
    t.add_argument("--key", required=True, help="the trustee's identity key")
    t.add_argument("--share", required=True, help="the trustee's key share file")
    t.set_defaults(func=cmd_trustee_decrypt)
    t = tr.add_parser("ceremony", help="run this trustee's side of the dealer-free key ceremony through the server")
    server_opts(t)
    t.add_argument("--election", required=True)
    t.add_argument("--key", required=True, help="the trustee's identity key")
    t.add_argument("--out", required=True, help="where to write this trustee's key share")
    t.add_argument("--public-out", default=None, help="where to write the public key (default: beside --out)")
    t.add_argument("--attempt", type=int, default=1, help="the attempt number (a new one after a failed attempt)")
    t.add_argument("--round-timeout", type=float, default=600.0, help="seconds to wait for every trustee's round")
    t.add_argument("--no-progress", action="store_true", help="no progress bar (e.g. when several run in one terminal)")
    t.set_defaults(func=cmd_trustee_ceremony)
    a = admin.add_parser("publish-key", help="publish the key of the trustees' ceremony (linli trustee ceremony)")
    server_opts(a)
    a.add_argument("--election", required=True)
    a.add_argument("--key", required=True, help="the administrator's key")
    a.add_argument("--ceremony-key", required=True, help="the public key file a trustee's ceremony wrote")
    a.set_defaults(func=cmd_admin_publish_key)
    a = admin.add_parser("booth-link", help="the phone booth's link and QR code for the notice board")
    server_opts(a)
    a.add_argument("--election", required=True)
    a.add_argument("--base", default=None, help="the booth's base URL (default: the --server URL)")
    a.add_argument("--svg", default=None, metavar="FILE", help="also write the QR code as SVG, for printing")
    a.set_defaults(func=cmd_admin_booth_link)
    _correction_commands(admin, reg, voter, server_opts)
    return p


def _unreachable(args: argparse.Namespace, e: ServerRejected) -> str:
    address = _server_target(getattr(args, "server", ""))[0] if getattr(args, "server", "") else "the server"
    if e.code == "DEADLINE_EXCEEDED":
        return f"server at {address} did not answer within {args.timeout:g} s (--timeout)"
    return f"server unreachable at {address}: is `linli serve` running there? (--server HOST[:PORT]; {e.message})"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ServerRejected as e:
        if e.code in ("UNAVAILABLE", "DEADLINE_EXCEEDED"):
            print(f"error: {_unreachable(args, e)}", file=sys.stderr)
            return EXIT_UNAVAILABLE
        print(f"error: {e.diagnostics()}", file=sys.stderr)
        return EXIT_FAILED
    except (ReceiptInvalid, ReceiptPending, WitnessRefused, ElectionInvalid, ElectionMismatch, RecordRejected) as e:
        print(f"error: {e.diagnostics()}", file=sys.stderr)
        return EXIT_FAILED
    except (ClientError, VotingError, CryptoError) as e:  # the packages' roots: bad input or usage
        print(f"error: {e.diagnostics()}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, ValueError) as e:  # files the user named, and values argparse let through
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug still gets one line, not a traceback
        print(f"error: unexpected {type(e).__name__}: {e} (please report this)", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())

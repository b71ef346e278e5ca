"""Key files on the user's device: identity keys (Ed25519), voter credentials, trustee key shares.

Every file is JSON, written with mode 0600; secrets are hex. A key share file is the trustee's part of the
election key: whoever holds ``threshold`` of them can decrypt any ballot, so keep them apart and offline.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from client.errors import UsageError
from crypto.cosignature import Cosigner
from crypto.ed25519 import SigningKey
from crypto.errors import CryptoError
from crypto.threshold import KeyShare, ThresholdPublicKey
from voting.encoding import parse_untrusted
from voting.errors import InvalidEncoding

__all__ = [
    "credential_kind",
    "load_json",
    "load_share",
    "load_signing_key",
    "load_typed",
    "save_json",
    "save_share",
    "save_signing_key",
    "save_typed",
]


def save_json(path: Path, obj: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


MAX_KEY_FILE_BYTES = 1 << 20


def _read(path: Path) -> Any:
    """A key file is untrusted input too (a copied or tampered file): bounded before it reaches the JSON parser."""
    try:
        return parse_untrusted(Path(path).read_bytes(), max_size=MAX_KEY_FILE_BYTES)
    except FileNotFoundError as e:
        raise UsageError(f"{path}: no such file") from e
    except (OSError, InvalidEncoding) as e:
        raise UsageError(f"{path}: cannot read JSON ({e})") from e


def load_json(path: Path, kind: str) -> dict[str, Any]:
    obj = _read(path)
    if not isinstance(obj, dict) or obj.get("type") != kind:
        raise UsageError(f"{path}: not a {kind} file")
    return obj


def save_signing_key(path: Path, key: SigningKey, role: str) -> None:
    save_json(path, {"public_key": key.public_key.hex(), "role": role, "secret": key.secret.hex(), "type": "linli-key"})


def load_signing_key(path: Path) -> SigningKey:
    obj = load_json(path, "linli-key")
    try:
        key = SigningKey(bytes.fromhex(obj["secret"]))
    except (KeyError, ValueError, TypeError) as e:
        raise UsageError(f"{path}: malformed key file") from e
    if key.public_key.hex() != obj.get("public_key"):
        raise UsageError(f"{path}: public key does not match the secret")
    return key


def save_witness_key(path: Path, cosigner: Cosigner) -> None:
    """§P17.1: a witness's cosigning key, with its name and verifier key (vkey, type 0x04)."""
    save_json(
        path,
        {
            "name": cosigner.name,
            "role": "witness",
            "secret": cosigner.private_bytes().hex(),
            "type": "linli-key",
            "vkey": cosigner.verifier().to_vkey(),
        },
    )


def load_witness_key(path: Path) -> Cosigner:
    obj = load_json(path, "linli-key")
    if obj.get("role") != "witness":
        raise UsageError(f"{path}: not a witness key (make one with `linli keygen --role witness --name NAME`)")
    try:
        cosigner = Cosigner.from_private_bytes(str(obj["name"]), bytes.fromhex(obj["secret"]))
    except (KeyError, ValueError, TypeError, CryptoError) as e:
        raise UsageError(f"{path}: malformed witness key file") from e
    if cosigner.verifier().to_vkey() != obj.get("vkey"):
        raise UsageError(f"{path}: the verifier key does not match the secret")
    return cosigner


def save_share(path: Path, election_id: str, share: KeyShare) -> None:
    pk = share.public_key
    save_json(
        path,
        {
            "election": election_id,
            "index": share.index,
            "public_key": {
                "commitments": [hex(x) for x in pk.commitments],
                "n": hex(pk.n),
                "parties": pk.parties,
                "theta": hex(pk.theta),
                "threshold": pk.threshold,
                "verification_keys": [hex(x) for x in pk.verification_keys],
            },
            "secret": hex(share.secret),
            "type": "linli-key-share",
        },
    )


def load_share(path: Path) -> tuple[str, KeyShare]:
    obj = load_json(path, "linli-key-share")
    try:
        p = obj["public_key"]
        pk = ThresholdPublicKey(
            n=int(p["n"], 16),
            threshold=int(p["threshold"]),
            parties=int(p["parties"]),
            theta=int(p["theta"], 16),
            commitments=tuple(int(x, 16) for x in p["commitments"]),
            verification_keys=tuple(int(x, 16) for x in p["verification_keys"]),
        )
        return str(obj["election"]), KeyShare(index=int(obj["index"]), secret=int(obj["secret"], 16), public_key=pk)
    except (KeyError, ValueError, TypeError, CryptoError) as e:
        raise UsageError(f"{path}: malformed key share file") from e


def save_typed(path: Path, kind: str, obj: dict[str, Any]) -> None:
    """Save a domain object's JSON (credential request, issued credential, anonymous credential) with its type."""
    save_json(path, {"type": kind, "value": obj})


def load_typed(path: Path, kind: str) -> Any:
    return load_json(path, kind).get("value")


def credential_kind(path: Path) -> str:
    """The type of a credential file: ``linli-key`` (signing credential) or ``linli-anonymous-credential``."""
    obj = _read(path)
    return str(obj.get("type", "")) if isinstance(obj, dict) else ""

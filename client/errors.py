"""The exception tree of ``client``.

::

    ClientError
     ├── ServerRejected     the server answered with a gRPC error status (code and message kept)
     ├── ReceiptInvalid     a receipt or checkpoint whose signature, inclusion or consistency proof does not hold
     ├── ElectionInvalid    the election the server serves does not verify (signatures, key, modulus proof, log)
     ├── ElectionMismatch   a verified election or log key other than the expected (--expect) or pinned one
     └── UsageError         bad command-line input or keystore contents
"""

from __future__ import annotations

__all__ = ["ClientError", "ElectionInvalid", "ElectionMismatch", "ReceiptInvalid", "ServerRejected", "UsageError"]


class ClientError(Exception):
    pass


class ServerRejected(ClientError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"server refused ({code}): {message}")
        self.code = code
        self.message = message


class ReceiptInvalid(ClientError):
    pass


class UsageError(ClientError):
    pass


class ElectionInvalid(ClientError):
    pass


class ElectionMismatch(ClientError):
    pass

"""The exception tree of ``client``.

::

    ClientError
     ├── ServerRejected     the server answered with a gRPC error status (code and message kept)
     ├── ReceiptInvalid     a receipt whose checkpoint signature or inclusion proof does not hold
     └── UsageError         bad command-line input or keystore contents
"""

from __future__ import annotations

__all__ = ["ClientError", "ReceiptInvalid", "ServerRejected", "UsageError"]


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

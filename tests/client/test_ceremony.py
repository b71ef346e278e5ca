"""The dealer ceremony's two-process safe-prime race (client.ceremony: crypto/ starts no process)."""

from __future__ import annotations

from client.ceremony import safe_prime_pair
from crypto.primes import is_safe_prime


def test_pair_on_two_processes() -> None:
    """The spawn pool path: two distinct safe primes; progress arrives from the workers."""
    seen: list[int] = []
    p, q = safe_prime_pair(384, workers=2, progress=seen.append)
    assert p != q
    assert p.bit_length() == q.bit_length() == 384
    assert is_safe_prime(p) and is_safe_prime(q)
    assert all(x >= 0 for x in seen)

"""Election kinds: one module per kind, all behind one small interface (docs/protocol.md §P4, §P7, §P9).

Ballot building, the state machine, the verifier and the report dispatch through :func:`kind_of`; nothing else
branches on the kind. A new kind is one new module here that defines ``KIND`` (an instance of a
:class:`~voting.kinds.base.Kind` subclass), and its tests: the modules of this package are discovered at import.

::

    Kind                       voting/kinds/base.py: the interface and the shared packed-counter helpers
     ├── Referendum            referendum.py: yes / no / abstain, one vote each
     │    └── Assembly         assembly.py: 业主大会, by head and by exclusive area (Civil Code art. 278)
     ├── Committee             committee.py: 差额选举, m candidates for k seats
     └── Approval              approval.py: 意见征集, approve any number of options
"""

from __future__ import annotations

import importlib
import pkgutil

from voting.errors import InvalidEncoding
from voting.kinds.base import Kind, Tallied

__all__ = ["KINDS", "Kind", "Tallied", "kind_names", "kind_of"]


def _discover() -> dict[str, Kind]:
    kinds: dict[str, Kind] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "base"):
        kind = getattr(importlib.import_module(f"{__name__}.{module}"), "KIND", None)
        if not isinstance(kind, Kind):
            raise TypeError(f"voting.kinds.{module} defines no KIND")
        if kind.name in kinds:
            raise TypeError(f"two election kinds are named {kind.name!r}")
        kinds[kind.name] = kind
    return kinds


KINDS: dict[str, Kind] = _discover()


def kind_names() -> tuple[str, ...]:
    return tuple(KINDS)


def kind_of(name: str) -> Kind:
    """The kind called ``name`` (raises InvalidEncoding for an unknown kind)."""
    kind = KINDS.get(name)
    if kind is None:
        raise InvalidEncoding(f"unknown election kind {name!r}; kinds: {', '.join(KINDS)}")
    return kind

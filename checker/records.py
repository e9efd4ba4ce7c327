"""A base for small value records that are plain slotted classes rather than dataclasses: a
dataclass is built at import by compiling its generated methods, on every run, and some records
(the expression AST) are made by the thousand."""

from __future__ import annotations

from typing import Any


class Record:
    """Compared, hashed and shown by its ``__slots__`` fields like a frozen dataclass; subclasses set
    their fields once, in ``__init__``."""

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, self._fields()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{self.__class__.__name__}({shown})"

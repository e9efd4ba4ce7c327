"""Bases for value records that are plain classes rather than dataclasses: a dataclass is built at
import by compiling its generated methods (about a millisecond each, and importing ``dataclasses``
imports ``inspect``), on every run, and some records are made by the thousand. Each record writes
its ``__init__`` out (as fast as a generated one; a loop over the fields would not be)."""

from __future__ import annotations

from operator import attrgetter

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing is not imported at run time: the CLI's parser module builds a record
    from collections.abc import Callable
    from typing import Any, ClassVar, TypeVar

    V = TypeVar("V", bound="Value")


_MISSING: Any = object()


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A C-speed function giving ``names``' values as a tuple (``attrgetter`` gives a bare value for one
    name)."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        name = names[0]
        return lambda record: (getattr(record, name),)
    return lambda record: ()


class Value:
    """A record like a (mutable) dataclass with ``eq=True``, without a dataclass's import-time cost: the
    subclass names its fields in ``_fields`` (in constructor order) and writes its own ``__init__``;
    instances are compared by the fields in ``_compared`` (default: all) and shown by those in
    ``_shown`` (default: all), in the generated-dataclass form ``Name(a=1, b='x')``. Equal records
    of a mutable class are not hashable (``__hash__`` is None), as a dataclass's are not."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _compared: ClassVar[tuple[str, ...] | None] = None
    _shown: ClassVar[tuple[str, ...] | None] = None
    _compared_values: ClassVar[Callable[..., tuple[Any, ...]]]  # a staticmethod: record -> values

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_fields" in cls.__dict__:
            compared = cls.__dict__.get("_compared")
            # a staticmethod: a lambda stored on the class would otherwise be bound to the instance
            cls._compared_values = staticmethod(_getter(cls._fields if compared is None else compared))  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        key = self._compared_values
        return key(self) == key(other)

    # defining __eq__ without __hash__ makes __hash__ None: a mutable record is not hashable

    def __repr__(self) -> str:
        shown = self._fields if self._shown is None else self._shown
        text = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__}({text})"


class FrozenError(AttributeError):
    """Raised on assignment to a field of a :class:`Frozen` record."""


class Frozen(Value):
    """A :class:`Value` that is immutable and hashable by its compared fields, like a frozen dataclass.
    Its ``__init__`` stores the fields with ``self.__dict__[name] = value`` (or, in a class with
    ``__slots__``, ``object.__setattr__``): assignment and deletion raise :class:`FrozenError`."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._compared_values(self))

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        # copy and pickle go through the constructor (assignment raises); every field is an argument
        return (self.__class__, tuple(getattr(self, name) for name in self._fields))


class Record(Value):
    """A :class:`Value` whose fields are its ``__slots__``, set once in its ``__init__`` by plain
    assignment (the expression AST, source facts): compared and shown by them, and hashed by its
    class name and their values, like a frozen dataclass."""

    __slots__ = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        slots = cls.__dict__.get("__slots__")
        if slots:
            cls._fields = tuple(slots)
        super().__init_subclass__(**kwargs)

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, self._compared_values(self)))


def replace(record: V, /, **changes: Any) -> V:
    """A copy of ``record`` with ``changes`` (field name: new value), made through its constructor, as
    ``dataclasses.replace`` makes one."""
    values = {name: getattr(record, name) for name in record._fields}
    for name, value in changes.items():
        if name not in values:
            raise TypeError(f"{record.__class__.__name__} has no field {name!r}")
        values[name] = value
    return record.__class__(**values)

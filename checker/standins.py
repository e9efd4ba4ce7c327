"""Standard modules imported without the parts of their own imports a run never uses.

Some standard modules import others at their top for one rarely called function: ``pathlib`` takes
``urllib.parse.quote_from_bytes`` for ``Path.as_uri`` (``urllib.parse`` builds six named tuples and
costs more than ``pathlib`` itself), and ``argparse`` takes ``gettext`` (which imports ``locale``)
and then looks up a translation catalogue for each of its own words. While such a module is imported,
a stand-in (:class:`OnDemand`) takes the place of the module it imports and answers what it asks
for; anything else the stand-in is asked for comes from the real module, imported then. The stand-in
is removed from ``sys.modules`` afterwards, so whatever else imports that module gets the real one.
"""

from __future__ import annotations

import importlib
import sys
import types

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


class OnDemand(types.ModuleType):
    """A stand-in for a standard module while another is imported (and kept by it afterwards): the
    attributes it is given answer themselves; anything else is taken from the real module, imported
    then."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # the import system's questions (``__path__``...) are not the importer's
            raise AttributeError(name)
        if sys.modules.get(self.__name__) is self:  # asked while the other module is imported
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), name)


def import_with(name: str, stand_ins: Sequence[types.ModuleType]) -> types.ModuleType:
    """Import ``name`` while each of ``stand_ins`` stands for its module (one already imported is not
    replaced); afterwards every stand-in is taken out of ``sys.modules`` again."""
    if name in sys.modules:
        return sys.modules[name]
    placed = [module for module in stand_ins if module.__name__ not in sys.modules]
    for module in placed:
        sys.modules[module.__name__] = module
    try:
        return importlib.import_module(name)
    finally:
        for module in placed:
            if sys.modules.get(module.__name__) is module:
                del sys.modules[module.__name__]


def _quote_from_bytes(bs: bytes, safe: str = "/") -> str:
    """``urllib.parse.quote_from_bytes``, importing ``urllib.parse`` on first use (``Path.as_uri``)."""
    from urllib.parse import quote_from_bytes

    return quote_from_bytes(bs, safe)


def _untranslated(message: str) -> str:
    return message


def _untranslated_plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def import_pathlib() -> types.ModuleType:
    """``pathlib``, without importing ``urllib.parse`` until a path is written as a ``file:`` URI."""
    parse = OnDemand("urllib.parse")
    setattr(parse, "quote_from_bytes", _quote_from_bytes)  # noqa: B010
    return import_with("pathlib", [parse])


def import_argparse() -> types.ModuleType:
    """``argparse``, whose own words (``usage:``, ``options``, its error messages) are not looked up in
    translation catalogues: Python ships none for them, and the command line is in English. Its
    ``gettext`` is the identity (singular for a count of one, as ``gettext.ngettext`` without a
    catalogue), and ``gettext`` and ``locale`` are not imported for it."""
    words = OnDemand("gettext")
    setattr(words, "gettext", _untranslated)  # noqa: B010
    setattr(words, "ngettext", _untranslated_plural)  # noqa: B010
    return import_with("argparse", [words])


def import_command_line_modules() -> None:
    """``pathlib`` and ``argparse`` as above, before the command line imports them (``python -m
    checker`` and the ``hybrid-check`` script; a program that imports :mod:`checker.api` gets the
    standard imports)."""
    import_pathlib()
    import_argparse()

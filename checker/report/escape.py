"""Escaping shared by the report formats: what a template, an export or a live answer puts in a name or
a message must reach a terminal, an XML file or a Markdown comment as text, never as control."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Characters XML 1.0 does not allow (C0 controls other than tab, newline and carriage return, lone
# surrogates, U+FFFE and U+FFFF).
# (These patterns are compiled on first use, by the re module's cache: only some formats use them,
# and a report of printable ASCII text, the usual one, needs none.)
_NOT_XML = "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
# Terminal controls: C0 other than newline and tab, DEL, C1, lone surrogates and the bidirectional
# overrides and isolates that reorder what is shown.
_NOT_TERMINAL = "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
#: The ASCII characters :data:`_NOT_TERMINAL` leaves alone (printable ASCII, newline and tab).
_TERMINAL_ASCII = bytes(range(0x20, 0x7F)) + b"\n\t"
# Markdown that would turn text into a link, an image, a mention, emphasis, a heading or HTML.
_MARKDOWN = r"([\\`*_\[\]!@~<>|&])"
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with lone surrogates (undecodable bytes of a name) written as ``\\udcxx``, so that it
    can be encoded as UTF-8 in any output."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 does not allow written as ``\\xNN`` / ``\\uNNNN``."""
    return re.sub(_NOT_XML, _escaped, text)


def terminal_text(text: str, keep_colours: Iterable[str] = ()) -> str:
    """``text`` with terminal control characters written as ``\\xNN`` / ``\\uNNNN``; the only escape
    sequences kept are the colour codes ``ESC [ code m`` named in ``keep_colours`` (and the reset)."""
    keep = {f"\x1b[{code}m" for code in (*keep_colours, "0")} if keep_colours else set()
    if not keep:
        if text.isascii() and not text.encode("ascii").translate(None, _TERMINAL_ASCII):
            return text  # printable ASCII, newlines and tabs (a report's usual text): nothing to escape
        return re.sub(_NOT_TERMINAL, _escaped, text)
    parts = re.split(r"(\x1b\[[0-9;]*m)", text)
    return "".join(part if part in keep else re.sub(_NOT_TERMINAL, _escaped, part) for part in parts)


def markdown_text(text: str) -> str:
    """One line of plain text for Markdown (a table cell, a list item): control characters escaped,
    white space folded, and every character that could start a link, an image, a mention, emphasis,
    HTML or a table column escaped (``&``, ``<`` and ``>`` as entities, the rest with a backslash)."""
    text = " ".join(terminal_text(printable(text)).split())
    return re.sub(_MARKDOWN, lambda m: _ENTITIES.get(m.group(1)) or "\\" + m.group(1), text)


def markdown_code(text: str) -> str:
    """Text for an inline code span inside a table cell (links, images and mentions are not
    recognised there): one line, no backtick, pipes escaped for the table."""
    text = " ".join(terminal_text(printable(text)).split())
    return "`" + text.replace("`", "'").replace("|", "\\|") + "`" if text else ""

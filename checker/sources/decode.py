"""Read JSON the way ARM accepts it (UTF-8 with or without BOM, UTF-16/UTF-32 with BOM, CRLF, ``//`` and ``/* */`` comments,
raw newlines in strings) and remember where every object starts.

The parsing itself is the standard library's ``json`` scanner. Up to :data:`FULL_POSITION_LIMIT`, the C
scanner decodes the text (each object a :class:`JsonObject`) and a linear scan of the text's brackets
outside strings then gives each object its line and column (:func:`_loads_fast`); whatever that path
cannot read (a syntax error, NaN, a nesting past the limit) goes through the position-tracking
decoder, the pure-Python scanner whose ``parse_object`` hook is wrapped so each decoded object knows its
line and column, which words the error. Larger files take that decoder, and below a configurable
depth switch to the C scanner (no positions, full speed), so a 100,000-resource export keeps one
position per resource without a slow decode.
"""

from __future__ import annotations

import functools
import gc
import json
import json.decoder
import json.scanner
import math
import re
import sys

from checker.model import CaseInsensitiveDict, CheckerError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# The standard library's scanner pieces (documented in json/scanner.py and json/decoder.py, not in
# the typeshed stubs): the pure-Python scanner whose hooks see each object's offset, the C scanner
# for speed below the tracked depth, and the object/array readers the hooks delegate to.
_py_make_scanner: Any = getattr(json.scanner, "py_make_scanner")  # noqa: B009
_c_make_scanner: Any = getattr(json.scanner, "c_make_scanner", None)
_read_object: Any = getattr(json.decoder, "JSONObject")  # noqa: B009
_read_array: Any = getattr(json.decoder, "JSONArray")  # noqa: B009

#: Files larger than this keep positions only for objects down to one level below
#: :data:`LARGE_FILE_POSITION_DEPTH` (the resources of an export: ``{"data": [ {resource} ]}``).
FULL_POSITION_LIMIT = 8 * 1024 * 1024
LARGE_FILE_POSITION_DEPTH = 2
#: Deepest nesting of objects and arrays accepted (ARM templates are far shallower).
MAX_JSON_DEPTH = 200


class JsonObject(CaseInsensitiveDict):
    """A decoded JSON object that knows where it starts in its file (1-based line and column). Its
    member names compare case-insensitively, as ARM's do (:class:`CaseInsensitiveDict`)."""

    __slots__ = ("line", "column")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # CaseInsensitiveDict.__init__ inline (one of these per object of every document)
        dict.__init__(self, *args, **kwargs)
        self._lower = None
        self.line: int | None = None
        self.column: int | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (kept expansions, checker/sources/expansion_cache.py) as its members and position, and
        # rebuilt by one call: unpickling a dict subclass otherwise writes each member through
        # CaseInsensitiveDict.__setitem__. (copy.copy and deepcopy go this way too.)
        if self.__class__ is not JsonObject:  # a subclass keeps its own class and state
            return super().__reduce_ex__(2)  # type: ignore[return-value]
        return (_rebuilt_object, (dict(self), self.line, self.column))


def _rebuilt_object(members: dict[str, Any], line: int | None, column: int | None) -> JsonObject:
    obj = _new_object(JsonObject)
    _fill_object(obj, members)
    obj._lower = None
    obj.line = line
    obj.column = column
    return obj


def position_of(value: Any) -> tuple[int | None, int | None]:
    """Line and column of a decoded object, or (None, None) for anything without one."""
    if isinstance(value, JsonObject):
        return value.line, value.column
    return None, None


# Strings are matched with possessive repeats of plain character runs (Python 3.11+): the engine keeps no
# backtracking state per character (``(?:[^"\\]|\\.)*`` cost about 125 bytes per character of a long
# string). Python 3.10 has no possessive repeats: there _blank_comments_scanning skips strings instead.
_COMMENT_OR_STRING: re.Pattern[str]
try:
    _COMMENT_OR_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"|//[^\n]*|/\*.*?(?:\*/|\Z)', re.DOTALL)
    _POSSESSIVE = True
except re.error:  # pragma: no cover - Python 3.10: strings are scanned by _blank_comments_scanning
    _COMMENT_OR_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|//[^\n]*|/\*.*?(?:\*/|\Z)', re.DOTALL)
    _POSSESSIVE = False


@functools.cache
def _quote_or_slash_or_backslash() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The searches of :func:`_blank_comments_scanning` (Python 3.10 only): compiled on first use."""
    return re.compile(r'["/]'), re.compile(r'["\\]')


# Everything but a comment, in one match at C speed: the same strings as above, and any other
# character but a slash that starts a comment (URLs in strings make "//" common in comment-free files).
# Possessive quantifiers (Python 3.11+) keep the match linear; without them every file takes the
# token-by-token path.
_NO_COMMENT: re.Pattern[str] | None
try:
    _NO_COMMENT = re.compile(r'[^"/]*+(?:(?:"[^"\\]*+(?:\\.[^"\\]*+)*+"|/(?![/*]))[^"/]*+)*+', re.DOTALL)
except re.error:  # pragma: no cover - Python 3.10
    _NO_COMMENT = None


def _blank_comments(text: str, file: str) -> str:
    """Replace comments by spaces (newlines kept) so offsets, lines and columns stay true."""
    if "//" not in text and "/*" not in text:
        return text
    found = _NO_COMMENT.match(text) if _NO_COMMENT is not None else None
    if found is not None and found.end() == len(text):
        return text

    if not _POSSESSIVE:
        return _blank_comments_scanning(text, file)
    if found is not None:
        return _blank_comments_between(text, file, found.end())

    def repl(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith('"'):
            return token
        if token.startswith("/*") and not token.endswith("*/"):
            line = text.count("\n", 0, match.start()) + 1
            raise CheckerError("unterminated /* comment", file=file, line=line,
                               hint="close the comment with */")
        # One run of spaces per line (a substitution per character cost 8 bytes a character and minutes).
        return "\n".join(" " * len(part) for part in token.split("\n"))

    return _COMMENT_OR_STRING.sub(repl, text)


def _blank_comments_between(text: str, file: str, stop: int) -> str:
    """:func:`_blank_comments` from the first comment on (``stop``, where :data:`_NO_COMMENT` stopped):
    each comment-free run is one match at C speed, each comment blanked in turn. A quote that opens
    no string is kept as it is, and the text after it read on, as the substitution above does."""
    assert _NO_COMMENT is not None
    match, end = _NO_COMMENT.match, len(text)

    def comment_free_end(position: int) -> int:  # the pattern matches at any position (all of it optional)
        found = match(text, position)
        return position if found is None else found.end()

    pieces = [text[:stop]]
    while stop < end:
        if text.startswith("//", stop):
            close = text.find("\n", stop)
            close = end if close < 0 else close
        elif text.startswith("/*", stop):
            close = text.find("*/", stop + 2)
            if close >= 0:
                close += 2
            elif text.endswith("*/", stop + 1):  # "/*/" at the very end: closed, as the pattern reads it
                close = end
            else:
                raise CheckerError("unterminated /* comment", file=file, line=text.count("\n", 0, stop) + 1,
                                   hint="close the comment with */")
        else:  # a quote whose string does not end
            close = stop + 1
            pieces.append(text[stop:close])
            stop = comment_free_end(close)
            pieces.append(text[close:stop])
            continue
        pieces.append("\n".join(" " * len(part) for part in text[stop:close].split("\n")))
        following = comment_free_end(close)
        pieces.append(text[close:following])
        stop = following
    return "".join(pieces)


def _blank_comments_scanning(text: str, file: str) -> str:  # pragma: no cover - Python 3.10
    """:func:`_blank_comments` without possessive repeats: the regular-expression engine of Python
    3.10 keeps state per escape of a string, so strings are skipped with searches for single
    characters instead (linear time, constant extra memory besides the result)."""
    quote_or_slash, quote_or_backslash = _quote_or_slash_or_backslash()
    pieces: list[str] = []
    done = position = 0
    while True:
        found = quote_or_slash.search(text, position)
        if found is None:
            break
        start = found.start()
        if text[start] == '"':
            position = start + 1
            while True:
                stop = quote_or_backslash.search(text, position)
                if stop is None:  # not a string after all: the quote is an ordinary character
                    position = start + 1
                    break
                if text[stop.start()] == "\\":
                    position = stop.start() + 2
                    continue
                position = stop.start() + 1
                break
            continue
        following = text[start + 1:start + 2]
        if following == "/":
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
        elif following == "*":
            end = text.find("*/", start + 2)
            if end < 0:
                line = text.count("\n", 0, start) + 1
                raise CheckerError("unterminated /* comment", file=file, line=line, hint="close the comment with */")
            end += 2
        else:
            position = start + 1
            continue
        pieces.append(text[done:start])
        pieces.append("\n".join(" " * len(part) for part in text[start:end].split("\n")))
        done = position = end
    pieces.append(text[done:])
    return "".join(pieces)


#: Byte-order marks ARM's reader honours, longest first (UTF-32 LE starts like UTF-16 LE).
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def decode_text(raw: bytes, file: str) -> str:
    """Bytes to text: UTF-8 with or without BOM, and UTF-16 (LE/BE) or UTF-32 (LE/BE) with their
    byte-order mark (Windows PowerShell's ``Out-File`` writes UTF-16 LE, and Azure PowerShell and the
    Azure CLI deploy such files). Anything else is an input error with its line."""
    encoding, skipped = "utf-8", 0
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raw, encoding, skipped = raw[len(bom):], name, len(bom)
            break
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        if encoding != "utf-8":
            label = encoding.upper().replace("-LE", " LE").replace("-BE", " BE")
            text = raw[: exc.start].decode(encoding, "replace")
            raise CheckerError(f"not valid {label} (bad bytes at offset {exc.start + skipped})", file=file,
                               line=text.count("\n") + 1,
                               hint="save the file as UTF-8, or fix the encoding its byte-order mark names") from None
        line = raw.count(b"\n", 0, exc.start) + 1
        raise CheckerError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
                           file=file, line=line, hint="save the file as UTF-8") from None


class _Numbers:
    """The decoder's hooks for the numbers JSON has no place for: NaN, Infinity and -Infinity, and
    numbers beyond a double's range, are errors with their line."""

    __slots__ = ("_text", "_file")

    def __init__(self, text: str, file: str) -> None:
        self._text = text
        self._file = file

    def non_finite(self, token: str) -> Any:
        """NaN, Infinity and -Infinity are not JSON (RFC 8259): an error, never a number."""
        raise self._error(token)

    def finite(self, token: str) -> float:
        value = float(token)
        if not math.isfinite(value):  # 1e999: outside the range of a double, it would become inf
            raise self._error(token)
        return value

    def _error(self, token: str) -> CheckerError:
        # The hooks do not see the offset: the first place the token is written outside a string
        # is found by a scan (errors only).
        offset = _token_offset(self._text, token)
        line = 1 + self._text.count("\n", 0, offset) if offset >= 0 else None
        return CheckerError(f"the number {token[:40]} is outside JSON's finite range (NaN, Infinity and "
                            "numbers beyond about 1.8e308 are not JSON)", file=self._file, line=line,
                            hint="write a finite number")


class _PositionDecoder(json.JSONDecoder):
    def __init__(self, text: str, file: str, track_depth: int | None) -> None:
        numbers = _Numbers(text, file)
        super().__init__(strict=False, parse_constant=numbers.non_finite, parse_float=numbers.finite)
        self._file = file
        self._text = text
        self._cursor_offset = 0
        self._cursor_line = 1
        self._line_start = 0
        self._track_depth = track_depth
        self._depth = 0
        self._c_scan = _c_make_scanner(self) if _c_make_scanner else None
        self.parse_object = self._parse_object
        self.parse_array = self._parse_array
        self.scan_once = _py_make_scanner(self)

    def _where(self, offset: int) -> tuple[int, int]:
        # The scanner enters values in document order, so a forward-moving cursor counts each
        # newline once (C-speed str.count), with no index of every line kept in memory.
        # The start of the current line moves with the cursor too: searching back for it from each
        # offset would rescan a one-line (minified) file from its start for every object.
        text = self._text
        if offset >= self._cursor_offset:
            newlines = text.count("\n", self._cursor_offset, offset)
            if newlines:
                self._cursor_line += newlines
                self._line_start = text.rfind("\n", self._cursor_offset, offset) + 1
        else:
            self._cursor_line = 1 + text.count("\n", 0, offset)
            self._line_start = text.rfind("\n", 0, offset) + 1
        self._cursor_offset = offset
        return self._cursor_line, offset - self._line_start + 1

    def _enter(self, offset: int) -> None:
        self._depth += 1
        if self._depth > MAX_JSON_DEPTH:
            line = 1 + self._text.count("\n", 0, offset)
            column = offset - (self._text.rfind("\n", 0, offset) + 1) + 1
            raise CheckerError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", file=self._file,
                               line=line, column=column, hint="flatten the document")

    def _parse_object(self, s_and_end: tuple[str, int], strict: bool, scan_once: Any,
                      object_hook: Any, object_pairs_hook: Any, memo: Any = None) -> tuple[Any, int]:
        text, end = s_and_end
        start = end - 1
        self._enter(start)
        try:
            position = self._where(start)
            if self._c_scan is not None and self._track_depth is not None and self._depth > self._track_depth:
                # The C scanner reads this object and everything inside it; only its own
                # position is kept (it is the first level below the tracked depth).
                value, end = self._c_scan(text, start)
                # The C scanner does not count depth: measure it when the object holds enough
                # brackets to go past the limit (a cheap count first; the walk is rarely needed).
                allowance = MAX_JSON_DEPTH - self._depth
                if text.count("[", start, end) + text.count("{", start, end) > allowance:
                    self._check_depth(value, allowance, start)
                obj = JsonObject(value)
                obj.line, obj.column = position
                return obj, end

            def make(pairs: list[tuple[str, Any]]) -> JsonObject:
                # A repeated name keeps its last value, as ARM's reader (Json.NET, whose default
                # duplicate handling is Replace) does: Microsoft's own Enterprise-Scale template
                # repeats a parameter of a nested deployment and deploys.
                obj = JsonObject(pairs)
                obj.line, obj.column = position
                return obj

            return _read_object(s_and_end, strict, scan_once, None, make, memo)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1

    def _check_depth(self, value: Any, allowance: int, start: int) -> None:
        """Raise the nesting error when ``value`` (read by the C scanner at ``start``) holds objects or
        arrays more than ``allowance`` levels below itself."""
        stack: list[tuple[Any, int]] = [(value, 0)]
        while stack:
            node, depth = stack.pop()
            if depth > allowance:
                self._depth += depth  # the error names the depth past the limit
                try:
                    self._enter(start)
                finally:
                    self._depth -= depth
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))

    def _parse_array(self, s_and_end: tuple[str, int], scan_once: Any) -> tuple[Any, int]:
        self._enter(s_and_end[1] - 1)
        try:
            return _read_array(s_and_end, scan_once)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


def _value_error(exc: ValueError, text: str, file: str) -> CheckerError:
    """The error for a value the scanner could not convert: an integer longer than Python converts
    (``sys.get_int_max_str_digits``) is located in the text; anything else keeps its message."""
    limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)() or 0
    found = re.search(rf"(?<![\w.])-?\d{{{limit + 1},}}", text) if limit else None
    if found is None:
        return CheckerError(f"invalid JSON value: {exc}", file=file, line=None)
    line = 1 + text.count("\n", 0, found.start())
    column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
    digits = len(found.group(0).lstrip("-"))
    return CheckerError(f"invalid JSON value: an integer of {digits:,} digits (more than {limit:,})",
                        file=file, line=line, column=column,
                        hint="ARM integers are 64-bit; write such a value as a string")


def _token_offset(text: str, token: str) -> int:
    """The offset of ``token`` written as a value (outside strings), or -1."""
    start = 0
    while True:
        offset = text.find(token, start)
        if offset < 0:
            return -1
        before = text[:offset]
        # outside a string when the quotes before it (not escaped) are balanced
        quotes = before.count('"') - before.count('\\"') + before.count('\\\\"')
        if quotes % 2 == 0:
            return offset
        start = offset + 1


# One step of the structure scan: any run of characters that are not brackets, and whole strings
# (whatever brackets they hold), possessively (Python 3.11+); it stops at a bracket of the document.
# The scan reads the text with its escaped backslashes and quotes masked (same length), so a string
# is a plain run between two quotes.
_NOT_STRUCTURE: re.Pattern[str] | None
try:
    _NOT_STRUCTURE = re.compile(r'[^"{}\[\]]*+(?:"[^"]*+"[^"{}\[\]]*+)*+', re.DOTALL)  # unrolled: no alternation
except re.error:  # pragma: no cover - Python 3.10: every file takes the position-tracking decoder
    _NOT_STRUCTURE = None


_BRACKET: re.Pattern[str] | None = None  # _NOT_STRUCTURE, then the bracket it stops at


def _object_positions(text: str) -> tuple[list[tuple[int, int]], int] | None:
    """Line and column of every object of a valid JSON text, in the order the objects end (the order
    in which a decoder finishes them), and the deepest nesting of objects and arrays. None when the
    text does not scan as JSON."""
    global _BRACKET
    if _NOT_STRUCTURE is None:
        return None
    if _BRACKET is None:
        _BRACKET = re.compile(_NOT_STRUCTURE.pattern + r"([{}\[\]]|\Z)", re.DOTALL)
    positions: list[tuple[int, int]] = []
    stack: list[tuple[int, int] | None] = []  # open objects (their position) and arrays (None)
    push, pop, append = stack.append, stack.pop, positions.append
    depth = deepest = 0
    line, line_start, last = 1, 0, 0
    count, rfind, end = text.count, text.rfind, len(text)
    scanned = 0
    if "\\" in text:
        # An escape is a backslash and the character after it: "\\" then "\"" masked in this order
        # leave every quote that ends a string, and none that does not (offsets and lines unchanged).
        text = text.replace("\\\\", "__").replace('\\"', "__")
    for match in _BRACKET.finditer(text):
        if match.start() != scanned:
            return None  # the scan stopped short of a bracket: a string without its closing quote
        scanned = position = match.end()
        position -= 1
        char = match.group(1)
        if char == "{":
            newlines = count("\n", last, position)
            if newlines:
                line += newlines
                line_start = rfind("\n", last, position) + 1
            last = position
            push((line, position - line_start + 1))
            depth += 1
            if depth > deepest:
                deepest = depth
        elif char == "[":
            push(None)
            depth += 1
            if depth > deepest:
                deepest = depth
        elif not char:  # the end of the text
            break
        elif not stack:
            return None  # a bracket closing nothing
        else:
            opened = pop()
            depth -= 1
            if (opened is None) != (char == "]"):
                return None
            if opened is not None:
                append(opened)
    if scanned != end or stack:
        return None  # the scan stopped short (a string without its closing quote), or brackets left open
    return positions, deepest


def _loads_fast(text: str, file: str) -> Any:
    """The document decoded by the C scanner, each object then given its line and column from a
    scan of the text's structure. :data:`_SLOW` when the C scanner is missing or the text is not
    plain valid JSON within the nesting limit: the position-tracking decoder then reads it (and words
    the error)."""
    if _c_make_scanner is None or _NOT_STRUCTURE is None:
        return _SLOW
    made: list[JsonObject] = []
    append, new, fill = made.append, _new_object, _fill_object

    def make(pairs: list[tuple[str, Any]]) -> JsonObject:
        # A repeated name keeps its last value, as ARM's reader does (see _PositionDecoder). Made
        # without JsonObject.__init__ (one Python call less per object): its line and column are set
        # below, and its case-insensitive index is built when first needed.
        obj = new(JsonObject)
        fill(obj, pairs)
        append(obj)
        return obj

    numbers = _Numbers(text, file)
    decoder = json.JSONDecoder(strict=False, object_pairs_hook=make, parse_constant=numbers.non_finite,
                               parse_float=numbers.finite)
    try:
        value = decoder.decode(text)
    except (ValueError, RecursionError, CheckerError):
        return _SLOW
    scanned = _object_positions(text)
    if scanned is None or scanned[1] > MAX_JSON_DEPTH or len(scanned[0]) != len(made):
        return _SLOW
    for obj, (line, column) in zip(made, scanned[0]):
        obj.line = line
        obj.column = column
    return value


_SLOW = object()
_new_object = dict.__new__
_fill_object = dict.__init__


def loads(raw: bytes | str, file: str) -> Any:
    """Decode one JSON document. Raises :class:`CheckerError` with file, line and column on any
    problem (syntax, encoding, nesting, duplicate keys, numbers too large)."""
    text = decode_text(raw, file) if isinstance(raw, bytes) else raw.lstrip("\ufeff")
    if not text.strip():
        raise CheckerError("the file is empty", file=file, line=1,
                           hint="remove it from the inputs or give it a template or export")
    track_depth = None if len(text) <= FULL_POSITION_LIMIT else LARGE_FILE_POSITION_DEPTH
    if track_depth is not None:
        text = _blank_comments(text, file)
    # Decoding allocates millions of containers that all stay alive: the cyclic collector would
    # scan them again and again for nothing, so it is paused for the decode.
    collecting = gc.isenabled()
    gc.disable()
    try:
        if track_depth is None:
            # A comment outside a string is not JSON: a text the C scanner reads has none, and is
            # not searched for them (most texts hold "//" in URLs).
            value = _loads_fast(text, file)
            if value is _SLOW:
                blanked = _blank_comments(text, file)  # same length: offsets, lines and columns kept
                if blanked is not text:
                    text = blanked
                    value = _loads_fast(text, file)
            if value is not _SLOW:
                return value
        return _PositionDecoder(text, file, track_depth).decode(text)
    except json.JSONDecodeError as exc:
        raise CheckerError(f"invalid JSON: {exc.msg}", file=file, line=exc.lineno, column=exc.colno,
                           hint="fix the syntax at this position") from None
    except RecursionError:
        raise CheckerError("JSON nested too deeply to read", file=file, line=1,
                           hint="flatten the document") from None
    except ValueError as exc:  # e.g. integers beyond Python's digit limit
        raise _value_error(exc, text, file) from None
    finally:
        if collecting:
            gc.enable()

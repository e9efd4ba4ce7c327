"""The terminal report, written to answer "what do I fix first": sites with failures first, each
headed by its counts per severity; rows by severity then rule, the same finding of one copy loop
folded into one row with a count; the message column wrapped to the terminal width (the JSON report
keeps every result and the full text); then input errors, notices, the gate by severity and a
summary line."""

from __future__ import annotations

import functools
import os
import re
import sys
import textwrap
import types
from collections.abc import Callable, Collection, Sequence

from checker.report.escape import terminal_text
from checker.report.gate import GateOutcome
from checker.report.json_report import (
    not_evaluated,
    overall_result,
    safe_text,
    sort_key,
    sorted_results,
    status_counts,
)
from checker.report.model import Report, Result, Site
from checker.standins import OnDemand, import_with
from checker.vocabulary import SEVERITIES

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any

_COLOURS = {"fail": "31", "unknown": "33", "pass": "32", "suppressed": "2", "not-applicable": "2",
            "error": "31;1", "critical": "31;1", "high": "31", "medium": "33", "low": "36"}
HIDDEN_UNLESS_SHOWN = ("pass", "not-applicable")
HEADERS = ["status", "severity", "rule", "resource / location", "message"]
#: Width used when the output is not a terminal and COLUMNS is not set.
DEFAULT_WIDTH = 120
MIN_MESSAGE_WIDTH = 30
MIN_RESOURCE_WIDTH = 20
#: Site results, worst first.
SITE_ORDER = {"fail": 0, "unknown": 1, "pass": 2}


class _Dataclasses(OnDemand):
    """tabulate asks ``dataclasses.is_dataclass(rows[0])`` of every table, and importing ``dataclasses``
    (which imports ``inspect``, ``ast``, ``dis``...) costs more than a scan's table. An instance of a
    dataclass has ``__dataclass_fields__`` on its class, which is what the real function checks;
    anything else tabulate asks for (``fields`` of a dataclass row) is the real module's."""

    def is_dataclass(self, obj: object) -> bool:
        if isinstance(obj, type):
            return self.__getattr__("is_dataclass")(obj)  # type: ignore[no-any-return]
        return hasattr(type(obj), "__dataclass_fields__")


def _html_escape(text: str, quote: bool = True) -> str:
    """``html.escape``, importing ``html`` (and its table of 2,000 named entities) on first use: tabulate
    takes ``escape`` when it is imported and uses it only for its HTML table format."""
    import html

    return html.escape(text, quote)


def _import_tabulate() -> types.ModuleType:
    """tabulate, imported without ``importlib.metadata``, ``dataclasses`` or ``html``. tabulate 0.10 asks
    ``importlib.metadata`` for its own version when it is imported (and then takes it from
    ``tabulate.version`` anyway); importing that module (email, zipfile, csv...) and searching the
    installed distributions cost about as much as Python's own start-up, on every scan. While tabulate
    is imported, a stand-in answers that the distribution is not found, and others (:class:`OnDemand`,
    kept by tabulate) stand for ``dataclasses`` and ``html``; the real modules are imported as usual by
    whatever else asks for them."""
    if "tabulate" in sys.modules or "importlib.metadata" in sys.modules:
        import tabulate

        return tabulate

    class PackageNotFoundError(ModuleNotFoundError):
        pass

    def version(name: str) -> str:
        raise PackageNotFoundError(name)

    metadata = types.ModuleType("importlib.metadata")
    setattr(metadata, "version", version)  # noqa: B010
    setattr(metadata, "PackageNotFoundError", PackageNotFoundError)  # noqa: B010
    html = OnDemand("html")
    setattr(html, "escape", _html_escape)  # noqa: B010
    try:
        tabulate = import_with("tabulate", [metadata, _Dataclasses("dataclasses"), html])
    except ImportError:  # a tabulate that needs more of importlib.metadata: import it the usual way
        sys.modules.pop("tabulate", None)
        import tabulate
    if tabulate.__dict__.get("__version__") == "unknown":  # asked for, it is looked up as tabulate would
        del tabulate.__version__

        def version_on_demand(name: str) -> str:
            if name != "__version__":
                raise AttributeError(f"module 'tabulate' has no attribute {name!r}")
            from importlib.metadata import PackageNotFoundError as NotFound
            from importlib.metadata import version as installed_version

            try:
                found = installed_version("tabulate")
            except NotFound:
                found = "unknown"
            setattr(tabulate, "__version__", found)  # noqa: B010 - typeshed marks it final
            return found

        setattr(tabulate, "__getattr__", version_on_demand)  # noqa: B010 - PEP 562
    return tabulate


_tabulate_module = _import_tabulate()
#: tabulate measures wide characters (CJK, emoji) with wcwidth when it is installed, else by len().
_WIDE_CHARACTERS = (getattr(_tabulate_module, "wcwidth", None) is not None
                    and bool(getattr(_tabulate_module, "WIDE_CHARS_MODE", False)))


def tabulate(rows: Sequence[Sequence[str]], *, headers: Sequence[str], tablefmt: str) -> str:
    """tabulate without the 2 spaces it adds to each header's width: columns are as wide as their
    widest cell, so a narrow terminal keeps the room for the message. Every cell is text."""
    module = _tabulate_module
    padding = getattr(module, "MIN_PADDING", 2)
    # tabulate's own helpers, each swapped for the same answer computed for text cells only while
    # the table is drawn (and given back after): those tabulate has
    swapped = {name: module.__dict__[name] for name in _SWAPS if name in module.__dict__}
    setattr(module, "MIN_PADDING", 0)  # noqa: B010 - a module setting without a typed attribute
    for name in swapped:
        setattr(module, name, _SWAPS[name])
    try:
        # Every cell is text (status, severity, rule id, name and place, message): no column is a
        # number column, and telling numbers apart cell by cell was half the time of a table.
        return module.tabulate(rows, headers=headers, tablefmt=tablefmt, disable_numparse=True)
    finally:
        setattr(module, "MIN_PADDING", padding)  # noqa: B010
        for name, own in swapped.items():
            setattr(module, name, own)


def _text_column(strings: Sequence[Any], has_invisible: bool = True, numparse: bool = True) -> type:
    """tabulate's type of a column of text cells read without number parsing: ``str``. tabulate would
    look at each cell (with its colour codes taken out) to answer ``str``, or ``bool`` for a column of
    only "True" and "False", or no type for one of only empty cells; text cells are formatted as they
    are and aligned left under each of these (a test draws tables both ways), so the cells are not looked at."""
    return str


def _multiline_width(multiline_s: str, line_width_fn: Callable[[str], int] = len) -> int:
    r"""tabulate's width of a cell of several lines, its widest line, lines being broken at every
    ``\r`` and ``\n`` (as tabulate's ``re.split("[\r\n]", ...)``, without a pattern look-up per cell)."""
    return max(map(line_width_fn, _cell_lines(multiline_s)))


def _line_widths(multiline_s: str, line_width_fn: Callable[[str], int] = len) -> list[int]:
    """tabulate's ``_align_column_multiline_width``: the width of each line of a cell (as above)."""
    return list(map(line_width_fn, _cell_lines(multiline_s)))


def _pad_right(width: int, s: str) -> str:
    """tabulate's ``_padright``: text followed by spaces up to ``width``, without making a format string
    per cell; anything else (not text, a width below zero, which the format refuses) formatted as
    tabulate formats it (``"{0:<%ds}" % width``)."""
    return s.ljust(width) if s.__class__ is str and width >= 0 else format(s, f"<{width}s")


def _cell_lines(text: str) -> list[str]:
    return (text.replace("\r", "\n") if "\r" in text else text).split("\n")


#: tabulate's helpers swapped while a table is drawn (a test compares each with tabulate's own).
_SWAPS: dict[str, Callable[..., Any]] = {"_column_type": _text_column, "_multiline_width": _multiline_width,
                                         "_align_column_multiline_width": _line_widths, "_padright": _pad_right}


def use_color(stream: IO[Any]) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set to a non-empty value (no-color.org)."""
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):
        return False


def terminal_width(*, default_only: bool = False) -> int:
    """The terminal's width (COLUMNS wins, as shells set it); ``default_only`` when writing to a
    pipe or file: COLUMNS if set, else :data:`DEFAULT_WIDTH`."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if default_only:
        return DEFAULT_WIDTH
    import shutil  # here: a report written to a pipe or a file never asks the terminal

    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


def _paint(text: str, key: str, color: bool) -> str:
    code = _COLOURS.get(key)
    if not color or not code:
        return text
    return f"\x1b[{code}m{text}\x1b[0m"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def relative_path(file: str) -> str:
    """A file as a path relative to the working directory (``../shared/x.json`` rather than an
    absolute path), unless that is longer or impossible (another drive)."""
    if not file or not os.path.isabs(file):
        return file
    return _relative_to(file, os.getcwd())


@functools.lru_cache(maxsize=4096)
def _relative_to(file: str, folder: str) -> str:
    # one per file and working directory: a report names the same few files on most of its lines
    try:
        relative = os.path.relpath(file, folder)
    except ValueError:
        return file
    return relative if len(relative) < len(file) else file


def _location(result: Result) -> str:
    file = relative_path(result.location.file or "")
    return f"{file}:{result.location.line}" if result.location.line else file


_RESOURCE_ID = re.compile(r"/subscriptions/[^/\s]+/resourceGroups/([^/\s]+)/providers/[^/\s]+/([^\s,;()]+)",
                          re.IGNORECASE)


def short_ids(text: str) -> str:
    """Full resource ids as ``type/name (resource group)``: the JSON report keeps the full id."""
    return _RESOURCE_ID.sub(lambda m: f"{m.group(2)} (resource group {m.group(1)})", text)


def _message_cell(result: Result) -> str:
    """The message, then (once) why it is unknown, then the waiver."""
    message = _one_line(safe_text(result.message))
    if result.status == "unknown" and result.unknown_reasons:
        reasons = "; ".join(short_ids(_one_line(safe_text(r))) for r in result.unknown_reasons)
        if reasons not in message:
            message = (message.rstrip(".") + ". " if message else "") + f"Unknown: {reasons}"
    if result.suppression is not None:
        if result.suppression.expired:
            message += f" [waiver expired {result.suppression.expires}: {_one_line(result.suppression.reason)}]"
        else:
            message += (f" [waived until {result.suppression.expires} ({result.suppression.source}): "
                        f"{_one_line(result.suppression.reason)}]")
    return message


def severity_summary(results: Sequence[Result], status: str) -> str:
    """``2 critical, 1 high`` for the results of one status (empty when there are none)."""
    counts = {severity: 0 for severity in SEVERITIES}
    for result in results:
        if result.status == status and result.severity in counts:
            counts[result.severity] += 1
    return ", ".join(f"{count} {severity}" for severity, count in counts.items() if count)


def _site_heading(site: Site | None, results: Sequence[Result], color: bool) -> str:
    failing = severity_summary(results, "fail")
    unknown = severity_summary(results, "unknown")
    counts = []
    if failing:
        counts.append(f"failing {failing}")
    if unknown:
        counts.append(f"unknown {unknown}")
    tail = f" ({'; '.join(counts)})" if counts else ""
    if site is None:
        return f"Resources outside any site{tail}"
    if site.pattern:
        patterns = ", ".join(site.patterns) if site.patterns else site.pattern
        pattern = f"pattern {patterns} ({site.pattern_source})"
    else:
        pattern = "no pattern detected"
    heading = f"Site {site.name}: {pattern}: {_paint(site.result.upper(), site.result, color)}{tail}"
    for note in site.notes:
        heading += f"\n  note: {_one_line(safe_text(note))}"
    return heading


row_order = sort_key


def fold_repeats(results: Sequence[Result]) -> list[tuple[Result, int]]:
    """Results of one rule with one status at one place in a template (the copies of one copy loop)
    become one entry with a count; results without a line are never folded."""
    groups: dict[tuple[Any, ...], list[Result]] = {}
    order: list[tuple[Any, ...]] = []
    for index, result in enumerate(results):
        if result.location.file and result.location.line:
            key: tuple[Any, ...] = (result.rule, result.status, result.severity, result.location.file,
                                    result.location.line, result.suppression is None)
        else:
            key = ("single", index)
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(result)
    return [(groups[key][0], len(groups[key])) for key in order]


def _rows(entries: Sequence[tuple[Result, int]], color: bool) -> list[list[str]]:
    rows = []
    for result, count in entries:
        status = result.status + (" (baseline)" if result.baseline == "existing" else "") + (
            " (context)" if result.context else "")
        resource = safe_text(result.resource.name)
        message = _message_cell(result)
        if count > 1:
            resource += f" (+{count - 1} more)"
            message = f"{count} copies of one copy loop; the first: {message}"
        rows.append([_paint(status, result.status, color), _paint(result.severity, result.severity, color),
                     result.rule, resource + "\n" + _location(result), message])
    return rows


_AFTER_SLASH = re.compile(r"(?<=/)")


@functools.cache
def _colour_code() -> re.Pattern[str]:  # compiled on first use (a rare path)
    return re.compile(r"\x1b\[[0-9;]*m")


def wrap_path(text: str, width: int) -> list[str]:
    """A path broken after ``/`` (never inside a name unless a name is longer than the width)."""
    lines: list[str] = []
    current = ""
    for piece in _AFTER_SLASH.split(text):
        while len(piece) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(piece[:width])
            piece = piece[width:]
        if len(current) + len(piece) > width:
            lines.append(current)
            current = piece
        else:
            current += piece
    if current or not lines:
        lines.append(current)
    return lines


def _wrap_cell(text: str, width: int, *, path_lines: bool) -> str:
    out: list[str] = []
    for index, line in enumerate(text.split("\n")):
        if path_lines and (index > 0 or "/" in line):  # a path, or a child's name (vnet/GatewaySubnet)
            out += wrap_path(line, width)
        elif len(line) <= width and (not line or not (line[-1].isspace() or _REPLACED.search(line))):
            out.append(line)  # what textwrap gives a line that fits: the line itself
        else:
            out += wrap_text(line, width) or [""]
    return "\n".join(out)


#: What textwrap expands or replaces by spaces (a line that fits, has none of these and does not end
#: with whitespace, which it would drop, is given back as it is).
_REPLACED = re.compile("[\t\x0b\x0c\r]")


def wrap_text(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> list[str]:
    """``textwrap.wrap(text, width, initial_indent=..., subsequent_indent=..., break_on_hyphens=False)``
    (long words broken), computed by position for the text a report wraps: words of printable characters
    between single spaces. Any other text (tabs, other white space, control characters, spaces at the
    ends or doubled) and indents that leave no room are wrapped by textwrap itself.

    textwrap, greedy, takes every word and space that ends within the line; a word longer than a whole
    line is broken to fill the line it starts on, and when only its space fits (no room left for a
    piece) that space ends the line."""
    room = width - max(len(initial_indent), len(subsequent_indent))
    if room < 1 or not text.isprintable() or "  " in text or text[0:1] == " " or text[-1:] == " ":
        return textwrap.wrap(text, width, initial_indent=initial_indent, subsequent_indent=subsequent_indent,
                             break_on_hyphens=False)
    lines: list[str] = []
    indent, rest = initial_indent, text
    while rest:
        room = width - len(indent)
        if len(rest) <= room:
            lines.append(indent + rest)
            break
        space = rest.rfind(" ", 0, room + 1)  # the last word that fits ends there
        if space < 0:  # the first word is longer than a line: broken at the line's end
            cut, skip = room, 0
        elif space == room:  # the word ends the line exactly; the space is dropped
            cut, skip = space, 1
        else:
            following = rest.find(" ", space + 1)
            if (len(rest) if following < 0 else following) - space - 1 > room:  # a long word fills the line
                cut, skip = room, 0
            else:
                cut, skip = space, 1
        lines.append(indent + rest[:cut])
        rest = rest[cut + skip:]
        indent = subsequent_indent
    return lines


def _table(rows: list[list[str]], width: int) -> str:
    """A table whose lines fit ``width``: the message column wraps (at spaces), and so does the
    resource and location column (paths at ``/``) when the terminal is narrow."""
    widths = [max(len(header), max(_widest_line(row[i]) for row in rows)) for i, header in enumerate(HEADERS)]
    # Columns as wide as their widest line, two spaces between them: when tabulate counts one column per
    # character (without wcwidth, or with ASCII text) every line of the plain table is this wide, so a
    # table that cannot fit is not drawn.
    measured_alike = not _WIDE_CHARACTERS or all(str(cell).isascii() for row in rows for cell in row)
    if not measured_alike or sum(widths) + 2 * (len(HEADERS) - 1) <= width:
        plain = tabulate(rows, headers=HEADERS, tablefmt="simple")
        if _drawn_width(plain) <= width:
            return plain
    else:
        plain = ""
    fixed = sum(widths[:3]) + 2 * (len(HEADERS) - 1)
    longest_name = max(_longest_piece(line) for row in rows for line in row[3].splitlines())
    resource = min(widths[3], max(24, min(longest_name, 48), (width - fixed) * 2 // 5))
    message = max(MIN_MESSAGE_WIDTH, width - fixed - resource)
    return _shrunk(rows, width, resource, message, plain, measure=True)


def _longest_piece(line: str) -> int:
    """The longest piece of a name or path broken after each ``/`` (as :func:`wrap_path` breaks it)."""
    pieces = line.split("/")
    return max(len(pieces[-1]), max((len(piece) for piece in pieces[:-1]), default=-1) + 1)


def _widest_line(cell: str) -> int:
    """The longest line of a cell, colour codes aside."""
    return max(map(len, _strip(cell).splitlines()), default=0)


def _drawn_width(table: str) -> int:
    """The longest line of a drawn table, colour codes aside."""
    return max(map(len, _strip(table).splitlines()))


def _shrunk(rows: list[list[str]], width: int, resource: int, message: int, plain: str, *, measure: bool) -> str:
    """The wrapped table, shrunk until its lines fit: tabulate pads columns beyond their content. With
    ``measure``, the attempts before the last are measured (:func:`_plain_width`) rather than drawn;
    should a drawn width ever differ from the measured one, the table is made again drawing every
    attempt."""
    text, first = plain, (resource, message)
    # A cell wrapped to a width and its measure (:func:`_cell_width`): an attempt often changes one
    # column's width only.
    wraps: dict[tuple[str, int, bool], tuple[str, int | None]] = {}

    def wrap(cell: str, columns: int, path_lines: bool) -> tuple[str, int | None]:
        key = (cell, columns, path_lines)
        found = wraps.get(key)
        if found is None:
            wrapped = _wrap_cell(cell, columns, path_lines=path_lines)
            found = wraps[key] = (wrapped, _cell_width(wrapped) if measure else None)
        return found

    # the first three columns are not wrapped: measured once
    fixed = _plain_width([row[:3] for row in rows], HEADERS[:3]) if measure else None
    for attempt in range(6):
        places = [wrap(row[3], resource, True) for row in rows]
        messages = [wrap(row[4], message, False) for row in rows]
        measured = None
        if fixed is not None:
            widest = [len(HEADERS[3]), len(HEADERS[4])]
            for column, cells in enumerate((places, messages)):
                for _, cell_width in cells:
                    if cell_width is None:
                        widest[column] = -1
                        break
                    if cell_width > widest[column]:
                        widest[column] = cell_width
            if min(widest) >= 0:
                measured = fixed + 2 + widest[0] + 2 + widest[1]
        last = (measured is None or measured <= width or attempt == 5
                or not (message > MIN_MESSAGE_WIDTH or resource > MIN_RESOURCE_WIDTH))
        if last:
            wrapped = [row[:3] + [place, said] for row, (place, _), (said, _) in zip(rows, places, messages)]
            text = tabulate(wrapped, headers=HEADERS, tablefmt="simple")
            drawn = _drawn_width(text)
            if measured is not None and drawn != measured:  # pragma: no cover - measured as tabulate draws
                return _shrunk(rows, width, *first, plain, measure=False)
        excess = (drawn if last else measured) - width  # type: ignore[operator]
        if excess <= 0:
            break
        if message > MIN_MESSAGE_WIDTH:
            message = max(MIN_MESSAGE_WIDTH, message - excess)
        elif resource > MIN_RESOURCE_WIDTH:
            resource = max(MIN_RESOURCE_WIDTH, resource - excess)
        else:
            break
    return text


def _cell_width(cell: str) -> int | None:
    """The width tabulate ("simple", no padding) gives a cell of printable ASCII lines without white space
    at its ends (tabulate strips it) nor carriage returns: its longest line; else None (tabulate measures)."""
    if cell.isascii() and cell == cell.strip() and cell.replace("\n", "").isprintable():
        return max(map(len, cell.split("\n")))
    return None


def _plain_width(rows: list[list[str]], headers: Sequence[str] = HEADERS) -> int | None:
    """The width of the lines tabulate draws for ``rows`` ("simple", no padding, every column as wide as
    its widest line or header, two spaces between columns), for cells :func:`_cell_width` measures;
    else None (tabulate then measures)."""
    widths = [len(header) for header in headers]
    for row in rows:
        for index, cell in enumerate(row):
            cell_width = _cell_width(cell)
            if cell_width is None:
                return None
            if cell_width > widths[index]:
                widths[index] = cell_width
    return sum(widths) + 2 * (len(widths) - 1)


def wrap_lines(lines: Sequence[str], width: int, indent: str = "  ") -> str:
    """Indented lines wrapped to ``width`` (continuations indented twice)."""
    out: list[str] = []
    for line in lines:
        out += wrap_text(line, max(20, width), indent, indent * 2) or [indent]
    return "\n".join(out)


def _strip(text: str) -> str:
    return _colour_code().sub("", text) if "\x1b" in text else text


#: Notice kinds counted rather than listed in the table.
QUIET_NOTICE_KINDS = frozenset({"info", "condition-false"})


def summary_line(report: Report, gate: GateOutcome | None) -> str:
    counts = status_counts(report.results)
    parts = [f"{counts[s]} {s}" for s in ("fail", "unknown", "suppressed", "pass", "not-applicable") if counts[s]]
    read = f"{len(report.inputs)} input(s)"
    if report.resource_count is not None:
        read += f", {report.resource_count} resource(s)"
    text = f"{read}, {len(report.results)} result(s)" + (": " + ", ".join(parts) if parts else "")
    apart = sum(1 for r in report.results if r.context and r.status in ("fail", "unknown"))
    if apart:
        text += f" ({apart} fail/unknown only about --context resources)"
    if report.errors:
        text += f"; {len(report.errors)} input error(s)"
    if gate is not None:
        verdict = overall_result(report, gate).upper()
        text += (f". Gate {verdict} (exit {gate.exit_code}; fail-on {gate.fail_on}, unknown {gate.unknown})")
    else:
        text += f". Result {overall_result(report, None).upper()}"
    if not report.results and not report.errors:
        text += ". No hybrid connectivity resources (VPN or ExpressRoute gateways, connections, circuits) found"
    return text


def _site_order(item: tuple[Site | None, list[Result]]) -> tuple[Any, ...]:
    """Sites with failures first, the one with the most critical (then high...) failures first."""
    site, results = item
    failing = [r for r in results if r.status == "fail"]
    result = site.result if site is not None else ("fail" if failing else "pass")
    counts = tuple(-sum(1 for r in failing if r.severity == severity) for severity in SEVERITIES)
    return (SITE_ORDER.get(result, 1), counts, site is None, (site.name.lower() if site else ""))


def render_table(report: Report, *, gate: GateOutcome | None = None, show_passed: bool = False,
                 color: bool = False, width: int | None = None, quiet: bool = False,
                 severities: Collection[str] | None = None) -> str:
    """The table. ``quiet``: only failures, unknowns, input errors and the gate line; ``severities``:
    only show results of these severities (the gate and the counts are not changed)."""
    width = width or DEFAULT_WIDTH
    by_site: dict[str, list[Result]] = {}  # the results of each site id, in the report's order
    for known in report.sites:
        by_site.setdefault(known.id.lower(), [])
    outside: list[Result] = []
    for result in report.results:
        found = by_site.get(result.site.lower()) if result.site else None
        (outside if found is None else found).append(result)
    # (two sites of one id, case aside, each list all of its results)
    groups: list[tuple[Site | None, list[Result]]] = [(known, by_site[known.id.lower()]) for known in report.sites]
    groups.append((None, outside))
    groups.sort(key=_site_order)

    blocks: list[str] = []
    for site, results in groups:
        if site is None and not results:
            continue
        visible = [r for r in results if severities is None or r.severity in severities]
        if quiet:
            shown = [r for r in visible if r.status in ("fail", "unknown")]
            if not shown:
                continue
        else:
            shown = [r for r in visible if show_passed or r.status not in HIDDEN_UNLESS_SHOWN]
        shown = sorted(shown, key=row_order)
        block = _site_heading(site, results, color)
        if not color:
            head, _, notes = block.partition("\n")
            block = "\n".join(wrap_text(head, max(20, width), "", "  ")) + (
                "\n" + notes if notes else "")
        if shown:
            block += "\n" + _table(_rows(fold_repeats(shown), color), width)
        if not quiet:
            hidden = len([r for r in visible if r.status in HIDDEN_UNLESS_SHOWN]) if not show_passed else 0
            filtered = len(results) - len(visible)
            if hidden:
                block += f"\n({hidden} passed or not applicable; --show-passed lists them)"
            if filtered:
                block += f"\n({filtered} of other severities not shown: --severity filters the display)"
            if not results:
                block += "\n(no results)"
        blocks.append(block)

    if report.fixed and not quiet:
        blocks.append(f"Fixed since the baseline: {len(report.fixed)}\n" + "\n".join(
            f"  {r.rule} on {safe_text(r.resource.name)} ({_location(r)})" for r in sorted_results(report.fixed)))
    if report.errors:
        blocks.append(_paint("Input errors:", "error", color) + "\n" + wrap_lines(
            [safe_text(error) for error in report.errors], width))
    scopes = not_evaluated(report)
    if scopes:
        blocks.append("Not evaluated:\n" + wrap_lines(
            [f"{item.scope}: {item.code}: {_one_line(safe_text(item.message))}" for item in scopes], width))
    # What was not read or not expanded is shown; routine notes (a false condition, a name only
    # known at deployment) are counted here and listed in the JSON report.
    listed = [n for n in report.notices if n.kind not in QUIET_NOTICE_KINDS]
    quiet_notes = len(report.notices) - len(listed)
    if (listed or quiet_notes) and not quiet:
        lines = [f"{relative_path(n.file)}{':' + str(n.line) if n.line else ''}: {_one_line(safe_text(n.message))}"
                 for n in listed]
        if quiet_notes:
            lines.append(f"({quiet_notes} more note(s), e.g. resources whose condition is false: "
                         "--format json lists them)")
        blocks.append("Notices:\n" + wrap_lines(lines, width))
    if gate is not None and gate.reasons and not quiet:
        blocks.append("Gate:\n" + wrap_lines(gate.reasons, width))
    blocks.append("\n".join(wrap_text(summary_line(report, gate), max(20, width))))
    # Names and messages come from the inputs: no terminal control reaches the screen but our colours.
    return terminal_text("\n\n".join(blocks) + "\n", keep_colours=_COLOURS.values() if color else ())

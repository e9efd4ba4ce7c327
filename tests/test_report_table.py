"""Terminal table: golden output, grouping and order, passes hidden by default, colour rules."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.report.gate import evaluate_gate
from checker.report.table import render_table, use_color

try:
    from test_report_sample import check_golden, sample_report
except ImportError:  # tests collected as a package
    from tests.test_report_sample import check_golden, sample_report


def test_table_golden() -> None:
    report = sample_report()
    check_golden("report.txt", render_table(report, gate=evaluate_gate(report)))


def test_table_golden_with_passes() -> None:
    report = sample_report()
    check_golden("report-show-passed.txt", render_table(report, show_passed=True))


def test_grouped_by_site_failures_first() -> None:
    text = render_table(sample_report())
    hub, er, outside = (text.index("Site vnet-hub"), text.index("Site vnet-er"),
                        text.index("Resources outside any site"))
    assert hub < er < outside
    hub_block = text[hub:er]
    lines = [line for line in hub_block.splitlines() if line.startswith(("fail", "unknown"))]
    ranks = [("critical", "high", "medium", "low").index(line.split()[1]) for line in lines]
    assert ranks == sorted(ranks)  # by severity first, whatever the status
    assert sorted(line.split()[0] for line in lines) == ["fail", "fail", "fail", "unknown", "unknown"]
    assert "templates/hub.json:44" in hub_block


def test_passes_hidden_unless_asked() -> None:
    report = sample_report()
    assert "vgw-hub is a Vpn gateway" not in render_table(report)
    assert "vgw-hub is a Vpn gateway" in render_table(report, show_passed=True)
    assert "expressRouteGatewayBypass is not set" in render_table(report, show_passed=True)


def test_waivers_errors_notices_and_summary_are_shown() -> None:
    report = sample_report()
    text = render_table(report, gate=evaluate_gate(report), width=400)
    assert "waiver expired 2026-10-31" in text
    assert "waived until 2027-03-31 (config)" in text
    assert "templates/broken.json:7:3: unexpected ',' in object" in text
    assert "linked template not fetched" in text
    assert text.rstrip().splitlines()[-1].startswith("4 input(s), 14 result(s): 6 fail, 3 unknown, 1 suppressed")
    assert "Gate ERROR (exit 2" in text
    assert "<secret>" in text


def test_colour_only_when_asked() -> None:
    report = sample_report()
    assert "\x1b[" not in render_table(report)
    coloured = render_table(report, color=True)
    assert "\x1b[31m" in coloured and "\x1b[0m" in coloured


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(("tty", "no_color", "expected"), [
    (True, None, True), (True, "1", False), (False, None, False), (True, "", True)])
def test_use_color(monkeypatch, tty: bool, no_color: str | None, expected: bool) -> None:
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    assert use_color(_Stream(tty)) is expected


def test_use_color_on_a_closed_stream() -> None:
    stream = io.StringIO()
    stream.close()
    assert use_color(stream) is False


def test_not_evaluated_fixed_and_baseline_markers() -> None:
    from checker.records import replace
    from checker.report.model import NotEvaluated

    report = sample_report()
    report.not_evaluated = [NotEvaluated(scope="rg-shared", code="AuthorizationFailed", message="403")]
    report.results[1] = replace(report.results[1], baseline="existing")
    report.fixed = [replace(report.results[0], baseline="fixed")]
    text = render_table(report)
    assert "Not evaluated:\n  rg-shared: AuthorizationFailed: 403" in text
    assert "Fixed since the baseline: 1" in text
    assert "fail (baseline)" in text


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "bc", " ", "  ", "\t", "\x0b", "\r", "\x0c", "\u00a0", "\u3000", "é", "-",
                                 "x" * 12, "/"]), max_size=30), st.integers(min_value=30, max_value=70))
def test_a_message_line_that_fits_is_wrapped_as_textwrap_wraps_it(pieces: list[str], width: int) -> None:
    import textwrap

    from checker.report.table import _wrap_cell

    line = "".join(pieces)
    expected = textwrap.wrap(line, width, break_on_hyphens=False, break_long_words=True) or [""]
    assert _wrap_cell(line, width, path_lines=False) == "\n".join(expected)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="ab cé—≥/\n", min_size=1, max_size=70), min_size=5, max_size=5), min_size=1,
                max_size=4), st.integers(min_value=40, max_value=160))
def test_a_table_of_non_ascii_text_is_the_same_without_its_first_drawing(rows: list[list[str]], width: int) -> None:
    """Without wcwidth tabulate counts one column per character of any text: the table that cannot fit
    is not drawn first, and the result is the one the drawing-first path gives."""
    from checker.report import table

    if table._WIDE_CHARACTERS:
        pytest.skip("wcwidth is installed: only ASCII tables skip their first drawing")
    skipped = table._table([list(row) for row in rows], width)
    table._WIDE_CHARACTERS = True  # the path for tabulate with wcwidth: the plain table is drawn first
    try:
        drawn = table._table([list(row) for row in rows], width)
    finally:
        table._WIDE_CHARACTERS = False
    assert skipped == drawn


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="ab c/-\n\r\t\x1b[m\u00e9", min_size=0, max_size=90), min_size=5, max_size=5),
                min_size=1, max_size=6))
def test_the_measured_width_of_a_table_is_the_width_tabulate_draws(rows: list[list[str]]) -> None:
    """The attempts before the last are measured instead of drawn: where the measure answers, it is
    the width of tabulate's lines (whitespace at a cell's ends, colour codes, carriage returns and
    wide text are left to tabulate)."""
    from checker.report import table

    measured = table._plain_width([list(row) for row in rows])
    if measured is not None:
        drawn = table.tabulate([list(row) for row in rows], headers=table.HEADERS, tablefmt="simple")
        assert measured == max(len(line) for line in drawn.splitlines())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="ab c/-x\n", min_size=1, max_size=120), min_size=5, max_size=5), min_size=1,
                max_size=5), st.integers(min_value=40, max_value=160))
def test_a_table_shrunk_by_measure_is_the_table_shrunk_by_drawing(rows: list[list[str]], width: int) -> None:
    from checker.report import table

    wide = [list(row) for row in rows]
    for resource in (20, 33, 48):
        message = max(table.MIN_MESSAGE_WIDTH, width - 30 - resource)
        assert (table._shrunk(wide, width, resource, message, "", measure=True)
                == table._shrunk(wide, width, resource, message, "", measure=False))


_WORDS = ["a", "bc", "-", "a-b", "x" * 12, "y" * 45, "é", "漢字", "\u200b", "/", "\u00a0", "\u3000", "\x1b[31m", "\t",
          "\x1c", "\r", ".", "  "]


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), max_size=30), st.sampled_from([" ", "", "  "]),
       st.integers(min_value=5, max_value=70), st.sampled_from([("", ""), ("  ", "    "), ("", "  "), ("  ", "")]))
def test_wrap_text_is_textwrap(words: list[str], joint: str, width: int, indents: tuple[str, str]) -> None:
    """wrap_text computes by position what textwrap gives words of printable characters between single
    spaces (long words, hyphens, wide and zero-width characters) and hands any other text to textwrap."""
    import textwrap

    from checker.report.table import wrap_text

    text = joint.join(words)
    expected = textwrap.wrap(text, width, initial_indent=indents[0], subsequent_indent=indents[1],
                             break_on_hyphens=False)
    assert wrap_text(text, width, *indents) == expected


@pytest.mark.parametrize("width", [1, 2, 3, 5, 8, 13])
def test_wrap_text_breaks_long_words_as_textwrap_does(width: int) -> None:
    """Every sentence of short and long words (in every order, at every small width): the greedy line,
    a long word that fills the rest of a line, and the space textwrap leaves when only it fits."""
    import itertools
    import textwrap

    from checker.report.table import wrap_text

    words = ["a", "bb", "ccc", "d" * 7, "e" * 16]
    for count in range(1, 5):
        for sentence in itertools.product(words, repeat=count):
            text = " ".join(sentence)
            assert wrap_text(text, width) == textwrap.wrap(text, width, break_on_hyphens=False), (text, width)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["", "True", "False", "1", "2.5", "-3", "1,000", "fail", "\x1b[31mhigh\x1b[0m",
                                          "a\nb", "None", "nan", "1e3", "0x1f", "a\r\nbcd", "x\ry\n\nz",
                                          "\x1b[31mlong\nshort\x1b[0m", "\u00e9t\u00e9\nab"]),
                         min_size=5, max_size=5),
                min_size=1, max_size=6))
def test_tables_are_drawn_as_tabulate_types_them(rows: list[list[str]]) -> None:
    """The table's tabulate call does not type its cells (every cell is text) and measures their lines
    without a pattern: the tables are those tabulate draws with its own helpers, for cells that look like
    numbers, booleans or nothing, and cells of several lines (broken at \\n, \\r or both)."""
    import tabulate as tabulate_module

    from checker.report import table

    drawn = table.tabulate(rows, headers=table.HEADERS, tablefmt="simple")
    padding = tabulate_module.MIN_PADDING
    tabulate_module.MIN_PADDING = 0
    try:
        typed = tabulate_module.tabulate(rows, headers=table.HEADERS, tablefmt="simple", disable_numparse=True)
    finally:
        tabulate_module.MIN_PADDING = padding
    assert drawn == typed
    for name, swap in table._SWAPS.items():  # given back after the call
        assert getattr(tabulate_module, name) is not swap


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "bb", " ", "\n", "\r", "\r\n", "\x1b[1m", "\u00e9", "\t"]), max_size=30).map("".join))
def test_cell_widths_are_tabulates(cell: str) -> None:
    """The swapped width and padding helpers answer as tabulate's own, with and without colour codes."""
    import tabulate as tabulate_module

    from checker.report import table

    for width_of in (len, tabulate_module._visible_width):
        assert table._multiline_width(cell, width_of) == tabulate_module._multiline_width(cell, width_of)
        assert table._line_widths(cell, width_of) == tabulate_module._align_column_multiline_width(cell, width_of)
    for width in range(0, 40, 7):
        assert table._pad_right(width, cell) == tabulate_module._padright(width, cell)
    with pytest.raises(ValueError):  # as tabulate's own: no negative width
        table._pad_right(-1, cell)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", " ", "\n", "\t", "\r", "\x00", "\x1b", "\x7f", "\x85", "\u00e9", "\u202e",
                                         "\u2066", "\ud800", "~"]), max_size=20))
def test_terminal_text_escapes_what_its_pattern_names(text: str) -> None:
    from checker.report.escape import _NOT_TERMINAL, _escaped, terminal_text

    assert terminal_text(text) == re.sub(_NOT_TERMINAL, _escaped, text)

"""The report formats and their registry: every formatter has one signature,
``render(report, gate, options) -> str``, and :data:`FORMATTERS` names them. The CLI's ``--format``
choices, the ``-o FORMAT:PATH`` parser and (checked by a test) the configuration schema's format
list come from it.

Adding a format is its module in ``checker/report/``, its tests and golden file, and one entry here.
Each entry imports its module when it renders, so a scan loads only the formats it prints (this module
is read when the CLI builds its parser and imports nothing heavy)."""

from __future__ import annotations

import sys
from pathlib import Path

from checker.records import Frozen

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from checker.report.gate import GateOutcome
    from checker.report.model import Report


class RenderOptions(Frozen):
    """What the formats may use besides the report and the gate (each reads what concerns it)."""

    _fields = ("docs_url", "sarif_root", "show_passed", "tty", "no_color", "width", "quiet", "severities")
    docs_url: str | None  # base URL of the rule pages (json, sarif)
    sarif_root: Path | None  # paths in SARIF are made relative to it
    show_passed: bool  # table: list passed and not-applicable results too
    tty: bool  # table: stdout is a terminal (colour, width)
    no_color: bool  # table
    width: int | None  # table: columns; None: the terminal's, or the default when not a terminal
    quiet: bool  # table: findings only
    severities: frozenset[str] | None  # table: only these severities

    def __init__(self, docs_url: str | None = None, sarif_root: Path | None = None, show_passed: bool = False,
                 tty: bool = False, no_color: bool = False, width: int | None = None, quiet: bool = False,
                 severities: frozenset[str] | None = None) -> None:
        fields = self.__dict__
        fields["docs_url"] = docs_url
        fields["sarif_root"] = sarif_root
        fields["show_passed"] = show_passed
        fields["tty"] = tty
        fields["no_color"] = no_color
        fields["width"] = width
        fields["quiet"] = quiet
        fields["severities"] = severities


def _table(report: Report, gate: GateOutcome, options: RenderOptions) -> str:
    from checker.report import table

    color = options.tty and not options.no_color and table.use_color(sys.stdout)
    width = options.width or (table.terminal_width() if options.tty else table.terminal_width(default_only=True))
    return table.render_table(report, gate=gate, show_passed=options.show_passed, color=color, width=width,
                              quiet=options.quiet, severities=options.severities)


def _json(report: Report, gate: GateOutcome, options: RenderOptions) -> str:
    from checker.report import json_report

    return json_report.render_json(report, gate, docs_url=options.docs_url)


def _sarif(report: Report, gate: GateOutcome, options: RenderOptions) -> str:
    from checker.report import sarif

    return sarif.render_sarif(report, root=options.sarif_root, docs_url=options.docs_url)


def _junit(report: Report, gate: GateOutcome, options: RenderOptions) -> str:
    from checker.report import junit

    return junit.render_junit(report, unknown=gate.unknown, gate_context=gate.gate_context)


def _markdown(report: Report, gate: GateOutcome, options: RenderOptions) -> str:
    from checker.report import markdown

    return markdown.render_markdown(report, gate=gate)


def _html(report: Report, gate: GateOutcome, options: RenderOptions) -> str:
    from checker.report import html

    return html.render_html(report, gate=gate)


#: Format name -> formatter, in the order the CLI lists them (``table`` is the default).
FORMATTERS: dict[str, Callable[[Report, GateOutcome, RenderOptions], str]] = {
    "table": _table,
    "json": _json,
    "sarif": _sarif,
    "junit": _junit,
    "markdown": _markdown,
    "html": _html,
}
FORMATS = tuple(FORMATTERS)
#: ``hybrid-check graph --format``: the renderings of the resource graph (``checker/report/graph_formats.py``).
GRAPH_FORMATS = ("table", "json", "dot", "svg")


def render(fmt: str, report: Report, gate: GateOutcome, options: RenderOptions) -> str:
    """The report in one format."""
    return FORMATTERS[fmt](report, gate, options)

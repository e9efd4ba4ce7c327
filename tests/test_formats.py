"""The formatter registry: one signature for every format, and the CLI's choices, the -o parser and
the configuration schema all derived from (or checked against) it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from checker import cli
from checker.report import formats
from checker.report.gate import evaluate_gate
from checker.report.json_report import render_json
from checker.report.table import render_table
from tests.test_report_sample import sample_report

SCHEMA = Path(__file__).resolve().parent.parent / "checker" / "schemas" / "config.schema.json"


def _choices(parser: argparse.ArgumentParser, command: str, option: str) -> tuple[str, ...]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[command]
    return tuple(next(a for a in sub._actions if option in a.option_strings).choices)


def test_cli_and_schema_take_the_format_names_from_the_registry() -> None:
    parser = cli.build_parser()
    assert cli.FORMATS is formats.FORMATS == tuple(formats.FORMATTERS)
    assert _choices(parser, "scan", "--format") == formats.FORMATS
    assert _choices(parser, "audit", "--format") == formats.FORMATS
    assert _choices(parser, "graph", "--format") == formats.GRAPH_FORMATS
    config = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert config["$defs"]["format"]["enum"] == list(formats.FORMATS)


def test_graph_format_names_match_the_graph_renderers() -> None:
    from checker.report.graph_formats import GRAPH_RENDERERS

    assert tuple(GRAPH_RENDERERS) == formats.GRAPH_FORMATS


@pytest.mark.parametrize("name", formats.FORMATS)
def test_output_option_accepts_every_registered_format(name: str) -> None:
    assert cli._output_spec(f"{name}:out/report") == (name, Path("out/report"))


def test_output_option_refuses_a_format_not_in_the_registry() -> None:
    assert "no-such-format" not in formats.FORMATS
    with pytest.raises(argparse.ArgumentTypeError) as refused:
        cli._output_spec("no-such-format:out.txt")
    assert f"FORMAT one of {', '.join(formats.FORMATS)}," in str(refused.value)


@pytest.mark.parametrize("name", formats.FORMATS)
def test_every_formatter_has_the_one_signature(name: str) -> None:
    report = sample_report()
    text = formats.render(name, report, evaluate_gate(report), formats.RenderOptions())
    assert isinstance(text, str) and text.strip()


def test_registry_entries_pass_their_options_through() -> None:
    report = sample_report()
    gate = evaluate_gate(report)
    assert formats.render("json", report, gate, formats.RenderOptions(docs_url="https://example.org/rules")) == \
        render_json(report, gate, docs_url="https://example.org/rules")
    assert formats.render("table", report, gate, formats.RenderOptions(show_passed=True, width=100)) == \
        render_table(report, gate=gate, show_passed=True, width=100)

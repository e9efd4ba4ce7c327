"""Start-up: `--version` and `--help` import almost nothing, and the shortcuts taken for speed give the
same results as the long way (speed itself is measured in benchmarks/bench_startup.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.model import CheckerError
from checker.sources import decode

HEAVY = ("yaml", "jsonschema", "tabulate", "logging", "typing", "checker.api", "checker.config",
         "checker.policy.loader", "checker.views")


def modules_after(arguments: list[str]) -> tuple[str, list[str]]:
    """What a fresh interpreter prints for ``hybrid-check ARGUMENTS``, and which heavy modules it imported."""
    code = ("import sys\nfrom checker.cli import main\n"
            f"try:\n    main({arguments!r})\nexcept SystemExit:\n    pass\n"
            f"print('IMPORTED', *sorted(m for m in {HEAVY!r} if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    text, _, imported = out.rpartition("IMPORTED")
    return text, imported.split()


@pytest.mark.parametrize("arguments", [["--version"], ["--help"], ["scan", "--help"]])
def test_version_and_help_import_no_heavy_module(arguments: list[str]) -> None:
    text, imported = modules_after(arguments)
    assert imported == []
    assert ("hybrid-check 0." in text) if arguments == ["--version"] else ("usage: hybrid-check" in text)


def test_version_prints_what_argparse_prints() -> None:
    from checker import __version__

    result = subprocess.run([sys.executable, "-m", "checker", "--version"], capture_output=True, text=True,
                            check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, f"hybrid-check {__version__}\n", "")
    # with anything else on the line argparse answers as it always did
    other = subprocess.run([sys.executable, "-m", "checker", "--version", "-v"], capture_output=True, text=True,
                           check=False)
    assert (other.returncode, other.stdout) == (0, f"hybrid-check {__version__}\n")


def test_a_scan_does_not_import_the_formats_it_does_not_print(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import REPO_ROOT

    fixture = REPO_ROOT / "fixtures" / "vpn" / "non-compliant" / "bgp-asn-apipa.json"
    code = ("import sys\nfrom checker.cli import main\n"
            f"main(['scan', {str(fixture)!r}, '--format', 'json'])\n"
            "print('IMPORTED', *sorted(m for m in ('xml.etree.ElementTree', 'tabulate', 'checker.report.sarif') "
            "if m in sys.modules), file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=tmp_path)
    assert result.stderr.rpartition("IMPORTED")[2].split() == []


# ---------------------------------------------------------------------------------------------------
# ARM decoding: the one-match check for comment-free text changes nothing
# ---------------------------------------------------------------------------------------------------

def _blank_token_by_token(text: str) -> object:
    saved = decode._NO_COMMENT
    decode._NO_COMMENT = None
    try:
        return decode._blank_comments(text, "f.json")
    except CheckerError as error:
        return ("error", error.message, error.line)
    finally:
        decode._NO_COMMENT = saved


def _blank(text: str) -> object:
    try:
        return decode._blank_comments(text, "f.json")
    except CheckerError as error:
        return ("error", error.message, error.line)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='"\\/*a:{}\n ', max_size=40))
def test_comment_blanking_is_the_same_with_the_fast_check(text: str) -> None:
    assert _blank(text) == _blank_token_by_token(text)


@pytest.mark.parametrize("text", [
    '{"u": "https://example.com/a"}', '{"u": "a\\"//b"}', '{"a": 1} // c', '{"a": "x"} /* c */',
    '{"a": "unterminated // x', '{"a": 1 /* open', '{"a": "\\\\"} // after an escaped backslash',
    '{"a": "/"}', '{"a": "/*"}', "{\"a\": \"line\nbreak // in a string\"}",
])
def test_comment_blanking_examples(text: str) -> None:
    assert _blank(text) == _blank_token_by_token(text)

"""Start-up: `--version` and `--help` import almost nothing, and the shortcuts taken for speed give the
same results as the long way (speed itself is measured in benchmarks/bench_startup.py)."""

from __future__ import annotations

import json
import os
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


def run_with_site_off(code: str, watched: tuple[str, ...]) -> tuple[str, list[str]]:
    """What ``code`` prints in a fresh interpreter run without site (``-S``: an editable install's import
    finder imports pathlib, re and contextlib at start-up, which a regular installation does not), and
    which of ``watched`` it imported."""
    from tests.conftest import REPO_ROOT

    code += f"\nprint('IMPORTED', *sorted(m for m in {watched!r} if m in sys.modules))\n"
    result = subprocess.run([sys.executable, "-S", "-c", "import sys\n" + code], capture_output=True, text=True,
                            check=False, cwd=REPO_ROOT)
    text, _, imported = result.stdout.rpartition("IMPORTED")
    assert imported, result.stderr
    return text, imported.split()


def test_the_console_script_answers_version_without_the_command_line() -> None:
    """``hybrid-check --version`` (the console script, checker.console) imports neither the command line
    nor argparse or pathlib."""
    text, imported = run_with_site_off(
        "sys.argv = ['hybrid-check', '--version']\nfrom checker.console import run\n"
        "try:\n    run()\nexcept SystemExit as stop:\n    print('EXIT', stop.code)",
        ("argparse", "pathlib", "re", "checker.cli"))
    assert imported == []
    assert text.startswith("hybrid-check 0.") and "EXIT 0" in text


def test_a_scan_imports_no_contextlib() -> None:
    """The collector pause is a class of its own: a scan does not import contextlib."""
    from tests.conftest import REPO_ROOT

    # a first scan compiles the bundled policies into the cache (with PyYAML and jsonschema, from
    # site-packages); the second reads them compiled, as every scan after the first does
    subprocess.run([sys.executable, "-m", "checker", "scan", "fixtures/vpn/non-compliant/bgp-asn-apipa.json",
                    "--format", "json"], capture_output=True, check=False, cwd=REPO_ROOT)
    text, imported = run_with_site_off(
        "from checker.cli import main\n"
        "main(['scan', 'fixtures/vpn/non-compliant/bgp-asn-apipa.json', '--format', 'json'])", ("contextlib",))
    assert '"results"' in text
    assert imported == []


def test_a_console_scan_imports_neither_gettext_nor_locale_nor_urllib() -> None:
    """The console script imports argparse without gettext and locale, and pathlib without urllib.parse
    (checker.standins); a template that calls no URI function does not import urllib.parse either."""
    from tests.conftest import REPO_ROOT

    fixture = "fixtures/vpn/non-compliant/bgp-asn-apipa.json"
    subprocess.run([sys.executable, "-m", "checker", "scan", fixture, "--format", "json"], capture_output=True,
                   check=False, cwd=REPO_ROOT)  # the policy cache filled first, as in the test above
    text, imported = run_with_site_off(
        f"from checker.console import main\nmain(['scan', {fixture!r}, '--format', 'json'])",
        ("gettext", "locale", "urllib.parse", "argparse", "pathlib"))
    assert '"results"' in text
    assert imported == ["argparse", "pathlib"]


def test_stand_ins_leave_the_real_modules_to_everything_else() -> None:
    """After the stand-ins: Path.as_uri quotes as urllib.parse does, and urllib.parse and gettext are the
    real modules to whatever imports them; argparse keeps the identity for its words."""
    text, imported = run_with_site_off(
        "from checker.standins import import_command_line_modules\nimport_command_line_modules()\n"
        "import argparse, pathlib\nprint('QUIET', 'urllib.parse' in sys.modules, 'gettext' in sys.modules)\n"
        "print('URI', pathlib.PurePosixPath('/tmp/a b%').as_uri())\n"
        "import urllib.parse, gettext\n"
        "print('REAL', urllib.parse.urlsplit('https://x/y').netloc, callable(gettext.translation),\n"
        "      type(sys.modules['urllib.parse']).__name__, type(sys.modules['gettext']).__name__)\n"
        "print('WORDS', argparse._('usage: '), argparse.ngettext('one', 'many', 1), argparse.ngettext('one', 'many', 2))",
        ("checker.cli",))
    assert "QUIET False False" in text
    assert "URI file:///tmp/a%20b%25" in text
    assert "REAL x True module module" in text
    assert "WORDS usage:  one many" in text
    assert imported == []


@pytest.mark.parametrize("arguments", [["--help"], ["scan", "--help"], ["audit", "--help"],
                                       ["scan", "--fail-on", "nope", "x.json"], ["scan"], ["nosuch"],
                                       ["policies", "validate"]])
def test_the_command_line_says_the_same_with_the_stand_ins(arguments: list[str]) -> None:
    """Help, usage errors and their exit codes are word for word those of argparse imported the usual way."""

    def said(entry: str) -> tuple[int, str, str]:
        code = (f"import sys\n{entry}\n"
                f"try:\n    code = main({arguments!r})\nexcept SystemExit as stop:\n    code = stop.code\n"
                "print('EXIT', code)")
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                                env={**os.environ, "COLUMNS": "100"})
        return result.returncode, result.stdout, result.stderr

    standard = said("import gettext, argparse\nfrom checker.cli import main")
    with_stand_ins = said("from checker.console import main")
    assert with_stand_ins == standard
    assert "usage: hybrid-check" in standard[1] + standard[2]


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


def test_a_plain_scan_imports_only_what_it_uses(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """No configuration file, waiver, baseline, report file or what-if result: their modules are not
    imported, and argparse does not ask the terminal for its width (shutil)."""
    from tests.conftest import REPO_ROOT

    fixture = REPO_ROOT / "fixtures" / "vpn" / "non-compliant" / "bgp-asn-apipa.json"
    unused = ("checker.config", "checker.report.waivers", "checker.report.baseline", "checker.report.output",
              "checker.sources.whatif", "shutil")
    code = ("import sys\nfrom checker.cli import main\n"
            f"main(['scan', {str(fixture)!r}])\n"
            f"print('IMPORTED', *sorted(m for m in {unused!r} if m in sys.modules), file=sys.stderr)\n")
    (tmp_path / ".git").mkdir()  # the configuration search stops here
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=tmp_path)
    assert "Gate" in result.stdout
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
    '{"a": 1} /*/', '{"a": 1} /*', '/* a */ {"b": "x // y', '{"a": "x} // y\n"b": 2}', '"/*"a*/ // b\n/* c\n*/',
    '{"a": 1} //', '{"a": 1}\n// last line without end', '"\\"/* x */"',
])
def test_comment_blanking_examples(text: str) -> None:
    assert _blank(text) == _blank_token_by_token(text)


# ---------------------------------------------------------------------------------------------------
# ARM decoding: the C scanner plus a structure scan gives every object the position the
# position-tracking decoder gives it, and every error is still worded by that decoder
# ---------------------------------------------------------------------------------------------------

def _tracked(text: str) -> object:
    """What loads() gives with the position-tracking decoder alone (the fast path switched off):
    every value with the line and column of every object, or the error."""
    saved = decode._NOT_STRUCTURE
    decode._NOT_STRUCTURE = None
    try:
        return _fast(text)
    finally:
        decode._NOT_STRUCTURE = saved


def _fast(text: str) -> object:
    try:
        return _shape(decode.loads(text, "f.json"))
    except CheckerError as error:
        return ("error", error.message, error.line, error.column)


def _shape(value: object) -> object:
    if isinstance(value, dict):
        assert isinstance(value, decode.JsonObject)
        return ("object", value.line, value.column, [(k, _shape(v)) for k, v in value.items()])
    if isinstance(value, list):
        return [_shape(item) for item in value]
    return value


def test_the_fast_decode_is_taken_and_keeps_every_position() -> None:
    text = ('{\n  "a": [ {"b": "x{y}[z]\\"{"}, [[{"c": {}}]] ],\r\n "d": "[concat(\'{\', \']\')]",'
            '\n\t"e": {"f": [1, 2.5, -3e2, true, null, "\u00e9\u4e2d"]}, "g": {"h": {"i": {}}}}')
    value = decode._loads_fast(text, "f.json")
    if decode._NOT_STRUCTURE is None:  # Python 3.10 has no possessive repeats: every file takes the slow path
        assert value is decode._SLOW and _fast(text) == _tracked(text)
        return
    assert value is not decode._SLOW
    assert _shape(value) == _tracked(text)
    assert value["a"][1][0][0].line == 2 and value["a"][1][0][0].column == 33
    assert value["e"].line == 4 and value["e"].column == 7


@pytest.mark.parametrize("text", [
    '{"a": 1', '{"a": "x}', '{"a": [1}', '{"a": 1}}', '[{"a": 1]', '{"a": NaN}', '{"a": 1e999}',
    '{"a": 1} x', '{"a": "\\x"}', "{'a': 1}", '{"a": 1,}', '"}"', '[]', '{}', '"text"',
    '{"a": 1} // comment {', '/* { */ {"a": {"b": 1}}', "{\"a\": \"line\nbreak {\"}",
    "[" * 201 + "]" * 201, "[" * 200 + "]" * 200, '{"a":' * 150 + "[" * 60 + "]" * 60 + "}" * 150,
    '{"a": ' + "1" * 5000 + "}",
    '{"a": "x\\\\"}', '{"a": "x\\\\", "b": {"c": "\\\\\\"{"}}', '{"a": "\\\\\\\\"}', '{"a\\"{": {}}',
    '{"a": "\\\\\\\\\\"}', '{"a": "\\u005c"}',
])
def test_the_fast_decode_gives_what_the_tracking_decoder_gives(text: str) -> None:
    assert _fast(text) == _tracked(text)


_JSON_LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                         st.text(alphabet='{}[]"\\/ab:,\n\u00e9', max_size=8))


@settings(max_examples=300, deadline=None)
@given(st.recursive(_JSON_LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(alphabet='{}[]"\\ab', max_size=4), inner, max_size=4), max_leaves=25),
    st.sampled_from([None, 0, 2, "\t"]))
def test_the_fast_decode_keeps_every_position_through_escapes(value: object, indent: object) -> None:
    """Documents written by a JSON writer: escaped quotes and backslashes, brackets in strings and names."""
    text = json.dumps({"v": value}, indent=indent)  # type: ignore[arg-type]
    assert decode._loads_fast(text, "f.json") is not decode._SLOW or decode._NOT_STRUCTURE is None
    assert _fast(text) == _tracked(text)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='{}[]",:\\ab1\n ', max_size=40))
def test_the_fast_decode_agrees_on_any_text(text: str) -> None:
    assert _fast(text) == _tracked(text)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(alphabet='{}[]"\\ab\n'),
                    lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(st.text(alphabet='{}[]"ab', max_size=4), children, max_size=4),
                    max_leaves=20),
       st.sampled_from([None, 0, 2]))
def test_the_fast_decode_agrees_on_any_document(value: object, indent: int | None) -> None:
    text = json.dumps(value, indent=indent)
    assert _fast(text) == _tracked(text)


def test_the_table_imports_tabulate_without_importlib_metadata() -> None:
    code = ("import sys\nimport checker.report.table as table\n"
            "print('metadata' if 'importlib.metadata' in sys.modules else 'none')\n"
            "print(table._tabulate_module.tabulate([['a', 'b']], headers=['x', 'y']))\n"
            "import tabulate\nfrom importlib.metadata import version\n"
            "print(tabulate.__version__ == version('tabulate'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[0] == "none"
    assert "x    y" in out and out.splitlines()[-1] == "True"


def test_tabulate_stand_ins_answer_as_the_real_modules() -> None:
    """tabulate is imported without dataclasses and html; its tables of dataclass rows and its HTML
    escaping still work (the real modules are imported when they are needed)."""
    code = ("import sys\nimport checker.report.table as table\n"
            "print(*sorted(m for m in ('dataclasses', 'inspect', 'html') if m in sys.modules))\n"
            "tabulate = table._tabulate_module\n"
            "print(tabulate.tabulate([['<a & b>']], tablefmt='html'))\n"
            "from dataclasses import dataclass\n"
            "@dataclass\nclass Row:\n    x: int\n    y: str\n"
            "print(tabulate.tabulate([Row(1, 'b')], headers='keys'))\n"
            "print(tabulate.dataclasses.is_dataclass(Row), tabulate.dataclasses.is_dataclass(Row(1, 'b')), "
            "tabulate.dataclasses.is_dataclass([1]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    lines = out.splitlines()
    assert lines[0] == ""
    assert "<td>&lt;a &amp; b&gt;</td>" in out
    assert lines[-4:-1] == ["  x  y", "---  ---", "  1  b"]
    assert lines[-1] == "True True False"


def test_a_table_scan_imports_no_dataclasses_inspect_html_typing_datetime_or_openssl(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Once the bundled policies' compiled form is cached: the records are plain classes, typing is
    imported only by the type checker, the rare modules are imported where they are used, and the
    digests (a nested deployment's tag, guid(), a shared key's fingerprint) come without hashlib,
    whose import loads OpenSSL."""
    from tests.conftest import REPO_ROOT

    fixture = REPO_ROOT / "fixtures" / "vpn" / "non-compliant" / "bgp-asn-apipa.json"
    template = tmp_path / "digests.json"
    template.write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [
            {"type": "Microsoft.Network/connections", "apiVersion": "2023-09-01", "location": "westeurope",
             "name": "[concat('cn-', guid(resourceGroup().id))]",
             "properties": {"connectionType": "IPsec", "sharedKey": "a-literal-key-of-some-length"}},
            {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "nested",
             "properties": {"mode": "Incremental", "expressionEvaluationOptions": {"scope": "inner"},
                            "template": {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/"
                                                    "deploymentTemplate.json#",
                                         "contentVersion": "1.0.0.0", "parameters": {"n": {"type": "string"}},
                                         "resources": [{"type": "Microsoft.Network/localNetworkGateways",
                                                        "apiVersion": "2023-09-01", "location": "westeurope",
                                                        "name": "[parameters('n')]", "properties": {}}]}}},
        ]}))
    heavy = ("dataclasses", "inspect", "html", "datetime", "base64", "typing", "hashlib", "_hashlib", "hmac")
    code = ("import sys\nfrom checker.cli import main\n"
            f"main(['scan', {str(fixture)!r}, {str(template)!r}])\n"
            "from checker.model import Secret\n"
            f"print('DIGEST', Secret.of('x' * 20, 'template-literal').digest, file=sys.stderr)\n"
            f"print('IMPORTED', *sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)\n")
    (tmp_path / ".git").mkdir()
    for _ in range(2):  # the first run may read the policies from YAML and cache their compiled form
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                                cwd=tmp_path)
    assert "Gate" in result.stdout
    assert "cn-" in result.stdout or "digests.json" in result.stdout  # the template was read
    assert len(result.stderr.rpartition("DIGEST")[2].split()[0]) == 16
    assert result.stderr.rpartition("IMPORTED")[2].split() == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.uuids())
def test_guid_without_the_uuid_module_is_uuid5(name: str, namespace: object) -> None:
    import uuid

    from checker.sources.arm.functions import ARM_GUID_NAMESPACE, uuid5

    for space in (ARM_GUID_NAMESPACE, str(namespace)):
        assert uuid5(space, name) == str(uuid.uuid5(uuid.UUID(space), name))

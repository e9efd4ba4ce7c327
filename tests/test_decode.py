"""The JSON decoder: positions, the syntax ARM accepts beyond strict JSON, and clear errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.model import CheckerError
from checker.sources import decode
from checker.sources.decode import JsonObject, loads, position_of


def test_objects_know_their_line_and_column() -> None:
    text = b'{\n  "resources": [\n    {"name": "a"},\n      {"name": "b"}\n  ]\n}'
    doc = loads(text, "t.json")
    assert position_of(doc) == (1, 1)
    assert position_of(doc["resources"][0]) == (3, 5)
    assert position_of(doc["resources"][1]) == (4, 7)
    assert position_of("plain") == (None, None)


def test_bom_crlf_and_comments_are_accepted_and_lines_stay_true() -> None:
    text = ('\ufeff{\r\n  // a line comment with "quotes"\r\n  "a": "http://x//not-a-comment", /* block\r\n'
            ' comment */ "b": {"c": 1}\r\n}').encode()
    doc = loads(text, "t.json")
    assert doc["a"] == "http://x//not-a-comment"
    assert doc["b"] == {"c": 1}
    assert doc["b"].line == 4


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_with_byte_order_mark_are_decoded(encoding: str) -> None:
    # Windows PowerShell's Out-File writes UTF-16 LE with a BOM; Azure PowerShell deploys such files.
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff",
           "utf-32-le": b"\xff\xfe\x00\x00", "utf-32-be": b"\x00\x00\xfe\xff"}[encoding]
    text = '{\r\n  "parameters": {\r\n    "vnetName": {"value": "hub-vnet-\u00e9"}\r\n  }\r\n}'
    doc = loads(bom + text.encode(encoding), "p.json")
    assert doc["parameters"]["vnetName"]["value"] == "hub-vnet-\u00e9"
    assert doc["parameters"]["vnetName"].line == 3


def test_utf16_without_a_valid_body_is_an_error_with_its_line() -> None:
    raw = b"\xff\xfe" + '{\n"a": 1,\n'.encode("utf-16-le") + b"\x00\xd8"  # a lone surrogate
    with pytest.raises(CheckerError) as caught:
        loads(raw, "p.json")
    assert "not valid UTF-16 LE" in caught.value.message and caught.value.line == 3


def test_a_repeated_name_keeps_its_last_value_as_arm_does() -> None:
    # ARM reads templates with Json.NET, whose duplicate property handling defaults to Replace
    # (Azure/Enterprise-Scale eslzArm.json repeats a nested deployment parameter and deploys).
    doc = loads(b'{\n"x": {"a": 1, "a": 2}}', "t.json")
    assert doc["x"] == {"a": 2} and doc["x"].line == 2


def test_raw_newlines_inside_strings_are_accepted() -> None:
    doc = loads(b'{"e": "[concat(\'a\',\n \'b\')]"}', "t.json")
    assert doc["e"] == "[concat('a',\n 'b')]"


@pytest.mark.parametrize(
    ("raw", "message", "line"),
    [
        (b"", "the file is empty", 1),
        (b"  \n ", "the file is empty", 1),
        (b'{\n "a": 1,\n "b": \n}', "invalid JSON: Expecting value", 4),
        (b'{"a": 1}\n{"b": 2}', "invalid JSON: Extra data", 2),
        (b'{"a": 1} /* never closed', "unterminated /* comment", 1),
        (b'{"a": "\xff"}', "not valid UTF-8", 1),
        (b"[" * 300 + b"]" * 300, "nested deeper than", 1),
    ],
)
def test_bad_documents_give_file_line_and_problem(raw: bytes, message: str, line: int) -> None:
    with pytest.raises(CheckerError) as caught:
        loads(raw, "bad.json")
    error = caught.value
    assert message in error.message
    assert error.file == "bad.json"
    assert error.line == line
    assert error.hint


def test_huge_integers_are_an_input_error_not_a_crash() -> None:
    with pytest.raises(CheckerError) as caught:
        loads(b'{"n": ' + b"9" * 5000 + b"}", "big.json")
    assert "invalid JSON value" in caught.value.message


def test_large_files_keep_positions_down_to_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decode, "FULL_POSITION_LIMIT", 10)
    rows = [{"id": f"/x/{i}", "properties": {"deep": {"deeper": i}}} for i in range(3)]
    doc = loads(json.dumps({"data": rows}, indent=1).encode(), "export.json")
    assert [isinstance(r, JsonObject) for r in doc["data"]] == [True, True, True]
    assert doc["data"][2].line > doc["data"][1].line > doc["data"][0].line
    assert doc["data"][0]["properties"] == {"deep": {"deeper": 0}}


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                    max_leaves=20))
def test_decodes_what_json_encodes(value: object) -> None:
    assert loads(json.dumps(value, indent=1).encode(), "gen.json") == value


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_give_a_value_or_a_checker_error(raw: bytes) -> None:
    try:
        loads(raw, "fuzz.json")
    except CheckerError as exc:
        assert exc.file == "fuzz.json"

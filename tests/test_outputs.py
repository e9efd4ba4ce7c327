"""Report outputs: written atomically and all or none once the gate is known, one path per output,
and every format escaping what inputs put in names (XML 1.0 characters for JUnit, terminal controls
for the table, links, images and mentions for Markdown, lone surrogates everywhere)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from checker.cli import main
from checker.report import escape, output
from tests.conftest import REPO_ROOT

NON_COMPLIANT = REPO_ROOT / "fixtures" / "vpn" / "non-compliant" / "basic-policy-based.json"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "internal error" not in err
    return code, out, err


def hostile_template(tmp_path: Path, name: str) -> Path:
    """The non-compliant VPN fixture with its connection renamed to ``name`` (JSON-escaped as needed)."""
    template = json.loads(NON_COMPLIANT.read_text(encoding="utf-8"))
    for resource in template["resources"]:
        if resource["type"] == "Microsoft.Network/connections":
            resource["name"] = name
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(template), encoding="utf-8")  # ensure_ascii: \u001b, \udc80 stay escapes
    return path


CONTROL_NAME = "cn-\x1b[2J\x1b]52;c;cGF5bG9hZA==\x07-\x00\x0b-\u202e-end"


def test_junit_is_well_formed_xml_with_control_characters_in_names(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.xml"
    code, _, _ = run(["scan", str(hostile_template(tmp_path, CONTROL_NAME)), "-o", f"junit:{target}"], capsys)
    assert code == 1
    root = ET.fromstring(target.read_bytes())  # raises on characters XML 1.0 does not allow
    names = [case.get("name") for case in root.iter("testcase")]
    assert any(n and n.startswith("cn-\\x1b[2J\\x1b]52;c;") and n.endswith("\\x00\\x0b-\u202e-end") for n in names)


def test_the_table_carries_no_terminal_control_from_the_inputs(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["scan", str(hostile_template(tmp_path, CONTROL_NAME)), "--format", "table"], capsys)
    assert code == 1
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", out)
    assert "cn-\\x1b[2J\\x1b]52;c;cGF5bG9hZA==\\x07" in out


def test_the_table_keeps_its_own_colours_only() -> None:
    text = "\x1b[31mfail\x1b[0m and \x1b[8mhidden\x1b[0m \x1b]8;;http://x\x07"
    shown = escape.terminal_text(text, keep_colours=["31"])
    assert shown.startswith("\x1b[31mfail\x1b[0m and \\x1b[8mhidden\x1b[0m \\x1b]8;;http://x\\x07")


def _outside_code_spans(markdown: str) -> str:
    return re.sub(r"`[^`]*`", "", markdown)


def test_markdown_escapes_links_images_and_mentions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = "x [click](https:evil.example) ![pixel](https:evil.example?p.png) @octo-team <img src=x>"  # no '/' in names
    target = tmp_path / "out.md"
    code, _, _ = run(["scan", str(hostile_template(tmp_path, name)), "-o", f"markdown:{target}",
                      "--show-passed"], capsys)
    assert code == 1
    text = _outside_code_spans(target.read_text(encoding="utf-8"))
    # A name reaches the messages too: there, the link, image, mention and HTML are plain text.
    assert "click" in text
    for unsafe in ("[click]", "![pixel]", " @octo-team", "<img"):
        assert unsafe not in text, unsafe
    assert "\\[click\\](https:evil.example)" in text and "\\@octo-team" in text and "&lt;img" in text


def test_markdown_text_and_code_helpers() -> None:
    assert escape.markdown_text("a|b *c* _d_ ~e~ `f` \x1b") == "a\\|b \\*c\\* \\_d\\_ \\~e\\~ \\`f\\` \\\\x1b"
    assert escape.markdown_code("n|a`m\ne") == "`n\\|a'm e`"


def test_a_lone_surrogate_in_a_name_is_printed_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = hostile_template(tmp_path, "cn-\udc80-x")
    for fmt in ("table", "json", "sarif", "junit", "markdown"):
        target = tmp_path / f"out.{fmt}"
        code, out, _ = run(["scan", str(template), "--format", fmt, "-o", f"{fmt}:{target}"], capsys)
        assert code == 1, fmt
        written = target.read_text(encoding="utf-8")
        assert "cn-\\udc80-x" in out + written or "cn-\\\\udc80-x" in out + written, fmt
        if fmt in ("json", "sarif"):
            json.loads(written)


def test_two_outputs_to_one_path_are_an_error_and_nothing_is_written(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.out"
    code, _, err = run(["scan", str(NON_COMPLIANT), "-o", f"json:{target}", "-o", f"sarif:{tmp_path}/./report.out"],
                       capsys)
    assert code == 2
    assert "json report and the sarif report would both be written" in err
    assert not target.exists()


def test_no_output_says_passed_when_another_cannot_be_written(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    compliant = REPO_ROOT / "fixtures" / "vpn" / "compliant" / "vpn-hub.json"
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    first = tmp_path / "first.json"
    code, _, err = run(["scan", str(compliant), "-o", f"json:{first}", "-o", f"sarif:{blocker}/x.sarif"], capsys)
    assert code == 2 and "cannot write the sarif report" in err
    assert not first.exists()  # it would have said "passed" for a run that exits 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # no temporary file left


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "results.sarif"
    target.write_text("previous complete report", encoding="utf-8")
    real_fdopen = output.os.fdopen

    class Full:
        def __init__(self, stream: object) -> None:
            self.stream = stream

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.stream.close()  # type: ignore[attr-defined]

        def write(self, text: str) -> None:
            self.stream.write(text[: len(text) // 2])  # type: ignore[attr-defined]
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(output.os, "fdopen", lambda *a, **k: Full(real_fdopen(*a, **k)))
    with pytest.raises(output.CheckerError, match="No space left on device"):
        output.write_file("sarif report", target, "new report " * 1000)
    assert target.read_text(encoding="utf-8") == "previous complete report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.sarif"]

"""Baselines and configuration files are read through limits: size checked before parsing, regular
files only, the project's JSON reader for baselines (nesting, long integers, duplicate keys), and
entries of the wrong type are input errors (exit 2), never an internal error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checker import config as config_module
from checker.cli import main
from checker.config import load_config
from checker.model import CheckerError
from checker.report import baseline as baseline_module
from tests.conftest import REPO_ROOT

NON_COMPLIANT = REPO_ROOT / "fixtures" / "vpn" / "non-compliant" / "basic-policy-based.json"


def scan_with_baseline(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["scan", str(NON_COMPLIANT), "--baseline", str(path)])
    _, err = capsys.readouterr()
    assert "internal error" not in err and "Traceback" not in err
    return code, err


@pytest.mark.parametrize("content, message", [
    ('{"hybridCheckBaseline": "1.0", "results": [], "n": ' + "9" * 5000 + "}", "an integer of 5,000 digits"),
    ('{"hybridCheckBaseline": "1.0", "results": [], "n": ' + "[" * 10000 + "]" * 10000 + "}", "nested deeper"),
    ('{"hybridCheckBaseline": "1.0", "results": [{"fingerprint": "a", "line": [1]}]}', "'line' must be"),
    ('{"hybridCheckBaseline": "1.0", "results": [{"fingerprint": "a", "file": {"x": 1}}]}', "'file' must be"),
], ids=["long-integer", "deep-nesting", "line-list", "file-object"])
def test_a_hostile_baseline_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              content: str, message: str) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(content, encoding="utf-8")
    code, err = scan_with_baseline(path, capsys)
    assert code == 2 and message in err, err


def test_a_baseline_over_the_size_limit_is_refused_before_it_is_read(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(baseline_module, "MAX_BASELINE_BYTES", 1000)
    path = tmp_path / "baseline.json"
    path.write_text('{"hybridCheckBaseline": "1.0", "results": [], "pad": "' + "x" * 2000 + '"}')
    code, err = scan_with_baseline(path, capsys)
    assert code == 2 and "more than the limit of 1,000" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_baseline_or_configuration_that_is_a_fifo_does_not_block(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    code, err = scan_with_baseline(fifo, capsys)  # would wait for a writer for ever
    assert code == 2 and "not a regular file" in err
    with pytest.raises(CheckerError, match="not a regular file"):
        load_config(fifo)


def test_a_configuration_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / ".hybrid-check.yaml"
    # 2 MB of comments: parsed, it would be an empty and valid configuration.
    path.write_text("fail-on: high\n" + ("# padding " + "x" * 90 + "\n") * 21000, encoding="utf-8")
    assert path.stat().st_size > config_module.MAX_CONFIG_BYTES
    with pytest.raises(CheckerError, match="more than the limit of 1,048,576"):
        load_config(path)


def test_a_configuration_under_the_limit_still_loads(tmp_path: Path) -> None:
    path = tmp_path / ".hybrid-check.yaml"
    path.write_text("fail-on: critical\n", encoding="utf-8")
    assert load_config(path).fail_on == "critical"

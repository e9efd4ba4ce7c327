"""A scan of a whole repository, as the pre-commit hook and the GitHub Action run it: templates
beside a web app (tsconfig.json with comments and trailing commas, package.json), a broken JSON
file, an empty file, a dot-folder and a Bicep file (tests/data/repo-shaped)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from checker.cli import main
from checker.sources.inputs import excluded
from tests.conftest import REPO_ROOT

REPO = REPO_ROOT / "tests" / "data" / "repo-shaped"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code, out, _ = run([*args, "--format", "json"], capsys)
    return code, json.loads(out)


def _skipped(report: dict) -> dict[str, str]:
    def key(file: str) -> str:
        posix = Path(file).as_posix()
        for root in ("repo-shaped/", "/repo/"):
            posix = posix.split(root, 1)[-1]
        return posix

    return {key(n["file"]): n["message"] for n in report["notices"] if n["kind"] == "skipped"}


def test_repository_scan_passes_with_notices_for_what_is_not_an_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _json(["scan", str(REPO)], capsys)
    assert code == 0 and report["errors"] == []
    assert report["summary"]["counts"]["pass"] > 0
    skipped = _skipped(report)
    assert skipped["web/tsconfig.json"].startswith("skipped: not valid JSON")
    assert skipped["web/package.json"].startswith("skipped: not an ARM template")
    assert skipped["docs/broken.json"].startswith("skipped: not valid JSON")
    assert skipped["docs/empty.json"].startswith("skipped: empty file")
    assert skipped[".azure"].startswith("folder skipped: its name starts with '.'")
    assert "infra/network/spoke.bicep" not in skipped  # Bicep is read like JSON templates
    # skipped files are not inputs
    assert sorted(Path(f).name for f in report["inputs"]) == ["spoke.bicep", "vpn-hub.json"]


def test_dot_folder_is_read_when_named(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _json(["scan", str(REPO / ".azure"), "--allow-empty"], capsys)
    assert code == 0
    assert _skipped(report) == {".azure/config.json": "skipped: not an ARM template, parameter file or Azure export"}


def test_exclude_flag_and_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, report = _json(["scan", str(REPO), "--exclude", "web", "--exclude", "docs/*.json"], capsys)
    assert not any(key.startswith(("web/", "docs/")) for key in _skipped(report))
    config = tmp_path / ".hybrid-check.yaml"
    config.write_text("exclude: ['infra/**']\nallow-empty: true\n", encoding="utf-8")
    code, out, _ = run(["scan", str(REPO), "--config", str(config)], capsys)
    assert code == 0  # nothing left to check, and the output says so
    assert "No hybrid connectivity resources" in out


@pytest.mark.parametrize(("path", "globs", "expected"), [
    ("web/tsconfig.json", ["web"], True),
    ("web/tsconfig.json", ["web/**"], True),
    ("infra/web/x.json", ["web/**"], False),  # a glob with / starts at the walked folder
    ("infra/web/x.json", ["**/web/*"], True),
    ("infra/main.test.json", ["*.test.json"], True),
    ("infra/main.json", ["*.test.json"], False),
    ("node/x.json", ["./node/"], True),
])
def test_exclude_globs(path: str, globs: list[str], expected: bool) -> None:
    assert excluded(path, globs) is expected


def test_broken_template_in_a_walk_is_still_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(REPO, repo)
    broken = repo / "infra" / "network" / "broken-gateway.json"
    broken.write_text('{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/'
                      'deploymentTemplate.json#",\n  "resources": [,]\n}\n', encoding="utf-8")
    code, report = _json(["scan", str(repo)], capsys)
    assert code == 2
    [error] = report["errors"]
    assert error["file"].endswith("broken-gateway.json") and error["line"] == 3
    assert "web/tsconfig.json" in _skipped(report)  # the other files are still read as before


def test_files_named_on_the_command_line_stay_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _json(["scan", str(REPO / "web" / "tsconfig.json"), str(REPO / "docs" / "empty.json"),
                          str(REPO / "infra")], capsys)
    assert code == 2
    messages = sorted(e["message"] for e in report["errors"])
    # the standard library's words for a trailing comma (Python 3.13 names it)
    assert messages[0] in ("invalid JSON: Expecting property name enclosed in double quotes",
                           "invalid JSON: Illegal trailing comma before end of object")
    assert messages[1] == "the file is empty"


# --------------------------------------------------------------------------------------------------
# the pre-commit hook and the GitHub Action, run as they are defined
# --------------------------------------------------------------------------------------------------

def _hook_argv() -> list[str]:
    [hook] = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    entry = hook["entry"].split()
    assert entry[0] == "hybrid-check" and hook["pass_filenames"] is False
    return entry[1:] + list(hook["args"])


def test_hook_passes_on_the_repository_and_on_one_without_hybrid_resources(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out, _ = run(_hook_argv(), capsys)
    assert code == 0, out
    assert "Gate PASS" in out
    plain = tmp_path / "web-only"
    shutil.copytree(REPO / "web", plain / "web")
    monkeypatch.chdir(plain)
    code, out, _ = run(_hook_argv(), capsys)
    assert code == 0, out
    assert "No hybrid connectivity resources" in out


def test_hook_still_fails_on_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(REPO_ROOT / "fixtures" / "vpn" / "non-compliant" / "basic-policy-based.json", tmp_path)
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(_hook_argv(), capsys)
    assert code == 1
    assert "VPN-ROUTE-BASED" in out and "(15 passed" not in out  # --quiet: failures and the gate only


def _action_script() -> str:
    action = yaml.safe_load((REPO_ROOT / "action.yml").read_text(encoding="utf-8"))
    [scan] = [step for step in action["runs"]["steps"] if step.get("id") == "scan"]
    return scan["run"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="the action's step is a bash script")
@pytest.mark.parametrize(("folder", "exclude"), [("repo", ""), ("web-only", "")])
def test_action_command_line(tmp_path: Path, folder: str, exclude: str) -> None:
    work = tmp_path / "work"
    if folder == "repo":
        shutil.copytree(REPO, work)
    else:
        shutil.copytree(REPO / "web", work / "web")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "hybrid-check"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m checker "$@"\n', encoding="utf-8")
    launcher.chmod(0o755)
    output, summary = tmp_path / "github_output", tmp_path / "summary.md"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(REPO_ROOT), "RUNNER_TEMP": str(tmp_path), "GITHUB_OUTPUT": str(output),
           "GITHUB_STEP_SUMMARY": str(summary),
           # the action's defaults (action.yml inputs)
           "HC_PATHS": ".", "HC_PARAMETERS": "", "HC_CONFIG": "", "HC_FAIL_ON": "", "HC_UNKNOWN": "",
           "HC_BASELINE": "", "HC_PATTERN": "", "HC_SARIF": "hybrid-check.sarif", "HC_JUNIT": "hybrid-check.junit.xml",
           "HC_SUMMARY": "true", "HC_HTML": "", "HC_ARGS": "", "HC_EXCLUDE": "web/** *.test.json", "HC_ALLOW_EMPTY": "true"}
    done = subprocess.run(["bash", "-e", "-c", _action_script()], cwd=work, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "exit-code=0" in output.read_text(encoding="utf-8")
    sarif = json.loads((work / "hybrid-check.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is True
    assert "hybrid-check" in summary.read_text(encoding="utf-8")
    assert "web/tsconfig.json" not in done.stdout  # excluded by the action's input
    if folder == "web-only":
        assert "No hybrid connectivity resources" in done.stdout

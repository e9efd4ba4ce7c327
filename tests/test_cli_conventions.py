"""The habits users bring from other command-line checkers: global flags on either side of the
subcommand, -v logging, did-you-mean suggestions, help with examples and exit codes, JSON policy
lists, --policies adding to the bundled rules, and baseline -o."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from checker.cli import build_parser, main
from tests.conftest import REPO_ROOT

COMPLIANT = REPO_ROOT / "fixtures" / "vpn" / "compliant" / "vpn-hub.json"
NON_COMPLIANT = REPO_ROOT / "fixtures" / "vpn" / "non-compliant" / "basic-policy-based.json"
VALID_POLICIES = REPO_ROOT / "tests" / "data" / "policies" / "valid"
SUBCOMMANDS = ("scan", "graph", "audit", "baseline", "policies", "explain")


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def usage_error(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("where", ["before", "after"])
def test_global_flags_before_or_after_the_subcommand(where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     caplog: pytest.LogCaptureFixture) -> None:
    config = tmp_path / "strict.yaml"
    config.write_text("fail-on: none\n", encoding="utf-8")
    flags = ["-v", "--no-color", "--config", str(config)]
    args = [*flags, "scan", str(NON_COMPLIANT)] if where == "before" else ["scan", str(NON_COMPLIANT), *flags]
    code, out, _ = run(args, capsys)
    assert code == 0  # the configuration named by --config applied (fail-on none)
    assert "\x1b[" not in out
    assert "read " in caplog.text and "expanded " in caplog.text  # -v logs the reading (to stderr outside pytest)
    logging.getLogger().setLevel(logging.WARNING)


def test_a_flag_after_the_subcommand_does_not_undo_one_before() -> None:
    args = build_parser().parse_args(["-v", "--config", "a.yaml", "scan", "x.json"])
    assert args.verbose is True and args.config == Path("a.yaml")


@pytest.mark.parametrize("words", [
    ["scan", "x.json", "--format", "json", "-o", "sarif:r.sarif", "--width", "90", "--severity", "high,low"],
    ["-v", "--config", "a.yaml", "graph", "x.json", "--format", "dot"],
    ["--config=a.yaml", "--no-color", "baseline", "x.json", "-o", "baseline:b.json"],
    ["audit", "--subscription", "s", "--deep", "--no-resource-graph"],
    ["policies", "list", "--pattern", "vpn", "--format", "json"],
    ["explain", "VPN-ACTIVE-ACTIVE", "--policies", "p"],
])
def test_the_parser_of_one_command_reads_it_as_the_whole_parser(words: list[str]) -> None:
    """A run builds only the arguments of the command it names: the same namespace as the whole parser's."""
    from checker.cli import _command_of

    assert _command_of(words) == next(w for w in words if w in SUBCOMMANDS)
    assert vars(build_parser(_command_of(words)).parse_args(words)) == vars(build_parser().parse_args(words))


@pytest.mark.parametrize("words", [["scan", "x.json", "--dep"], ["scan", "x.json", "--resource-grup", "g"],
                                   ["explain"], ["scan", "x.json", "--format", "tabel"]])
def test_usage_errors_of_one_command_read_as_the_whole_parser_words_them(
        words: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(words)
    whole = capsys.readouterr().err
    assert usage_error(words, capsys) == whole
    if words[-1] == "--dep":
        assert "did you mean --deep" in whole  # a suggestion from another command's options


def test_verbose_logs_what_was_read_expanded_and_skipped_with_timings(
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    code, _, _ = run(["scan", "-v", str(REPO_ROOT / "tests" / "data" / "repo-shaped")], capsys)
    err = caplog.text
    assert code == 0
    assert "vpn-hub.json in " in err and " ms" in err
    assert "expanded " in err and "resource(s)" in err
    assert "skipped " in err and "tsconfig.json" in err
    assert "evaluated: " in err
    logging.getLogger().setLevel(logging.WARNING)


def test_did_you_mean_for_flags_choices_and_rule_ids(capsys: pytest.CaptureFixture[str]) -> None:
    assert "did you mean --fail-on?" in usage_error(["scan", str(COMPLIANT), "--fail-onn", "high"], capsys)
    assert "did you mean vpn?" in usage_error(["scan", str(COMPLIANT), "--pattern", "vnp"], capsys)
    assert "did you mean scan?" in usage_error(["scna", str(COMPLIANT)], capsys)
    code, _, err = run(["explain", "VPN-ACTIVE-ACTIV"], capsys)
    assert code == 2 and "did you mean VPN-ACTIVE-ACTIVE?" in err


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_help_has_a_description_examples_and_exit_codes(
        command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([command, "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text and f"hybrid-check {command}" in text.split("examples:", 1)[1]
    assert "exit codes:" in text and "  2  " in text
    description = text.split("\n\n", 2)[1]
    assert len(description.split()) >= 8  # a sentence, not just the usage line


def test_policies_list_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["policies", "list", "--format", "json", "--pattern", "expressroute"], capsys)
    assert code == 0
    rules = json.loads(out)
    assert rules and all("expressroute" in rule["patterns"] for rule in rules)
    assert {"id", "title", "severity", "patterns", "subject", "requires", "file"} <= set(rules[0])


def test_policies_flag_adds_to_the_bundled_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    own = tmp_path / "own"
    own.mkdir()
    shutil.copy(VALID_POLICIES / "vpn" / next(p.name for p in (VALID_POLICIES / "vpn").glob("*.yaml")), own)
    text = (next(own.glob("*.yaml"))).read_text(encoding="utf-8")
    rule_id = text.split("id:", 1)[1].split()[0]
    renamed = text.replace(f"id: {rule_id}", "id: OWN-RULE-1")
    (own / "OWN-RULE-1.yaml").write_text(renamed, encoding="utf-8")
    next(p for p in own.glob("*.yaml") if p.name != "OWN-RULE-1.yaml").unlink()
    _, bundled, _ = run(["policies", "list", "--format", "json"], capsys)
    code, both, _ = run(["policies", "list", "--format", "json", "--policies", str(own)], capsys)
    assert code == 0
    assert len(json.loads(both)) == len(json.loads(bundled)) + 1
    assert "OWN-RULE-1" in {rule["id"] for rule in json.loads(both)}
    code, only, _ = run(["policies", "list", "--format", "json", "--policies", str(own), "--no-default-policies"],
                        capsys)
    assert code == 0 and [rule["id"] for rule in json.loads(only)] == ["OWN-RULE-1"]
    code, _, err = run(["scan", str(COMPLIANT), "--no-default-policies"], capsys)
    assert code == 2 and "--no-default-policies needs at least one --policies DIR" in err


@pytest.mark.parametrize("form", [["--baseline-file", "{file}"], ["-o", "baseline:{file}"], ["-o", "{file}"]])
def test_baseline_output_forms(form: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "known.json"
    args = ["baseline", str(NON_COMPLIANT), *[part.format(file=target) for part in form]]
    code, out, _ = run(args, capsys)
    assert code == 0 and target.is_file() and str(target) in out
    assert run(["scan", str(NON_COMPLIANT), "--baseline", str(target)], capsys)[0] == 0


def test_baseline_refuses_a_report_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = usage_error(["baseline", str(NON_COMPLIANT), "-o", f"sarif:{tmp_path / 'x.sarif'}"], capsys)
    assert "baseline writes a baseline file, not sarif" in err


def test_verbose_goes_to_stderr_in_a_real_process() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "checker", "scan", str(COMPLIANT), "-v"], capture_output=True,
                          text=True, cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "hybrid-check: read fixtures/vpn/compliant/vpn-hub.json in " in done.stderr
    assert "hybrid-check:" not in done.stdout


def test_sarif_rules_carry_their_whole_help_and_a_help_uri_only_when_configured(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain, linked = tmp_path / "plain.sarif", tmp_path / "linked.sarif"
    run(["scan", str(NON_COMPLIANT), "-o", f"sarif:{plain}", "--fail-on", "none"], capsys)
    run(["scan", str(NON_COMPLIANT), "-o", f"sarif:{linked}", "--fail-on", "none",
         "--rule-docs-url", "https://docs.example.org/hybrid-check/rules/"], capsys)
    rules = {r["id"]: r for r in json.loads(plain.read_text(encoding="utf-8"))["runs"][0]["tool"]["driver"]["rules"]}
    assert not any("helpUri" in rule for rule in rules.values())
    help_text = rules["GW-SUBNET-NO-NSG"]["help"]["markdown"]
    for part in ("## How to fix", "## Compliant example (ARM template)", "```bicep", "## References"):
        assert part in help_text
    linked_rules = json.loads(linked.read_text(encoding="utf-8"))["runs"][0]["tool"]["driver"]["rules"]
    assert {r["id"]: r["helpUri"] for r in linked_rules}["VPN-ROUTE-BASED"] == \
        "https://docs.example.org/hybrid-check/rules/VPN-ROUTE-BASED.md"

"""The ``hybrid-check`` command: argument parsing, configuration precedence, output and exit codes.
All the work is done by :mod:`checker.api` and the report formats."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from checker import __version__
from checker.console import answers_version
from checker.vocabulary import AUTH_MODES as AUTH_CHOICES
from checker.vocabulary import CLOUD_NAMES as CLOUD_CHOICES
from checker.vocabulary import EXIT_FAIL, EXIT_INPUT, EXIT_INTERNAL, EXIT_PASS, UNKNOWN_MODES
from checker.vocabulary import FAIL_ON_CHOICES as SEVERITY_CHOICES
from checker.vocabulary import PATTERNS as PATTERN_CHOICES

# `hybrid-check --version` and `--help` import almost nothing: every other module, even typing and
# logging, is imported by the command that needs it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, NoReturn

TRUST_ENDPOINT_ENV = "HYBRID_CHECK_TRUST_CONFIG_ENDPOINT"

EXIT_CODES_HELP = """exit codes:
  0  the gate passed (or nothing to check with --allow-empty)
  1  findings at or above --fail-on, or unknown results with --unknown fail
  2  input, policy, configuration or usage error; or nothing evaluated without --allow-empty
  3  internal error (please report it)"""

DESCRIPTIONS = {
    "scan": "Read ARM templates, parameter files and Azure exports (files or folders), evaluate the "
            "policies and print a report. Folder walks read *.json, *.jsonc, *.bicep and *.bicepparam; files "
            "that are not inputs (package.json, tsconfig.json, empty files) are notices, not errors; "
            "dot-folders are skipped with a notice unless named on the command line.",
    "graph": "Show the resources and relations the checker understood from the inputs, without policies.",
    "audit": "Collect a live Azure estate through the Azure SDK (needs the 'live' extra) and evaluate "
             "the policies on it.",
    "baseline": "Scan and record the current failures and unknowns in a baseline file; later scans with "
                "--baseline FILE gate only on new findings.",
    "policies": "List the policies (bundled and from --policies folders), validate policy folders or run "
                "the rules' test folders.",
    "explain": "Print what a rule checks, why, and how to fix it.",
}
EXAMPLES = {
    "scan": """examples:
  hybrid-check scan templates/
  hybrid-check scan . --exclude 'web/**' --exclude '*.test.json'
  hybrid-check scan hub.json -p hub.parameters.json --fail-on medium
  hybrid-check scan infra -o sarif:hybrid-check.sarif -o junit:hybrid-check.xml
  hybrid-check scan infra --quiet --severity critical,high""",
    "graph": """examples:
  hybrid-check graph templates/
  hybrid-check graph hub.json --format dot | dot -Tsvg > hub.svg""",
    "audit": """examples:
  hybrid-check audit --subscription 00000000-0000-0000-0000-000000000000
  hybrid-check audit --management-group corp --save-snapshot estate.json -o sarif:audit.sarif""",
    "baseline": """examples:
  hybrid-check baseline infra --baseline-file .hybrid-check.baseline.json
  hybrid-check scan infra --baseline .hybrid-check.baseline.json""",
    "policies": """examples:
  hybrid-check policies list --pattern vpn
  hybrid-check policies list --format json --policies ./my-rules
  hybrid-check policies validate ./my-rules
  hybrid-check policies test ./my-rules""",
    "explain": """examples:
  hybrid-check explain VPN-ACTIVE-ACTIVE""",
}
POLICIES_TEST_HELP = """examples:
  hybrid-check policies test ./my-rules
  hybrid-check policies test policies

exit codes:
  0  every case gave the expected verdicts
  1  a case gave other verdicts than expected.yaml lists (or its scan had input errors)
  2  a malformed test folder or policy (expected.yaml missing or invalid, a case file missing or
     not listed, no pass or no fail case, an unknown rule id), or a usage error"""


class UsageError(Exception):
    """A bad flag or configuration value: one line to stderr, exit 2."""


# --------------------------------------------------------------------------------------------------
# argument parsing
# --------------------------------------------------------------------------------------------------

def did_you_mean(word: str, choices: Sequence[str]) -> str:
    """`` (did you mean X?)`` for the closest of ``choices``, or an empty string."""
    import difflib

    lowered = {choice.lower(): choice for choice in choices}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[close[0]]}?)" if close else ""

class _Parser(argparse.ArgumentParser):
    """argparse with suggestions for misspelt flags and choices, and exit code 2 on usage errors."""

    #: built with one command's arguments only (see build_parser), and the words it parses
    partial = False
    parsed_args: Sequence[str] = ()
    _adding = False

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        # argparse makes a help formatter for each argument to check its metavar, and a formatter
        # asks the terminal for its width (importing shutil): that check needs no width.
        self._adding = True
        try:
            return super().add_argument(*args, **kwargs)
        finally:
            self._adding = False

    def add_subparsers(self, **kwargs: Any) -> Any:
        # (its formatter only gives the commands' prog: this parser's name, no positional before them)
        self._adding = True
        try:
            return super().add_subparsers(**kwargs)
        finally:
            self._adding = False

    def _get_formatter(self) -> argparse.HelpFormatter:
        if self._adding:
            return argparse.RawDescriptionHelpFormatter(prog=self.prog, width=80)
        return super()._get_formatter()

    def _known_options(self) -> list[str]:
        options = [o for action in self._actions for o in action.option_strings]
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    options += [o for a in sub._actions for o in a.option_strings]
        return options

    def error(self, message: str) -> NoReturn:  # type: ignore[override]
        import re

        if getattr(self, "partial", False):  # worded by the whole parser, as without a command named
            build_parser().parse_args(self.parsed_args)
        unknown = re.match(r"unrecognized arguments: (.*)", message)
        if unknown:
            hints = []
            for word in unknown.group(1).split():
                if word.startswith("-"):
                    hint = did_you_mean(word.split("=", 1)[0], self._known_options())
                    if hint:
                        hints.append(f"for {word.split('=', 1)[0]}, {hint.strip()[1:-1]}")
            if hints:
                message += " (" + "; ".join(hints) + ")"
        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:
            options = [c.strip().strip("'") for c in choice.group(2).split(",")]
            message += did_you_mean(choice.group(1), options)
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message}\n")


def _command(commands: Any, name: str, help_text: str, parents: Sequence[argparse.ArgumentParser] = ()) -> Any:
    return commands.add_parser(name, help=help_text, description=DESCRIPTIONS[name],
                               epilog=EXAMPLES[name] + "\n\n" + EXIT_CODES_HELP, parents=list(parents),
                               formatter_class=argparse.RawDescriptionHelpFormatter)


def _formats(*, graph: bool = False) -> tuple[str, ...]:
    """The format names of the formatter registry (imported when a parser is built, not for --version)."""
    from checker.report.formats import FORMATS, GRAPH_FORMATS

    return GRAPH_FORMATS if graph else FORMATS


def __getattr__(name: str) -> tuple[str, ...]:
    if name in ("FORMATS", "GRAPH_FORMATS"):
        return _formats(graph=name == "GRAPH_FORMATS")
    raise AttributeError(name)


def _output_spec(text: str) -> tuple[str, Path]:
    name, sep, path = text.partition(":")
    if not sep or name not in _formats() or not path:
        raise argparse.ArgumentTypeError(f"expected FORMAT:PATH with FORMAT one of {', '.join(_formats())}, got {text!r}")
    return name, Path(path)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {value}")
    return value


def _severity_list(text: str) -> frozenset[str]:
    from checker.report.model import SEVERITIES

    chosen = {word.strip().lower() for word in text.split(",") if word.strip()}
    wrong = sorted(chosen - set(SEVERITIES))
    if wrong or not chosen:
        raise argparse.ArgumentTypeError(
            f"expected severities separated by commas ({', '.join(SEVERITIES)}), got {text!r}"
            + (did_you_mean(wrong[0], SEVERITIES) if wrong else ""))
    return frozenset(chosen)


def _parameter_assignment(text: str) -> tuple[str, Any]:
    import json

    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    return name.strip(), value


def _global_options(*, suppress: bool) -> argparse.ArgumentParser:
    """-v, --no-color and --config, accepted before and after the subcommand. The copy after the
    subcommand has no defaults, so it never overrides a value given before it."""
    default: Any = argparse.SUPPRESS if suppress else None
    parent = _Parser(add_help=False)
    parent.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS if suppress else False,
                        help="log what is read, expanded and skipped, with timings, to stderr")
    parent.add_argument("--no-color", action="store_true", default=argparse.SUPPRESS if suppress else False,
                        help="no colour in the table (NO_COLOR=1 does the same)")
    parent.add_argument("--config", type=Path, metavar="FILE", default=default,
                        help="configuration file (default: .hybrid-check.yaml or [tool.hybrid-check] in "
                             "pyproject.toml, searched from the working directory upward)")
    return parent


def _add_policy_options(parser: argparse.ArgumentParser, *, pattern: bool = True) -> None:
    parser.add_argument("--policies", action="append", type=Path, metavar="DIR",
                        help="policy folder used besides the bundled policies (repeatable)")
    parser.add_argument("--no-default-policies", action="store_true", default=None,
                        help="leave out the bundled policies (use only --policies folders)")
    if pattern:
        parser.add_argument("--pattern", choices=PATTERN_CHOICES,
                            help="declare the pattern of every site instead of detecting it")


def _add_report_options(parser: argparse.ArgumentParser) -> None:
    _add_policy_options(parser)
    parser.add_argument("--format", choices=_formats(), help="format printed on stdout (default: table)")
    parser.add_argument("-o", "--output", action="append", type=_output_spec, metavar="FORMAT:PATH",
                        help="also write a format to a file, e.g. -o sarif:results.sarif (repeatable)")
    parser.add_argument("--fail-on", choices=SEVERITY_CHOICES,
                        help="lowest severity that fails the gate (default: high)")
    parser.add_argument("--unknown", choices=UNKNOWN_MODES,
                        help="how unknown results count for the gate (default: fail)")
    parser.add_argument("--allow-empty", action="store_true", default=None,
                        help="pass when nothing was evaluated (no hybrid connectivity resources) instead of "
                             "exiting 2")
    parser.add_argument("--show-passed", action="store_true", default=None, help="list passes in the table")
    parser.add_argument("-q", "--quiet", action="store_true", default=None,
                        help="table: only failures, unknowns and the gate line")
    parser.add_argument("--severity", type=_severity_list, metavar="LIST",
                        help="table: only show results of these severities, e.g. critical,high (the gate "
                             "is not changed; --fail-on sets it)")
    parser.add_argument("--width", type=_positive_int, metavar="COLUMNS",
                        help="table width (default: the terminal's, else COLUMNS, else 120)")
    parser.add_argument("--sarif-root", type=Path, metavar="DIR",
                        help="folder SARIF file URIs are relative to (default: the repository root)")
    parser.add_argument("--rule-docs-url", metavar="URL",
                        help="address of the folder with the rule pages (<ID>.md): SARIF helpUri and "
                             "report links point there (default: no links)")
    parser.add_argument("--baseline", type=Path, metavar="FILE",
                        help="only failures not recorded in this baseline gate")


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="template (ARM JSON or Bicep), parameter or export files and folders")
    parser.add_argument("-p", "--parameters", action="append", type=Path, metavar="FILE",
                        help="parameter file applied to every template (repeatable; later files win)")
    parser.add_argument("--set", action="append", type=_parameter_assignment, metavar="NAME=VALUE", dest="set_values",
                        help="give a template parameter a value, over parameter files (repeatable; VALUE is "
                             "read as JSON when it is JSON, else as a string)")
    parser.add_argument("--exclude", action="append", metavar="GLOB",
                        help="leave files and folders out of folder walks (repeatable): a GLOB without / "
                             "matches any name on the path (node_modules, *.test.json), one with / the path "
                             "from the scanned folder (web/**)")
    parser.add_argument("--subscription-id", help="subscription the templates deploy to "
                                                  "(default 00000000-0000-0000-0000-000000000000)")
    parser.add_argument("--resource-group", help="resource group the templates deploy to (default hybrid-check-rg)")
    parser.add_argument("--location", help="deployment location (default westeurope)")
    parser.add_argument("--tenant-id", help="tenant id (default 00000000-0000-0000-0000-000000000000)")
    parser.add_argument("--max-file-size", type=_positive_int, metavar="MB", help="largest input file read (default 50)")
    parser.add_argument("--link-root", dest="link_roots", action="append", metavar="DIR",
                        help="also read linked templates and parameter files (templateLink/parametersLink "
                             "relativePath) from DIR; by default only inside the scanned folders (repeatable)")
    parser.add_argument("--no-cache", dest="no_cache", action="store_true", default=False,
                        help="expand every template afresh: expansions kept by earlier runs (for templates, "
                             "parameter values and code that have not changed) are neither used nor kept")


def _add_context_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--context", action="append", type=Path, metavar="FILE", dest="context_files",
                        help="live-audit snapshot (audit --save-snapshot) or export of the estate the templates "
                             "deploy into: resources they refer to but do not deploy resolve from it (repeatable; "
                             "the templates win for the same id)")
    parser.add_argument("--gate-context", action="store_true", default=None,
                        help="findings about resources only in --context files gate too (default: shown apart, "
                             "not gating)")


def _command_of(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names after the options that come before it, or None when that is not
    plain (help, an unknown or abbreviated option, no command)."""
    words = iter(argv)
    for word in words:
        if word in ("-v", "--verbose", "--no-color"):
            continue
        if word == "--config":
            next(words, None)
            continue
        if word.startswith("--config="):
            continue
        return word if word in COMMANDS else None
    return None


def build_parser(command: str | None = None) -> _Parser:
    """The argument parser. With ``command``, only that command's arguments are added (each command's
    parser exists, so the commands and their help lines are listed as always): building every
    command's arguments costs a scan several milliseconds. Its usage errors are worded by the whole
    parser (suggestions come from every command's options)."""
    parser = _Parser(
        prog="hybrid-check", parents=[_global_options(suppress=False)],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Policy-as-code checks for Azure hybrid connectivity: site-to-site VPN, ExpressRoute, "
                    "ExpressRoute with VPN failover and hub-spoke gateway transit.",
        epilog="examples:\n  hybrid-check scan .\n  hybrid-check explain VPN-ACTIVE-ACTIVE\n"
               "  hybrid-check COMMAND --help\n\n" + EXIT_CODES_HELP)
    parser.add_argument("--version", action="version", version=f"hybrid-check {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    common = [_global_options(suppress=True)]

    parser.partial = command is not None

    for name, summary, add_options in _COMMANDS:
        subparser = _command(commands, name, summary, common)
        if command is None or command == name:  # only the named command's arguments are built
            add_options(subparser)
    return parser


def _add_scan_options(scan: argparse.ArgumentParser) -> None:
    _add_input_options(scan)
    _add_context_options(scan)
    _add_report_options(scan)


def _add_explain_options(explain: argparse.ArgumentParser) -> None:
    explain.add_argument("rule", metavar="RULE-ID")
    _add_policy_options(explain, pattern=False)


def _add_graph_options(graph: argparse.ArgumentParser) -> None:
    _add_input_options(graph)
    graph.add_argument("--format", choices=_formats(graph=True), default="table",
                       help="table (default), json (resources with their evaluated bodies), dot (Graphviz), "
                            "or svg (a diagram per site, with what fails drawn on it)")


def _add_audit_options(audit: argparse.ArgumentParser) -> None:
    audit.add_argument("--subscription", action="append", metavar="ID", help="subscription (repeatable)")
    audit.add_argument("--resource-group", action="append", metavar="NAME",
                       help="only these resource groups of the subscription (repeatable)")
    audit.add_argument("--management-group", metavar="ID", help="every subscription below a management group")
    audit.add_argument("--all-subscriptions", action="store_true", default=None,
                       help="every subscription the identity can read")
    audit.add_argument("--auth", choices=AUTH_CHOICES, help="how to authenticate (default: DefaultAzureCredential)")
    audit.add_argument("--cloud", choices=CLOUD_CHOICES, help="Azure cloud (default: public)")
    audit.add_argument("--arm-endpoint", metavar="URL", help="Resource Manager endpoint (e.g. Azure Stack Hub)")
    audit.add_argument("--deep", action="store_true", default=None,
                       help="also collect BGP peer status and learned routes")
    collection = audit.add_mutually_exclusive_group()
    collection.add_argument("--resource-graph", dest="resource_graph", action="store_true", default=None,
                            help="collect through Azure Resource Graph (default for large scopes)")
    collection.add_argument("--no-resource-graph", dest="resource_graph", action="store_false",
                            help="collect per resource group through the network API")
    audit.add_argument("--concurrency", type=int, metavar="N", help="parallel requests (default 8)")
    audit.add_argument("--timeout", type=_positive_int, metavar="SECONDS",
                       help="time limit of the whole collection; what is not read by then is not evaluated "
                            "(default 1800)")
    audit.add_argument("--trust-config-endpoint", action="store_true", default=None,
                       help=f"let audit.arm-endpoint / audit.cloud of a configuration file take effect "
                            f"(or set {TRUST_ENDPOINT_ENV}=1): a repository's configuration could otherwise "
                            f"send your Azure token to a host of its choosing")
    audit.add_argument("--save-snapshot", type=Path, metavar="FILE",
                       help="write what was collected as an export that `scan` can read")
    _add_report_options(audit)


def _add_baseline_options(baseline: argparse.ArgumentParser) -> None:
    _add_input_options(baseline)
    _add_policy_options(baseline)
    target = baseline.add_mutually_exclusive_group(required=True)
    target.add_argument("--baseline-file", type=Path, metavar="FILE", dest="baseline_file",
                        help="baseline file to write (read it back with scan --baseline FILE)")
    target.add_argument("-o", "--output", type=_baseline_output, metavar="baseline:FILE", dest="baseline_file",
                        help="the same as --baseline-file, in the FORMAT:PATH form of scan -o")


def _add_policies_commands(policies: argparse.ArgumentParser) -> None:
    policy_commands = policies.add_subparsers(dest="policies_command", metavar="ACTION", parser_class=_Parser)
    listing = policy_commands.add_parser(
        "list", help="list the policies", description="List the bundled policies and those of --policies folders.",
        epilog=EXAMPLES["policies"] + "\n\n" + EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    listing.add_argument("--pattern", choices=PATTERN_CHOICES, help="only the rules of this pattern")
    listing.add_argument("--format", choices=("table", "json"), default="table", help="table (default) or json")
    _add_policy_options(listing, pattern=False)
    validate = policy_commands.add_parser(
        "validate", help="validate policy files (exit 2 on any mistake)",
        description="Validate every policy file below each folder against the policy schema.",
        epilog=EXAMPLES["policies"] + "\n\n" + EXIT_CODES_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    validate.add_argument("directories", nargs="+", type=Path, metavar="DIR")
    testing = policy_commands.add_parser(
        "test", help="run the rules' test folders (tests/<RULE-ID>/ beside the policies)",
        description="Scan each case file of every tests/<RULE-ID>/ folder below each DIR with the policies "
                    "of that DIR and compare the rule's verdicts with the folder's expected.yaml: one line per "
                    "case (PASS, or FAIL with the difference), then a summary.",
        epilog=POLICIES_TEST_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    testing.add_argument("directories", nargs="+", type=Path, metavar="DIR")


def _baseline_output(text: str) -> Path:
    name, sep, path = text.partition(":")
    if sep and name == "baseline" and path:
        return Path(path)
    if sep and name in _formats():
        raise argparse.ArgumentTypeError(f"baseline writes a baseline file, not {name}: give -o baseline:FILE "
                                         "or --baseline-file FILE")
    return Path(text)


# --------------------------------------------------------------------------------------------------
# configuration: flags over configuration over defaults
# --------------------------------------------------------------------------------------------------

def _pick(flag: Any, configured: Any, default: Any) -> Any:
    if flag is not None:
        return flag
    if configured is not None:
        return configured
    return default


def _load_config(args: argparse.Namespace) -> Any:
    """The configuration (a :class:`checker.config.Config`), or None when there is no configuration file
    (every setting is then read as not set, and the configuration module is not imported)."""
    from checker import log
    from checker.config_files import find_config

    path = getattr(args, "config", None)
    if path is not None:
        if not path.is_file():
            raise UsageError(f"{path}: configuration file not found")
    else:
        path = find_config(Path.cwd())
        if path is None:
            return None
    from checker.config import load_config

    config = load_config(path)
    if getattr(config, "verbose", None):
        log.configure(verbose=True)
    if config.path is not None:
        log.info("configuration: %s", config.path)
    return config


def _scan_options(args: argparse.Namespace, config: Any) -> Any:
    from checker.api import ScanOptions
    from checker.policy.model import RuleSettings
    from checker.sources.arm.context import DeploymentContext

    context = DeploymentContext()
    changes = {}
    for flag, key in (("subscription_id", "subscription_id"), ("resource_group", "resource_group"),
                      ("location", "location"), ("tenant_id", "tenant_id")):
        value = _pick(getattr(args, flag, None) if args.command != "audit" else None,
                      getattr(config, key, None), None)
        if value is not None:
            changes[key] = value
    context = context.with_(**changes) if changes else context
    parameter_files = tuple(getattr(args, "parameters", None) or ()) or tuple(
        Path(p) for p in (getattr(config, "parameters", None) or ()))
    policy_dirs = tuple(getattr(config, "policies", None) or ()) + tuple(getattr(args, "policies", None) or ())
    no_defaults = _pick(getattr(args, "no_default_policies", None),
                        None if getattr(config, "default_policies", None) is None else not config.default_policies,
                        False)
    if no_defaults and not policy_dirs:
        raise UsageError("--no-default-policies needs at least one --policies DIR")
    settings = RuleSettings(disabled=frozenset(getattr(config, "disabled_rules", ()) or ()),
                            severity=dict(getattr(config, "rule_severity", {}) or {}),
                            parameters=dict(getattr(config, "rule_parameters", {}) or {}))
    max_mb = _pick(getattr(args, "max_file_size", None), getattr(config, "max_file_size", None), 50)
    return ScanOptions(
        parameter_files=parameter_files, context=context,
        parameter_values=tuple(getattr(args, "set_values", None) or ()),
        pattern=_pick(getattr(args, "pattern", None), getattr(config, "pattern", None), None),
        pattern_by_vnet=tuple((getattr(config, "pattern_by_vnet", None) or {}).items()),
        policy_dirs=policy_dirs, default_policies=not no_defaults, settings=settings,
        settings_file=getattr(config, "path", None),
        exclude=tuple(getattr(config, "exclude", ()) or ()) + tuple(getattr(args, "exclude", None) or ()),
        waivers=tuple(getattr(config, "waivers", ()) or ()),
        max_file_bytes=int(max_mb) * 1024 * 1024,
        link_roots=tuple(getattr(args, "link_roots", None) or ()),
        use_cache=not getattr(args, "no_cache", False),
        context_files=tuple(getattr(args, "context_files", None) or ()) or tuple(
            Path(p) for p in (getattr(config, "context", None) or ())) if args.command == "scan" else (),
    )


# --------------------------------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------------------------------

def _rule_docs_url(args: argparse.Namespace, config: Any) -> str | None:
    return _pick(getattr(args, "rule_docs_url", None), getattr(config, "rule_docs_url", None), None)


def _render(fmt: str, report: Any, gate: Any, args: argparse.Namespace, config: Any, *, tty: bool) -> str:
    from checker.report.formats import RenderOptions, render

    root = _pick(args.sarif_root, getattr(config, "sarif_root", None), None)
    options = RenderOptions(
        docs_url=_rule_docs_url(args, config), sarif_root=Path(root) if root else None,
        show_passed=bool(_pick(args.show_passed, getattr(config, "show_passed", None), False)), tty=tty,
        no_color=bool(getattr(args, "no_color", False) or getattr(config, "no_color", None)),
        width=args.width, quiet=bool(args.quiet), severities=args.severity)
    return render(fmt, report, gate, options)


def _finish_report(report: Any, args: argparse.Namespace, config: Any) -> int:
    from checker.report.gate import evaluate_gate

    baseline = _pick(args.baseline, getattr(config, "baseline", None), None)
    if baseline is not None:
        from checker.report.baseline import apply_baseline

        report = apply_baseline(report, Path(baseline))
    gate = evaluate_gate(
        report,
        fail_on=_pick(args.fail_on, getattr(config, "fail_on", None), "high"),
        unknown=_pick(args.unknown, getattr(config, "unknown", None), "fail"),
        allow_empty=bool(_pick(args.allow_empty, getattr(config, "allow_empty", None), False)),
        gate_context=bool(_pick(getattr(args, "gate_context", None), getattr(config, "gate_context", None), False)),
    )
    _write_outputs(report, gate, args, config)
    fmt = _pick(args.format, getattr(config, "format", None), "table")
    text = _render(fmt, report, gate, args, config, tty=sys.stdout.isatty())
    sys.stdout.write(_printable(text if text.endswith("\n") else text + "\n"))
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    return int(gate.exit_code)


def _printable(text: str) -> str:
    from checker.report.escape import printable

    return printable(text)


def _write_outputs(report: Any, gate: Any, args: argparse.Namespace, config: Any) -> None:
    """Every -o file rendered first (the gate is known), then all written at once through temporary
    files: none is left truncated, two to one path are an error, and a failure writes none."""
    outputs = list(args.output or []) or [tuple(o) for o in (getattr(config, "outputs", None) or ())]
    if not outputs:
        return
    from checker.report.output import write_files

    files = [(f"{fmt} report", Path(path), _render(fmt, report, gate, args, config, tty=False))
             for fmt, path in outputs]
    write_files(files)


def cmd_scan(args: argparse.Namespace) -> int:
    from checker import api

    config = _load_config(args)
    options = _scan_options(args, config)
    report = api.scan(args.paths, options)
    return _finish_report(report, args, config)


def cmd_audit(args: argparse.Namespace) -> int:
    from checker import api
    from checker.sources.live import AuditOptions, AuditScope

    config = _load_config(args)
    configured = dict(getattr(config, "audit", None) or {})

    def setting(flag: Any, key: str, default: Any) -> Any:
        return _pick(flag, configured.get(key), default)

    subscriptions = tuple(setting(args.subscription, "subscriptions", ()) or ())
    resource_groups = tuple(setting(args.resource_group, "resource-groups", ()) or ())
    management_group = setting(args.management_group, "management-group", None)
    all_subscriptions = bool(setting(args.all_subscriptions, "all-subscriptions", False))
    concurrency = int(setting(args.concurrency, "concurrency", 8))
    auth = setting(args.auth, "auth", "default")
    cloud = setting(args.cloud, "cloud", "public")
    if not (subscriptions or management_group or all_subscriptions):
        raise UsageError("audit needs a scope: --subscription ID, --management-group ID or --all-subscriptions")
    if resource_groups and len(subscriptions) != 1:
        raise UsageError("--resource-group needs exactly one --subscription")
    if concurrency < 1:
        raise UsageError("--concurrency must be 1 or more")
    if auth not in AUTH_CHOICES or cloud not in CLOUD_CHOICES:
        raise UsageError(f"audit.auth must be one of {', '.join(AUTH_CHOICES)} and audit.cloud one of "
                         f"{', '.join(CLOUD_CHOICES)}")
    _check_configured_endpoint(args, configured, getattr(config, "path", None))
    options = _scan_options(args, config)
    snapshot = setting(args.save_snapshot, "save-snapshot", None)
    audit_options = AuditOptions(
        scope=AuditScope(subscriptions=subscriptions, resource_groups=resource_groups,
                         management_group=management_group, all_subscriptions=all_subscriptions),
        auth=auth, cloud=cloud, arm_endpoint=setting(args.arm_endpoint, "arm-endpoint", None),
        deep=bool(setting(args.deep, "deep", False)),
        use_resource_graph=setting(args.resource_graph, "resource-graph", None), concurrency=concurrency,
        progress=sys.stderr.isatty(), **({"timeout": float(args.timeout)} if args.timeout else {}))
    report = api.audit(audit_options, options, snapshot=Path(snapshot) if snapshot else None)
    return _finish_report(report, args, config)


def _check_configured_endpoint(args: argparse.Namespace, configured: dict[str, Any], path: Any) -> None:
    """An ARM endpoint or cloud read from a configuration file decides where the bearer token goes: it
    takes effect only when the person running the audit says so (flag or environment variable)."""
    names = []
    if args.arm_endpoint is None and configured.get("arm-endpoint") is not None:
        names.append(f"audit.arm-endpoint ({configured['arm-endpoint']!r})")
    if args.cloud is None and configured.get("cloud") not in (None, "public"):
        names.append(f"audit.cloud ({configured['cloud']!r})")
    if names and not (args.trust_config_endpoint or os.environ.get(TRUST_ENDPOINT_ENV) == "1"):
        raise UsageError(f"{path or 'the configuration'}: {' and '.join(names)} would decide where your Azure "
                         f"token is sent; confirm with --trust-config-endpoint (or {TRUST_ENDPOINT_ENV}=1), "
                         f"or give --arm-endpoint / --cloud yourself")


def cmd_graph(args: argparse.Namespace) -> int:
    from checker import api
    from checker.report.graph_formats import render_graph

    config = _load_config(args)
    options = _scan_options(args, config)
    load = api.read(args.paths, options)
    graph = api.build_graph(load.resources)
    sys.stdout.write(render_graph(args.format, graph, load, lambda: api.evaluate(load, options)))
    for error in load.errors:
        print(f"error: {error}", file=sys.stderr)
    return EXIT_INPUT if load.errors else EXIT_PASS


def cmd_baseline(args: argparse.Namespace) -> int:
    from checker import api
    from checker.report.baseline import write_baseline

    config = _load_config(args)
    report = api.scan(args.paths, _scan_options(args, config))
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    if report.errors:
        print("baseline not written: fix the input errors first", file=sys.stderr)
        return EXIT_INPUT
    write_baseline(report, args.baseline_file)
    failures = sum(1 for r in report.results if r.status in ("fail", "unknown"))
    print(f"baseline written to {args.baseline_file}: {failures} result(s) recorded")
    return EXIT_PASS


def _policies(args: argparse.Namespace) -> tuple[list[Any], list[Any]]:
    from checker.api import load_policies

    config = _load_config(args)
    return load_policies(_scan_options(args, config))


def cmd_policies(args: argparse.Namespace) -> int:
    from checker.policy.loader import validate_policy_dir

    if args.policies_command == "validate":
        from checker.views import SUBJECT_KINDS

        errors = [e for directory in args.directories
                  for e in validate_policy_dir(directory, known_subjects=SUBJECT_KINDS)]
        for error in errors:
            print(f"error: {error}", file=sys.stderr)
        if errors:
            return EXIT_INPUT
        print(f"policies valid: {', '.join(str(d) for d in args.directories)}")
        return EXIT_PASS
    if args.policies_command == "test":
        return _policies_test(args.directories)
    if args.policies_command != "list":
        raise UsageError("policies needs an action: list, validate or test (hybrid-check policies --help)")
    from checker.policy.engine import format_policy_list

    policies, errors = _policies(args)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if args.pattern:
        policies = [p for p in policies if args.pattern in p.patterns]
    if args.format == "json":
        import json

        print(json.dumps([{"id": p.id, "title": p.title, "severity": p.severity, "patterns": list(p.patterns),
                           "subject": p.subject, "requires": p.requires, "file": str(p.file)}
                          for p in policies], indent=2))
    else:
        from tabulate import tabulate

        print(tabulate(format_policy_list(policies), headers=["rule", "severity", "patterns", "subject", "title"]))
    return EXIT_INPUT if errors else EXIT_PASS


def _policies_test(directories: Sequence[Path]) -> int:
    """``policies test``: one line per case, a summary, exit 0 / 1 (a case differs) / 2 (malformed)."""
    from checker.policy.testing import expectation_text, run

    results, errors = run(directories)
    for result in results:
        if result.ok:
            print(f"PASS {result.rule} {result.case}")
            continue
        print(f"FAIL {result.rule} {result.case}")
        print(f"  expected: {expectation_text(result.expected)}")
        print(f"  actual:   {expectation_text(result.actual)}")
        for line in result.difference:
            print(f"  {line}")
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    failed = sum(1 for r in results if not r.ok)
    print(f"{len(results)} case(s): {len(results) - failed} passed, {failed} failed"
          + (f"; {len(errors)} error(s) in test folders" if errors else ""))
    if errors:
        return EXIT_INPUT
    return EXIT_FAIL if failed else EXIT_PASS


def cmd_explain(args: argparse.Namespace) -> int:
    from checker.policy.engine import explain

    policies, errors = _policies(args)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    wanted = args.rule.upper()
    for policy in policies:
        if policy.id.upper() == wanted:
            print(explain(policy))
            return EXIT_PASS
    hint = did_you_mean(args.rule, [p.id for p in policies])
    print(f"no rule {args.rule!r}{hint}; `hybrid-check policies list` shows the rules", file=sys.stderr)
    return EXIT_INPUT


def run() -> NoReturn:
    """The ``hybrid-check`` console script: :func:`main`, then the process ends at once. A scan leaves
    large structures behind (the decoded inputs, the graph, the results, the compiled expressions):
    freeing them one by one and running the collector once more at interpreter shutdown is work for
    nothing. Output is flushed first; a run that still has threads (a live audit whose requests were
    abandoned at its deadline) ends the usual way."""
    code = main()
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        raise SystemExit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: what could be written was written
        pass
    os._exit(code)


COMMANDS = {"scan": cmd_scan, "audit": cmd_audit, "graph": cmd_graph, "baseline": cmd_baseline,
            "policies": cmd_policies, "explain": cmd_explain}


def main(argv: Sequence[str] | None = None) -> int:
    if answers_version(argv):  # without building the parser
        return EXIT_PASS
    import gc

    # A run builds a few large structures that live until it ends: the collector of reference cycles,
    # run every 700 allocations, walked them again and again (a tenth of a scan's time). Every
    # 100,000: a scan of a few dozen templates runs it about never (at 10,000 its young collections
    # after each reading phase, and the older generation's after ten of them, were still a tenth of
    # such a scan), and large inputs, whose heavy phases pause it, take as long with the same peak
    # memory. Set before the argument parser and the command's imports are built.
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 100_000), *threshold[1:])
    try:
        return _main(argv)
    finally:
        gc.set_threshold(*threshold)


def _main(argv: Sequence[str] | None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_of(words))
    parser.parsed_args = words
    args = parser.parse_args(words)
    from checker import log

    log.configure(verbose=bool(getattr(args, "verbose", False)))
    if args.command is None:
        parser.print_help()
        return EXIT_INPUT
    from checker.model import CheckerError

    try:
        return COMMANDS[args.command](args)
    except (UsageError, CheckerError) as exc:
        if isinstance(exc, CheckerError):
            text = str(exc.to_input_error()) if exc.file else exc.message + (f" ({exc.hint})" if exc.hint else "")
        else:
            text = str(exc)
        print(f"error: {text}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PASS
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        if os.environ.get("HYBRID_CHECK_DEBUG"):
            raise
        from checker.model import EvaluationCrash

        # a crash inside a rule or a view names the rule (or view) and the resource, never a verdict
        text = exc.message if isinstance(exc, EvaluationCrash) else f"{type(exc).__name__}: {exc}"
        print(f"internal error: {text} (please report it; set HYBRID_CHECK_DEBUG=1 "
              "to see where it happened)", file=sys.stderr)
        return EXIT_INTERNAL


#: Each command: its name, its line in the help, and what adds its arguments.
_COMMANDS: tuple[tuple[str, str, Callable[[argparse.ArgumentParser], None]], ...] = (
    ("scan", "check templates and exports against the policies", _add_scan_options),
    ("graph", "show the resources and relations the checker understood", _add_graph_options),
    ("audit", "check a live Azure estate through the Azure SDK", _add_audit_options),
    ("baseline", "record the current failures as a baseline file", _add_baseline_options),
    ("policies", "list or validate policies", _add_policies_commands),
    ("explain", "what a rule checks, why, and how to fix it", _add_explain_options),
)

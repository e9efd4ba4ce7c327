"""Per-rule test folders: ``<policies>/.../tests/<RULE-ID>/`` holds small input files (cases) and an
``expected.yaml`` that names, for each case, the resources on which the rule passes, fails, is unknown
or not applicable. :func:`run` scans each case file alone through the library API with the policies
of the folder under test and compares the rule's results with the expectation (``hybrid-check
policies test DIR`` and ``tests/test_rule_cases.py`` are both thin over it).

The comparison: for each status listed under a case, the set of ``resource.name`` values of the
rule's results with that status equals the list exactly; a status not listed has no results. Results
of other rules are ignored. A case whose scan reports input errors is a mismatch that shows them.

A folder is malformed (an :class:`~checker.model.InputError`, exit 2 in the CLI) when its
``expected.yaml`` is missing, is not valid YAML or does not match ``schemas/rule-tests.schema.json``,
names a rule the policies do not define, lists a case file that does not exist, or leaves a case file
of the folder unlisted, or has no case with a pass and none with a fail.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from checker.model import CheckerError, InputError
from checker.policy.loader import TESTS_DIR

if TYPE_CHECKING:
    import jsonschema

    from checker.policy.model import Policy

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "rule-tests.schema.json"
EXPECTED_FILE = "expected.yaml"
#: Statuses a case may expect, in the order results are shown.
CASE_STATUSES = ("pass", "fail", "unknown", "not-applicable")
#: Files of a test folder that are cases (a ``<stem>.parameters.json`` beside a case is its parameter file).
CASE_SUFFIXES = (".json", ".jsonc", ".bicep")


@dataclass(frozen=True)
class RuleFolder:
    """One ``tests/<RULE-ID>/`` folder as read from its ``expected.yaml``."""

    rule: str
    folder: Path
    #: case file name -> status -> the resource names expected with that status
    cases: Mapping[str, Mapping[str, frozenset[str]]]


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case: what was expected, what the rule gave, and how they differ."""

    rule: str
    case: Path
    expected: Mapping[str, frozenset[str]]
    actual: Mapping[str, frozenset[str]]
    errors: tuple[str, ...] = ()  # input errors of the case's scan (a mismatch)
    difference: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        lines = [f"input error: {error}" for error in self.errors]
        for status in CASE_STATUSES:
            expected = self.expected.get(status, frozenset())
            actual = self.actual.get(status, frozenset())
            missing, extra = sorted(expected - actual), sorted(actual - expected)
            if missing:
                lines.append(f"{status}: expected but not given for {', '.join(missing)}")
            if extra:
                lines.append(f"{status}: given but not expected for {', '.join(extra)}")
        object.__setattr__(self, "difference", tuple(lines))

    @property
    def ok(self) -> bool:
        return not self.difference


def case_files(folder: Path) -> list[str]:
    """The case files of a test folder (its inputs, without parameter files), by name."""
    return sorted(p.name for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() in CASE_SUFFIXES
                  and not p.name.lower().endswith(".parameters.json"))


def discover(policy_dir: Path) -> tuple[list[Path], list[InputError]]:
    """The ``tests/<RULE-ID>/`` folders below a policy folder; a folder without ``expected.yaml``
    is an error."""
    folders: list[Path] = []
    errors: list[InputError] = []
    for tests in sorted(p for p in Path(policy_dir).rglob(TESTS_DIR) if p.is_dir()):
        for folder in sorted(p for p in tests.iterdir() if p.is_dir()):
            if (folder / EXPECTED_FILE).is_file():
                folders.append(folder)
            else:
                errors.append(InputError(file=str(folder), line=None, message=f"no {EXPECTED_FILE} in the test folder",
                                         hint="each tests/<RULE-ID>/ folder lists its cases in expected.yaml"))
    return folders, errors


_validator_cache: list[jsonschema.protocols.Validator] = []


def _validator() -> jsonschema.protocols.Validator:
    import jsonschema

    if not _validator_cache:
        schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        _validator_cache.append(jsonschema.Draft202012Validator(schema))
    return _validator_cache[0]


def read_folder(folder: Path, rules: Sequence[str] | None = None) -> tuple[RuleFolder | None, list[InputError]]:
    """Read and check one test folder; ``rules`` are the rule ids the policies define (None: not checked)."""
    from checker.policy.loader import did_you_mean, json_path, read_yaml

    path = folder / EXPECTED_FILE
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [InputError(file=file, line=None, message=f"cannot read the file: {error}")]
    try:
        document, positions = read_yaml(text, file)
    except CheckerError as error:
        return None, [error.to_input_error()]
    errors: list[InputError] = []
    for problem in sorted(_validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        where = tuple(problem.absolute_path)
        if problem.validator == "propertyNames" or "propertyNames" in problem.schema_path:
            where = (*where, problem.instance)
            message = f"{json_path(where)}: case files end in .json, .jsonc or .bicep and lie in the folder"
        else:
            prefix = json_path(where)
            message = f"{prefix + ': ' if prefix else ''}{problem.message}"
        errors.append(InputError(file=file, line=positions.line(where, key=True), message=message,
                                 hint="see checker/schemas/rule-tests.schema.json"))
    if errors:
        return None, errors
    rule = str(document.get("rule") or folder.name)
    if rules is not None and rule not in rules:
        errors.append(InputError(file=file, line=positions.line(("rule",), key=True),
                                 message=f"no rule '{rule}' in the policies under test{did_you_mean(rule, rules)}",
                                 hint="name the folder after the rule id or set rule:"))
    cases: dict[str, Mapping[str, frozenset[str]]] = {}
    for name, expectation in document["cases"].items():
        if not (folder / name).is_file():
            errors.append(InputError(file=file, line=positions.line(("cases", name), key=True),
                                     message=f"cases: '{name}' is not a file of the folder",
                                     hint="add the file or remove its entry"))
        cases[name] = MappingProxyType({status: frozenset(names) for status, names in expectation.items()})
    for name in case_files(folder):
        if name not in cases:
            errors.append(InputError(file=file, line=positions.line(("cases",), key=True),
                                     message=f"cases: the case file '{name}' is not listed",
                                     hint="add its expected verdicts (or remove the file)"))
    for status in ("pass", "fail"):
        if not any(expectation.get(status) for expectation in cases.values()):
            errors.append(InputError(file=file, line=positions.line(("cases",), key=True),
                                     message=f"cases: no case on which the rule gives {status}",
                                     hint="every rule folder has at least one pass and one fail case"))
    if errors:
        return None, errors
    return RuleFolder(rule=rule, folder=folder, cases=MappingProxyType(cases)), []


def run_case(folder: RuleFolder, case: str, policies: Sequence[Policy]) -> CaseResult:
    """Scan one case file alone (with its ``.parameters.json`` sibling, as a scan does) and compare."""
    from checker import api

    path = folder.folder / case
    report = api.scan([path], api.ScanOptions(policies=tuple(policies)))
    actual: dict[str, set[str]] = {}
    for result in report.results:
        if result.rule == folder.rule:
            actual.setdefault(result.status, set()).add(result.resource.name)
    return CaseResult(rule=folder.rule, case=path, expected=folder.cases[case],
                      actual=MappingProxyType({status: frozenset(names) for status, names in actual.items()}),
                      errors=tuple(str(error) for error in report.errors))


def load_suite(policy_dir: Path, policies: Sequence[Policy] | None = None
               ) -> tuple[list[Policy], list[RuleFolder], list[InputError]]:
    """The policies of a folder (``policies`` when already loaded) and its checked test folders."""
    errors: list[InputError] = []
    if policies is None:
        from checker.policy.loader import load_policies
        from checker.views import SUBJECT_KINDS

        loaded, errors = load_policies([Path(policy_dir)], known_subjects=SUBJECT_KINDS)
        policies = loaded
    paths, problems = discover(policy_dir)
    errors.extend(problems)
    rules = [p.id for p in policies]
    folders: list[RuleFolder] = []
    seen: dict[str, Path] = {}
    for path in paths:
        folder, problems = read_folder(path, rules)
        errors.extend(problems)
        if folder is None:
            continue
        if folder.rule in seen:
            errors.append(InputError(file=str(path), line=None, message=f"a second test folder for {folder.rule}",
                                     hint=f"the first is {seen[folder.rule]}"))
            continue
        seen[folder.rule] = path
        folders.append(folder)
    return list(policies), folders, errors


def run(policy_dirs: Sequence[Path]) -> tuple[list[CaseResult], list[InputError]]:
    """Run every case of every test folder below each policy folder with that folder's policies.
    Malformed folders are errors and their cases are not run; the other folders still run."""
    results: list[CaseResult] = []
    errors: list[InputError] = []
    for policy_dir in policy_dirs:
        policy_dir = Path(policy_dir)
        if not policy_dir.is_dir():
            errors.append(InputError(file=str(policy_dir), line=None, message="policy directory not found",
                                     hint="give a folder of policies with tests/<RULE-ID>/ folders"))
            continue
        policies, folders, problems = load_suite(policy_dir)
        errors.extend(problems)
        if not folders and not problems:
            errors.append(InputError(file=str(policy_dir), line=None, message="no rule test folders found",
                                     hint="put cases and expected.yaml in tests/<RULE-ID>/ beside the policies"))
        for folder in folders:
            results.extend(run_case(folder, case, policies) for case in folder.cases)
    return results, errors


def expectation_text(statuses: Mapping[str, Any]) -> str:
    """``pass: a, b; fail: c`` for a status -> names mapping (in status order)."""
    parts = [f"{status}: {', '.join(sorted(statuses[status])) or '-'}" for status in CASE_STATUSES
             if status in statuses and statuses[status]]
    return "; ".join(parts) or "no results"

"""The compiled form of the bundled policies: the same policies as the YAML loader, never stale (an edit,
an added or removed file, a change in the validating code each load from YAML again), and harmless
when the cache folder or the package folder cannot be written."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from checker.cachefiles import CACHE_ENV
from checker.policy import compiled, loader
from checker.policy.compiled import load_bundled, load_compiled
from checker.policy.loader import default_policy_dir, load_policies, policy_files, read_yaml
from checker.views import SUBJECT_KINDS

pytestmark = pytest.mark.slow  # outside `make test-fast` (see the Makefile)

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "policies"


class YamlLoads:
    """Counts the loads that go through the YAML loader."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = loader.load_policies

        def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.count += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(loader, "load_policies", counting)


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("policies-*.json")) if folder.is_dir() else []


def test_bundled_policies_from_the_compiled_form_equal_the_yaml_policies(cache: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from_yaml, errors = load_policies([default_policy_dir()], SUBJECT_KINDS)
    assert errors == [] and len(from_yaml) == len(policy_files(default_policy_dir())) > 0
    first, errors = load_bundled(SUBJECT_KINDS)  # compiles and writes the cache file
    assert errors == [] and first == from_yaml
    assert len(cache_files(cache)) == 1
    monkeypatch.setattr(compiled, "_memory", {})  # as a new process: only the file is left
    loads = YamlLoads(monkeypatch)
    second, errors = load_bundled(SUBJECT_KINDS)
    assert loads.count == 0, "the second load must come from the compiled form"
    assert errors == [] and second == from_yaml
    # field by field, including what the loader derives (positions, parameter specs, condition data)
    for cached, parsed in zip(second, from_yaml):
        assert (cached.file, cached.line) == (parsed.file, parsed.line)
        assert dict(cached.parameters) == dict(parsed.parameters)
        assert cached.condition_then == parsed.condition_then and cached.condition_if == parsed.condition_if
        assert type(cached.patterns) is tuple and type(cached.references) is tuple


def test_an_edited_policy_is_seen_on_the_next_load(cache: Path, policy_copy: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    before, errors = load_compiled(policy_copy, SUBJECT_KINDS)
    assert errors == []
    target = next(p for p in before if p.severity != "low")
    path = Path(target.file)
    path.write_text(path.read_text(encoding="utf-8").replace(f"severity: {target.severity}", "severity: low", 1),
                    encoding="utf-8")
    monkeypatch.setattr(compiled, "_memory", {})
    after, errors = load_compiled(policy_copy, SUBJECT_KINDS)
    assert errors == []
    assert next(p for p in after if p.id == target.id).severity == "low"
    assert after == load_policies([policy_copy], SUBJECT_KINDS)[0]
    assert len(cache_files(cache)) == 1  # one file per policy folder, replaced


def test_added_and_removed_policies_are_seen(cache: Path, policy_copy: Path) -> None:
    before, _ = load_compiled(policy_copy, SUBJECT_KINDS)
    removed = Path(before[0].file)
    added = policy_copy / "vpn" / "X-ADDED-RULE.yaml"
    added.write_text(removed.read_text(encoding="utf-8").replace(f"id: {before[0].id}", "id: X-ADDED-RULE", 1),
                     encoding="utf-8")
    removed.unlink()
    after, errors = load_compiled(policy_copy, SUBJECT_KINDS)
    assert errors == []
    ids = {p.id for p in after}
    assert "X-ADDED-RULE" in ids and before[0].id not in ids and len(after) == len(before)


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file counts as settled (changed before the statuses were taken), as files older than
    compiled.SETTLED_NS are: the recorded statuses are written and checked."""
    monkeypatch.setattr(compiled, "SETTLED_NS", 0)


def _no_hashing(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = compiled.content_key

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(compiled, "content_key", counting)
    return calls


def test_unchanged_statuses_skip_the_hashing(cache: Path, policy_copy: Path, settled: None,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    expected, errors = load_compiled(policy_copy, SUBJECT_KINDS)
    assert errors == []
    [cache_file] = cache_files(cache)
    recorded = json.loads(cache_file.read_text(encoding="utf-8"))["stats"]
    assert str(next(policy_copy.rglob("*.yaml"))) in recorded["paths"]
    assert str(next(policy_copy.rglob("pass.json"))) in recorded["paths"]
    monkeypatch.setattr(compiled, "_memory", {})
    hashed, loads = _no_hashing(monkeypatch), YamlLoads(monkeypatch)
    policies, errors = load_compiled(policy_copy, SUBJECT_KINDS)
    assert errors == [] and policies == expected
    assert hashed == [] and loads.count == 0
    # other subject kinds: the recorded statuses do not answer for them
    load_compiled(policy_copy, {"gateway"})
    assert hashed == [1]


def test_an_edit_that_keeps_size_and_modification_time_is_seen(cache: Path, policy_copy: Path, settled: None,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A tool that restores the modification time (cp -p, an archive) still changes the change time."""
    before, _ = load_compiled(policy_copy, SUBJECT_KINDS)
    target = next(p for p in before if p.severity == "high")
    path = Path(target.file)
    status = path.stat()
    text = path.read_text(encoding="utf-8").replace("severity: high", "severity: info", 1)
    path.write_text(text.replace("severity: info", "severity: low ", 1), encoding="utf-8")
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert path.stat().st_size == status.st_size and path.stat().st_mtime_ns == status.st_mtime_ns
    monkeypatch.setattr(compiled, "_memory", {})
    after, errors = load_compiled(policy_copy, SUBJECT_KINDS)
    assert errors == [] and next(p for p in after if p.id == target.id).severity == "low"


def test_added_examples_and_policies_are_seen_with_recorded_statuses(cache: Path, policy_copy: Path,
                                                                     settled: None,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    before, _ = load_compiled(policy_copy, SUBJECT_KINDS)
    rule = next(p for p in before if "bicep" in p.examples)
    example = Path(rule.file).parent / "tests" / rule.id / "pass.bicep"
    example.unlink()  # a removed example, then one added again
    monkeypatch.setattr(compiled, "_memory", {})
    after, errors = load_compiled(policy_copy, SUBJECT_KINDS)
    assert errors == [] and "bicep" not in next(p for p in after if p.id == rule.id).examples
    example.write_text("param x string = 'added example'\n", encoding="utf-8")
    monkeypatch.setattr(compiled, "_memory", {})
    after, errors = load_compiled(policy_copy, SUBJECT_KINDS)
    assert errors == [] and "added example" in next(p for p in after if p.id == rule.id).examples["bicep"]
    nested = policy_copy / "vpn" / "more"
    nested.mkdir()
    source = Path(before[0].file)
    (nested / "X-NESTED.yaml").write_text(
        source.read_text(encoding="utf-8").replace(f"id: {before[0].id}", "id: X-NESTED", 1), encoding="utf-8")
    monkeypatch.setattr(compiled, "_memory", {})
    load_compiled(policy_copy, SUBJECT_KINDS)
    (nested / "X-NESTED-2.yaml").write_text(
        source.read_text(encoding="utf-8").replace(f"id: {before[0].id}", "id: X-NESTED-2", 1), encoding="utf-8")
    monkeypatch.setattr(compiled, "_memory", {})
    ids = {p.id for p in load_compiled(policy_copy, SUBJECT_KINDS)[0]}
    assert {"X-NESTED", "X-NESTED-2"} <= ids


def test_recent_changes_are_not_recorded(cache: Path, policy_copy: Path) -> None:
    """Files changed within SETTLED_NS of the load: no statuses are recorded, the next load hashes."""
    load_compiled(policy_copy, SUBJECT_KINDS)
    [cache_file] = cache_files(cache)
    assert "stats" not in json.loads(cache_file.read_text(encoding="utf-8"))


def test_a_policy_made_invalid_is_reported_not_served_from_the_cache(cache: Path, policy_copy: Path) -> None:
    before, _ = load_compiled(policy_copy, SUBJECT_KINDS)
    path = Path(before[0].file)
    path.write_text(path.read_text(encoding="utf-8").replace("severity:", "severty:", 1), encoding="utf-8")
    for _ in range(2):  # an invalid folder is never stored: the error comes back every time
        policies, errors = load_compiled(policy_copy, SUBJECT_KINDS)
        assert {e.file for e in errors} == {str(path)} and any("severty" in e.message for e in errors)
        assert before[0].id not in {p.id for p in policies}


def test_a_change_in_the_validating_code_or_the_subject_kinds_compiles_again(
        cache: Path, policy_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_compiled(policy_copy, SUBJECT_KINDS)
    loads = YamlLoads(monkeypatch)
    load_compiled(policy_copy, SUBJECT_KINDS)
    assert loads.count == 0
    policies, errors = load_compiled(policy_copy, {"gateway"})  # other subject kinds: other key
    assert loads.count == 1 and errors  # most rules name subjects outside {"gateway"}
    original = compiled._code_digest
    monkeypatch.setattr(compiled, "_code_digest", lambda: original() + b"changed")
    load_compiled(policy_copy, SUBJECT_KINDS)
    assert loads.count == 2


def test_the_key_covers_every_module_of_the_policy_package() -> None:
    digest = compiled._code_digest()
    assert len(digest) == 32
    hashed = set(compiled.hashed_files())
    package = REPO / "checker"
    modules = {p.relative_to(package).as_posix() for d in ("policy", "views") for p in (package / d).glob("*.py")}
    assert modules <= hashed and {"schemas/policy.schema.json", "views/fields.py", "subject.py"} <= hashed
    assert all((package / name).is_file() for name in hashed)


def test_a_damaged_cache_file_is_ignored_and_rewritten(cache: Path, policy_copy: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    expected, _ = load_compiled(policy_copy, SUBJECT_KINDS)
    [cache_file] = cache_files(cache)
    document = json.loads(cache_file.read_text(encoding="utf-8"))
    for damage in ("{not json", json.dumps({**document, "policies": [{"id": "X"}]}),
                   json.dumps({**document, "key": "0" * 64, "policies": []})):
        cache_file.write_text(damage, encoding="utf-8")
        monkeypatch.setattr(compiled, "_memory", {})
        policies, errors = load_compiled(policy_copy, SUBJECT_KINDS)
        assert errors == [] and policies == expected
        assert json.loads(cache_file.read_text(encoding="utf-8")) == document


def test_read_only_package_folder_and_unwritable_cache(tmp_path: Path, policy_copy: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    expected, _ = load_policies([policy_copy], SUBJECT_KINDS)
    listing = sorted((p.relative_to(policy_copy), p.stat().st_mtime_ns) for p in policy_copy.rglob("*"))
    for path in [policy_copy, *policy_copy.rglob("*")]:
        path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    try:
        # the cache folder cannot be created (below a file: even root cannot): memory only, no error
        monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
        monkeypatch.setattr(compiled, "_memory", {})
        loads = YamlLoads(monkeypatch)
        for _ in range(2):
            policies, errors = load_compiled(policy_copy, SUBJECT_KINDS)
            assert errors == [] and policies == expected
        assert loads.count == 1  # the second load came from memory
        # a writable cache folder elsewhere: the package folder is still left untouched
        monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
        monkeypatch.setattr(compiled, "_memory", {})
        policies, errors = load_compiled(policy_copy, SUBJECT_KINDS)
        assert errors == [] and policies == expected and len(cache_files(tmp_path / "cache")) == 1
        assert sorted((p.relative_to(policy_copy), p.stat().st_mtime_ns) for p in policy_copy.rglob("*")) == listing
    finally:
        for path in [policy_copy, *policy_copy.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)


def test_an_empty_cache_setting_writes_no_file(tmp_path: Path, policy_copy: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "")
    monkeypatch.setattr(compiled, "_memory", {})
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    policies, errors = load_compiled(policy_copy, SUBJECT_KINDS)
    assert errors == [] and policies
    assert compiled.cache_dir() is None
    assert not (tmp_path / "home").exists() and not (tmp_path / "xdg").exists()


def test_default_cache_folder_follows_the_platform_conventions(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert compiled.cache_dir() == tmp_path / "xdg" / "hybrid-check"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert compiled.cache_dir() == tmp_path / "home" / ".cache" / "hybrid-check"


def test_a_scan_with_the_compiled_form_imports_neither_yaml_nor_jsonschema(tmp_path: Path) -> None:
    """The first scan compiles the bundled policies (YAML and schema); the next ones read the compiled
    form and never import the YAML or schema libraries."""
    fixture = REPO / "fixtures" / "vpn" / "non-compliant" / "bgp-asn-apipa.json"
    code = ("import sys\nfrom checker.cli import main\n"
            f"code = main(['scan', {str(fixture)!r}, '--format', 'json', '--allow-empty'])\n"
            "print(code, 'yaml' in sys.modules, 'jsonschema' in sys.modules, file=sys.stderr)\n")
    env = {**os.environ, CACHE_ENV: str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path,
                           check=False) for _ in range(2)]
    first, second = (run.stderr.strip().splitlines()[-1].split() for run in runs)
    assert first[1:] == ["True", "True"]  # compiled from YAML, validated by the schema
    assert second[1:] == ["False", "False"]
    assert first[0] == second[0] and runs[0].stdout == runs[1].stdout


# ---------------------------------------------------------------------------------------------------
# libyaml and the pure-Python parser read policies alike
# ---------------------------------------------------------------------------------------------------

def _policy_texts() -> list[Path]:
    return sorted([*default_policy_dir().rglob("*.yaml"), *DATA.rglob("*.yaml")])


@pytest.mark.parametrize("path", _policy_texts(), ids=lambda p: p.name)
def test_libyaml_and_pure_python_yaml_give_the_same_document_and_lines(path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    yaml = pytest.importorskip("yaml")
    if not hasattr(yaml, "CSafeLoader"):
        pytest.skip("PyYAML without libyaml")
    text = path.read_text(encoding="utf-8-sig")

    def outcome() -> object:
        try:
            document, positions = read_yaml(text, path.name)
        except Exception as error:  # noqa: BLE001 - the error is the outcome compared
            return ("error", type(error).__name__, str(error))
        return document, positions.values, positions.keys

    fast = outcome()
    monkeypatch.setattr(loader, "_compose_fast", lambda text: None)
    assert outcome() == fast


@pytest.mark.parametrize("text", [
    "a: [1, 2\nb: :\n",  # libyaml words this differently: the pure-Python parser's message is kept
    "a: 1\n  b: 2\n", "a: b\n\tc: d\n", "a: b\nc: \x07\n", "a: &x [*x]\n", "a: 1\n---\nb: 2\n", "",
    "a: !!python/object/apply:os.system ['x']\n", "a: " + "[" * 3000 + "]" * 3000 + "\n",
])
def test_broken_yaml_reads_the_same_with_or_without_libyaml(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def outcome() -> object:
        try:
            return read_yaml(text, "f.yaml")[0]
        except Exception as error:  # noqa: BLE001 - the error is the outcome compared
            return (type(error).__name__, getattr(error, "message", str(error)), getattr(error, "line", None))

    fast = outcome()
    monkeypatch.setattr(loader, "_compose_fast", lambda text: None)
    slow = outcome()
    if "nested deeper" in str(fast):  # libyaml composes it; the pure-Python parser runs out of stack
        assert "nested deeper" in str(slow)
    else:
        assert slow == fast


@pytest.mark.parametrize(("nesting", "line"), [
    ("then: " + "[" * 3000 + "]" * 3000 + "\n", 3),
    ("then:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 150)) + "  " * 150 + "x\n", None),
])
def test_deeply_nested_policy_is_an_input_error_with_its_line(tmp_path: Path, nesting: str,
                                                                line: int | None) -> None:
    path = tmp_path / "X-DEEP.yaml"
    path.write_text("id: X-DEEP\ntitle: t\n" + nesting, encoding="utf-8")
    policy, errors = loader.load_policy_file(path, "X-DEEP.yaml")
    assert policy is None and len(errors) == 1
    assert errors[0].message == f"values are nested deeper than {loader.MAX_YAML_DEPTH} levels"
    assert errors[0].line is not None and (errors[0].line == line if line else errors[0].line > 100)


def test_policy_files_walk_finds_what_a_recursive_glob_finds(tmp_path: Path) -> None:
    """The walk that skips tests/ folders finds the files the plain recursive glob (and filter) finds."""
    from checker.policy.loader import POLICY_SUFFIXES, TESTS_DIR, policy_files

    for relative in ("a/R1.yaml", "a/R2.YML", "a/tests/R1/case.yaml", "a/tests/x/deeper/R9.yaml", "b/Tests/R3.yaml",
                     ".hidden/R4.yaml", "c/.yaml", "c/R5.yaml.txt", "c/d/e/R6.yml", "tests/R7.yaml", "R8.yaml",
                     "c/tests.yaml"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("id: x\n")
    (tmp_path / "f.yaml").mkdir()  # a folder named like a policy file
    try:
        (tmp_path / "link").symlink_to(tmp_path / "a", target_is_directory=True)
        (tmp_path / "linked.yaml").symlink_to(tmp_path / "R8.yaml")
    except OSError:  # no symbolic links here
        pass
    globbed = sorted((p for p in tmp_path.rglob("*") if p.suffix.lower() in POLICY_SUFFIXES and p.is_file()
                      and TESTS_DIR not in p.relative_to(tmp_path).parts[:-1]),
                     key=lambda p: p.relative_to(tmp_path).as_posix())
    assert policy_files(tmp_path) == globbed
    assert "a/R2.YML" in [p.relative_to(tmp_path).as_posix() for p in globbed]

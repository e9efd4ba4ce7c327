"""The compliant examples of the compiled policies (checker/policy/compiled.py): kept in a file of their
own beside the cache file and read only when something asks for them (rule pages, SARIF rule help),
so that a scan never decodes them; never stale, and a missing or damaged examples file is read around
(the examples come from the rule test folders) and compiled again on the next run, never a traceback."""

from __future__ import annotations

import copy
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from checker.api import ScanOptions, scan
from checker.cachefiles import CACHE_ENV
from checker.policy import compiled, loader
from checker.policy.compiled import examples_file, load_compiled
from checker.policy.docs import render_rule_page
from checker.policy.loader import default_policy_dir, load_policies
from checker.policy.model import Policy
from checker.report.sarif import help_markdown, render_sarif
from checker.results import Examples, RuleInfo
from checker.views import SUBJECT_KINDS

pytestmark = pytest.mark.slow  # outside `make test-fast` (see the Makefile)

REPO = Path(__file__).resolve().parents[1]


class Counter:
    """Counts calls of a module function, still calling it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
        self.count = 0
        original = getattr(owner, name)

        def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.count += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, counting)


def _new_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """As a new process would: nothing compiled in memory, only the files are left."""
    monkeypatch.setattr(compiled, "_memory", {})


def _stored(path: Path) -> tuple[dict[str, object], list[dict[str, str]]]:
    """An examples file's header and its texts, each policy's by kind."""
    header_line, body = path.read_bytes().split(b"\n", 1)
    header, text, start, texts = json.loads(header_line), body.decode("utf-8"), 0, []
    for kinds in header["lengths"]:
        texts.append({kind: text[start:(start := start + length)] for kind, length in kinds})
    assert start == len(text)
    return header, texts


def _compiled_files(cache: Path) -> tuple[Path, Path]:
    [cache_file] = sorted(cache.glob("policies-*.json"))
    return cache_file, examples_file(cache_file)


def test_the_examples_are_stored_apart_and_read_only_when_asked_for(cache: Path, policy_copy: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from_yaml, errors = load_policies([policy_copy], SUBJECT_KINDS)
    assert errors == [] and sum(1 for p in from_yaml if p.examples) > 10
    load_compiled(policy_copy, SUBJECT_KINDS)
    cache_file, examples = _compiled_files(cache)
    main = json.loads(cache_file.read_text(encoding="utf-8"))
    assert all("examples" not in entry for entry in main["policies"])
    header, texts = _stored(examples)
    assert header["key"] == main["key"] and texts == [dict(p.examples) for p in from_yaml]
    assert examples.name.removeprefix("examples-").removesuffix(".txt") in cache_file.name
    _new_process(monkeypatch)
    reads = Counter(monkeypatch, compiled._Examples, "_read")
    policies, errors = load_compiled(policy_copy, SUBJECT_KINDS)
    assert errors == [] and reads.count == 0 and not any(p.examples.loaded for p in policies)
    # the first policy asked for reads the file once, for every policy of the folder
    assert dict(policies[0].examples) == dict(from_yaml[0].examples) and reads.count == 1
    assert [dict(p.examples) for p in policies] == [dict(p.examples) for p in from_yaml] and reads.count == 1
    assert cache_file.is_file()


def test_a_scan_does_not_read_the_examples_and_sarif_does(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fixtures = [REPO / "fixtures" / "vpn", REPO / "fixtures" / "hub-spoke"]
    scan(fixtures)  # compiles the bundled policies
    _new_process(monkeypatch)
    reads = Counter(monkeypatch, compiled._Examples, "_read")
    report = scan(fixtures)
    assert report.results and report.rules and reads.count == 0
    assert not any(info.examples.loaded for info in report.rules)
    text = render_sarif(report, root=REPO)
    assert reads.count == 1 and "## Compliant example (ARM template)" in text
    yaml_report = scan(fixtures, ScanOptions(default_policies=False, policy_dirs=(default_policy_dir(),)))
    assert render_sarif(yaml_report, root=REPO) == text


def _yaml_and_compiled(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Policy], list[Policy]]:
    """The policies of ``folder`` read from YAML, and from the compiled form as the next process reads it."""
    from_yaml, _ = load_policies([folder], SUBJECT_KINDS)
    load_compiled(folder, SUBJECT_KINDS)
    _new_process(monkeypatch)
    policies, _ = load_compiled(folder, SUBJECT_KINDS)
    return from_yaml, policies


def test_rule_pages_and_help_from_the_compiled_form_equal_those_from_yaml(cache: Path, policy_copy: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from_yaml, policies = _yaml_and_compiled(policy_copy, monkeypatch)
    for cached, parsed in zip(policies, from_yaml, strict=True):
        assert render_rule_page(cached, policy_copy) == render_rule_page(parsed, policy_copy)
        assert help_markdown(cached.rule_info()) == help_markdown(parsed.rule_info())
    assert any("## Compliant example" in render_rule_page(p, policy_copy) for p in policies)


def test_an_edited_example_is_seen_from_the_examples_file(cache: Path, policy_copy: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    before, _ = load_compiled(policy_copy, SUBJECT_KINDS)
    rule = next(p for p in before if "arm" in p.examples and "bicep" in p.examples)
    folder = Path(rule.file).parent / "tests" / rule.id
    case = json.loads((folder / "pass.json").read_text(encoding="utf-8"))
    case["resources"][0]["tags"] = {"edited": "arm example"}
    (folder / "pass.json").write_text(json.dumps(case), encoding="utf-8")
    (folder / "pass.bicep").write_text("// edited bicep example\n", encoding="utf-8")
    _new_process(monkeypatch)
    loads = Counter(monkeypatch, loader, "load_policies")
    after, errors = load_compiled(policy_copy, SUBJECT_KINDS)
    assert errors == [] and loads.count == 1  # another key: compiled again
    _new_process(monkeypatch)
    again, _ = load_compiled(policy_copy, SUBJECT_KINDS)  # from the files written just now
    assert loads.count == 1
    edited = next(p for p in again if p.id == rule.id)
    assert not edited.examples.loaded
    assert '"edited": "arm example"' in edited.examples["arm"] and edited.examples["bicep"] == "// edited bicep example"
    assert again == after == load_policies([policy_copy], SUBJECT_KINDS)[0]


def _damages(data: bytes) -> list[bytes | None]:
    """A missing file, and files damaged or of another key: none of them may be trusted."""
    header_line, body = data.split(b"\n", 1)
    header = json.loads(header_line)
    lengths = header["lengths"]
    first = next(index for index, kinds in enumerate(lengths) if kinds)

    def with_header(**changes: object) -> bytes:
        return json.dumps({**header, **changes}).encode() + b"\n" + body

    longer = [list(kinds) for kinds in lengths]
    longer[first] = [[kind, length + 1] for kind, length in lengths[first]]
    return [None, b"", b"{not json", header_line, header_line + b"\n", body, data[:-1], data + b"x",
            data.replace(b"\n", b"\n\xff", 1), with_header(format=0), with_header(key="0" * 64),
            with_header(lengths=lengths[1:]), with_header(lengths=longer), with_header(lengths="x"),
            with_header(lengths=[[["arm", "1"]], *lengths[1:]]), with_header(lengths=[[["arm", -1]], *lengths[1:]]),
            with_header(lengths=[[["arm"]], *lengths[1:]]), with_header(lengths=[{}, *lengths[1:]]),
            json.dumps([1, 2]).encode() + b"\n" + body]


def test_a_missing_or_damaged_examples_file_is_read_around_and_compiled_again(
        cache: Path, policy_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected, _ = load_policies([policy_copy], SUBJECT_KINDS)
    load_compiled(policy_copy, SUBJECT_KINDS)
    cache_file, examples = _compiled_files(cache)
    good_cache, good_examples = cache_file.read_bytes(), examples.read_bytes()
    loads = Counter(monkeypatch, loader, "load_policies")
    for damage in _damages(good_examples):
        cache_file.write_bytes(good_cache)
        if damage is None:
            examples.unlink()
        else:
            examples.write_bytes(damage)
        _new_process(monkeypatch)
        before = loads.count
        policies, errors = load_compiled(policy_copy, SUBJECT_KINDS)
        assert errors == [] and loads.count == before  # the policies themselves hold
        # the examples as the YAML loader reads them, from the rule test folders
        assert [dict(p.examples) for p in policies] == [dict(p.examples) for p in expected], damage
        assert not cache_file.exists()  # the next run compiles again
        _new_process(monkeypatch)
        policies, errors = load_compiled(policy_copy, SUBJECT_KINDS)
        assert errors == [] and loads.count == before + 1 and policies == expected
        assert examples.read_bytes() == good_examples


def test_the_cli_with_a_damaged_examples_file_gives_the_same_output(tmp_path: Path) -> None:
    env = {**os.environ, CACHE_ENV: str(tmp_path / "cache")}
    command = [sys.executable, "-m", "checker", "scan", str(REPO / "fixtures" / "vpn"), "--format", "sarif"]

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path, check=False)

    first = run()  # compiles
    assert first.returncode in (0, 1) and "Compliant example" in first.stdout
    _, examples = _compiled_files(tmp_path / "cache")
    examples.write_text("{damaged", encoding="utf-8")
    damaged = run()
    assert (damaged.returncode, damaged.stdout) == (first.returncode, first.stdout)
    assert "Traceback" not in damaged.stderr
    again = run()  # compiled again, the examples file whole
    assert (again.returncode, again.stdout) == (first.returncode, first.stdout)
    assert _stored(examples)[1] == [dict(p.examples) for p in load_policies([default_policy_dir()], SUBJECT_KINDS)[0]]


def test_examples_mapping_is_read_only_compares_hashes_and_pickles_as_its_texts() -> None:
    calls: list[int] = []

    def load() -> dict[str, str]:
        calls.append(1)
        return {"arm": "[]", "bicep": "param x int"}

    lazy = Examples(load=load)
    assert not lazy.loaded and calls == []
    assert lazy == {"arm": "[]", "bicep": "param x int"} and calls == [1] and lazy.loaded
    assert lazy == Examples({"bicep": "param x int", "arm": "[]"}) and lazy != Examples({"arm": "[]"})
    assert hash(lazy) == hash(Examples({"bicep": "param x int", "arm": "[]"}))
    assert "arm" in lazy and lazy.get("live") is None and list(lazy) == ["arm", "bicep"] and len(lazy) == 2
    assert calls == [1]  # read once
    with pytest.raises(TypeError):
        lazy["arm"] = "x"  # type: ignore[index]
    assert pickle.loads(pickle.dumps(lazy)) == lazy and copy.deepcopy(lazy) == lazy
    assert Examples() == {} and not Examples()
    info = RuleInfo("R", "t", "d", "high", (), examples=(("arm", "[]"),))
    assert info.examples == {"arm": "[]"} and hash(info) == hash(RuleInfo("R", "t", "d", "high", (),
                                                                          examples={"arm": "[]"}))


def test_compiled_policies_compare_hash_and_pickle_like_yaml_ones(cache: Path, policy_copy: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from_yaml, policies = _yaml_and_compiled(policy_copy, monkeypatch)
    assert {hash(p) for p in policies} == {hash(p) for p in from_yaml}
    assert not any(p.examples.loaded for p in policies)
    for policy, parsed in zip(policies, from_yaml, strict=True):
        copied = pickle.loads(pickle.dumps(policy))
        assert copied == policy == parsed and hash(copied) == hash(policy)
        assert dict(copied.examples) == dict(parsed.examples)
        with pytest.raises(TypeError):
            copied.parameters["x"] = None  # type: ignore[index]
        assert policy.rule_info() == parsed.rule_info() and hash(policy.rule_info()) == hash(parsed.rule_info())
    changed = pickle.loads(pickle.dumps(from_yaml[0]))
    assert changed == from_yaml[0]


def test_the_examples_file_keeps_any_text(tmp_path: Path) -> None:
    texts = [{"arm": '[\n  {"name": "gw-é→\\"x\\""}\n]', "bicep": "param x string = 'a\nb'\n// \ud800 lone"},
             {}, {"live": ""}, {"bicep": "\r\n\x00\U0001f600"}]
    path = tmp_path / "examples-x.txt"
    compiled._write_examples(path, "k", texts)
    assert compiled._read_examples(path, "k", len(texts)) == texts
    assert compiled._read_examples(path, "other", len(texts)) is None
    assert compiled._read_examples(path, "k", len(texts) + 1) is None
    assert compiled._read_examples(tmp_path / "absent.txt", "k", len(texts)) is None

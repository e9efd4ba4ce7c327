"""The value records (checker/records.py) behave as the dataclasses they replaced: constructors take
their fields in order, equality and hashing go by the compared fields, frozen ones refuse assignment,
and ``replace``, copy and pickle make equal records."""

from __future__ import annotations

import copy
import importlib
import inspect
import pickle
import pkgutil

import pytest

import checker
from checker.api import ScanOptions
from checker.graph import Relation
from checker.model import Origin, Resource, Unknown
from checker.records import Frozen, FrozenError, Value, replace
from checker.report.model import Report
from checker.results import Location, ResourceRef, Result
from checker.sources.arm.context import DeploymentContext
from checker.subject import Subject
from checker.views.registry import Field, KindSchema


def _records() -> list[type[Value]]:
    for module in pkgutil.walk_packages(checker.__path__, "checker."):
        if module.name.endswith(("__main__", ".live", "checker.policy.docs", "checker.views.docs")):
            continue
        importlib.import_module(module.name)
    found: list[type[Value]] = []
    pending: list[type[Value]] = [Value]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if "_fields" in sub.__dict__:
                found.append(sub)
    return found


def test_every_record_takes_its_fields_in_order() -> None:
    records = _records()
    assert {Origin, Resource, Result, Location, ResourceRef, Subject, Relation, Report, ScanOptions} <= set(records)
    for cls in records:
        parameters = [name for name in inspect.signature(cls.__init__).parameters if name != "self"]
        assert parameters == list(cls._fields), f"{cls.__name__}.__init__ out of step with its _fields"
        assert set(cls._compared or ()) <= set(cls._fields) and set(cls._shown or ()) <= set(cls._fields)


def test_frozen_records_compare_hash_and_show_like_frozen_dataclasses() -> None:
    a, b = Origin("a.json", 3, 4, "/resources/0"), Origin("a.json", 3, 4, "/resources/0")
    assert a == b and a is not b and hash(a) == hash(b) == hash(("a.json", 3, 4, "/resources/0"))
    assert a != Origin("a.json", 3, 5, "/resources/0")
    assert a.__eq__("a.json") is NotImplemented
    assert repr(a) == "Origin(file='a.json', line=3, column=4, pointer='/resources/0')"
    assert repr(Location("f", 1)) == "Location(file='f', line=1, column=None, pointer='', property=None)"
    assert len({a, b, Origin("b.json")}) == 2
    for record in (a, Location("f", 1), ResourceRef("/x", "t", "x")):
        with pytest.raises(FrozenError):
            record.file = "other"  # type: ignore[misc, attr-defined]
        with pytest.raises(AttributeError):
            del record.line  # type: ignore[attr-defined]
    assert isinstance(FrozenError("x"), AttributeError)


def test_fields_left_out_of_comparison_stay_out() -> None:
    assert Unknown("r", "sym-1") == Unknown("r", "sym-2") and hash(Unknown("r", "a")) == hash(Unknown("r"))
    assert repr(Unknown("r", "s")) == "Unknown('r')"
    live = DeploymentContext(known_resources={"id": {}})
    assert live == DeploymentContext() and "known_resources" not in repr(live)
    assert live.with_(location="eastus").known_resources == {"id": {}}
    report = Report("hybrid-check", "1", topology_builder=list)
    assert report == Report("hybrid-check", "1") and "topology" not in repr(report)
    schema = KindSchema("gateway", (Field(("a", "b[*]"), "string", "doc"),))
    assert set(schema.by_key) == {"a", "b"} and schema == KindSchema("gateway", schema.fields)


def test_mutable_records_are_not_hashable_and_keep_their_own_defaults() -> None:
    resource = Resource("/x", "t", "x", {"Properties": {"a": 1}}, Origin("f"))
    with pytest.raises(TypeError):
        hash(resource)
    assert resource.body["properties"] == {"a": 1}  # made case-insensitive when made
    resource.name = "y"
    assert resource == Resource("/x", "t", "y", {"Properties": {"a": 1}}, Origin("f"))
    first, second = Report("t", "1"), Report("t", "1")
    first.results.append("r")  # type: ignore[arg-type]
    assert second.results == [] and first != second
    assert ScanOptions().context == DeploymentContext() and ScanOptions().context is not ScanOptions().context


def test_replace_copy_and_pickle() -> None:
    result = Result("R-1", "pass", "high", None, ResourceRef("/x", "t", "x"), Location("a.json", 3), "m")
    failed = replace(result, status="fail", context=True)
    assert (failed.status, failed.context, result.status) == ("fail", True, "pass")
    assert replace(failed, status="pass", context=False) == result
    with pytest.raises(TypeError):
        replace(result, colour="red")
    report = Report("t", "1", results=[result])
    assert replace(report, results=[]).results == [] and report.results == [result]
    for record in (result, Origin("a", 1), ResourceRef("/x", "t", "x"), Unknown("r"),
                   Relation("k", "s", "t", True, "v", "t"), KindSchema("k", ())):
        assert copy.copy(record) == record and copy.deepcopy(record) == record
        assert pickle.loads(pickle.dumps(record)) == record


def test_frozen_is_a_value() -> None:
    assert issubclass(Frozen, Value) and Value.__hash__ is None

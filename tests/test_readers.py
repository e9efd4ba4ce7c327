"""The reader registry: each input kind is one reader, the first that recognises a document reads it,
one load type for all of them, and a new reader needs only a registry entry to be used."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from checker.model import Origin, Resource
from checker.sources import decode, inputs, readers
from checker.sources.load import SourceLoad

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


def _reader_of(path: Path) -> str | None:
    doc = decode.loads(path.read_bytes(), str(path))
    return next((r.name for r in readers.READERS if not r.suffixes and r.recognises(doc)), None)


@pytest.mark.parametrize(("path", "expected"), [
    (REPO / "fixtures/vpn/compliant/vpn-hub.json", "template"),
    (REPO / "fixtures/vpn/non-compliant/vpn-branch-bicep.parameters.json", "parameter-file"),
    (DATA / "whatif/powershell.whatif.json", "what-if"),
    (DATA / "export/snapshot.json", "snapshot"),
    (DATA / "export/arg-graph-query.json", "export"),
    (DATA / "export/az-resource-list.json", "export"),
])
def test_first_reader_that_recognises_a_document_reads_it(path: Path, expected: str) -> None:
    assert _reader_of(path) == expected


def test_building_blocks_and_other_json_are_recognised_by_content() -> None:
    azbb = {"buildingBlocks": [{"type": "VirtualNetwork"}]}
    assert next(r.name for r in readers.READERS if r.recognises(azbb)) == "azure-building-blocks"
    assert not any(r.recognises({"name": "a-package", "version": "1.0.0"}) for r in readers.READERS)


def test_walked_suffixes_come_from_the_registry() -> None:
    own = tuple(suffix for r in readers.READERS for suffix in r.suffixes)
    assert ".bicep" in own and ".bicepparam" in own
    assert inputs.INPUT_SUFFIXES == (".json", ".jsonc", *own)


def test_one_load_type() -> None:
    from checker.sources import export, whatif
    from checker.sources.arm import deployment

    assert inputs.InputLoad is SourceLoad and deployment.TemplateLoad is SourceLoad
    doc = decode.loads((DATA / "export/az-resource-list.json").read_bytes(), "x.json")
    assert type(export.read_export(doc, "x.json")) is SourceLoad
    doc = decode.loads((DATA / "whatif/powershell.whatif.json").read_bytes(), "w.json")
    assert type(whatif.read_whatif(doc, "w.json")) is SourceLoad


class _Inventory(readers.Reader):
    """A made-up input format: ``{"inventory": [{"id", "type", "name"}]}``."""

    name = "inventory"

    def recognises(self, doc: Any) -> bool:
        return isinstance(doc, dict) and isinstance(doc.get("inventory"), list)

    def read(self, items: Sequence[tuple[Path, Any]], ctx: readers.ReadContext) -> SourceLoad:
        load = SourceLoad()
        for path, doc in items:
            for index, item in enumerate(doc["inventory"]):
                load.resources.append(Resource(id=item["id"], type=item["type"], name=item["name"],
                                               origin=Origin(file=ctx.shown(path), pointer=f"/inventory/{index}"),
                                               body={"properties": {}}))
        return load


def test_a_new_reader_is_one_registry_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vnet_id = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-a"
    (tmp_path / "inventory.json").write_text(json.dumps(
        {"inventory": [{"id": vnet_id, "type": "Microsoft.Network/virtualNetworks", "name": "vnet-a"}]}))
    before = inputs.read_inputs([tmp_path / "inventory.json"])
    assert before.errors and "not an ARM template" in before.errors[0].message and not before.resources

    monkeypatch.setattr(inputs, "READERS", (*readers.READERS, _Inventory()))
    after = inputs.read_inputs([tmp_path / "inventory.json"])
    assert not after.errors
    assert [(r.id, r.origin.pointer) for r in after.resources] == [(vnet_id, "/inventory/0")]

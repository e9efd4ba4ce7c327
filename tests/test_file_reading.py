"""How files are found and read: which templates are roots, which links are followed and from where,
and what a folder walk cannot read. Each case gates (exit 2) or is checked; none hangs, none vanishes."""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from checker import api
from checker.api import ScanOptions
from checker.cli import main

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
PARAMETERS_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#"
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file types")


def template(resources: list[Any], **extra: Any) -> dict[str, Any]:
    return {"$schema": SCHEMA, "contentVersion": "1.0.0.0", **extra, "resources": resources}


def vnet(name: str) -> dict[str, Any]:
    return {"type": "Microsoft.Network/virtualNetworks", "apiVersion": "2023-09-01", "name": name,
            "location": "westeurope", "properties": {"addressSpace": {"addressPrefixes": ["10.1.0.0/16"]}}}


def linked(name: str, relative: str, **extra: Any) -> dict[str, Any]:
    return {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": name, **extra,
            "properties": {"mode": "Incremental", "templateLink": {"relativePath": relative}}}


def write(path: Path, content: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content, indent=2).encode())
    return path


def names(load: api.InputLoad) -> list[str]:
    return sorted(r.id.rsplit("/", 1)[-1] for r in load.resources if r.type.lower().endswith("virtualnetworks"))


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


# -- finding 1: a link that is not followed removes nothing -----------------------------------------------

@pytest.mark.parametrize("where", ["metadata", "condition-false", "text-in-outputs"])
def test_a_link_that_is_never_followed_does_not_drop_the_file(tmp_path: Path, where: str) -> None:
    victim = write(tmp_path / "victim.json", template([vnet("vnet-victim")]))
    link = {"templateLink": {"relativePath": "victim.json"}}
    if where == "metadata":
        other = template([vnet("vnet-other")], metadata={"note": link})
    elif where == "condition-false":
        other = template([vnet("vnet-other"), linked("dep", "victim.json", condition=False)])
    else:
        other = template([vnet("vnet-other")], outputs={"o": {"type": "object", "value": link}})
    attacker = write(tmp_path / "attacker.json", other)
    for paths in ([tmp_path], [attacker, victim]):
        load = api.read(paths)
        assert "vnet-victim" in names(load), where
        assert not load.errors


def test_two_templates_that_link_each_other_are_both_checked(tmp_path: Path) -> None:
    write(tmp_path / "a.json", template([vnet("vnet-a"), linked("to-b", "b.json", condition=False)]))
    write(tmp_path / "b.json", template([vnet("vnet-b"), linked("to-a", "a.json", condition=False)]))
    assert names(api.read([tmp_path])) == ["vnet-a", "vnet-b"]


def test_a_followed_link_reads_the_file_once_and_says_through_which_deployment(tmp_path: Path) -> None:
    write(tmp_path / "main.json", template([linked("child", "nested/child.json")]))
    write(tmp_path / "nested" / "child.json", template([vnet("vnet-child")]))
    load = api.read([tmp_path])
    assert names(load) == ["vnet-child"]  # once, through the deployment
    notes = [n for n in load.notices if n.file.endswith("child.json")]
    assert notes and "read as the linked template of the deployment in" in notes[0].message
    assert "main.json" in notes[0].message


# -- finding 2: links stay inside the scanned folders; one reader with limits --------------------------------

def _leaking(tmp_path: Path, link_key: str) -> Path:
    """A scanned folder whose template links a file beside (outside) it."""
    outside = tmp_path / "outside"
    write(outside / "secret.parameters.json", {"$schema": PARAMETERS_SCHEMA, "contentVersion": "1.0.0.0",
                                                "parameters": {"vnetName": {"value": "LEAKED-VALUE"}}})
    write(outside / "child.json", template([vnet("LEAKED-NAME")]))
    inner = template([vnet("[parameters('vnetName')]")], parameters={"vnetName": {"type": "string"}})
    deployment: dict[str, Any] = {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01",
                                  "name": "dep", "properties": {"mode": "Incremental"}}
    if link_key == "parametersLink":
        write(tmp_path / "scan" / "inner.json", inner)
        deployment["properties"]["templateLink"] = {"relativePath": "inner.json"}
        deployment["properties"]["parametersLink"] = {"relativePath": "../outside/secret.parameters.json"}
    elif link_key == "absolute":
        deployment["properties"]["templateLink"] = {"relativePath": str(outside / "child.json")}
    else:
        deployment["properties"]["templateLink"] = {"relativePath": "../../outside/child.json"}
    folder = tmp_path / "scan" / "deep" if link_key == "templateLink" else tmp_path / "scan"
    write(folder / "main.json", template([deployment]))
    return tmp_path / "scan"


@pytest.mark.parametrize("link_key", ["parametersLink", "templateLink", "absolute"])
def test_a_link_outside_the_scanned_folders_is_an_input_error_and_not_read(
        tmp_path: Path, link_key: str, capsys: pytest.CaptureFixture[str]) -> None:
    scanned = _leaking(tmp_path, link_key)
    code, out, err = run(["scan", str(scanned), "--format", "json"], capsys)
    assert code == 2
    assert "LEAKED" not in out + err
    assert "is outside the scanned folders" in err
    assert ("secret.parameters.json" if link_key == "parametersLink" else "child.json") in err


def test_link_root_widens_where_links_are_read(tmp_path: Path) -> None:
    scanned = _leaking(tmp_path, "templateLink")
    assert "LEAKED-NAME" not in names(api.read([scanned]))
    load = api.read([scanned], ScanOptions(link_roots=(str(tmp_path / "outside"),)))
    assert names(load) == ["LEAKED-NAME"]
    assert not load.errors


def test_a_linked_template_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "main.json", template([linked("child", "child.json")]))
    # named on the command line: only main.json is an input; child.json is read through the link
    write(tmp_path / "child.json", template([vnet("vnet-big")], variables={"pad": "x" * 2_000_000}))
    load = api.read([tmp_path / "main.json"], ScanOptions(max_file_bytes=1_000_000))
    assert "vnet-big" not in names(load)
    assert any("more than the limit of 1,000,000" in e.message for e in load.errors)


@posix_only
def test_a_linked_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    write(tmp_path / "main.json", template([linked("child", "child.json")]))
    os.mkfifo(tmp_path / "child.json")  # reading it would block for ever
    load = api.read([tmp_path / "main.json"])
    assert any("not a regular file" in e.message and "child.json" in e.message for e in load.errors)


@posix_only
@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_parameter_file_that_is_a_device_or_fifo_is_refused(
        tmp_path: Path, special: str, capsys: pytest.CaptureFixture[str]) -> None:
    if special == "fifo":
        os.mkfifo(tmp_path / "p.json")
        special = str(tmp_path / "p.json")
    if not Path(special).exists():
        pytest.skip(f"{special} does not exist here")
    main_file = write(tmp_path / "main.json", template([vnet("vnet-a")]))
    code, _, err = run(["scan", str(main_file), "-p", special, "--format", "json"], capsys)
    assert code == 2
    assert "not a regular file" in err


# -- finding 7: what a walk cannot read is an error ------------------------------------------------------------

@posix_only
@pytest.mark.parametrize("kind", ["broken", "loop", "fifo"])
def test_a_walk_reports_what_it_cannot_read(tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "good.json", template([vnet("vnet-good")]))
    bad = tmp_path / "bad.json"
    if kind == "broken":
        bad.symlink_to(tmp_path / "missing.json")
    elif kind == "loop":
        bad.symlink_to(tmp_path / "bad.json")
    else:
        os.mkfifo(bad)
    load = api.read([tmp_path])
    assert names(load) == ["vnet-good"]
    errors = [e for e in load.errors if e.file.endswith("bad.json")]
    expected = {"broken": "broken symbolic link", "loop": "loops", "fifo": "not a regular file"}[kind]
    assert errors and expected in errors[0].message
    code, _, err = run(["scan", str(tmp_path), "--format", "json"], capsys)
    assert code == 2 and "bad.json" in err


def test_an_unreadable_folder_in_a_walk_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "good.json", template([vnet("vnet-good")]))
    locked = tmp_path / "locked"
    write(locked / "hidden.json", template([vnet("vnet-hidden")]))
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:  # what a folder without read permission does (root ignores chmod)
        if Path(os.fspath(path)) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    load = api.read([tmp_path])
    assert names(load) == ["vnet-good"]
    assert any(e.file.endswith("locked") and "Permission denied" in e.message for e in load.errors)
    code, _, err = run(["scan", str(tmp_path), "--format", "json"], capsys)
    assert code == 2 and "locked" in err


def test_a_path_inside_an_unreadable_folder_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    target = write(tmp_path / "locked" / "main.json", template([vnet("vnet-a")]))
    real_stat = Path.stat

    def stat(self: Path, *args: Any, **kwargs: Any) -> Any:  # stat() below a folder without search permission
        if self == target:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    code, _, err = run(["scan", str(target), "--format", "json"], capsys)
    assert code == 2
    assert "main.json" in err and "Permission denied" in err


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="permissions do not bind root")
def test_a_folder_without_permission_is_an_error_for_real(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "good.json", template([vnet("vnet-good")]))
    locked = tmp_path / "locked"
    target = write(locked / "main.json", template([vnet("vnet-hidden")]))
    locked.chmod(0)
    try:
        assert run(["scan", str(tmp_path), "--format", "json"], capsys)[0] == 2
        assert run(["scan", str(target), "--format", "json"], capsys)[0] == 2
    finally:
        locked.chmod(0o755)

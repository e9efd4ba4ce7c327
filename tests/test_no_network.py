"""A scan opens no network connection: sockets are disabled while it reads templates that link to
remote URIs, the bundled fixtures and, when present, the shared corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_socket import SocketBlockedError, disable_socket, enable_socket

from checker import api
from tests.conftest import REPO_ROOT, shared_dir


@pytest.fixture
def no_sockets():
    disable_socket(allow_unix_socket=False)
    try:
        yield
    finally:
        enable_socket()


def test_socket_guard_is_active(no_sockets: None) -> None:
    import socket

    with pytest.raises(SocketBlockedError):
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)


def test_scan_opens_no_socket(tmp_path: Path, no_sockets: None) -> None:
    remote = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "resources": [{"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "remote",
                       "properties": {"mode": "Incremental",
                                      "templateLink": {"uri": "https://raw.githubusercontent.com/x/y/main/t.json"},
                                      "parametersLink": {"uri": "https://raw.githubusercontent.com/x/y/main/p.json"}}}],
    }
    (tmp_path / "remote.json").write_text(json.dumps(remote))
    paths = [tmp_path, REPO_ROOT / "fixtures"]
    shared = shared_dir()
    if shared is not None and (shared / "corpus").is_dir():
        paths.append(shared / "corpus")
    report = api.scan(paths)
    assert report.results, "the scan evaluated something"
    assert any("raw.githubusercontent.com/x/y/main/t.json" in n.message for n in report.notices)

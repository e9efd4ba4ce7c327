"""``make demo-live``: serve the hybrid demo estate from a fake ARM on 127.0.0.1 and run the real
``hybrid-check audit`` command against it, printing each command and its output."""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.fakearm import estate as demo_estate
from tests.fakearm.server import FakeArm, forbidden


class DemoCredential:
    """Stands in for ``az login``: the fake ARM accepts any bearer token."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken("demo-token", int(time.time()) + 3600)


def run_command(argv: list[str]) -> int:
    from checker import cli

    print(f"\n$ hybrid-check {shlex.join(argv)}", flush=True)
    code = cli.main(argv)
    sys.stdout.flush()
    print(f"[exit code {code}]", flush=True)
    return code


def main() -> int:
    try:
        import azure.mgmt.network  # noqa: F401
    except ImportError:
        print("the live demo needs the Azure SDK: pip install -e '.[live,dev]'", file=sys.stderr)
        return 2
    from checker.sources import live

    # Only the credential is replaced: clients, retries, paging and TLS are the real SDK's.
    live._build_credential = lambda auth, cloud: DemoCredential()
    estate = demo_estate.hybrid_estate()
    with FakeArm(estate, page_size=2) as arm, tempfile.TemporaryDirectory(prefix="hybrid-check-demo-") as tmp:
        os.environ["REQUESTS_CA_BUNDLE"] = arm.ca_path
        print(f"Fake Azure Resource Manager at {arm.url} (TLS with a throw-away CA: REQUESTS_CA_BUNDLE={arm.ca_path})")
        print(f"Estate: {len(estate.subscriptions)} subscriptions, {estate.group_count()} resource groups, "
              f"{estate.count()} network resources; a compliant hub (rg-hub-net) and a non-compliant branch "
              f"(rg-branch-net); the ExpressRoute circuits live in another subscription.")
        snapshot = Path(tmp) / "snapshot.json"
        scope = ["--subscription", demo_estate.SUB_CONNECTIVITY, "--subscription", demo_estate.SUB_CIRCUITS,
                 "--arm-endpoint", arm.url, "--auth", "cli"]
        run_command(["audit", *scope, "--deep", "--save-snapshot", str(snapshot)])
        print(f"({len(arm.log)} requests served; snapshot of {snapshot.stat().st_size:,} bytes, "
              f"shared keys removed: {not any(s in snapshot.read_text() for s in demo_estate.SECRETS)})")

        print("\nThe same audit when the identity may not read rg-sandbox (ARM answers 403 there):")
        arm.reset()
        arm.add_fault(forbidden(f"/subscriptions/{demo_estate.SUB_CONNECTIVITY}/resourcegroups/rg-sandbox/"))
        run_command(["audit", *scope])

        print("\nThe saved snapshot is checked offline like any export:")
        run_command(["scan", str(snapshot)])
    return 0


if __name__ == "__main__":
    sys.exit(main())

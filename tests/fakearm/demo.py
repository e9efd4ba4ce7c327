"""``make demo-live``: serve the hybrid demo estate from a fake ARM on 127.0.0.1 and run the real
``hybrid-check audit`` command against it: a full audit, the same audit with one resource group denied,
and the saved snapshot checked offline. Only the credential is replaced: the SDK clients, retries,
paging and TLS are the real ones."""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.fakearm import estate as demo_estate
from tests.fakearm.server import FakeArm, forbidden

#: Kept after the demo, so that the offline commands it suggests can be run.
SNAPSHOT = Path(tempfile.gettempdir()) / "hybrid-check-demo" / "estate.json"


class DemoCredential:
    """Stands in for ``az login``: the fake ARM accepts any bearer token."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken("demo-token", int(time.time()) + 3600)


def _shown(argv: list[str], endpoint: str) -> str:
    return "$ hybrid-check " + shlex.join(argv).replace(shlex.quote(endpoint), "$FAKE_ARM")


def run_command(argv: list[str], endpoint: str, keep: str | None = None) -> tuple[int, str]:
    """Run ``hybrid-check argv``; print its output, or with ``keep`` only the part from the line that
    starts with ``keep`` on (the rest is what the previous command printed). Returns the exit code and
    the last line of the output."""
    from checker import cli

    print(_shown(argv, endpoint), flush=True)
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        code = cli.main(argv)
    lines = captured.getvalue().rstrip("\n").splitlines()
    if keep is not None:
        start = next((i for i, line in enumerate(lines) if line.startswith(keep)), len(lines) - 1)
        if start:
            print("  ...")
        lines = lines[start:]
    print("\n".join(lines))
    print(f"[exit code {code}]\n", flush=True)
    return code, lines[-1] if lines else ""


def main() -> int:
    try:
        import azure.mgmt.network  # noqa: F401
    except ImportError:
        print("the live demo needs the Azure SDK: pip install -e '.[live,dev]'", file=sys.stderr)
        return 2
    from checker.sources import live

    live._build_credential = lambda auth, cloud: DemoCredential()
    estate = demo_estate.hybrid_estate()
    SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
    with FakeArm(estate, page_size=2) as arm:
        os.environ["REQUESTS_CA_BUNDLE"] = arm.ca_path
        print(f"hybrid-check live audit demo\n"
              f"A fake Azure Resource Manager serves a small estate at FAKE_ARM={arm.url}:\n"
              f"{len(estate.subscriptions)} subscriptions, {estate.group_count()} resource groups, "
              f"{estate.count()} network resources, with a compliant hub (vnet-hub) and a non-compliant\n"
              f"branch (vnet-branch). Only the sign-in is simulated; the Azure SDK does the rest.\n")
        scope = ["--subscription", demo_estate.SUB_CONNECTIVITY, "--subscription", demo_estate.SUB_CIRCUITS,
                 "--arm-endpoint", arm.url]

        print("1. Audit both subscriptions with BGP data (--deep) and save what was read:")
        _, audited = run_command(["audit", *scope, "--deep", "--save-snapshot", str(SNAPSHOT)], arm.url)
        kept = SNAPSHOT.read_text(encoding="utf-8")
        print(f"   {len(arm.log)} requests; snapshot {SNAPSHOT} ({len(kept):,} bytes, "
              f"{'no shared key in it' if not any(s in kept for s in demo_estate.SECRETS) else 'SHARED KEYS IN IT'}).\n")

        print("2. The same audit when the identity may not read rg-sandbox (ARM answers 403 there):")
        arm.reset()
        arm.add_fault(forbidden(f"/subscriptions/{demo_estate.SUB_CONNECTIVITY}/resourcegroups/rg-sandbox/"))
        run_command(["audit", *scope, "--deep"], arm.url, keep="Not evaluated:")
        print("   A scope that could not be read counts like an unknown result: it fails the gate\n"
              "   (exit 1) unless --unknown pass is given.\n")

    print("3. The snapshot, checked offline like any export (no Azure access needed):")
    _, scanned = run_command(["scan", str(SNAPSHOT)], arm.url, keep="Gate:")
    if scanned == audited:
        print("   The same figures as step 1: the snapshot holds everything the rules read.\n")

    suggestions = [
        ("hybrid-check explain GW-SUBNET-NO-NSG", "what a rule checks and how to fix it"),
        (f"hybrid-check scan {SNAPSHOT} --format markdown", "the snapshot as a Markdown report"),
        ("hybrid-check audit --subscription <id> --auth cli", "your own estate, after `az login` and "
                                                              "pip install '.[live]'"),
        ("docs/live-audit.md", "what is collected, Resource Graph mode, faults, authentication"),
    ]
    width = max(len(command) for command, _ in suggestions)
    print("Try next:")
    for command, what in suggestions:
        print(f"  {command:<{width}}  {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

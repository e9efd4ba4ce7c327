"""Render the site diagrams of every fixture folder to docs/images/<pattern>-<variant>.png with
headless Chromium (the distribution's package). Run from the repository root after a change to the
diagrams: ``.venv/bin/python docs/images/render_fixtures.py``."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from checker import api
from checker.report.diagram import render_svg

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "docs" / "images"


def main() -> int:
    browser = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)),
                   None)
    if browser is None:
        print("Chromium is not installed (.ci/install-chromium)", file=sys.stderr)
        return 2
    for folder in sorted(p for p in (REPO / "fixtures").glob("*/*") if p.is_dir()):
        svg = render_svg(api.scan([folder]))
        height = int(svg.split('height="', 1)[1].split('"', 1)[0])
        with tempfile.TemporaryDirectory() as tmp:
            page = Path(tmp) / "sites.svg"
            page.write_text(svg, encoding="utf-8")
            target = OUT / f"{folder.parent.name}-{folder.name}.png"
            subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            f"--screenshot={target}", f"--window-size=1100,{height}", page.as_uri()],
                           check=True, capture_output=True, timeout=120)
            print(target.relative_to(REPO))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

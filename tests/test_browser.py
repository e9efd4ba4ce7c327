"""The HTML report in a real browser: headless Chromium (the distribution's package; ``.ci/run``
installs it through ``.ci/install-chromium`` when it is missing) renders the report of the fixtures to
a PNG. The page must load without console errors, keep every inline diagram, and the picture must
not be blank: it holds dark text and the red of the failing elements."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from checker import api
from checker.report.diagram import render_svg
from checker.report.html import render_html

pytestmark = pytest.mark.slow  # outside `make test-fast` (see the Makefile)

REPO = Path(__file__).resolve().parents[1]
BROWSERS = ("chromium", "chromium-browser", "chromium-headless-shell", "google-chrome")


def chromium() -> str:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("Chromium is not installed (.ci/install-chromium installs the distribution's package)")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--disable-extensions", "--enable-logging=stderr", "--v=0"]
    return subprocess.run([chromium(), *flags, *args], capture_output=True, text=True, timeout=120)


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit RGB or RGBA PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def _colours(data: bytes) -> tuple[int, int, int]:
    """(pixels, dark pixels, red pixels) of a PNG."""
    width, height, rows = png_pixels(data)
    channels = len(rows[0]) // width
    dark = red = 0
    for row in rows:
        for i in range(0, len(row), channels):
            r, g, b = row[i], row[i + 1], row[i + 2]
            if r < 80 and g < 80 and b < 80:
                dark += 1
            elif r > 140 and g < 60 and b < 80:
                red += 1
    return width * height, dark, red


def test_html_report_of_the_fixtures_renders_in_chromium(tmp_path: Path) -> None:
    chromium()
    report = api.scan([REPO / "fixtures"])
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    png = tmp_path / "report.png"
    shot = _run(f"--screenshot={png}", "--window-size=1100,1200", page.as_uri())
    assert png.is_file(), shot.stderr[-2000:]
    console_errors = [line for line in shot.stderr.splitlines()
                      if "CONSOLE" in line and ("Uncaught" in line or "ERROR:CONSOLE" in line)]
    assert not console_errors
    pixels, dark, red = _colours(png.read_bytes())
    assert dark > pixels * 0.002  # text and outlines, not a blank page
    assert red > 50  # the failing elements of the non-compliant fixtures are drawn in red
    # the browser's DOM keeps every inline diagram and has no parser error
    dom = _run("--dump-dom", page.as_uri()).stdout
    assert dom.count("<svg") == render_html(report).count("<svg") > 1
    assert "parsererror" not in dom


def test_graph_svg_is_a_valid_svg_document_for_chromium(tmp_path: Path) -> None:
    chromium()
    svg = tmp_path / "sites.svg"
    svg.write_text(render_svg(api.scan([REPO / "fixtures" / "hub-spoke"])), encoding="utf-8")
    dom = _run("--dump-dom", svg.as_uri()).stdout
    # an XML error makes Chromium show "This page contains the following errors" instead of the drawing
    assert "parsererror" not in dom and "following errors" not in dom
    assert re.search(r"<svg[^>]*width=\"1100\"", dom)
